/**
 * Agent wallet actions: create an AgentWallet (ERC-4337 v0.8 account) through the factory, set
 * spending limits and session keys, and build, sign and send UserOperations to an EntryPoint —
 * through a bundler URL (`eth_sendUserOperation`) or directly with `handleOps` on a local chain.
 */
import {
  encodeFunctionData,
  pad,
  parseEventLogs,
  toHex,
  type Address,
  type Hex,
  type LocalAccount,
} from "viem";

import {
  encodeAgentWalletCalls,
  encodeAgentWalletSignature,
  getAgentWalletPeriodIndex,
} from "../accounts/agentWalletEncoding.js";
import { agentWalletAbi } from "../abis/agentWallet.js";
import { agentWalletFactoryAbi } from "../abis/agentWalletFactory.js";
import { entryPointAbi } from "../abis/entryPoint.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import { AitbcError } from "../errors/base.js";
import { decodeRevertData } from "../errors/contract.js";
import { InvalidParameterError } from "../errors/validation.js";
import {
  accountAddress,
  read,
  resolveAccount,
  write,
  type AitbcReadClient,
  type AitbcWriteClient,
  type WriteParameters,
  type WriteReturnType,
} from "../utils/client.js";
import { assertAddress, assertAmount, maxUint } from "../utils/validate.js";

/** `IAgentWallet.AgentRole`. */
export const AgentRole = { Provider: 0, Consumer: 1, Builder: 2, Coordinator: 3 } as const;
/** An agent role value (0–3). */
export type AgentRoleValue = (typeof AgentRole)[keyof typeof AgentRole];

/** The native-currency pseudo-token of spending limits (`address(0)`). */
export const NATIVE_TOKEN: Address = "0x0000000000000000000000000000000000000000";

/** Parameters of {@link createAgentWallet} and {@link getAgentWalletAddress}. */
export interface AgentWalletIdentity {
  /** Addresses; `AgentWalletFactory` is used. */
  contracts: AitbcContracts;
  /** The human (or Safe) owning the wallet: may do anything, set limits, recover funds. */
  owner: Address;
  /** The agent's key: acts within limits, through UserOperations. */
  agentKey: Address;
  /** The agent's role. */
  role: AgentRoleValue;
  /** CREATE2 salt (default 0). */
  salt?: bigint;
}

function identityArgs(p: AgentWalletIdentity) {
  return [
    assertAddress(p.owner, "owner"),
    assertAddress(p.agentKey, "agentKey"),
    checkRole(p.role),
    assertAmount(p.salt ?? 0n, "salt"),
  ] as const;
}

function checkRole(role: number): AgentRoleValue {
  if (![0, 1, 2, 3].includes(role))
    throw new InvalidParameterError({ what: "role", reason: `expected 0..3, got ${role}` });
  return role as AgentRoleValue;
}

/**
 * The counterfactual address of an agent wallet (deployed or not).
 *
 * @param client A viem client.
 * @param parameters See {@link AgentWalletIdentity}.
 * @returns The wallet address.
 * @example
 * ```ts
 * const wallet = await getAgentWalletAddress(client, { contracts, owner, agentKey, role: AgentRole.Consumer });
 * ```
 */
export async function getAgentWalletAddress(
  client: AitbcReadClient,
  parameters: AgentWalletIdentity,
): Promise<Address> {
  return read(client, {
    address: contractAddress(parameters.contracts, "AgentWalletFactory"),
    abi: agentWalletFactoryAbi,
    functionName: "getAddress",
    args: identityArgs(parameters),
  });
}

/**
 * The factory call that creates an agent wallet: `AgentWalletFactory.createAccount(owner, agentKey, role, salt)`,
 * as a UserOperation's `factory` and `factoryData` (the EntryPoint deploys a counterfactual wallet with it
 * on its first operation; the factory returns the existing wallet if there is one).
 *
 * @param parameters See {@link AgentWalletIdentity}.
 * @returns `{ factory, factoryData }`.
 * @throws {InvalidAddressError} | {InvalidParameterError} for a malformed identity.
 * @example
 * ```ts
 * const { factory, factoryData } = encodeCreateAgentWallet({ contracts, owner, agentKey, role: AgentRole.Consumer });
 * ```
 */
