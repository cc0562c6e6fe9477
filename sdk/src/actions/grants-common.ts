/**
 * Milestone grants: what the milestone actions share (`grants-submit`, `grants-claim`, `grants-cancel`,
 * `grants-approve`): how a milestone is named, its statuses, the errors.
 */
import { type Address } from "viem";

import { contractAddress, type AitbcContracts } from "../deployments.js";
import type { AitbcError } from "../errors/base.js";
import type { WriteParameters } from "../utils/client.js";
import { assertAmount } from "../utils/validate.js";

/** `IMilestoneGrants.MilestoneStatus` names, by value. */
export const MILESTONE_STATUSES = ["Pending", "Submitted", "Approved", "Released", "Cancelled"] as const;
/** A milestone status name. */
export type MilestoneStatusName = (typeof MILESTONE_STATUSES)[number];

/** Names a milestone: its grant and its position in the grant (from 0). */
export interface GrantMilestoneParameters extends WriteParameters {
  /** Addresses; `MilestoneGrants` is used. */
  contracts: AitbcContracts;
  /** The grant's id (from 1, `GrantCreated.grantId`). */
  grantId: bigint;
  /** The milestone's index in the grant, from 0. */
  index: bigint;
}

/** @internal The checked `(grantId, index)` arguments and the escrow's address. */
export function milestoneArgs(parameters: GrantMilestoneParameters): {
  address: Address;
  args: readonly [bigint, bigint];
} {
  return {
    address: contractAddress(parameters.contracts, "MilestoneGrants"),
    args: [
      assertAmount(parameters.grantId, "grantId", { positive: true }),
      assertAmount(parameters.index, "index"),
    ],
  };
}

/** Errors the milestone actions may throw. */
export type GrantMilestoneErrorType = AitbcError;
