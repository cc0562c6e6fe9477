/**
 * Building, signing and submitting ERC-4337 v0.8 PackedUserOperations for AgentWallet: used by the
 * wallet tests, the gas bench and (later) the SDK and the demo.
 *
 * - The hash a key signs is the EntryPoint's `getUserOpHash(op)` (EIP-712, bound to the chain, the
 *   EntryPoint and the sender); it is signed raw (no EIP-191 prefix).
 * - AgentWallet signatures are `signerAddress ‖ signature [‖ periodIndex]`: the first 20 bytes name the key;
 *   agent and session keys paying their own gas append the 6-byte index of the wallet's current ether-limit
 *   period (`spendingLimit(address(0)).periodIndex`), against which the operation's worst-case gas is counted.
 * - Agent and session keys must call the wallet through `executeUserOp`: callData is
 *   `executeUserOp.selector ‖ <wallet calldata>` (see {@link walletCall}), where the wallet calldata calls
 *   `execute`, `executeBatch`, `delegateVotes`, `castVote` or `payInto` (validation refuses anything else).
 */
import {
  Interface,
  SigningKey,
  computeAddress,
  concat,
  getBytes,
  id,
  toBeHex,
  zeroPadValue,
  type BytesLike,
  type InterfaceAbi,
} from "ethers";

/** The ERC-4337 v0.7/v0.8 packed user operation, as `handleOps` takes it. */
export interface PackedUserOperation {
  sender: string;
  nonce: bigint;
  initCode: string;
  callData: string;
  /** `verificationGasLimit (16 bytes) ‖ callGasLimit (16 bytes)` */
  accountGasLimits: string;
  preVerificationGas: bigint;
  /** `maxPriorityFeePerGas (16 bytes) ‖ maxFeePerGas (16 bytes)`, wei per gas */
  gasFees: string;
  paymasterAndData: string;
  signature: string;
}

/** The unpacked fields of a user operation; gas fields have defaults fit for a local chain. */
export interface UserOpFields {
  sender: string;
  nonce: bigint;
  callData: string;
  /** `factory ‖ factoryCalldata`, or "0x" for an existing account. */
  initCode?: string;
  verificationGasLimit?: bigint;
  callGasLimit?: bigint;
  preVerificationGas?: bigint;
  /** wei per gas */
  maxFeePerGas?: bigint;
  /** wei per gas */
  maxPriorityFeePerGas?: bigint;
  paymasterAndData?: string;
}

/** A key that can sign a 32-byte digest without prefix (an ethers `Wallet`, or an ERC-1271 owner's signer). */
export interface DigestSigner {
  /** The address the wallet knows this key (or owner contract) by. */
  address: string;
  /** Returns the signature bytes the wallet checks for `digest` (65-byte ECDSA for agent and session keys). */
  signDigest(digest: string): string | Promise<string>;
}

/** Selector of `executeUserOp(PackedUserOperation,bytes32)` (IAccountExecute). */
export const EXECUTE_USER_OP_SELECTOR = id(
  "executeUserOp((address,uint256,bytes,bytes,bytes32,uint256,bytes32,bytes,bytes),bytes32)",
).slice(0, 10);

/** Packs two 128-bit values into one bytes32 (`high ‖ low`). */
export function packUint128Pair(high: bigint, low: bigint): string {
  const limit = 1n << 128n;
  if (high < 0n || high >= limit || low < 0n || low >= limit) throw new RangeError("value exceeds 128 bits");
  return zeroPadValue(toBeHex((high << 128n) | low), 32);
}

/** Builds an unsigned packed user operation. */
export function buildUserOp(fields: UserOpFields): PackedUserOperation {
  return {
    sender: fields.sender,
    nonce: fields.nonce,
    initCode: fields.initCode ?? "0x",
    callData: fields.callData,
    accountGasLimits: packUint128Pair(
      fields.verificationGasLimit ?? 600_000n,
      fields.callGasLimit ?? 600_000n,
    ),
    preVerificationGas: fields.preVerificationGas ?? 60_000n,
    gasFees: packUint128Pair(
      fields.maxPriorityFeePerGas ?? 1_000_000_000n,
      fields.maxFeePerGas ?? 20_000_000_000n,
    ),
    paymasterAndData: fields.paymasterAndData ?? "0x",
    signature: "0x",
  };
}

/** `executeUserOp.selector ‖ walletCalldata`: runs `walletCalldata` on the wallet as the key that signed. */
export function executeUserOpCallData(walletCalldata: BytesLike): string {
  return concat([EXECUTE_USER_OP_SELECTOR, walletCalldata]);
}

/** Encodes a call of the wallet's `fn(...args)` to run through `executeUserOp`. */
export function walletCall(
  walletAbi: Interface | InterfaceAbi,
  fn: string,
  args: readonly unknown[],
): string {
  const iface = walletAbi instanceof Interface ? walletAbi : new Interface(walletAbi);
  return executeUserOpCallData(iface.encodeFunctionData(fn, args));
}

/** AgentWallet signature layout: `signer (20 bytes) ‖ signature [‖ periodIndex (6 bytes)]`. */
export function agentWalletSignature(signer: string, signature: BytesLike, periodIndex?: bigint): string {
  return concat([
    signer,
    signature,
    ...(periodIndex === undefined ? [] : [zeroPadValue(toBeHex(periodIndex), 6)]),
  ]);
}

/** A {@link DigestSigner} from a raw private key (or an ethers `Wallet`'s `signingKey`). */
export function ecdsaDigestSigner(
  key: SigningKey | { signingKey: SigningKey; address: string },
): DigestSigner {
  const signingKey = key instanceof SigningKey ? key : key.signingKey;
  const address = key instanceof SigningKey ? computeAddress(signingKey.publicKey) : key.address;
  return { address, signDigest: (digest) => signingKey.sign(getBytes(digest)).serialized };
}

/** The subset of the EntryPoint (ethers `Contract`) used here. */
export interface EntryPointLike {
  getUserOpHash(op: PackedUserOperation): Promise<string>;
  getNonce(sender: string, key: bigint): Promise<bigint>;
}

/**
 * Signs `op` with `signer` (AgentWallet layout) over the EntryPoint's user-operation hash.
 *
 * @param periodIndex for agent and session keys paying their own gas: the wallet's current ether-limit period
 *   index (`(await wallet.spendingLimit(ZeroAddress)).periodIndex`)
 */
export async function signUserOp(
  entryPoint: EntryPointLike,
  op: PackedUserOperation,
  signer: DigestSigner,
  periodIndex?: bigint,
): Promise<PackedUserOperation> {
  const hash = await entryPoint.getUserOpHash(op);
  return {
    ...op,
    signature: agentWalletSignature(signer.address, await signer.signDigest(hash), periodIndex),
  };
}