export function encodeCreateAgentWallet(parameters: AgentWalletIdentity): {
  factory: Address;
  factoryData: Hex;
} {
  return {
    factory: contractAddress(parameters.contracts, "AgentWalletFactory"),
    factoryData: encodeFunctionData({
      abi: agentWalletFactoryAbi,
      functionName: "createAccount",
      args: identityArgs(parameters),
    }),
  };
}

/**
 * Creates an agent wallet through the factory (idempotent: returns the existing one).
 *
 * @param client A wallet client (anyone pays the gas).
 * @param parameters See {@link AgentWalletIdentity} plus `account?`.
 * @returns `{ hash, receipt, wallet }`.
 * @throws {InvalidAddressError} | {InvalidParameterError} before any request.
 * @example
 * ```ts
 * const { wallet } = await createAgentWallet(client, { contracts, owner, agentKey, role: AgentRole.Consumer, salt: 1n });
 * ```
 */
export async function createAgentWallet(
  client: AitbcWriteClient,
  parameters: AgentWalletIdentity & WriteParameters,
): Promise<WriteReturnType & { wallet: Address }> {
  const account = resolveAccount(client, parameters.account, "createAgentWallet");
  const args = identityArgs(parameters);
  const { hash, receipt, result } = await write(client, {
    address: contractAddress(parameters.contracts, "AgentWalletFactory"),
    abi: agentWalletFactoryAbi,
    functionName: "createAccount",
    args,
    account,
  });
  return { hash, receipt, wallet: result };
}

/** Parameters of {@link setSpendingLimit}. */
export interface SetSpendingLimitParameters extends WriteParameters {
  /** The agent wallet (sender must be its owner). */
  wallet: Address;
  /** ERC-20 token, or {@link NATIVE_TOKEN} for ether (which also caps agent-paid gas). */
  token: Address;
  /** Maximum spent by agent and session keys per period, in the token's smallest unit (wei). */
  amount: bigint;
  /** Period length, seconds (e.g. 86400 for daily). */
  period: bigint;
}

/**
 * Sets a per-period spending limit of the agent keys (owner only, direct call).
 *
 * @param client A wallet client of the wallet's owner.
 * @param parameters See {@link SetSpendingLimitParameters}.
 * @returns `{ hash, receipt }`.
 * @throws {InvalidAmountError} before any request; {ContractRevertError} `AgentWalletUnauthorized`, `AgentWalletInvalidLimit`.
 * @example
 * ```ts
 * await setSpendingLimit(ownerClient, { wallet, token, amount: 1_000n * 10n ** 18n, period: 86_400n });
 * ```
 */
export async function setSpendingLimit(
  client: AitbcWriteClient,
  parameters: SetSpendingLimitParameters,
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "setSpendingLimit");
  return write(client, {
    address: assertAddress(parameters.wallet, "wallet"),
    abi: agentWalletAbi,
    functionName: "setSpendingLimit",
    args: [
      assertAddress(parameters.token, "token"),
      assertAmount(parameters.amount, "amount"),
      assertAmount(parameters.period, "period (seconds)"),
    ],
    account,
  });
}

/** Parameters of {@link addSessionKey}. */
export interface AddSessionKeyParameters extends WriteParameters {
  /** The agent wallet (sender must be its owner). */
  wallet: Address;
  /** The session key's address. */
  key: Address;
  /** Expiry, Unix seconds (uint48). */
  validUntil: bigint;
  /** Allowed (target, 4-byte selector) pairs. */
  permissions: readonly { target: Address; selector: Hex }[];
  /** Per-token caps per period (amount in smallest unit, period in seconds). */
  caps?: readonly { token: Address; amount: bigint; period: bigint }[];
}

/**
 * Adds a session key limited to some calls, amounts and time (owner only).
 *
 * @param client A wallet client of the wallet's owner.
 * @param parameters See {@link AddSessionKeyParameters}.
 * @returns `{ hash, receipt }`.
 * @throws {ContractRevertError} e.g. `AgentWalletInvalidExpiry(validUntil)`.
 * @example
 * ```ts
 * await addSessionKey(ownerClient, { wallet, key, validUntil: now + 3600n,
 *   permissions: [{ target: token, selector: toFunctionSelector("transfer(address,uint256)") }] });
 * ```
 */
