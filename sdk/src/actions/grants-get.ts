/** Milestone grants: one grant with all its milestones, as the escrow holds them. */
import type { Address, Hex } from "viem";

import { milestoneGrantsAbi } from "../abis/milestoneGrants.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import type { AitbcError } from "../errors/base.js";
import { read, type AitbcReadClient } from "../utils/client.js";
import { assertAmount } from "../utils/validate.js";
import { MILESTONE_STATUSES, type MilestoneStatusName } from "./grants-common.js";

/** Parameters of {@link getGrant}. */
export interface GetGrantParameters {
  /** Addresses; `MilestoneGrants` is used. */
  contracts: AitbcContracts;
  /** The grant's id (from 1). */
  grantId: bigint;
}

/** One milestone as the escrow holds it. */
export interface GrantMilestone {
  /** Position in the grant, from 0. */
  index: bigint;
  /** Wei of AITBC. */
  amount: bigint;
  /** Unix seconds. */
  dueDate: bigint;
  /** Unix seconds of the submission; 0 before it. */
  submittedAt: bigint;
  /** Pending, Submitted, Approved, Released or Cancelled. */
  status: MilestoneStatusName;
  /** The deliverable's content hash. */
  deliverableHash: Hex;
}

/** Result of {@link getGrant}. */
export interface GetGrantReturnType {
  grantId: bigint;
  grantee: Address;
  /** Unix seconds. */
  createdAt: bigint;
  /** Wei of AITBC escrowed at creation. */
  total: bigint;
  /** Wei paid to the grantee so far. */
  released: bigint;
  /** Wei returned to the treasury so far. */
  returned: bigint;
  /** Wei still escrowed: `total - released - returned`. */
  escrowed: bigint;
  milestones: GrantMilestone[];
}

/** Errors {@link getGrant} may throw. */
export type GetGrantErrorType = AitbcError;

/**
 * Reads a grant and all its milestones (two reads).
 *
 * @param client A viem client.
 * @param parameters See {@link GetGrantParameters}.
 * @returns See {@link GetGrantReturnType}.
 * @throws {ContractRevertError} `GrantNotFound(grantId)`.
 * @example
 * ```ts
 * const grant = await getGrant(publicClient, { contracts, grantId: 1n });
 * grant.milestones.map((m) => m.status); // ["Released", "Cancelled"]
 * ```
 */
export async function getGrant(
  client: AitbcReadClient,
  parameters: GetGrantParameters,
): Promise<GetGrantReturnType> {
  const address = contractAddress(parameters.contracts, "MilestoneGrants");
  const grantId = assertAmount(parameters.grantId, "grantId", { positive: true });
  const [grant, milestones] = await Promise.all([
    read(client, { address, abi: milestoneGrantsAbi, functionName: "getGrant", args: [grantId] }),
    read(client, { address, abi: milestoneGrantsAbi, functionName: "getMilestones", args: [grantId] }),
  ]);
  return {
    grantId,
    grantee: grant.grantee,
    createdAt: BigInt(grant.createdAt),
    total: grant.total,
    released: grant.released,
    returned: grant.returned,
    escrowed: grant.total - grant.released - grant.returned,
    milestones: milestones.map((m, i) => ({
      index: BigInt(i),
      amount: m.amount,
      dueDate: BigInt(m.dueDate),
      submittedAt: BigInt(m.submittedAt),
      status: MILESTONE_STATUSES[m.status]!,
      deliverableHash: m.deliverableHash,
    })),
  };
}
