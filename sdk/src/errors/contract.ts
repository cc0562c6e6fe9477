import { BaseError, ContractFunctionRevertedError, decodeErrorResult, type Abi, type Hex } from "viem";

import { agentWalletAbi } from "../abis/agentWallet.js";
import { agentWalletFactoryAbi } from "../abis/agentWalletFactory.js";
import { aitbcTokenAbi } from "../abis/aitbcToken.js";
import { entryPointAbi } from "../abis/entryPoint.js";
import { gpuStakingAbi } from "../abis/gpuStaking.js";
import { jobEscrowAbi } from "../abis/jobEscrow.js";
import { openClawGovernorAbi } from "../abis/openClawGovernor.js";
import { openClawTimelockAbi } from "../abis/openClawTimelock.js";
import { proposalBondEscrowAbi } from "../abis/proposalBondEscrow.js";
import { reputationRegistryAbi } from "../abis/reputationRegistry.js";
import { safeAbi } from "../abis/safe.js";
import { AitbcError } from "./base.js";

/** One `error` item of an ABI. */
export type AbiError = Extract<Abi[number], { type: "error" }>;

/**
 * Every custom error of the protocol's contracts (token, governance, staking, reputation, escrow,
 * wallet, EntryPoint), deduplicated by signature: used to decode revert data whichever contract in
 * the call chain reverted.
 */
export const protocolErrorsAbi: readonly AbiError[] = (() => {
  const seen = new Map<string, AbiError>();
  const abis: readonly Abi[] = [
    aitbcTokenAbi,
    openClawGovernorAbi,
    proposalBondEscrowAbi,
    openClawTimelockAbi,
    gpuStakingAbi,
    reputationRegistryAbi,
    jobEscrowAbi,
    agentWalletAbi,
    agentWalletFactoryAbi,
    entryPointAbi,
    safeAbi,
  ];
  for (const abi of abis) {
    for (const item of abi) {
      if (item.type !== "error") continue;
      const key = `${item.name}(${item.inputs.map((input) => input.type).join(",")})`;
      if (!seen.has(key)) seen.set(key, item);
    }
  }
  return [...seen.values()];
})();

/**
 * A contract call reverted. `errorName` and `args` are the protocol's custom error decoded from
 * the revert data (e.g. `EscrowWrongStatus` with `[jobId, status]`), or `"Error"` with the reason
 * string, `"Panic"` with the code, or `undefined` when the revert carried no decodable data.
 *
 * @example
 * ```ts
 * try {
 *   await claimJob(client, { contracts, jobId });
 * } catch (error) {
 *   if (error instanceof ContractRevertError && error.errorName === "EscrowWrongStatus") {
 *     console.log("job is in status", error.args[1]);
 *   }
 * }
 * ```
 */
export class ContractRevertError extends AitbcError {
  override name = "ContractRevertError";
  /** The decoded custom error name, e.g. `"EscrowWrongStatus"`; `undefined` if not decodable. */
  readonly errorName: string | undefined;
  /** The decoded error arguments, in ABI order. */
  readonly args: readonly unknown[];
  /** The raw revert data, if the node returned it. */
  readonly data: Hex | undefined;
  /** The function that was called, e.g. `"claim"`. */
  readonly functionName: string | undefined;

  /**
   * @param args.errorName Decoded error name.
   * @param args.args Decoded arguments.
   * @param args.data Raw revert data.
   * @param args.functionName The called function.
   * @param args.cause The viem error.
   */
  constructor(args: {
    errorName: string | undefined;
    args: readonly unknown[];
    data: Hex | undefined;
    functionName: string | undefined;
    cause: unknown;
  }) {
    const call = args.functionName === undefined ? "The contract call" : `\`${args.functionName}\``;
    super(
      args.errorName === undefined
        ? `${call} reverted without a decodable reason.`
        : `${call} reverted with ${args.errorName}(${args.args.map(formatArg).join(", ")}).`,
      {
        cause: args.cause,
        details: args.data === undefined ? "no revert data" : `revert data ${args.data}`,
      },
    );
    this.errorName = args.errorName;
    this.args = args.args;
    this.data = args.data;
    this.functionName = args.functionName;
  }
}

/** An RPC or transport failure that is not a revert (node unreachable, bad response, ...). */
export class RpcRequestError extends AitbcError {
  override name = "RpcRequestError";

  /**
   * @param args.functionName The action or contract function being performed.
   * @param args.cause The underlying error.
   */
  constructor(args: { functionName: string | undefined; cause: unknown }) {
    super(`The request${args.functionName === undefined ? "" : ` for \`${args.functionName}\``} failed.`, {
      cause: args.cause,
      details:
        args.cause instanceof BaseError
          ? args.cause.shortMessage
          : args.cause instanceof Error
            ? args.cause.message
            : String(args.cause),
    });
  }
}

function formatArg(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return value;
  return JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/**
 * Decodes raw revert data with the protocol's error ABI.
 *
 * @param data Revert data (`0x` + 4-byte selector + ABI-encoded arguments).
 * @returns `{ errorName, args }`, or `undefined` if the selector is unknown.
 * @example
 * ```ts
 * decodeRevertData("0x...") // { errorName: "EscrowWrongStatus", args: [1n, 5] }
 * ```
 */
export function decodeRevertData(data: Hex): { errorName: string; args: readonly unknown[] } | undefined {
  try {
    const decoded = decodeErrorResult({ abi: protocolErrorsAbi, data });
    return { errorName: decoded.errorName, args: decoded.args ?? [] };
  } catch {
    return undefined;
  }
}

/**
 * Turns any error thrown by viem during a contract read, simulation or write into the SDK's typed
 * errors: a revert becomes a {@link ContractRevertError} with the protocol error decoded; an
 * {@link AitbcError} is returned unchanged; anything else becomes an {@link RpcRequestError}.
 *
 * @param error The caught error.
 * @param functionName The contract function, for the message.
 * @returns The typed error (to be thrown by the caller).
 * @example
 * ```ts
 * try { await readContract(client, call); } catch (e) { throw toAitbcError(e, "jobOf"); }
 * ```
 */
export function toAitbcError(error: unknown, functionName?: string): AitbcError {
  if (error instanceof AitbcError) return error;
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      const data = reverted.raw;
      const decoded = data === undefined ? undefined : decodeRevertData(data);
      if (decoded !== undefined) {
        return new ContractRevertError({ ...decoded, data, functionName, cause: error });
      }
      if (reverted.data !== undefined) {
        return new ContractRevertError({
          errorName: reverted.data.errorName,
          args: reverted.data.args ?? [],
          data,
          functionName,
          cause: error,
        });
      }
      if (reverted.reason !== undefined) {
        return new ContractRevertError({
          errorName: "Error",
          args: [reverted.reason],
          data,
          functionName,
          cause: error,
        });
      }
      return new ContractRevertError({ errorName: undefined, args: [], data, functionName, cause: error });
    }
    // Raw revert data surfaced by the node in another shape (e.g. from eth_estimateGas).
    const withData = error.walk((e) => typeof (e as { data?: unknown }).data === "string") as
      { data?: Hex } | undefined;
    if (withData?.data !== undefined && /^0x[0-9a-fA-F]{8}/.test(withData.data)) {
      const decoded = decodeRevertData(withData.data);
      if (decoded !== undefined) {
        return new ContractRevertError({ ...decoded, data: withData.data, functionName, cause: error });
      }
    }
  }
  return new RpcRequestError({ functionName, cause: error });
}
