/** Milestone grants: the grantee submits a deliverable (`MilestoneGrants.submitMilestone`). */
import type { Hex } from "viem";

import { milestoneGrantsAbi } from "../abis/milestoneGrants.js";
import { InvalidParameterError } from "../errors/validation.js";
import { resolveAccount, write, type AitbcWriteClient, type WriteReturnType } from "../utils/client.js";
import { milestoneArgs, type GrantMilestoneParameters } from "./grants-common.js";

/** Parameters of {@link submitMilestone}. */
export interface SubmitMilestoneParameters extends GrantMilestoneParameters {
  /** The deliverable's content hash: must equal the one fixed in the grant (bytes32). */
  deliverableHash: Hex;
}

/**
 * The grantee submits a milestone's deliverable, on or before its due date.
 *
 * @param client A wallet client of the grantee.
 * @param parameters See {@link SubmitMilestoneParameters}.
 * @returns `{ hash, receipt }`.
 * @throws {InvalidParameterError} if `deliverableHash` is not a bytes32, before any request.
 * @throws {ContractRevertError} `GrantOnlyGrantee`, `GrantDeliverableMismatch(grantId, index, expected,
 *   submitted)`, `GrantMilestonePastDue`, `GrantUnexpectedMilestoneStatus`.
 * @example
 * ```ts
 * await submitMilestone(granteeClient, { contracts, grantId: 1n, index: 0n, deliverableHash });
 * ```
 */
export async function submitMilestone(
  client: AitbcWriteClient,
  parameters: SubmitMilestoneParameters,
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "submitMilestone");
  if (!/^0x[0-9a-fA-F]{64}$/.test(parameters.deliverableHash)) {
    throw new InvalidParameterError({
      what: "deliverableHash",
      reason: "must be a bytes32 (0x + 64 hex digits)",
    });
  }
  const { address, args } = milestoneArgs(parameters);
  return write(client, {
    address,
    abi: milestoneGrantsAbi,
    functionName: "submitMilestone",
    args: [...args, parameters.deliverableHash],
    account,
  });
}
