/**
 * Gas limits of an agent- or session-key UserOperation of an AgentWallet, estimated by the account itself
 * (viem's `SmartAccount.userOperation.estimateGas` hook) instead of by the bundler.
 *
 * Why: a bundler estimates with a stub signature. The wallet's validation then fails the signature before it
 * records the operation's actor (signer) in transient storage, and its `executeUserOp` refuses to run an
 * operation whose validation recorded none (`AgentWalletOperationNotValidated`), so every bundler simulation of
 * an agent or session operation reverts (seen with Pimlico Alto 0.0.20: "UserOperation reverted during
 * simulation with reason: 0xb060e84d…"). Owner operations do not use `executeUserOp` and are estimated by the
 * bundler as usual. contracts/wallet/README.md ("Driving it with viem / permissionless") gives the contract change
 * that would let bundlers estimate these operations themselves; this hook is then no longer needed.
 */
import { encodeAbiParameters, size, slice, toBytes, type Address, type Hex } from "viem";
import { toPackedUserOperation, type UserOperation } from "viem/account-abstraction";
import { estimateGas } from "viem/actions";

import { toAitbcError } from "../errors/contract.js";
import type { AitbcReadClient } from "../utils/client.js";
import { EXECUTE_USER_OP_SELECTOR } from "./agentWalletEncoding.js";

/**
 * The verification gas limit of an agent- or session-key operation, gas units: an upper bound of the wallet's
 * `validateUserOp` on that path (signer prefix, ECDSA recovery ~3,000, the key's and freeze's storage reads, the
 * ether limit's counter written — up to ~22,100 for a zero-to-nonzero write — its `Spent` event, the transient
 * record) and the EntryPoint's own validation work, with room to spare. It is a limit, not a charge: only the gas
 * used is paid, but the worst case, `(verificationGasLimit + callGasLimit + preVerificationGas) × maxFeePerGas`,
 * is what the wallet counts against the ether limit.
 */
export const AGENT_KEY_VERIFICATION_GAS_LIMIT = 150_000n;

/**
 * The ERC-4337 reference bundler's pre-verification gas overheads (eth-infinitism `DefaultGasOverheads`): a
 * transaction's 21,000 shared by the bundle (one operation per bundle here), 18,300 per operation, 4 per
 * 32-byte word of the packed operation, and the calldata cost of its bytes (16 per non-zero byte, 4 per zero).
 */
const PVG = {
  fixed: 21_000n,
  perUserOp: 18_300n,
  perUserOpWord: 4n,
  zeroByte: 4n,
  nonZeroByte: 16n,
} as const;

const packedUserOperationType = [
  {
    type: "tuple",
    components: [
      { name: "sender", type: "address" },
      { name: "nonce", type: "uint256" },
      { name: "initCode", type: "bytes" },
      { name: "callData", type: "bytes" },
      { name: "accountGasLimits", type: "bytes32" },
      { name: "preVerificationGas", type: "uint256" },
      { name: "gasFees", type: "bytes32" },
      { name: "paymasterAndData", type: "bytes" },
      { name: "signature", type: "bytes" },
    ],
  },
] as const;

/**
 * Pre-verification gas of a v0.8 operation by the reference formula (see {@link PVG}): the gas the bundler pays
 * for the operation outside validation and execution (its share of the transaction and its calldata).
 *
 * @param userOperation The operation (its signature of the final length; the gas fields as they will be sent,
 *   or larger).
 * @returns Gas units.
 * @example
 * ```ts
 * const preVerificationGas = referencePreVerificationGas(userOperation);
 * ```
 */
export function referencePreVerificationGas(userOperation: UserOperation<"0.8">): bigint {
  const packed = toPackedUserOperation(userOperation);
  const encoded = toBytes(encodeAbiParameters(packedUserOperationType, [packed]));
  let calldataCost = 0n;
  for (const byte of encoded) calldataCost += byte === 0 ? PVG.zeroByte : PVG.nonZeroByte;
  const words = BigInt(Math.ceil(encoded.length / 32));
  return PVG.fixed + PVG.perUserOp + PVG.perUserOpWord * words + calldataCost;
}

/**
 * The `userOperation.estimateGas` hook of an agent- or session-key account: fills the gas limits the caller did
 * not give.
 * - `callGasLimit`: `eth_estimateGas` of the same wallet call made directly by the key (`execute` or
 *   `executeBatch` from the key's address: the same authorisation and spending accounting as through
 *   `executeUserOp`); the transaction's intrinsic 21,000 and calldata cost included in that estimate cover
 *   `executeUserOp`'s own decoding and dispatch. A call the wallet would refuse throws its decoded error here
 *   ({@link ContractRevertError}, e.g. `AgentWalletSpendingLimitExceeded`), before anything is signed or sent.
 * - `verificationGasLimit`: {@link AGENT_KEY_VERIFICATION_GAS_LIMIT}.
 * - `preVerificationGas`: {@link referencePreVerificationGas}.
 * A wallet not deployed yet gets nothing (the bundler estimates; only its owner can deploy it).
 *
 * @param client A viem client on the wallet's chain.
 * @param parameters `{ wallet, signer, userOperation }`.
 * @returns The gas fields to use (those the caller gave are left out, so they are kept).
 * @throws {ContractRevertError} if the wallet would refuse the call.
 * @example
 * ```ts
 * const gas = await estimateAgentKeyOperationGas(client, { wallet, signer: agent.address, userOperation });
 * ```
 */
export async function estimateAgentKeyOperationGas(
  client: AitbcReadClient,
  parameters: { wallet: Address; signer: Address; userOperation: Partial<UserOperation<"0.8">> },
): Promise<{ callGasLimit?: bigint; verificationGasLimit?: bigint; preVerificationGas?: bigint }> {
  const op = parameters.userOperation;
  if (op.factory !== undefined && op.factory !== null) return {};
  const callData: Hex = op.callData ?? "0x";
  const walletCalldata =
    size(callData) >= 4 && slice(callData, 0, 4) === EXECUTE_USER_OP_SELECTOR ? slice(callData, 4) : callData;
  let callGasLimit = op.callGasLimit;
  if (callGasLimit === undefined) {
    try {
      callGasLimit = await estimateGas(client, {
        account: parameters.signer,
        to: parameters.wallet,
        data: walletCalldata,
      });
    } catch (error) {
      throw toAitbcError(error, "execute");
    }
  }
  const verificationGasLimit = op.verificationGasLimit ?? AGENT_KEY_VERIFICATION_GAS_LIMIT;
  const preVerificationGas =
    op.preVerificationGas ??
    referencePreVerificationGas({
      sender: parameters.wallet,
      nonce: op.nonce ?? 0n,
      callData,
      callGasLimit,
      verificationGasLimit,
      // Its own encoding is counted too: three non-zero bytes, as any value up to 16.7M gas has at most.
      preVerificationGas: 0xffffffn,
      maxFeePerGas: op.maxFeePerGas ?? 0n,
      maxPriorityFeePerGas: op.maxPriorityFeePerGas ?? 0n,
      signature: op.signature ?? "0x",
    });
  return {
    ...(op.callGasLimit === undefined ? { callGasLimit } : {}),
    ...(op.verificationGasLimit === undefined ? { verificationGasLimit } : {}),
    ...(op.preVerificationGas === undefined ? { preVerificationGas } : {}),
  };
}
