import { expect } from "chai";
import { network } from "hardhat";
import { createServer } from "node:http";
import {
  createWalletClient,
  custom,
  encodeFunctionData,
  erc20Abi,
  keccak256,
  stringToHex,
  toFunctionSelector,
  type Address,
  type EIP1193Provider,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  addSessionKey,
  AgentRole,
  buildUserOperation,
  ContractRevertError,
  createAgentWallet,
  encodeAgentCall,
  encodeExecute,
  getAgentWalletAddress,
  getSpendingLimit,
  getUserOperationHash,
  getUserOperationMaxCost,
  NATIVE_TOKEN,
  InvalidAddressError,
  revokeSessionKey,
  sendUserOperation,
  setSpendingLimit,
  signUserOperation,
  UserOperationRevertedError,
  type AitbcContracts,
} from "../../sdk/src/index.js";
import { DAILY_TOKEN_LIMIT, deployWallet, TOKEN } from "../helpers/wallet.js";
import { rejection, viemClients } from "./helpers.js";

describe("sdk: agent wallet actions and UserOperations", function () {
  let fx: Awaited<ReturnType<typeof deployWallet>>;
  let contracts: AitbcContracts;
  let clients: ReturnType<typeof viemClients>;
  let transport: ReturnType<typeof custom>;
  const ownerKey = privateKeyToAccount(keccak256(stringToHex("agent-wallet test owner")));
  const agentKey = privateKeyToAccount(keccak256(stringToHex("agent-wallet test agent")));
  const strangerKey = privateKeyToAccount(keccak256(stringToHex("agent-wallet test stranger")));

  before(async function () {
    const connection = await network.create();
    fx = await deployWallet(connection);
    contracts = {
      EntryPoint: (await fx.entryPoint.getAddress()) as Address,
      AgentWalletFactory: fx.factory.target as Address,
    };
    clients = viemClients(connection);
    transport = custom(connection.provider as unknown as EIP1193Provider);
  });

  it("creates an agent wallet at its counterfactual address", async function () {
    const identity = {
      contracts,
      owner: ownerKey.address,
      agentKey: agentKey.address,
      role: AgentRole.Provider,
      salt: 99n,
    };
    const predicted = await getAgentWalletAddress(clients.publicClient, identity);
    const { wallet } = await createAgentWallet(clients.walletFor(fx.deployer.address), identity);
    expect(wallet).to.equal(predicted);
    const bad = await rejection(
      createAgentWallet(clients.walletFor(fx.deployer.address), { ...identity, owner: "0xabc" as Address }),
    );
    expect(bad).to.be.instanceOf(InvalidAddressError);
  });

  it("sets limits and session keys as the owner", async function () {
    const owner = createWalletClient({ account: ownerKey, transport, pollingInterval: 20 });
    const wallet = fx.walletAddress as Address;
    const token = (await fx.token.getAddress()) as Address;
    await setSpendingLimit(owner, { wallet, token, amount: DAILY_TOKEN_LIMIT, period: 86_400n });
    const limit = await getSpendingLimit(clients.publicClient, { wallet, token });
    expect(limit.amount).to.equal(DAILY_TOKEN_LIMIT);
    const session = privateKeyToAccount(keccak256(stringToHex("sdk session")));
    await addSessionKey(owner, {
      wallet,
      key: session.address,
      validUntil: BigInt(await fx.networkHelpers.time.latest()) + 3600n,
      permissions: [{ target: token, selector: toFunctionSelector("transfer(address,uint256)") }],
      caps: [{ token, amount: 10n * TOKEN, period: 86_400n }],
    });
    expect(
      await fx.wallet.sessionCanCall(session.address, token, toFunctionSelector("transfer(address,uint256)")),
    ).to.equal(true);
    await revokeSessionKey(owner, { wallet, key: session.address });
    expect((await fx.wallet.sessionKey(session.address)).active).to.equal(false);
    const notOwner = await rejection<ContractRevertError>(
      setSpendingLimit(clients.walletFor(fx.deployer.address), { wallet, token, amount: 1n, period: 1n }),
    );
    expect(notOwner.errorName).to.equal("AgentWalletUnauthorized");
  });

  it("builds, signs and sends an agent's UserOperation through handleOps; decodes limit and signature failures", async function () {
    const wallet = fx.walletAddress as Address;
    const token = (await fx.token.getAddress()) as Address;
    const recipient = fx.recipient.address as Address;
    const transfer = (amount: bigint) =>
      encodeAgentCall(
        encodeExecute({
          target: token,
          data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [recipient, amount] }),
        }),
      );
    const bundler = clients.walletFor(fx.beneficiary.address);
    const op = await buildUserOperation(clients.publicClient, {
      contracts,
      sender: wallet,
      callData: transfer(10n * TOKEN),
    });
    const signed = await signUserOperation(clients.publicClient, {
      contracts,
      userOperation: op,
      signer: agentKey,
    });
    // The hash signed is the EntryPoint's; the agent key appends the wallet's current ether-limit period.
    const userOpHash = await getUserOperationHash(clients.publicClient, { contracts, userOperation: op });
    expect(userOpHash).to.equal(await fx.entryPoint.getUserOpHash(signed));
    expect(signed.signature.slice(0, 42).toLowerCase()).to.equal(agentKey.address.toLowerCase());
    expect(signed.signature.slice(42, 42 + 130)).to.equal(
      (await agentKey.sign({ hash: userOpHash })).slice(2),
    );
    const period = (await getSpendingLimit(clients.publicClient, { wallet, token: NATIVE_TOKEN }))
      .periodIndex;
    expect(BigInt(`0x${signed.signature.slice(42 + 130)}`)).to.equal(period);
    expect(signed.signature.length).to.equal(2 + 2 * (20 + 65 + 6));
    // The owner signs with no period index.
    const byOwner = await signUserOperation(clients.publicClient, { contracts, userOperation: op, signer: ownerKey }); // prettier-ignore
    expect(byOwner.signature.length).to.equal(2 + 2 * (20 + 65));
    // Worst case charged (and counted against the ether limit): (600k + 600k + 60k) gas × 20 gwei.
    expect(getUserOperationMaxCost(op)).to.equal(1_260_000n * 20n * 10n ** 9n);
    const spentBefore = (await getSpendingLimit(clients.publicClient, { wallet, token: NATIVE_TOKEN })).spent;
    const before = await fx.token.balanceOf(recipient);
    const sent = await sendUserOperation(bundler, { contracts, userOperation: signed });
    const spentAfter = (await getSpendingLimit(clients.publicClient, { wallet, token: NATIVE_TOKEN })).spent;
    expect(spentAfter - spentBefore).to.equal(getUserOperationMaxCost(op));
    expect(sent.success).to.equal(true);
    expect(await fx.token.balanceOf(recipient)).to.equal(before + 10n * TOKEN);

    const overOp = await buildUserOperation(clients.publicClient, {
      contracts,
      sender: wallet,
      callData: transfer(2_000n * TOKEN),
    });
    const over = await rejection<UserOperationRevertedError>(
      sendUserOperation(bundler, {
        contracts,
        userOperation: await signUserOperation(clients.publicClient, {
          contracts,
          userOperation: overOp,
          signer: agentKey,
        }),
      }),
    );
    expect(over).to.be.instanceOf(UserOperationRevertedError);
    expect(over.errorName).to.equal("AgentWalletSpendingLimitExceeded");

    const forgedOp = await buildUserOperation(clients.publicClient, {
      contracts,
      sender: wallet,
      callData: transfer(1n),
    });
    const forged = await rejection<ContractRevertError>(
      sendUserOperation(bundler, {
        contracts,
        userOperation: await signUserOperation(clients.publicClient, {
          contracts,
          userOperation: forgedOp,
          signer: strangerKey,
        }),
      }),
    );
    expect(forged.errorName).to.equal("FailedOp");
  });

  it("sends to a bundler URL with eth_sendUserOperation", async function () {
    const received: unknown[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const rpc = JSON.parse(body) as { id: number; method: string; params: unknown[] };
        received.push(rpc);
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ jsonrpc: "2.0", id: rpc.id, result: "0x" + "ab".repeat(32) }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const address = server.address() as { port: number };
      const op = await buildUserOperation(clients.publicClient, {
        contracts,
        sender: fx.walletAddress as Address,
        callData: "0x",
        nonce: 5n,
      });
      const { userOpHash } = await sendUserOperation(clients.walletFor(fx.deployer.address), {
        contracts,
        userOperation: op,
        bundlerUrl: `http://127.0.0.1:${address.port}`,
      });
      expect(userOpHash).to.equal("0x" + "ab".repeat(32));
      const [rpc] = received as { method: string; params: [Record<string, string>, string] }[];
      expect(rpc!.method).to.equal("eth_sendUserOperation");
      expect(rpc!.params[1]).to.equal(contracts.EntryPoint);
      expect(rpc!.params[0].nonce).to.equal("0x5");
      expect(rpc!.params[0].callGasLimit).to.equal("0x927c0");
    } finally {
      server.close();
    }
  });
});
