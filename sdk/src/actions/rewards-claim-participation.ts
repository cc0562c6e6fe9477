/** `claimParticipationReward`: pays a voter its share of a closed proposal's participation budget. */
import type { Address } from "viem";

import { participationRewardsAbi } from "../abis/participationRewards.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import {
  resolveAccount,
  write,
  type AitbcWriteClient,
  type WriteParameters,
  type WriteReturnType,
} from "../utils/client.js";
import { assertAddress, assertAmount } from "../utils/validate.js";

/** Parameters of {@link claimParticipationReward}. */
export interface ClaimParticipationRewardParameters extends WriteParameters {
  /** Addresses; `ParticipationRewards` is used. */
  contracts: AitbcContracts;
  /** The proposal voted on. */
  proposalId: bigint;
  /** The voter paid (any sender may trigger the claim; an AgentWallet's address for an agent). */
  voter: Address;
}

/** Result of {@link claimParticipationReward}. */
export interface ClaimParticipationRewardReturnType extends WriteReturnType {
  /** Wei of AITBC paid to the voter. */
  amount: bigint;
}

/**
 * Claims a voter's participation reward: `budget × counted power / total votes` of a proposal whose
 * vote closed and reached quorum (contracts/rewards/README.md). Paid to `voter`, whoever sends it.
 *
 * @param client A wallet client (any account).
 * @param parameters See {@link ClaimParticipationRewardParameters}.
 * @returns `{ hash, receipt, amount }`.
 * @throws {ContractRevertError} `ParticipationNotClaimable(id, state)`, `ParticipationQuorumNotReached`,
 * `ParticipationNotVoted`, `ParticipationAlreadyClaimed`, `ParticipationNothingToClaim`,
 * `ParticipationInsufficientFunds` (release the pool's stream first: {@link releaseEcosystemStream}).
 * @example
 * ```ts
 * const { amount } = await claimParticipationReward(wallet, { contracts, proposalId, voter: alice });
 * ```
 */
export async function claimParticipationReward(
  client: AitbcWriteClient,
  parameters: ClaimParticipationRewardParameters,
): Promise<ClaimParticipationRewardReturnType> {
  const account = resolveAccount(client, parameters.account, "claimParticipationReward");
  const { result, ...sent } = await write(client, {
    address: contractAddress(parameters.contracts, "ParticipationRewards"),
    abi: participationRewardsAbi,
    functionName: "claim",
    args: [assertAmount(parameters.proposalId, "proposalId"), assertAddress(parameters.voter, "voter")],
    account,
  });
  return { ...sent, amount: result };
}
