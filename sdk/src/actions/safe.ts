/**
 * Safe (1.3–1.5) multisig actions: build a Safe transaction, hash it (EIP-712 `SafeTx`), sign it
 * as each owner, and execute it with the owners' signatures sorted by owner address — the security
 * council's path to the chain.
 *
 * A Safe checks `threshold` signatures, concatenated as 65-byte `r‖s‖v` blobs **sorted by owner
 * address, ascending**. EIP-712 signatures (v = 27/28) are plain ECDSA over the Safe transaction
 * hash; the domain is `{ chainId, verifyingContract: safe }` (no name, no version).
 */
import { hashTypedData, type Account, type Address, type Hex } from "viem";
import { signTypedData } from "viem/actions";

import { safeAbi } from "../abis/safe.js";
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
import { assertAddress, assertAmount, assertOneOf } from "../utils/validate.js";

/** Safe `Enum.Operation`. */
export const SafeOperation = { Call: 0, DelegateCall: 1 } as const;
/** A Safe operation value (0 call, 1 delegatecall). */
export type SafeOperationValue = (typeof SafeOperation)[keyof typeof SafeOperation];

const ZERO: Address = "0x0000000000000000000000000000000000000000";

/** EIP-712 types of a Safe transaction (Safe 1.3 – 1.5), domain `{ chainId, verifyingContract: safe }`. */
export const SAFE_TX_TYPES = {
  SafeTx: [
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "data", type: "bytes" },
    { name: "operation", type: "uint8" },
    { name: "safeTxGas", type: "uint256" },
    { name: "baseGas", type: "uint256" },
    { name: "gasPrice", type: "uint256" },
    { name: "gasToken", type: "address" },
    { name: "refundReceiver", type: "address" },
    { name: "nonce", type: "uint256" },
  ],
} as const;

/**
 * A Safe transaction. The refund fields default to none (`safeTxGas`, `baseGas`, `gasPrice` 0,
 * `gasToken` and `refundReceiver` the zero address) and `operation` to a call.
 */
export interface SafeTransaction {
  /** The Safe (EIP-712 verifying contract). */
  safe: Address;
  /** Called contract. */
  to: Address;
  /** Wei sent with the call. */
  value: bigint;
  /** Calldata. */
  data: Hex;
  /** The Safe's nonce this transaction uses. */
  nonce: bigint;
  /** EIP-155 chain id (EIP-712 domain). */
  chainId: number;
  /** Call (default) or delegatecall. */
  operation?: SafeOperationValue;
  /** Gas for the inner call (0 = all available), gas units. */
  safeTxGas?: bigint;
  /** Gas paid for outside the inner call when refunding, gas units. */
  baseGas?: bigint;
  /** Refund price, in `gasToken`'s smallest unit per gas (0 = no refund). */
  gasPrice?: bigint;
  /** Refund token (zero address = ether). */
  gasToken?: Address;
  /** Receiver of the refund (zero address = `tx.origin`). */
  refundReceiver?: Address;
}

/** One owner's signature of a Safe transaction. */
export interface SafeSignature {
  /** The owner that signed. */
  signer: Address;
  /** 65-byte ECDSA signature over the Safe transaction hash (v = 27/28). */
  signature: Hex;
}

/** The `SafeTx` message of a transaction, with every default filled in. */
function safeTxMessage(tx: SafeTransaction) {
  return {
    to: assertAddress(tx.to, "to"),
    value: assertAmount(tx.value, "value (wei)"),
    data: tx.data,
    operation: assertOneOf(tx.operation ?? SafeOperation.Call, [0, 1] as const, "operation"),
    safeTxGas: assertAmount(tx.safeTxGas ?? 0n, "safeTxGas"),
    baseGas: assertAmount(tx.baseGas ?? 0n, "baseGas"),
    gasPrice: assertAmount(tx.gasPrice ?? 0n, "gasPrice"),
    gasToken: assertAddress(tx.gasToken ?? ZERO, "gasToken"),
    refundReceiver: assertAddress(tx.refundReceiver ?? ZERO, "refundReceiver"),
    nonce: assertAmount(tx.nonce, "nonce"),
  };
}

