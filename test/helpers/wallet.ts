/**
 * Test fixture for AgentWallet: the real ERC-4337 EntryPoint v0.8 (from @account-abstraction/contracts),
 * the wallet factory, an ERC-20 (PlainVotesToken), and one wallet owned by `owner` with agent key `agent`,
 * funded with ether and tokens, with daily limits of 1,000 tokens and 1 ether. Also helpers that build,
 * sign and submit UserOperations through `handleOps` and read their outcome from the EntryPoint's events.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionReceipt, Interface, Wallet } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";

import {
  buildUserOp,
  ecdsaDigestSigner,
  executeUserOpCallData,
  signUserOp,
  type DigestSigner,
  type PackedUserOperation,
  type UserOpFields,
} from "../../scripts/lib/userop.js";

export const TOKEN = 10n ** 18n;
export const DAY = 24 * 3600;
export const DAILY_TOKEN_LIMIT = 1_000n * TOKEN;
export const DAILY_ETH_LIMIT = 10n ** 18n;
export const NATIVE = "0x0000000000000000000000000000000000000000";

/** `IAgentWallet.AgentRole`. */
export const AgentRole = { Provider: 0, Consumer: 1, Builder: 2, Coordinator: 3 } as const;

export async function deployWallet(connection: NetworkConnection) {
  const { ethers } = connection;
  const [deployer, beneficiary, recipient, other] = await ethers.getSigners();
  const entryPoint = await ethers.deployContract("EntryPoint");
  const factory = await ethers.deployContract("AgentWalletFactory", [await entryPoint.getAddress()]);
  const token = await ethers.deployContract("PlainVotesToken");

  // Keys as ethers Wallets: UserOperation hashes are signed raw (no EIP-191 prefix).
  const owner = new ethers.Wallet(ethers.id("agent-wallet test owner"), ethers.provider);
  const agent = new ethers.Wallet(ethers.id("agent-wallet test agent"), ethers.provider);
  const session = new ethers.Wallet(ethers.id("agent-wallet test session"), ethers.provider);
  const stranger = new ethers.Wallet(ethers.id("agent-wallet test stranger"), ethers.provider);
  for (const key of [owner, agent, session, stranger]) {
    await deployer!.sendTransaction({ to: key.address, value: 10n ** 18n });
  }

  const salt = 7n;
  const walletAddress: string = await factory.getFunction("getAddress")(
    owner.address,
    agent.address,
    AgentRole.Consumer,
    salt,
  );
  const creation = await (
    await factory.createAccount(owner.address, agent.address, AgentRole.Consumer, salt)
  ).wait();
  const wallet = await ethers.getContractAt("AgentWallet", walletAddress);
  await deployer!.sendTransaction({ to: walletAddress, value: 10n * 10n ** 18n });
  await token.transfer(walletAddress, 100_000n * TOKEN);
  await wallet.connect(owner).setSpendingLimit(await token.getAddress(), DAILY_TOKEN_LIMIT, DAY);
  await wallet.connect(owner).setSpendingLimit(NATIVE, DAILY_ETH_LIMIT, DAY);

  return {
    ...connection,
    entryPoint,
    factory,
    token,
    wallet,
    walletAddress,
    creationGas: creation!.gasUsed,
    salt,
    deployer: deployer!,
    beneficiary: beneficiary!,
    recipient: recipient!,
    other: other!,
    owner,
    agent,
    session,
    stranger,
    ownerKey: ecdsaDigestSigner(owner),
    agentKey: ecdsaDigestSigner(agent),
    sessionKey: ecdsaDigestSigner(session),
    strangerKey: ecdsaDigestSigner(stranger),
  };
}

export type WalletFixture = Awaited<ReturnType<typeof deployWallet>>;

/**
 * Builds and signs a UserOperation of `fx.wallet` (or `sender`) with the next nonce. Keys other than the owner
 * append the wallet's current ether-limit period index (their gas counts against the ether limit).
 */
export async function signedOp(
  fx: Pick<WalletFixture, "entryPoint" | "walletAddress" | "ethers">,
  signer: DigestSigner,
  callData: string,
  extra: Partial<UserOpFields> = {},
): Promise<PackedUserOperation> {
  const sender = extra.sender ?? fx.walletAddress;
  const nonce = extra.nonce ?? (await fx.entryPoint.getNonce(sender, 0n));
  const wallet = await fx.ethers.getContractAt("AgentWallet", sender);
  const isOwner =
    (await fx.ethers.provider.getCode(sender)) === "0x" || (await wallet.owner()) === signer.address;
  const periodIndex = isOwner ? undefined : (await wallet.spendingLimit(NATIVE)).periodIndex;
  return signUserOp(fx.entryPoint, buildUserOp({ sender, nonce, callData, ...extra }), signer, periodIndex);
}

/** The worst-case gas cost (wei) of an operation built with {@link buildUserOp}'s defaults (counted for agent keys). */
export function defaultOpMaxCost(): bigint {
  const op = buildUserOp({ sender: NATIVE, nonce: 0n, callData: "0x" });
  const limits = BigInt(op.accountGasLimits);
  const fees = BigInt(op.gasFees);
  const mask = (1n << 128n) - 1n;
  return ((limits >> 128n) + (limits & mask) + op.preVerificationGas) * (fees & mask);
}

/** Wallet calldata run as the signer through `executeUserOp`. */
export function asKey(fx: Pick<WalletFixture, "wallet">, fn: string, args: readonly unknown[]): string {
  return executeUserOpCallData((fx.wallet.interface as Interface).encodeFunctionData(fn, args));
}

/** The outcome of one UserOperation, read from the EntryPoint's events. */
export interface OpOutcome {
  receipt: ContractTransactionReceipt;
  success: boolean;
  actualGasUsed: bigint;
  /** The decoded revert of the account's execution (name and args), if it reverted. */
  revert?: { name: string; args: unknown[] };
}

/** Submits `ops` with `handleOps` from `bundler` and returns the outcome of the first. */
export async function handleOps(
  fx: Pick<WalletFixture, "entryPoint" | "wallet" | "beneficiary">,
  ops: PackedUserOperation[],
  bundler: HardhatEthersSigner | Wallet = fx.beneficiary,
): Promise<OpOutcome> {
  const tx = await fx.entryPoint.connect(bundler).handleOps(ops, fx.beneficiary.address);
  const receipt = (await tx.wait())!;
  let success = false;
  let actualGasUsed = 0n;
  let revert: OpOutcome["revert"];
  const entryPointAddress = (await fx.entryPoint.getAddress()).toLowerCase();
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== entryPointAddress) continue;
    const parsed = fx.entryPoint.interface.parseLog(log);
    if (parsed?.name === "UserOperationEvent") {
      success = parsed.args.success as boolean;
      actualGasUsed = parsed.args.actualGasUsed as bigint;
    } else if (parsed?.name === "UserOperationRevertReason") {
      const error = fx.wallet.interface.parseError(parsed.args.revertReason as string);
      revert = error
        ? { name: error.name, args: [...error.args] }
        : { name: parsed.args.revertReason as string, args: [] };
    }
  }
  return { receipt, success, actualGasUsed, ...(revert ? { revert } : {}) };
}
