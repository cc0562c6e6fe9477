/**
 * Test fixture for AgentWallet: the real ERC-4337 EntryPoint v0.8 (from @account-abstraction/contracts),
 * the wallet factory, an ERC-20 (PlainVotesToken), and one wallet owned by `owner` with agent key `agent`,
 * funded with ether and tokens, with daily limits of 1,000 tokens and 1 ether. Also helpers that build
 * and sign UserOperations with the SDK's actions (`buildUserOperation`, `signUserOperation`; keys are viem
 * local accounts), submit them through `handleOps` and read their outcome from the EntryPoint's events.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionReceipt, Interface, Wallet } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
import {
  createPublicClient,
  custom,
  type Address,
  type EIP1193Provider,
  type Hex,
  type LocalAccount,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  buildUserOperation,
  encodeAgentCall,
  getUserOperationMaxCost,
  signUserOperation,
  type AitbcContracts,
  type BuildUserOperationParameters,
  type PackedUserOperation,
} from "../../sdk/src/index.js";

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
    ...viemOf(connection, await entryPoint.getAddress()),
    ownerKey: localAccount(owner),
    agentKey: localAccount(agent),
    sessionKey: localAccount(session),
    strangerKey: localAccount(stranger),
  };
}

export type WalletFixture = Awaited<ReturnType<typeof deployWallet>>;

/** The viem local account of an ethers key (UserOperation hashes are signed raw, no EIP-191 prefix). */
export function localAccount(key: { privateKey: string }): LocalAccount {
  return privateKeyToAccount(key.privateKey as Hex);
}

/** A viem public client on the connection and the SDK's `contracts` naming the EntryPoint. */
export function viemOf(connection: NetworkConnection, entryPoint: string) {
  const transport = custom(connection.provider as unknown as EIP1193Provider, { retryCount: 0 });
  return {
    publicClient: createPublicClient({ transport, pollingInterval: 20 }),
    contracts: { EntryPoint: entryPoint as Address } satisfies AitbcContracts,
  };
}

/** What {@link signedOp} needs of a fixture. */
export type OpFixture = Pick<WalletFixture, "publicClient" | "contracts" | "walletAddress">;

/** Fields of {@link signedOp} that differ from the SDK's defaults (addresses and bytes as ethers gives them). */
export type OpExtra = Partial<
  Omit<BuildUserOperationParameters, "contracts" | "callData" | "sender" | "initCode">
> & { sender?: string; initCode?: string };

/**
 * Builds and signs a UserOperation of `fx.wallet` (or `extra.sender`) with the next nonce, through the
 * SDK. Keys other than the owner append the wallet's current ether-limit period index (their gas counts
 * against the ether limit); the owner, and the deployment of a wallet, append none.
 */
export async function signedOp(
  fx: OpFixture,
  signer: LocalAccount,
  callData: string,
  extra: OpExtra = {},
): Promise<PackedUserOperation> {
  const { sender, initCode, ...gas } = extra;
  const userOperation = await buildUserOperation(fx.publicClient, {
    contracts: fx.contracts,
    sender: (sender ?? fx.walletAddress) as Address,
    callData: callData as Hex,
    ...(initCode === undefined ? {} : { initCode: initCode as Hex }),
    ...gas,
  });
  return signUserOperation(fx.publicClient, { contracts: fx.contracts, userOperation, signer });
}

/** The worst-case gas cost (wei) of an operation with the SDK's default gas fields (counted for agent keys). */
export async function defaultOpMaxCost(
  fx: Pick<WalletFixture, "publicClient" | "contracts">,
): Promise<bigint> {
  const op = await buildUserOperation(fx.publicClient, {
    contracts: fx.contracts,
    sender: NATIVE as Address,
    callData: "0x",
    nonce: 0n,
  });
  return getUserOperationMaxCost(op);
}

/** Wallet calldata run as the signer through `executeUserOp`. */
export function asKey(fx: Pick<WalletFixture, "wallet">, fn: string, args: readonly unknown[]): string {
  return encodeAgentCall((fx.wallet.interface as Interface).encodeFunctionData(fn, args) as Hex);
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
