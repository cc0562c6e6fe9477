/** Milestone grants: a missed milestone is cancelled and returned to the treasury (`MilestoneGrants.cancelMilestone`). */
import { milestoneGrantsAbi } from "../abis/milestoneGrants.js";
import { resolveAccount, write, type AitbcWriteClient, type WriteReturnType } from "../utils/client.js";
import { milestoneArgs, type GrantMilestoneParameters } from "./grants-common.js";

/**
 * Cancels a milestone that was not approved and returns its amount to the treasury (the timelock).
 * Anyone may send it once the review window closed (30 days after the due date); governance may at
 * any time (through a proposal: see `encodeFunctionData` of `cancelMilestone`).
 *
 * @param client A wallet client (anyone).
 * @param parameters See {@link GrantMilestoneParameters}.
 * @returns `{ hash, receipt }`.
 * @throws {ContractRevertError} `GrantCancelTooEarly(grantId, index, cancellableAt)`,
 *   `GrantUnexpectedMilestoneStatus` (approved, released or cancelled already).
 * @example
 * ```ts
 * await cancelMilestone(anyClient, { contracts, grantId: 1n, index: 1n });
 * ```
 */
export async function cancelMilestone(
  client: AitbcWriteClient,
  parameters: GrantMilestoneParameters,
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "cancelMilestone");
  const { address, args } = milestoneArgs(parameters);
  return write(client, { address, abi: milestoneGrantsAbi, functionName: "cancelMilestone", args, account });
}
