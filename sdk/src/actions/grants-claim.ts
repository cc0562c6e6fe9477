/** Milestone grants: the grantee claims an approved milestone (`MilestoneGrants.claimMilestone`). */
import { milestoneGrantsAbi } from "../abis/milestoneGrants.js";
import { resolveAccount, write, type AitbcWriteClient, type WriteReturnType } from "../utils/client.js";
import { milestoneArgs, type GrantMilestoneParameters } from "./grants-common.js";

/**
 * The grantee claims an approved milestone: its amount (wei of AITBC) is transferred to the grantee.
 *
 * @param client A wallet client of the grantee.
 * @param parameters See {@link GrantMilestoneParameters}.
 * @returns `{ hash, receipt }`.
 * @throws {ContractRevertError} `GrantOnlyGrantee`, `GrantUnexpectedMilestoneStatus` (not approved,
 *   or already claimed).
 * @example
 * ```ts
 * await claimMilestone(granteeClient, { contracts, grantId: 1n, index: 0n });
 * ```
 */
export async function claimMilestone(
  client: AitbcWriteClient,
  parameters: GrantMilestoneParameters,
): Promise<WriteReturnType> {
  const account = resolveAccount(client, parameters.account, "claimMilestone");
  const { address, args } = milestoneArgs(parameters);
  return write(client, { address, abi: milestoneGrantsAbi, functionName: "claimMilestone", args, account });
}