/**
 * The EIP-712 typed data of a Safe transaction (for any signer: viem, a hardware wallet, Safe's UI).
 *
 * @param transaction See {@link SafeTransaction}.
 * @returns `{ domain, types, primaryType: "SafeTx", message }`.
 * @throws {InvalidAddressError} | {InvalidAmountError} | {InvalidParameterError} on malformed fields.
 * @example
 * ```ts
 * const typed = safeTransactionTypedData(tx);
 * ```
 */
export function safeTransactionTypedData(transaction: SafeTransaction) {
  return {
    domain: { chainId: transaction.chainId, verifyingContract: assertAddress(transaction.safe, "safe") },
    types: SAFE_TX_TYPES,
    primaryType: "SafeTx" as const,
    message: safeTxMessage(transaction),
  };
}

/**
 * The Safe transaction hash owners sign, computed offline (equal to the Safe's `getTransactionHash`).
 *
 * @param transaction See {@link SafeTransaction}.
 * @returns The EIP-712 hash (bytes32).
 * @example
 * ```ts
 * const safeTxHash = hashSafeTransaction(tx);
 * ```
 */
export function hashSafeTransaction(transaction: SafeTransaction): Hex {
  return hashTypedData(safeTransactionTypedData(transaction));
}

/**
 * The Safe transaction hash as the Safe itself computes it (`getTransactionHash`): a check that the
 * offline hash, the chain id and the Safe's version agree.
 *
 * @param client A viem client.
 * @param parameters `{ transaction }`.
 * @returns The hash (bytes32).
 * @example
 * ```ts
 * expect(await getSafeTransactionHash(client, { transaction: tx })).to.equal(hashSafeTransaction(tx));
 * ```
 */
export async function getSafeTransactionHash(
  client: AitbcReadClient,
  parameters: { transaction: SafeTransaction },
): Promise<Hex> {
  const m = safeTxMessage(parameters.transaction);
  return read(client, {
    address: assertAddress(parameters.transaction.safe, "safe"),
    abi: safeAbi,
    functionName: "getTransactionHash",
    args: [m.to, m.value, m.data, m.operation, m.safeTxGas, m.baseGas, m.gasPrice, m.gasToken, m.refundReceiver, m.nonce], // prettier-ignore
  });
}

/** Parameters of {@link buildSafeTransaction}. */
export interface BuildSafeTransactionParameters {
  /** The Safe. */
  safe: Address;
  /** Called contract. */
  to: Address;
  /** Calldata (default "0x"). */
  data?: Hex;
  /** Wei sent (default 0). */
  value?: bigint;
  /** Call (default) or delegatecall. */
  operation?: SafeOperationValue;
  /** Nonce (default: the Safe's current nonce). */
  nonce?: bigint;
}

/**
 * Builds a Safe transaction with no refund, reading the Safe's nonce and the chain id unless given.
 *
 * @param client A viem client.
 * @param parameters See {@link BuildSafeTransactionParameters}.
 * @returns See {@link SafeTransaction}.
 * @throws {InvalidAddressError} before any request.
 * @example
 * ```ts
 * const tx = await buildSafeTransaction(client, { safe, to: governor, data });
 * ```
 */
export async function buildSafeTransaction(
  client: AitbcReadClient,
  parameters: BuildSafeTransactionParameters,
): Promise<SafeTransaction> {
  const safe = assertAddress(parameters.safe, "safe");
  const to = assertAddress(parameters.to, "to");
  const nonce =
    parameters.nonce ?? (await read(client, { address: safe, abi: safeAbi, functionName: "nonce" }));
  const chainId = client.chain?.id ?? Number(await client.request({ method: "eth_chainId" }));
  return {
    safe,
    to,
    value: assertAmount(parameters.value ?? 0n, "value (wei)"),
    data: parameters.data ?? "0x",
    nonce,
    chainId,
    ...(parameters.operation === undefined ? {} : { operation: parameters.operation }),
  };
}

/**
 * Signs a Safe transaction as one owner (EIP-712 `SafeTx`, Safe 1.3–1.5).
 *
 * @param client A wallet client of a Safe owner (a local account, or a node that signs typed data).
 * @param parameters `{ transaction, account? }`.
 * @returns `{ signer, signature }` (65-byte ECDSA).
 * @example
 * ```ts
 * const sigs = await Promise.all(owners.map((o) => signSafeTransaction(o, { transaction: tx })));
 * ```
 */
