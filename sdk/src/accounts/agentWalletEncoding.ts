/**
 * The AgentWallet's wire formats, in one place: how a key's signature is laid out, which ether-limit period
 * an agent or session key names, how agent and session keys wrap their calls in `executeUserOp`, how calls
 * are encoded and decoded, and the EIP-712 digest a key signs for the wallet's ERC-1271 check. Used by the
 * UserOperation actions (`signUserOperation`, `encodeAgentCall`) and by {@link toAgentWalletAccount}.
 */
import {
  concat,
  decodeFunctionData,
  encodeFunctionData,
  hashTypedData,
  pad,
  size,
  slice,
  toHex,
  type Address,
  type Hex,
} from "viem";
import { getCode } from "viem/actions";

import { agentWalletAbi } from "../abis/agentWallet.js";
import { InvalidParameterError } from "../errors/validation.js";
import { read, type AitbcReadClient } from "../utils/client.js";
import { assertAddress, assertAmount, maxUint } from "../utils/validate.js";

/** Selector of `executeUserOp(PackedUserOperation,bytes32)` (IAccountExecute). */
export const EXECUTE_USER_OP_SELECTOR: Hex = "0x8dd7712f";

/** Bytes of the signer prefix of every AgentWallet signature (the signing key's address). */
export const AGENT_WALLET_SIGNER_PREFIX_SIZE = 20;
/** Bytes of an ECDSA signature `r ‖ s ‖ v`. */
export const ECDSA_SIGNATURE_SIZE = 65;
/** Bytes of the ether-limit period index agent and session keys append (big-endian uint48). */
export const PERIOD_INDEX_SIZE = 6;

/**
 * A well-formed 65-byte ECDSA signature (fixed r, s below n/2, v = 28) that no key of the wallet made: the wallet's
 * ECDSA check runs on it during gas estimation as on a real signature, and fails.
 */
const STUB_ECDSA_SIGNATURE: Hex =
  "0xfffffffffffffffffffffffffffffff0000000000000000000000000000000007aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1c";

/** Who signs for an AgentWallet: its owner, its agent key, or one of its session keys. */
export type AgentWalletKeyType = "owner" | "agent" | "session";

/**
 * Wraps wallet calldata so it runs as the key that signed the operation (required for agent and
 * session keys): `executeUserOp.selector ‖ walletCalldata`. For agent and session keys the wallet
 * calldata must call `execute`, `executeBatch`, `delegateVotes`, `castVote` or `payInto`; the wallet's
 * validation refuses anything else (`FailedOp(0, "AA24 signature error")`), including owner functions
 * and a nested `executeUserOp`, and their calls may target neither the wallet nor the EntryPoint.
 *
 * @param walletCalldata Calldata of an AgentWallet function, e.g. `execute(target, value, data)`.
 * @returns The UserOperation callData.
 * @example
 * ```ts
 * const callData = encodeAgentCall(encodeFunctionData({ abi: agentWalletAbi, functionName: "execute", args }));
 * ```
 */
export function encodeAgentCall(walletCalldata: Hex): Hex {
  return concat([EXECUTE_USER_OP_SELECTOR, walletCalldata]);
}

/** One call of an account: `to`, `value` in wei, `data` the calldata (viem's `SmartAccount` call shape). */
export interface AgentWalletCall {
  to: Address;
  value?: bigint | undefined;
  data?: Hex | undefined;
}

/**
 * Encodes calls as the UserOperation callData a key of the wallet may send: one call as
 * `execute(to, value, data)`, several as `executeBatch(calls)` (all or nothing); for agent and session keys
 * wrapped by {@link encodeAgentCall} (the wallet runs them as that key, within its limits), for the owner
 * not (the EntryPoint calls `execute` directly, as the owner).
 *
 * @param calls At least one call.
 * @param keyType Who signs the operation.
 * @returns The callData.
 * @throws {InvalidParameterError} for an empty list; {InvalidAddressError} | {InvalidAmountError} for a bad call.
 * @example
 * ```ts
 * const callData = encodeAgentWalletCalls([{ to: token, data: transferData }], "agent");
 * ```
 */
export function encodeAgentWalletCalls(calls: readonly AgentWalletCall[], keyType: AgentWalletKeyType): Hex {
  if (calls.length === 0)
    throw new InvalidParameterError({ what: "calls", reason: "at least one call is required" });
  const checked = calls.map((c, i) => ({
    target: assertAddress(c.to, `calls[${i}].to`),
    value: assertAmount(c.value ?? 0n, `calls[${i}].value (wei)`),
    data: c.data ?? "0x",
  }));
  const walletCalldata =
    checked.length === 1
      ? encodeFunctionData({
          abi: agentWalletAbi,
          functionName: "execute",
          args: [checked[0]!.target, checked[0]!.value, checked[0]!.data],
        })
      : encodeFunctionData({ abi: agentWalletAbi, functionName: "executeBatch", args: [checked] });
  return keyType === "owner" ? walletCalldata : encodeAgentCall(walletCalldata);
}

/**
 * Decodes UserOperation callData made by {@link encodeAgentWalletCalls} (with or without the `executeUserOp`
 * wrapper) back into calls.
 *
 * @param callData The callData.
 * @returns The calls, in order.
 * @throws {InvalidParameterError} if it is not `execute` or `executeBatch` calldata of the wallet.
 * @example
 * ```ts
 * const [call] = decodeAgentWalletCalls(userOperation.callData);
 * ```
 */
