/**
 * Milestone grants: the security council approves a submitted milestone, as a Safe transaction
 * (`MilestoneGrants.approveMilestone` called by the council Safe, 3 of 5 owners' signatures).
 */
import { encodeFunctionData, type Hex } from "viem";

import { milestoneGrantsAbi } from "../abis/milestoneGrants.js";
import { contractAddress } from "../deployments.js";
import type { AitbcWriteClient, WriteReturnType } from "../utils/client.js";
import { assertAmount } from "../utils/validate.js";
import { milestoneArgs, type GrantMilestoneParameters } from "./grants-common.js";
import { execSafeCall, type SafeTransaction } from "./safe.js";

/**
 * Calldata of `MilestoneGrants.approveMilestone(grantId, index)`: what the council Safe executes
 * (for Safe's own tools, e.g. protocol-kit's `createTransaction`).
 *
 * @param grantId The grant (from 1).
 * @param index The milestone (from 0).
 * @returns The calldata.
 * @throws {InvalidAmountError} on a negative or non-bigint id.
 * @example
 * ```ts
 * const data = encodeMilestoneApproval(1n, 0n);
 * ```
 */
export function encodeMilestoneApproval(grantId: bigint, index: bigint): Hex {
  return encodeFunctionData({
    abi: milestoneGrantsAbi,
    functionName: "approveMilestone",
    args: [assertAmount(grantId, "grantId", { positive: true }), assertAmount(index, "index")],
  });
}

/** Parameters of {@link approveMilestoneByCouncil}. */
export interface ApproveMilestoneByCouncilParameters extends GrantMilestoneParameters {
  /** Wallet clients of the signing council owners (each with its account): at least the threshold (3 of 5). */
  owners: readonly AitbcWriteClient[];
}

/**
 * The council approves a submitted milestone in one call: builds the Safe transaction (the Safe's
 * nonce and the chain id are read), has each of `owners` sign it (EIP-712) and executes it. The
 * contracts need `SecurityCouncil` and `MilestoneGrants`.
 *
 * @param client A wallet client (any account; it pays the gas).
 * @param parameters See {@link ApproveMilestoneByCouncilParameters}.
 * @returns `{ hash, receipt, transaction, safeTxHash }`.
 * @throws {ContractRevertError} `Error("GS020")` with fewer signatures than the threshold, or the
 *   escrow's `GrantUnexpectedMilestoneStatus` / `GrantReviewWindowClosed` (the Safe call reverts).
 * @example
 * ```ts
 * await approveMilestoneByCouncil(anyClient, { contracts, grantId: 1n, index: 0n, owners: council.slice(0, 3) });
 * ```
 */
export async function approveMilestoneByCouncil(
  client: AitbcWriteClient,
  parameters: ApproveMilestoneByCouncilParameters,
): Promise<WriteReturnType & { transaction: SafeTransaction; safeTxHash: Hex }> {
  const { address, args } = milestoneArgs(parameters);
  return execSafeCall(client, {
    safe: contractAddress(parameters.contracts, "SecurityCouncil"),
    to: address,
    data: encodeMilestoneApproval(...args),
    owners: parameters.owners,
    ...(parameters.account === undefined ? {} : { account: parameters.account }),
  });
}