export async function addSessionKey(
  client: AitbcWriteClient,
  parameters: AddSessionKeyParameters,
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "addSessionKey");
  const permissions = parameters.permissions.map((p, i) => {
    if (!/^0x[0-9a-fA-F]{8}$/.test(p.selector)) {
      throw new InvalidParameterError({
        what: `permissions[${i}].selector`,
        reason: "expected a 4-byte hex selector",
      });
    }
    return { target: assertAddress(p.target, `permissions[${i}].target`), selector: p.selector };
  });
  const caps = (parameters.caps ?? []).map((c, i) => ({
    token: assertAddress(c.token, `caps[${i}].token`),
    amount: assertAmount(c.amount, `caps[${i}].amount`),
    period: assertAmount(c.period, `caps[${i}].period (seconds)`),
  }));
  return write(client, {
    address: assertAddress(parameters.wallet, "wallet"),
    abi: agentWalletAbi,
    functionName: "addSessionKey",
    args: [
      assertAddress(parameters.key, "key"),
      Number(assertAmount(parameters.validUntil, "validUntil (Unix seconds)", { max: maxUint(48) })),
      permissions,
      caps,
    ],
    account,
  });
}

/**
 * Revokes a session key (owner only).
 *
 * @param client A wallet client of the wallet's owner.
 * @param parameters `{ wallet, key, account? }`.
 * @returns `{ hash, receipt }`.
 * @example
 * ```ts
 * await revokeSessionKey(ownerClient, { wallet, key });
 * ```
 */
export async function revokeSessionKey(
  client: AitbcWriteClient,
  parameters: { wallet: Address; key: Address } & WriteParameters,
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "revokeSessionKey");
  return write(client, {
    address: assertAddress(parameters.wallet, "wallet"),
    abi: agentWalletAbi,
    functionName: "revokeSessionKey",
    args: [assertAddress(parameters.key, "key")],
    account,
  });
}

/**
 * Reads a wallet's spending limit for a token (amounts in the token's smallest unit, times in Unix seconds).
 *
 * @param client A viem client.
 * @param parameters `{ wallet, token }`.
 * @returns `{ amount, period, periodIndex, periodStart, periodEnd, spent }`.
 * @example
 * ```ts
 * const { spent, amount } = await getSpendingLimit(client, { wallet, token });
 * ```
 */
export async function getSpendingLimit(
  client: AitbcReadClient,
  parameters: { wallet: Address; token: Address },
): Promise<{
  amount: bigint;
  period: bigint;
  periodIndex: bigint;
  periodStart: bigint;
  periodEnd: bigint;
  spent: bigint;
}> {
  return read(client, {
    address: assertAddress(parameters.wallet, "wallet"),
    abi: agentWalletAbi,
    functionName: "spendingLimit",
    args: [assertAddress(parameters.token, "token")],
  });
}

/** ERC-4337 v0.7/v0.8 packed user operation, as `handleOps` takes it. */
export interface PackedUserOperation {
  sender: Address;
  nonce: bigint;
  initCode: Hex;
  callData: Hex;
  /** `verificationGasLimit (16 bytes) ‖ callGasLimit (16 bytes)`. */
  accountGasLimits: Hex;
  preVerificationGas: bigint;
  /** `maxPriorityFeePerGas (16 bytes) ‖ maxFeePerGas (16 bytes)`, wei per gas. */
  gasFees: Hex;
  paymasterAndData: Hex;
  signature: Hex;
}

// The wallet's wire formats (`EXECUTE_USER_OP_SELECTOR`, `encodeAgentCall`, the signature layout, the period
// index) live in ../accounts/agentWalletEncoding.ts, shared with the viem SmartAccount `toAgentWalletAccount`.

/**
 * Encodes `AgentWallet.execute(target, value, data)`.
 *
 * @param call `{ target, value (wei), data }`.
 * @returns The wallet calldata.
 * @example
 * ```ts
 * encodeExecute({ target: token, value: 0n, data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args }) });
 * ```
 */
export function encodeExecute(call: { target: Address; value?: bigint; data?: Hex }): Hex {
  return encodeAgentWalletCalls([{ to: call.target, value: call.value, data: call.data }], "owner");
}

