/**
 * Reverts the watcher expects and records calmly: another watcher (or coordinator) disputed the job
 * first, or its window closed between the check and the transaction.
 */
import { BaseError, ContractFunctionRevertedError } from "viem";

import { ContractRevertError } from "@aitbc/sdk";

/**
 * The escrows' custom errors that mean "someone else already disputed it, or it is too late":
 * `JobEscrow` — `EscrowWrongStatus` (no longer Submitted), `EscrowChallengeWindowClosed`;
 * `BatchEscrow` — `BatchWrongDisputeStatus` (this job already disputed), `BatchWrongStatus`,
 * `BatchChallengeWindowClosed`.
 */
export const LOST_RACE_ERRORS: ReadonlySet<string> = new Set([
  "EscrowWrongStatus",
  "EscrowChallengeWindowClosed",
  "BatchWrongDisputeStatus",
  "BatchWrongStatus",
  "BatchChallengeWindowClosed",
]);

/**
 * A revert decoded to its custom error name (or reason), when the ABI knows it.
 * @param error What a write action threw.
 * @returns e.g. `"EscrowWrongStatus"`, or undefined for anything that is not a decodable revert.
 * @example
 * ```ts
 * revertName(await disputeJob(client, p).catch((e) => e)); // "EscrowWrongStatus"
 * ```
 */
export function revertName(error: unknown): string | undefined {
  if (error instanceof ContractRevertError) return error.errorName;
  if (error instanceof BaseError) {
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) return revert.data?.errorName ?? revert.reason;
  }
  return undefined;
}

/**
 * Whether a dispute's revert says the job is no longer disputable (see {@link LOST_RACE_ERRORS}).
 * @param error What the dispute action threw.
 */
export function isLostRace(error: unknown): boolean {
  const name = revertName(error);
  return name !== undefined && LOST_RACE_ERRORS.has(name);
}

/** A short description of an error for logs and the store: the revert's name, or the message. */
export function describeError(error: unknown): string {
  return revertName(error) ?? (error instanceof Error ? error.message : String(error));
}
