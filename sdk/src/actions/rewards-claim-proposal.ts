/** `claimProposalReward`: pays the proposer of an executed proposal its reward. */
import { proposalRewardsAbi } from "../abis/proposalRewards.js";
import { contractAddress, type AitbcContracts } from "../deployments.js";
import {
  resolveAccount,
  write,
  type AitbcWriteClient,
  type WriteParameters,
  type WriteReturnType,
} from "../utils/client.js";
import { assertAmount } from "../utils/validate.js";

/** Parameters of {@link claimProposalReward}. */
export interface ClaimProposalRewardParameters extends WriteParameters {
  /** Addresses; `ProposalRewards` is used. */
  contracts: AitbcContracts;
  /** An executed proposal. */
  proposalId: bigint;
}

/** Result of {@link claimProposalReward}. */
export interface ClaimProposalRewardReturnType extends WriteReturnType {
  /** Wei of AITBC paid to the proposer (1,000 AITBC by default). */
  amount: bigint;
}

/**
 * Claims the proposer reward of an executed proposal, paid to its proposer whoever sends it.
 * Defeated, expired, withdrawn and struck-down proposals earn nothing.
 *
 * @param client A wallet client (any account).
 * @param parameters See {@link ClaimProposalRewardParameters}.
 * @returns `{ hash, receipt, amount }`.
 * @throws {ContractRevertError} `ProposalRewardNotExecuted(id, state)`, `ProposalRewardAlreadyClaimed`,
 * `ProposalRewardNothingToClaim`, `ProposalRewardInsufficientFunds`.
 * @example
 * ```ts
 * await claimProposalReward(wallet, { contracts, proposalId });
 * ```
 */
export async function claimProposalReward(
  client: AitbcWriteClient,
  parameters: ClaimProposalRewardParameters,
): Promise<ClaimProposalRewardReturnType> {
  const account = resolveAccount(client, parameters.account, "claimProposalReward");
  const { result, ...sent } = await write(client, {
    address: contractAddress(parameters.contracts, "ProposalRewards"),
    abi: proposalRewardsAbi,
    functionName: "claim",
    args: [assertAmount(parameters.proposalId, "proposalId")],
    account,
  });
  return { ...sent, amount: result };
}