function packPair(high: bigint, low: bigint): Hex {
  return pad(
    toHex(
      (assertAmount(high, "gas", { max: maxUint(128) }) << 128n) |
        assertAmount(low, "gas", { max: maxUint(128) }),
    ),
    { size: 32 },
  );
}

/** Parameters of {@link buildUserOperation}. */
export interface BuildUserOperationParameters {
  /** Addresses; `EntryPoint` is used. */
  contracts: AitbcContracts;
  /** The agent wallet. */
  sender: Address;
  /** UserOperation callData (use {@link encodeAgentCall} for agent and session keys). */
  callData: Hex;
  /** Nonce (default: the EntryPoint's next nonce for key 0). */
  nonce?: bigint;
  /** `factory ‖ factoryCalldata` for a not-yet-deployed wallet; default "0x". */
  initCode?: Hex;
  /** Gas units; defaults fit a local chain: 600k / 600k / 60k. */
  verificationGasLimit?: bigint;
  callGasLimit?: bigint;
  preVerificationGas?: bigint;
  /** wei per gas; defaults 20 gwei / 1 gwei. */
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  paymasterAndData?: Hex;
}

/**
 * Builds an unsigned UserOperation (reads the nonce from the EntryPoint unless given).
 *
 * @param client A viem client.
 * @param parameters See {@link BuildUserOperationParameters}.
 * @returns The operation with an empty signature.
 * @example
 * ```ts
 * const op = await buildUserOperation(client, { contracts, sender: wallet, callData });
 * ```
 */
export async function buildUserOperation(
  client: AitbcReadClient,
  parameters: BuildUserOperationParameters,
): Promise<PackedUserOperation> {
  const sender = assertAddress(parameters.sender, "sender");
  const nonce =
    parameters.nonce ??
    (await read(client, {
      address: contractAddress(parameters.contracts, "EntryPoint"),
      abi: entryPointAbi,
      functionName: "getNonce",
      args: [sender, 0n],
    }));
  return {
    sender,
    nonce,
    initCode: parameters.initCode ?? "0x",
    callData: parameters.callData,
    accountGasLimits: packPair(
      parameters.verificationGasLimit ?? 600_000n,
      parameters.callGasLimit ?? 600_000n,
    ),
    preVerificationGas: parameters.preVerificationGas ?? 60_000n,
    gasFees: packPair(
      parameters.maxPriorityFeePerGas ?? 1_000_000_000n,
      parameters.maxFeePerGas ?? 20_000_000_000n,
    ),
    paymasterAndData: parameters.paymasterAndData ?? "0x",
    signature: "0x",
  };
}

/**
 * The hash a key signs for a UserOperation: the EntryPoint's `getUserOpHash(op)` (EIP-712, bound to
 * the chain, the EntryPoint and the sender; the signature field is ignored).
 *
 * @param client A viem client.
 * @param parameters `{ contracts, userOperation }`; `EntryPoint` is used.
 * @returns The bytes32 hash.
 * @example
 * ```ts
 * const userOpHash = await getUserOperationHash(client, { contracts, userOperation: op });
 * ```
 */
export async function getUserOperationHash(
  client: AitbcReadClient,
  parameters: { contracts: AitbcContracts; userOperation: PackedUserOperation },
): Promise<Hex> {
  return read(client, {
    address: contractAddress(parameters.contracts, "EntryPoint"),
    abi: entryPointAbi,
    functionName: "getUserOpHash",
    args: [parameters.userOperation],
  });
}

/**
 * The worst-case gas cost of a UserOperation without paymaster, in wei: what the EntryPoint
 * requires as prefund, `(verificationGasLimit + callGasLimit + preVerificationGas) × maxFeePerGas`
 * — and what an agent or session key's operation counts against the wallet's ether limit.
 *
 * @param userOperation A packed operation (see {@link buildUserOperation}).
 * @returns Wei.
 * @example
 * ```ts
 * const maxCost = getUserOperationMaxCost(op); // 1,260,000 gas × 20 gwei with the defaults
 * ```
 */
