/**
 * The AgentWallet driven by the ERC-4337 ecosystem's own tools, unchanged, through a real bundler: the SDK's
 * `toAgentWalletAccount` (a viem SmartAccount) with viem's `createBundlerClient` and permissionless'
 * `createSmartAccountClient`, against Pimlico's Alto (a child process) on an in-process Hardhat network with the
 * canonical EntryPoint v0.8. Covers the counterfactual deployment (first operation), owner, agent-key and
 * session-key operations, refusals by the bundler (over the limit, the agent raising its own limit, a forged
 * signer, a session key outside its grant) with no balance moved, and ERC-1271 message signatures.
 */
import { expect } from "chai";
import { network } from "hardhat";
import {
  BaseError,
  createPublicClient,
  custom,
  decodeErrorResult,
  encodeFunctionData,
  erc20Abi,
  keccak256,
  stringToHex,
  toFunctionSelector,
  type Address,
  type EIP1193Provider,
  type Hex,
  type PublicClient,
} from "viem";
import {
  createBundlerClient,
  entryPoint08Abi,
  type BundlerClient,
  type SmartAccount,
  type UserOperationReceipt,
} from "viem/account-abstraction";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { createSmartAccountClient } from "permissionless";
import { createPimlicoClient } from "permissionless/clients/pimlico";
import { http } from "viem";

import {
  AgentRole,
  agentWalletAbi,
  AgentWalletSignatureNotSupportedError,
  agentWalletMessageDigest,
  getSpendingLimit,
  NATIVE_TOKEN,
  toAgentWalletAccount,
  type AitbcContracts,
} from "../../sdk/src/index.js";
import {
  deployCanonicalEntryPoint,
  ENTRYPOINT_V08,
  resetBaseFee,
  startAlto,
  type Alto,
} from "../helpers/alto.js";
import { startRpcProxy } from "../helpers/rpc-proxy.js";
import { AITBC, deployToken } from "../helpers/token.js";

const DAY = 86_400n;
/** The agent's AITBC limit: 100 AITBC per day. */
const TOKEN_LIMIT = 100n * AITBC;
/** The agent's ether limit (also bounds the gas its operations may cost): 0.5 ether per day. */
const ETH_LIMIT = 5n * 10n ** 17n;
const GWEI = 10n ** 9n;
/** Gas limits given by the caller (then neither the account nor the bundler estimates them). */
const GIVEN_GAS = {
  verificationGasLimit: 150_000n,
  callGasLimit: 200_000n,
  preVerificationGas: 60_000n,
} as const;

type GasFields = {
  verificationGasLimit?: bigint;
  callGasLimit?: bigint;
  preVerificationGas?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
};