export async function signSafeTransaction(
  client: AitbcWriteClient,
  parameters: { transaction: SafeTransaction; account?: Account | Address },
): Promise<SafeSignature> {
  const account = resolveAccount(client, parameters.account, "signSafeTransaction");
  const signature = await signTypedData(client, {
    account,
    ...safeTransactionTypedData(parameters.transaction),
  });
  return { signer: accountAddress(account), signature };
}

/**
 * Packs owners' signatures as the Safe reads them: sorted by owner address, ascending, concatenated.
 *
 * @param signatures One per owner.
 * @returns The `signatures` bytes of `execTransaction`.
 * @throws {InvalidParameterError} if an owner signed twice (the Safe would refuse it: GS026).
 * @example
 * ```ts
 * const packed = packSafeSignatures([sigB, sigA]); // sigA first if A < B
 * ```
 */
export function packSafeSignatures(signatures: readonly SafeSignature[]): Hex {
  const sorted = [...signatures].sort((a, b) =>
    BigInt(assertAddress(a.signer, "signer")) < BigInt(assertAddress(b.signer, "signer")) ? -1 : 1,
  );
  sorted.forEach((s, i) => {
    if (i > 0 && BigInt(sorted[i - 1]!.signer) === BigInt(s.signer)) {
      throw new InvalidParameterError({ what: "signatures", reason: `${s.signer} signed twice` });
    }
  });
  return `0x${sorted.map((s) => s.signature.slice(2)).join("")}`;
}

/**
 * Executes a Safe transaction with the owners' signatures (sorted by owner address here). Anyone
 * may send it.
 *
 * @param client A wallet client (any account).
 * @param parameters `{ transaction, signatures, account? }`.
 * @returns `{ hash, receipt }`.
 * @throws {ContractRevertError} `Error("GS020")` etc. if signatures are too few or invalid.
 * @example
 * ```ts
 * await execSafeTransaction(walletClient, { transaction: tx, signatures: sigs });
 * ```
 */
export async function execSafeTransaction(
  client: AitbcWriteClient,
  parameters: {
    transaction: SafeTransaction;
    signatures: readonly SafeSignature[];
  } & WriteParameters,
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "execSafeTransaction");
  const m = safeTxMessage(parameters.transaction);
  return write(client, {
    address: assertAddress(parameters.transaction.safe, "safe"),
    abi: safeAbi,
    functionName: "execTransaction",
    args: [m.to, m.value, m.data, m.operation, m.safeTxGas, m.baseGas, m.gasPrice, m.gasToken, m.refundReceiver, packSafeSignatures(parameters.signatures)], // prettier-ignore
    account,
  });
}

/** Parameters of {@link execSafeCall}. */
export interface ExecSafeCallParameters extends BuildSafeTransactionParameters, WriteParameters {
  /** Wallet clients of the signing owners (each with its account); at least the Safe's threshold. */
  owners: readonly AitbcWriteClient[];
}

/**
 * Builds a call from the Safe, has each of `owners` sign it and executes it (the sender — `client`'s
 * account — pays the gas): the one-call form of {@link buildSafeTransaction},
 * {@link signSafeTransaction} and {@link execSafeTransaction}.
 *
 * @param client A wallet client (any account).
 * @param parameters See {@link ExecSafeCallParameters}.
 * @returns `{ hash, receipt, transaction, safeTxHash }`.
 * @throws {ContractRevertError} e.g. `Error("GS020")` with fewer signatures than the threshold.
 * @example
 * ```ts
 * await execSafeCall(anyClient, { safe: council, to: governor, data, owners: councilClients.slice(0, 3) });
 * ```
 */
export async function execSafeCall(
  client: AitbcWriteClient,
  parameters: ExecSafeCallParameters,
): Promise<WriteReturnType & { transaction: SafeTransaction; safeTxHash: Hex }> {
  const transaction = await buildSafeTransaction(client, parameters);
  const signatures = await Promise.all(
    parameters.owners.map((owner) => signSafeTransaction(owner, { transaction })),
  );
  const { hash, receipt } = await execSafeTransaction(client, {
    transaction,
    signatures,
    ...(parameters.account === undefined ? {} : { account: parameters.account }),
  });
  return { hash, receipt, transaction, safeTxHash: hashSafeTransaction(transaction) };
}