export function getUserOperationMaxCost(userOperation: PackedUserOperation): bigint {
  const mask = maxUint(128);
  const limits = BigInt(userOperation.accountGasLimits);
  const maxFeePerGas = BigInt(userOperation.gasFees) & mask;
  return ((limits >> 128n) + (limits & mask) + userOperation.preVerificationGas) * maxFeePerGas;
}

/** The owner signs without a period index (also a wallet's deployment); other keys with the current one. */
async function defaultPeriodIndex(
  client: AitbcReadClient,
  sender: Address,
  signer: Address,
): Promise<bigint | null> {
  const periodIndex = await getAgentWalletPeriodIndex(client, { wallet: sender });
  if (periodIndex === null) return null;
  const owner = await read(client, { address: sender, abi: agentWalletAbi, functionName: "owner" });
  return owner.toLowerCase() === signer.toLowerCase() ? null : periodIndex;
}

/**
 * Signs a UserOperation with a local key (owner, agent or session key) in AgentWallet's layout
 * `signer (20 bytes) ‖ ECDSA signature (65) [‖ periodIndex (6)]` over the EntryPoint's
 * `getUserOpHash` (signed raw, no EIP-191 prefix). Agent and session keys pay gas from the
 * ether limit, so for them the wallet's current ether-limit period index is appended (read
 * automatically unless `periodIndex` is given; pass `null` to omit, as the owner does; omitted too
 * while the wallet is not deployed yet, when the owner signs its deployment).
 *
 * An owner that is a contract (ERC-1271, e.g. a Safe) signs through a viem custom account:
 * `toAccount({ address: ownerContract, sign: ({ hash }) => ownerKey.sign({ hash }), ... })` — the
 * 20-byte prefix is the account's address, the signature what the owner contract checks.
 *
 * @param client A viem client.
 * @param parameters `{ contracts, userOperation, signer, periodIndex? }`; `signer` is a viem `LocalAccount`
 *   (from `privateKeyToAccount`, or `toAccount` for custom signing).
 * @returns The operation with its signature.
 * @example
 * ```ts
 * const signed = await signUserOperation(client, { contracts, userOperation: op, signer: privateKeyToAccount(agentKey) });
 * ```
 */
export async function signUserOperation(
  client: AitbcReadClient,
  parameters: {
    contracts: AitbcContracts;
    userOperation: PackedUserOperation;
    signer: LocalAccount;
    periodIndex?: bigint | null;
  },
): Promise<PackedUserOperation> {
  const op = parameters.userOperation;
  const hash = await getUserOperationHash(client, { contracts: parameters.contracts, userOperation: op });
  if (parameters.signer.sign === undefined) {
    throw new InvalidParameterError({
      what: "signer",
      reason: "a LocalAccount that can sign raw hashes is required",
    });
  }
  const periodIndex =
    parameters.periodIndex === undefined
      ? await defaultPeriodIndex(client, op.sender, parameters.signer.address)
      : parameters.periodIndex;
  const signature = await parameters.signer.sign({ hash });
  return {
    ...op,
    signature: encodeAgentWalletSignature({ signer: parameters.signer.address, signature, periodIndex }),
  };
}

/** A UserOperation failed inside the account (its execution reverted); the bundle itself was mined. */
export class UserOperationRevertedError extends AitbcError {
  override name = "UserOperationRevertedError";
  /** Decoded error name of the account's revert, if any. */
  readonly errorName: string | undefined;
  /** Decoded arguments. */
  readonly args: readonly unknown[];

  /**
   * @param args.errorName Decoded name.
   * @param args.args Decoded arguments.
   * @param args.data Raw revert data.
   */
  constructor(args: { errorName: string | undefined; args: readonly unknown[]; data: Hex | undefined }) {
    super(`The UserOperation reverted${args.errorName === undefined ? "" : ` with ${args.errorName}`}.`, {
      details: args.data === undefined ? "no revert data" : `revert data ${args.data}`,
    });
    this.errorName = args.errorName;
    this.args = args.args;
  }
}

/** Parameters of {@link sendUserOperation}. */
export interface SendUserOperationParameters extends WriteParameters {
  /** Addresses; `EntryPoint` is used. */
  contracts: AitbcContracts;
  /** The signed operation. */
  userOperation: PackedUserOperation;
  /** An ERC-4337 bundler's JSON-RPC URL; without it, `handleOps` is called directly (local chains). */
  bundlerUrl?: string;
  /** Receiver of the gas refund with `handleOps` (default: the sender). */
  beneficiary?: Address;
}