export function decodeAgentWalletCalls(callData: Hex): AgentWalletCall[] {
  const inner =
    size(callData) >= 4 && slice(callData, 0, 4) === EXECUTE_USER_OP_SELECTOR ? slice(callData, 4) : callData;
  let decoded;
  try {
    decoded = decodeFunctionData({ abi: agentWalletAbi, data: inner });
  } catch {
    throw new InvalidParameterError({ what: "callData", reason: "not AgentWallet calldata" });
  }
  if (decoded.functionName === "execute") {
    const [to, value, data] = decoded.args;
    return [{ to, value, data }];
  }
  if (decoded.functionName === "executeBatch") {
    return decoded.args[0].map((c) => ({ to: c.target, value: c.value, data: c.data }));
  }
  throw new InvalidParameterError({
    what: "callData",
    reason: `calls the wallet's ${decoded.functionName}, not execute or executeBatch`,
  });
}

/**
 * Lays out an AgentWallet signature: `signer (20 bytes) ‖ signature [‖ periodIndex (6 bytes, big-endian)]`.
 * The wallet reads the first 20 bytes as the key that signed; agent and session keys append the index of
 * the ether-limit period their operation's gas is counted in (omitted by the owner, and in ERC-1271
 * signatures).
 *
 * @param parts `{ signer, signature, periodIndex? }`; `signature` is the key's (65-byte ECDSA for agent and
 *   session keys; for a contract owner whatever it checks by ERC-1271); `periodIndex` a uint48 or `null`.
 * @returns The wallet signature.
 * @throws {InvalidAmountError} for a period index outside uint48.
 * @example
 * ```ts
 * const signature = encodeAgentWalletSignature({ signer: agentKey.address, signature: ecdsa, periodIndex: 20_000n });
 * ```
 */
export function encodeAgentWalletSignature(parts: {
  signer: Address;
  signature: Hex;
  periodIndex?: bigint | null | undefined;
}): Hex {
  const out: Hex[] = [assertAddress(parts.signer, "signer"), parts.signature];
  if (parts.periodIndex !== undefined && parts.periodIndex !== null) {
    const index = assertAmount(parts.periodIndex, "periodIndex", { max: maxUint(48) });
    out.push(pad(toHex(index), { size: PERIOD_INDEX_SIZE }));
  }
  return concat(out);
}

/**
 * A placeholder signature of the real one's length for gas estimation: the signer's prefix, a well-formed
 * ECDSA signature that recovers to no key, and (agent and session keys) a period index.
 *
 * @param signer The key that will sign.
 * @param keyType Its type (agent and session keys get the 6-byte period index).
 * @returns `20 + 65 (+ 6)` bytes.
 * @example
 * ```ts
 * const stub = agentWalletStubSignature(agentKey.address, "agent"); // 91 bytes
 * ```
 */
export function agentWalletStubSignature(signer: Address, keyType: AgentWalletKeyType): Hex {
  return encodeAgentWalletSignature({
    signer,
    signature: STUB_ECDSA_SIGNATURE,
    periodIndex: keyType === "owner" ? null : 0n,
  });
}

/**
 * The index of the wallet's current ether-limit period (`spendingLimit(address(0)).periodIndex`), which agent
 * and session keys append to their UserOperation signatures: the wallet counts the operation's worst-case gas
 * cost against the ether limit in that period, and the operation is valid only within it. `null` while the
 * wallet is not deployed (nothing to read; only its owner can deploy it, without a period index).
 *
 * @param client A viem client.
 * @param parameters `{ wallet }`.
 * @returns The period index, or `null`.
 * @example
 * ```ts
 * const periodIndex = await getAgentWalletPeriodIndex(client, { wallet });
 * ```
 */
export async function getAgentWalletPeriodIndex(
  client: AitbcReadClient,
  parameters: { wallet: Address },
): Promise<bigint | null> {
  const wallet = assertAddress(parameters.wallet, "wallet");
  const code = await getCode(client, { address: wallet });
  if (code === undefined || code === "0x") return null;
  const limit = await read(client, {
    address: wallet,
    abi: agentWalletAbi,
    functionName: "spendingLimit",
    args: ["0x0000000000000000000000000000000000000000"],
  });
  return limit.periodIndex;
}

/**
 * The digest a key signs for the wallet's ERC-1271 check of `hash`: the EIP-712 hash of
 * `AgentWalletMessage(bytes32 hash)` in the wallet's domain (name "AgentWallet", version "1", the chain id,
 * the wallet's address) — what the wallet's `messageDigest(hash)` returns, computed without a request (so an
 * undeployed wallet can sign too).
 *
 * @param parameters `{ chainId, wallet, hash }`.
 * @returns The digest.
 * @example
 * ```ts
 * const digest = agentWalletMessageDigest({ chainId: 31337, wallet, hash: hashMessage("hello") });
 * ```
 */
export function agentWalletMessageDigest(parameters: { chainId: number; wallet: Address; hash: Hex }): Hex {
  return hashTypedData({
    domain: {
      name: "AgentWallet",
      version: "1",
      chainId: parameters.chainId,
      verifyingContract: assertAddress(parameters.wallet, "wallet"),
    },
    types: { AgentWalletMessage: [{ name: "hash", type: "bytes32" }] },
    primaryType: "AgentWalletMessage",
    message: { hash: parameters.hash },
  });
}
