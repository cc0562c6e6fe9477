/**
 * Signing and executing Safe (1.5) transactions with several owner keys: the security council's
 * path to the chain, with ethers signers: used by the ethers-based tests and the demo. The SDK has
 * the viem counterpart (`signSafeTransaction`, `execSafeTransaction`) and owns the EIP-712 type table.
 *
 * A Safe transaction is signed as EIP-712 typed data (domain: chainId + the Safe's address). The
 * Safe checks `threshold` signatures, concatenated as 65-byte `r‖s‖v` blobs **sorted by owner
 * address, ascending**. Signatures from `signTypedData` have v = 27/28, which the Safe treats as
 * plain ECDSA over the Safe transaction hash.
 */
import type { Signer, TypedDataDomain, TypedDataField } from "ethers";

import { SAFE_TX_TYPES as SDK_SAFE_TX_TYPES } from "@aitbc/sdk";

/** Safe `Enum.Operation`. */
export enum SafeOperation {
  Call = 0,
  DelegateCall = 1,
}

/** The fields of a Safe transaction (`SafeTx` in the Safe's EIP-712 types). */
export interface SafeTransaction {
  to: string;
  /** wei */
  value: bigint;
  data: string;
  operation: SafeOperation;
  safeTxGas: bigint;
  baseGas: bigint;
  gasPrice: bigint;
  gasToken: string;
  refundReceiver: string;
  nonce: bigint;
}

/** The subset of a Safe contract (ethers `Contract`) used here. */
export interface SafeLike {
  getAddress(): Promise<string>;
  nonce(): Promise<bigint>;
  execTransaction: {
    (
      to: string,
      value: bigint,
      data: string,
      operation: number,
      safeTxGas: bigint,
      baseGas: bigint,
      gasPrice: bigint,
      gasToken: string,
      refundReceiver: string,
      signatures: string,
    ): Promise<unknown>;
  };
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** EIP-712 types of a Safe transaction: the SDK's table, in ethers' (mutable) shape. */
export const SAFE_TX_TYPES: Record<string, TypedDataField[]> = {
  SafeTx: SDK_SAFE_TX_TYPES.SafeTx.map((field) => ({ ...field })),
};

/**
 * Builds a plain call from the Safe with no refund and the Safe's current nonce.
 *
 * @param safe the Safe proxy
 * @param to the called contract
 * @param data ABI-encoded calldata
 * @param value wei sent with the call (default 0)
 */
export async function buildSafeTransaction(
  safe: SafeLike,
  to: string,
  data: string,
  value = 0n,
): Promise<SafeTransaction> {
  return {
    to,
    value,
    data,
    operation: SafeOperation.Call,
    safeTxGas: 0n,
    baseGas: 0n,
    gasPrice: 0n,
    gasToken: ZERO_ADDRESS,
    refundReceiver: ZERO_ADDRESS,
    nonce: await safe.nonce(),
  };
}

/**
 * Signs `tx` with each of `owners` and returns the Safe's `signatures` bytes (sorted by owner).
 *
 * @param safeAddress the Safe proxy's address (EIP-712 verifying contract)
 * @param chainId the chain id (EIP-712 domain)
 * @param tx the Safe transaction
 * @param owners signers; the Safe accepts them if they are owners and at least `threshold`
 */
export async function signSafeTransaction(
  safeAddress: string,
  chainId: bigint,
  tx: SafeTransaction,
  owners: readonly Signer[],
): Promise<string> {
  const domain: TypedDataDomain = { chainId, verifyingContract: safeAddress };
  const signed = await Promise.all(
    owners.map(async (owner) => ({
      address: (await owner.getAddress()).toLowerCase(),
      signature: await owner.signTypedData(domain, SAFE_TX_TYPES, { ...tx }),
    })),
  );
  signed.sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  return "0x" + signed.map((entry) => entry.signature.slice(2)).join("");
}

/**
 * Builds, signs with `owners` and executes a call from the Safe; `submitter` (any account) pays gas.
 *
 * @returns the `execTransaction` transaction response
 */
export async function execSafeCall(
  safe: SafeLike,
  chainId: bigint,
  owners: readonly Signer[],
  to: string,
  data: string,
  value = 0n,
): Promise<unknown> {
  const tx = await buildSafeTransaction(safe, to, data, value);
  const signatures = await signSafeTransaction(await safe.getAddress(), chainId, tx, owners);
  return safe.execTransaction(
    tx.to,
    tx.value,
    tx.data,
    tx.operation,
    tx.safeTxGas,
    tx.baseGas,
    tx.gasPrice,
    tx.gasToken,
    tx.refundReceiver,
    signatures,
  );
}