/** Result of {@link sendUserOperation}. */
export interface SendUserOperationReturnType {
  /** The EntryPoint's hash of the operation. */
  userOpHash: Hex;
  /** With `handleOps`: the bundle transaction and its outcome. */
  hash?: Hex;
  success?: boolean;
  /** Gas charged to the account, wei. */
  actualGasCost?: bigint;
}

function toRpcUserOperation(op: PackedUserOperation): Record<string, Hex | undefined> {
  const limits = BigInt(op.accountGasLimits);
  const fees = BigInt(op.gasFees);
  const mask = maxUint(128);
  const hasFactory = op.initCode !== "0x";
  return {
    sender: op.sender,
    nonce: toHex(op.nonce),
    ...(hasFactory
      ? { factory: `0x${op.initCode.slice(2, 42)}` as Hex, factoryData: `0x${op.initCode.slice(42)}` as Hex }
      : {}),
    callData: op.callData,
    callGasLimit: toHex(limits & mask),
    verificationGasLimit: toHex(limits >> 128n),
    preVerificationGas: toHex(op.preVerificationGas),
    maxFeePerGas: toHex(fees & mask),
    maxPriorityFeePerGas: toHex(fees >> 128n),
    signature: op.signature,
  };
}

/**
 * Sends a signed UserOperation: to a bundler (`eth_sendUserOperation`) when `bundlerUrl` is given,
 * else directly through `EntryPoint.handleOps` from the client's account (a local chain).
 *
 * @param client A wallet client (the bundler account for `handleOps`).
 * @param parameters See {@link SendUserOperationParameters}.
 * @returns `{ userOpHash, hash?, success?, actualGasCost? }`.
 * @throws {UserOperationRevertedError} if the account's execution reverted (decoded);
 *   {ContractRevertError} e.g. `FailedOp(0, "AA24 signature error")` if validation fails.
 * @example
 * ```ts
 * const { success } = await sendUserOperation(bundlerClient, { contracts, userOperation: signed });
 * ```
 */
export async function sendUserOperation(
  client: AitbcWriteClient,
  parameters: SendUserOperationParameters,
): Promise<SendUserOperationReturnType> {
  const entryPoint = contractAddress(parameters.contracts, "EntryPoint");
  const op = parameters.userOperation;
  if (parameters.bundlerUrl !== undefined) {
    const response = await fetch(parameters.bundlerUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "eth_sendUserOperation",
        params: [toRpcUserOperation(op), entryPoint],
      }),
    });
    const body = (await response.json()) as { result?: Hex; error?: { message: string } };
    if (body.result === undefined) {
      throw new AitbcError("The bundler rejected the UserOperation.", {
        details: body.error?.message ?? `HTTP ${response.status}`,
      });
    }
    return { userOpHash: body.result };
  }
  const account = resolveAccount(client, parameters.account, "sendUserOperation");
  const beneficiary = assertAddress(parameters.beneficiary ?? accountAddress(account), "beneficiary");
  const { hash, receipt } = await write(client, {
    address: entryPoint,
    abi: entryPointAbi,
    functionName: "handleOps",
    args: [[op], beneficiary],
    account,
  });
  const logs = parseEventLogs({ abi: entryPointAbi, logs: receipt.logs });
  const event = logs.find((l) => l.eventName === "UserOperationEvent");
  const reason = logs.find((l) => l.eventName === "UserOperationRevertReason");
  if (reason !== undefined && reason.eventName === "UserOperationRevertReason") {
    const data = reason.args.revertReason;
    const decoded = decodeRevertData(data);
    throw new UserOperationRevertedError({ errorName: decoded?.errorName, args: decoded?.args ?? [], data });
  }
  if (event === undefined || event.eventName !== "UserOperationEvent") {
    throw new AitbcError("handleOps emitted no UserOperationEvent.", { details: `transaction ${hash}` });
  }
  return {
    userOpHash: event.args.userOpHash,
    hash,
    success: event.args.success,
    actualGasCost: event.args.actualGasCost,
  };
}