describe("AgentWallet through a real bundler (Alto): viem createBundlerClient and permissionless createSmartAccountClient", function () {
  const ownerKey = privateKeyToAccount(keccak256(stringToHex("bundler test owner")));
  const agentKey = privateKeyToAccount(keccak256(stringToHex("bundler test agent")));
  const sessionKey = privateKeyToAccount(keccak256(stringToHex("bundler test session")));
  const strangerKey = privateKeyToAccount(keccak256(stringToHex("bundler test stranger")));
  const recipient = privateKeyToAccount(keccak256(stringToHex("bundler test recipient"))).address;

  let alto: Alto;
  let closeProxy: () => Promise<void>;
  let publicClient: PublicClient;
  let contracts: AitbcContracts;
  let token: Address;
  let wallet: Address;
  let owner: SmartAccount;
  let agent: SmartAccount;
  let session: SmartAccount;
  let viemBundler: (account: SmartAccount) => BundlerClient;

  const identity = () => ({
    contracts,
    owner: ownerKey.address,
    agentKey: agentKey.address,
    role: AgentRole.Consumer,
    salt: 1n,
  });
  const balance = (who: Address) =>
    publicClient.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [who] });
  const transferCall = (to: Address, amount: bigint) => ({
    to: token,
    data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [to, amount] }),
  });
  const walletCall = (data: Hex) => ({ to: wallet, data });

  /** Sends with viem's bundler client (gas fields given or estimated) and waits for the receipt. */
  async function send(
    account: SmartAccount,
    calls: { to: Address; data?: Hex; value?: bigint }[],
    gas: GasFields = {},
  ) {
    const bundler = viemBundler(account);
    const hash = await bundler.sendUserOperation({ calls, ...gas });
    return bundler.waitForUserOperationReceipt({ hash, pollingInterval: 50 });
  }

  /** The wallet's custom error in a bundler's refusal (its revert data, decoded with the wallet's ABI). */
  /** The wallet's custom error (name and arguments) in a bundler's or viem's error. */
  function walletError(error: unknown): { errorName: string; args: readonly unknown[] } {
    const { errorName, args } = decodedWalletError(error);
    return { errorName, args };
  }
  function decodedWalletError(error: unknown): { errorName: string; args: readonly unknown[] } {
    let found: { errorName: string; args: readonly unknown[] } | undefined;
    const visit = (e: unknown) => {
      const data = (e as { data?: unknown }).data;
      const hex =
        typeof data === "string" ? data : (data as { revertData?: unknown } | undefined)?.revertData;
      if (typeof hex === "string" && hex.startsWith("0x") && hex.length >= 10) {
        try {
          found ??= decodeErrorResult({ abi: agentWalletAbi, data: hex as Hex });
        } catch {
          // not the wallet's error
        }
      }
      return false;
    };
    if (error instanceof BaseError) error.walk(visit);
    if (found === undefined) {
      // Alto reports simulation reverts in its message as "… reason: 0x<data>".
      const match = /0x[0-9a-fA-F]{8,}/g;
      for (const hex of String((error as Error).message).match(match) ?? []) {
        try {
          found = decodeErrorResult({ abi: agentWalletAbi, data: hex as Hex });
          break;
        } catch {
          // not the wallet's error
        }
      }
    }
    if (found === undefined) throw new Error(`no AgentWallet error in: ${String((error as Error).message)}`);
    return found;
  }

  /** Ether of an account: its balance plus its deposit at the EntryPoint (where unused prefunds stay). */
  const etherOf = async (who: Address) =>
    (await publicClient.getBalance({ address: who })) +
    (await publicClient.readContract({
      address: ENTRYPOINT_V08,
      abi: entryPoint08Abi,
      functionName: "balanceOf",
      args: [who],
    }));

  /** The wallet's error in a receipt of a failed operation (`reason`: the revert data of the account's execution). */
  function revertOf(receipt: UserOperationReceipt): { errorName: string; args: readonly unknown[] } {
    const decoded = decodeErrorResult({ abi: agentWalletAbi, data: receipt.reason as Hex });
    return { errorName: decoded.errorName, args: decoded.args ?? [] };
  }

  async function rejection(promise: Promise<unknown>): Promise<Error> {
    try {
      await promise;
    } catch (error) {
      return error as Error;
    }
    throw new Error("expected the bundler to refuse the UserOperation");
  }

  before(async function () {
    // Blocks may share a timestamp: automining many blocks a second must not run the chain's clock ahead of the
    // wall clock, against which Alto checks an operation's validAfter (the wallet's ether-limit period start).
    const connection = await network.create({ override: { allowBlocksWithSameTimestamp: true } });
    const { ethers } = connection;
    const { provider } = connection;
    const [deployer] = await ethers.getSigners();
    await deployCanonicalEntryPoint(provider, deployer!.address as Address);
    const factory = await ethers.deployContract("AgentWalletFactory", [ENTRYPOINT_V08]);
    const { token: aitbc, distributor } = await deployToken(ethers);
    token = (await aitbc.getAddress()) as Address;
    contracts = { EntryPoint: ENTRYPOINT_V08, AgentWalletFactory: factory.target as Address };
    publicClient = createPublicClient({
      chain: hardhat,
      transport: custom(provider as unknown as EIP1193Provider),
      pollingInterval: 50,
    });

    const proxy = await startRpcProxy(provider);
    closeProxy = proxy.close;
    alto = await startAlto({ rpcUrl: proxy.url, provider });

    owner = await toAgentWalletAccount({ client: publicClient, ...identity(), signer: ownerKey });
    agent = await toAgentWalletAccount({ client: publicClient, ...identity(), signer: agentKey });
    session = await toAgentWalletAccount({ client: publicClient, ...identity(), signer: sessionKey });
    wallet = owner.address;
    viemBundler = (account) =>
      createBundlerClient({ account, client: publicClient, transport: http(alto.url), pollingInterval: 50 });

    // Fund the counterfactual address: ether for the prefund of its operations, AITBC to spend.
    await resetBaseFee(provider);
    await deployer!.sendTransaction({ to: wallet, value: 10n ** 18n });
    await aitbc.connect(distributor).transfer(wallet, 1_000n * AITBC);
  });

  after(async function () {
    await alto?.stop();
    await closeProxy?.();
  });

  it("all three keys share the factory's counterfactual address; the first operation (the owner's) deploys it", async function () {
    expect(agent.address).to.equal(wallet);
    expect(session.address).to.equal(wallet);
    expect(await publicClient.getCode({ address: wallet })).to.equal(undefined);
    expect(await owner.getFactoryArgs()).to.deep.include({ factory: contracts.AgentWalletFactory });

    // Deployment + the owner's set-up in one UserOperation: the ether and AITBC limits of the agent keys.
    const setLimit = (t: Address, amount: bigint) =>
      encodeFunctionData({ abi: agentWalletAbi, functionName: "setSpendingLimit", args: [t, amount, DAY] });
    const receipt = await send(owner, [walletCall(setLimit(NATIVE_TOKEN, ETH_LIMIT)), walletCall(setLimit(token, TOKEN_LIMIT))]); // prettier-ignore
    expect(receipt.success).to.equal(true);
    expect(receipt.sender.toLowerCase()).to.equal(wallet.toLowerCase());
    expect(await publicClient.getCode({ address: wallet })).to.not.equal(undefined);
    expect(await owner.isDeployed()).to.equal(true);
    expect(await owner.getFactoryArgs()).to.deep.equal({ factory: undefined, factoryData: undefined });
    expect((await getSpendingLimit(publicClient, { wallet, token })).amount).to.equal(TOKEN_LIMIT);
    expect((await getSpendingLimit(publicClient, { wallet, token: NATIVE_TOKEN })).amount).to.equal(
      ETH_LIMIT,
    );
    // The bundler's executor submitted it (handleOps), not a test signer.
    const tx = await publicClient.getTransaction({ hash: receipt.receipt.transactionHash });
    expect(tx.from.toLowerCase()).to.equal(alto.executor.toLowerCase());
    expect(tx.to?.toLowerCase()).to.equal(ENTRYPOINT_V08.toLowerCase());
  });

  it("an owner operation (viem's bundler client): the owner moves AITBC beyond the agent's limit", async function () {
    const before = await balance(recipient);
    const receipt = await send(owner, [transferCall(recipient, 150n * AITBC)]);
    expect(receipt.success).to.equal(true);
    expect(await balance(recipient)).to.equal(before + 150n * AITBC);
    // The owner is never counted against the limits.
    expect((await getSpendingLimit(publicClient, { wallet, token })).spent).to.equal(0n);
  });

  it("an agent-key operation within the limit (permissionless' smart account client): counted against the AITBC limit, its gas against the ether limit", async function () {
    const pimlico = createPimlicoClient({
      transport: http(alto.url),
      entryPoint: { address: ENTRYPOINT_V08, version: "0.8" },
    });
    const client = createSmartAccountClient({
      account: agent,
      chain: hardhat,
      client: publicClient,
      bundlerTransport: http(alto.url),
      pollingInterval: 50,
      userOperation: { estimateFeesPerGas: async () => (await pimlico.getUserOperationGasPrice()).fast },
    });
    const before = await balance(recipient);
    const ethSpentBefore = (await getSpendingLimit(publicClient, { wallet, token: NATIVE_TOKEN })).spent;
    const hash = await client.sendUserOperation({ calls: [transferCall(recipient, 40n * AITBC)] });
    const receipt = await client.waitForUserOperationReceipt({ hash, pollingInterval: 50 });
    expect(receipt.success).to.equal(true);
    expect(await balance(recipient)).to.equal(before + 40n * AITBC);
    expect((await getSpendingLimit(publicClient, { wallet, token })).spent).to.equal(40n * AITBC);
    // The signed operation's worst-case gas cost was counted against the ether limit, and only that.
    const { userOperation } = await client.getUserOperation({ hash });
    const maxCost =
      (userOperation.verificationGasLimit + userOperation.callGasLimit + userOperation.preVerificationGas) *
      userOperation.maxFeePerGas;
    expect((await getSpendingLimit(publicClient, { wallet, token: NATIVE_TOKEN })).spent - ethSpentBefore).to.equal(maxCost); // prettier-ignore
    expect(maxCost).to.be.greaterThan(0n);
    // Its signature: agent (20) ‖ ECDSA (65) ‖ current ether-limit period (6).
    expect(userOperation.signature.length).to.equal(2 + 2 * (20 + 65 + 6));
    expect(userOperation.signature.slice(0, 42).toLowerCase()).to.equal(agentKey.address.toLowerCase());
    const period = (await getSpendingLimit(publicClient, { wallet, token: NATIVE_TOKEN })).periodIndex;
    expect(BigInt(`0x${userOperation.signature.slice(2 + 2 * 85)}`)).to.equal(period);

    // permissionless' sendTransaction: the same, as a transaction-shaped call that returns the bundle's hash.
    const txHash = await client.sendTransaction({ ...transferCall(recipient, 10n * AITBC) });
    expect((await publicClient.getTransactionReceipt({ hash: txHash })).status).to.equal("success");
    expect(await balance(recipient)).to.equal(before + 50n * AITBC);
    expect((await getSpendingLimit(publicClient, { wallet, token })).spent).to.equal(50n * AITBC);
  });

  it("an agent operation over the limit: refused by the bundler's estimate, or included with given gas and reverted by the wallet with its exact error; no token moves", async function () {
    const before = [await balance(recipient), await balance(wallet)];
    const ethSpent = (await getSpendingLimit(publicClient, { wallet, token: NATIVE_TOKEN })).spent;
    const ethBefore = await etherOf(wallet);
    // 50 AITBC spent of 100: 60 more would make 110. Alto's estimate (stub signature) runs the wallet's real path
    // and refuses it with the wallet's exact error, before anything is signed or sent.
    const early = await rejection(send(agent, [transferCall(recipient, 60n * AITBC)]));
    expect(walletError(early)).to.deep.equal({
      errorName: "AgentWalletSpendingLimitExceeded",
      args: [token, 110n * AITBC, TOKEN_LIMIT],
    });
    expect(await etherOf(wallet)).to.equal(ethBefore);

    // With its gas limits given, it goes to the bundler as it is: Alto (v0.8, unsafe mode) validates it and
    // includes it; the wallet's execution refuses it, and the receipt carries the wallet's exact error.
    const receipt = await send(agent, [transferCall(recipient, 60n * AITBC)], GIVEN_GAS);
    expect(receipt.success).to.equal(false);
    expect(revertOf(receipt)).to.deep.equal({
      errorName: "AgentWalletSpendingLimitExceeded",
      args: [token, 110n * AITBC, TOKEN_LIMIT],
    });
    expect([await balance(recipient), await balance(wallet)]).to.deep.equal(before);
    expect((await getSpendingLimit(publicClient, { wallet, token })).spent).to.equal(50n * AITBC);
    // The wallet paid the gas of the failed operation (and only that); its worst case counted against the ether limit.
    expect(ethBefore - (await etherOf(wallet))).to.equal(receipt.actualGasCost);
    const worstCase =
      (GIVEN_GAS.verificationGasLimit + GIVEN_GAS.callGasLimit + GIVEN_GAS.preVerificationGas) *
      (await viemBundler(agent).getUserOperation({ hash: receipt.userOpHash })).userOperation.maxFeePerGas;
    expect((await getSpendingLimit(publicClient, { wallet, token: NATIVE_TOKEN })).spent).to.equal(ethSpent + worstCase); // prettier-ignore
  });

  it("the bundler refuses a replayed agent operation and its signature re-bound to other calls; nothing moves", async function () {
    const receipt = await send(agent, [transferCall(recipient, 1n * AITBC)]);
    expect(receipt.success).to.equal(true);
    const bundler = viemBundler(agent);
    const { userOperation } = await bundler.getUserOperation({ hash: receipt.userOpHash });
    const before = [await balance(recipient), await balance(wallet)];
    const spent = (await getSpendingLimit(publicClient, { wallet, token })).spent;
    // The same signed operation again: its nonce is used.
    const replay = await rejection(bundler.sendUserOperation({ ...userOperation }));
    expect(replay.message).to.match(/AA25 invalid account nonce/);
    // Its signature on the next nonce, or on calls that pay someone else: the hash it signed differs.
    const nextNonce = await rejection(
      bundler.sendUserOperation({ ...userOperation, nonce: userOperation.nonce + 1n }),
    );
    expect(nextNonce.message).to.match(/AA24 signature error/);
    const rebound = await rejection(
      bundler.sendUserOperation({
        ...userOperation,
        nonce: userOperation.nonce + 1n,
        callData: await agent.encodeCalls([transferCall(strangerKey.address, 1n * AITBC)]),
      }),
    );
    expect(rebound.message).to.match(/AA24 signature error/);
    expect([await balance(recipient), await balance(wallet)]).to.deep.equal(before);
    expect((await getSpendingLimit(publicClient, { wallet, token })).spent).to.equal(spent);
  });

  it("the bundler estimates agent operations itself: the stub signature takes the wallet's real path and fails only at the end", async function () {
    const gas = await viemBundler(agent).estimateUserOperationGas({ calls: [transferCall(recipient, 1n)] });
    // An AITBC transfer through executeUserOp: more than a bare call, bounded by what a transfer can cost.
    expect(gas.callGasLimit).to.be.greaterThan(21_000n).and.lessThan(300_000n);
    expect(gas.verificationGasLimit).to.be.greaterThan(20_000n).and.lessThan(300_000n);
  });

  it("the bundler refuses an agent operation whose worst-case gas cost is over the ether limit (gas is spending too)", async function () {
    const ethBefore = await etherOf(wallet);
    const ethSpent = (await getSpendingLimit(publicClient, { wallet, token: NATIVE_TOKEN })).spent;
    // (150k + 200k + 60k) gas × 1,500 gwei = 0.615 ether worst case: over the 0.5 ether limit.
    const error = await rejection(
      send(agent, [transferCall(recipient, 1n)], {
        ...GIVEN_GAS,
        maxFeePerGas: 1_500n * GWEI,
        maxPriorityFeePerGas: GWEI,
      }),
    );
    expect(error.message).to.match(/AA23 reverted/);
    const decoded = walletError(error);
    expect(decoded.errorName).to.equal("AgentWalletSpendingLimitExceeded");
    expect(decoded.args).to.deep.equal([NATIVE_TOKEN, ethSpent + 410_000n * 1_500n * GWEI, ETH_LIMIT]);
    expect(await etherOf(wallet)).to.equal(ethBefore);
    expect((await getSpendingLimit(publicClient, { wallet, token: NATIVE_TOKEN })).spent).to.equal(ethSpent);
  });

  it("an agent raising its own limit, a forged signer and a session key never granted are refused; no token moves", async function () {
    const before = [await balance(recipient), await balance(wallet)];
    // The agent key calling the wallet's owner function through execute: refused by the wallet, in the bundler's
    // estimate and in execution (gas given: the bundler includes it, the receipt says why it failed).
    const raise = walletCall(
      encodeFunctionData({
        abi: agentWalletAbi,
        functionName: "setSpendingLimit",
        args: [token, 10n ** 30n, DAY],
      }),
    );
    expect(walletError(await rejection(send(agent, [raise]))).errorName).to.equal(
      "AgentWalletSelfCallForbidden",
    );
    const receipt = await send(agent, [raise], GIVEN_GAS);
    expect(receipt.success).to.equal(false);
    expect(revertOf(receipt)).to.deep.equal({ errorName: "AgentWalletSelfCallForbidden", args: [] });
    expect((await getSpendingLimit(publicClient, { wallet, token })).amount).to.equal(TOKEN_LIMIT);
    // A stranger signing as if it were the agent key: the bundler refuses it (the wallet fails the signature).
    const forged = await toAgentWalletAccount({
      client: publicClient,
      ...identity(),
      signer: strangerKey,
      keyType: "agent",
    });
    expect((await rejection(send(forged, [transferCall(recipient, 1n)], GIVEN_GAS))).message).to.match(
      /AA24 signature error/,
    );
    // Estimated by the bundler, it is refused as well: the stranger's prefix is no key of the wallet.
    expect(walletError(await rejection(send(forged, [transferCall(recipient, 1n)])))).to.deep.equal({
      errorName: "AgentWalletUnauthorized",
      args: [strangerKey.address],
    });
    // A session key that was never granted: the bundler refuses it too.
    expect((await rejection(send(session, [transferCall(recipient, 1n)], GIVEN_GAS))).message).to.match(
      /AA24 signature error/,
    );
    expect([await balance(recipient), await balance(wallet)]).to.deep.equal(before);
    expect((await getSpendingLimit(publicClient, { wallet, token })).spent).to.equal(51n * AITBC);
  });

  it("a session-key operation: granted by an owner operation, within its permission and cap; refused outside them and once revoked", async function () {
    const transferSelector = toFunctionSelector("transfer(address,uint256)");
    const latest = await publicClient.getBlock();
    const grant = encodeFunctionData({
      abi: agentWalletAbi,
      functionName: "addSessionKey",
      args: [
        sessionKey.address,
        Number(latest.timestamp + 3_600n),
        [{ target: token, selector: transferSelector }],
        [{ token, amount: 20n * AITBC, period: DAY }],
      ],
    });
    expect((await send(owner, [walletCall(grant)])).success).to.equal(true);

    const before = await balance(recipient);
    const receipt: UserOperationReceipt = await send(session, [transferCall(recipient, 15n * AITBC)]);
    expect(receipt.success).to.equal(true);
    expect(await balance(recipient)).to.equal(before + 15n * AITBC);
    expect((await getSpendingLimit(publicClient, { wallet, token })).spent).to.equal(66n * AITBC);

    // Its own cap: 15 of 20 spent, 10 more would make 25 (included by the bundler, refused by the wallet).
    const overCap = await send(session, [transferCall(recipient, 10n * AITBC)], GIVEN_GAS);
    expect(overCap.success).to.equal(false);
    expect(revertOf(overCap)).to.deep.equal({
      errorName: "AgentWalletSessionCapExceeded",
      args: [sessionKey.address, token, 25n * AITBC, 20n * AITBC],
    });
    // A call it was not granted (approve on the token).
    const approve = {
      to: token,
      data: encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [recipient, 1n] }),
    };
    expect(walletError(await rejection(send(session, [approve])))).to.deep.equal({
      errorName: "AgentWalletCallNotAllowed",
      args: [sessionKey.address, token, toFunctionSelector("approve(address,uint256)")],
    });
    // Revoked by an owner operation: the bundler refuses the key's next operation at once.
    const revoke = encodeFunctionData({
      abi: agentWalletAbi,
      functionName: "revokeSessionKey",
      args: [sessionKey.address],
    });
    expect((await send(owner, [walletCall(revoke)])).success).to.equal(true);
    expect((await rejection(send(session, [transferCall(recipient, 1n)], GIVEN_GAS))).message).to.match(
      /AA24 signature error/,
    );
    expect(await balance(recipient)).to.equal(before + 15n * AITBC);
  });

  it("decodes its own calls; the stub signature has the real signature's length", async function () {
    const calls = [transferCall(recipient, 1n), transferCall(wallet, 2n)];
    for (const account of [owner, agent, session]) {
      const decoded = await account.decodeCalls!(await account.encodeCalls(calls));
      expect(decoded).to.deep.equal(calls.map((c) => ({ ...c, value: 0n })));
    }
    expect((await owner.encodeCalls([calls[0]!])).slice(0, 10)).to.equal(toFunctionSelector("execute(address,uint256,bytes)")); // prettier-ignore
    expect((await agent.encodeCalls([calls[0]!])).slice(0, 10)).to.equal("0x8dd7712f");
    expect((await owner.getStubSignature()).length).to.equal(2 + 2 * (20 + 65));
    expect((await agent.getStubSignature()).length).to.equal(2 + 2 * (20 + 65 + 6));
    expect((await session.getStubSignature()).length).to.equal(2 + 2 * (20 + 65 + 6));
    // The nonce viem reads is the EntryPoint's sequential nonce of key 0.
    const nonce = await owner.getNonce();
    expect(nonce >> 64n).to.equal(0n);
    expect(nonce).to.be.greaterThan(0n);
  });

  it("signs messages and typed data by ERC-1271: the owner's verify with viem, the agent's only towards allowed verifiers, a session key cannot sign", async function () {
    const message = "AITBC: I agree";
    const signature = await owner.signMessage({ message });
    expect(await publicClient.verifyMessage({ address: wallet, message, signature })).to.equal(true);
    const typed = {
      domain: { name: "Test", version: "1", chainId: hardhat.id },
      types: { Mail: [{ name: "body", type: "string" }] },
      primaryType: "Mail" as const,
      message: { body: "hello" },
    };
    const typedSignature = await owner.signTypedData(typed);
    expect(await publicClient.verifyTypedData({ address: wallet, ...typed, signature: typedSignature })).to.equal(true); // prettier-ignore
    // The digest the SDK signs is the wallet's own messageDigest.
    const hash = keccak256(stringToHex("x"));
    const onChain = await publicClient.readContract({
      address: wallet,
      abi: agentWalletAbi,
      functionName: "messageDigest",
      args: [hash],
    });
    expect(agentWalletMessageDigest({ chainId: hardhat.id, wallet, hash })).to.equal(onChain);
    // The agent key's signature is well formed but not accepted by an arbitrary verifier.
    const agentSignature = await agent.signMessage({ message });
    expect(agentSignature.slice(0, 42).toLowerCase()).to.equal(agentKey.address.toLowerCase());
    expect(await publicClient.verifyMessage({ address: wallet, message, signature: agentSignature })).to.equal(false); // prettier-ignore
    let refused: unknown;
    try {
      await session.signMessage({ message });
    } catch (error) {
      refused = error;
    }
    expect(refused).to.be.instanceOf(AgentWalletSignatureNotSupportedError);
  });
});
