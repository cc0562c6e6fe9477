/** `getParticipationReward`: a voter's participation reward on a proposal and whether it was paid. */
import type { Address } from "viem";

import { participationRewardsAbi } from "../abis/participationRewards.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import { read, type AitbcReadClient } from "../utils/client.js";
import { assertAddress, assertAmount } from "../utils/validate.js";

/** Parameters of {@link getParticipationReward}. */
export interface GetParticipationRewardParameters {
  /** Addresses; `ParticipationRewards` is used. */
  contracts: AitbcContracts;
  proposalId: bigint;
  voter: Address;
}

/** Result of {@link getParticipationReward}. */
export interface GetParticipationRewardReturnType {
  /** The voter's share, wei of AITBC (0 when it did not vote); ignores state and quorum. */
  amount: bigint;
  /** The proposal's budget, wei (fixed at its creation). */
  budget: bigint;
  /** Whether the voter was paid already. */
  claimed: boolean;
}

/**
 * Reads `ParticipationRewards.rewardOf`, `budgetOf` and `claimed`. Whether the claim would succeed
 * also depends on the proposal's state and quorum (see {@link claimParticipationReward}).
 *
 * @param client A viem client.
 * @param parameters See {@link GetParticipationRewardParameters}.
 * @returns See {@link GetParticipationRewardReturnType}.
 * @example
 * ```ts
 * const { amount, claimed } = await getParticipationReward(client, { contracts, proposalId, voter });
 * ```
 */
export async function getParticipationReward(
  client: AitbcReadClient,
  parameters: GetParticipationRewardParameters,
): Promise<GetParticipationRewardReturnType> {
  const address = contractAddress(parameters.contracts, "ParticipationRewards");
  const proposalId = assertAmount(parameters.proposalId, "proposalId");
  const voter = assertAddress(parameters.voter, "voter");
  const abi = participationRewardsAbi;
  const [amount, budget, claimed] = await Promise.all([
    read(client, { address, abi, functionName: "rewardOf", args: [proposalId, voter] }),
    read(client, { address, abi, functionName: "budgetOf", args: [proposalId] }),
    read(client, { address, abi, functionName: "claimed", args: [proposalId, voter] }),
  ]);
  return { amount, budget, claimed };
}
