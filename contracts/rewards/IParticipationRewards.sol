// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";

/**
 * @title IParticipationRewards
 * @notice Voters on an OpenClaw proposal earn AITBC pro rata to the counted voting power they voted
 * with, claimable (pull) once the vote has closed, from a per-proposal budget the DAO sets.
 *
 * Reads only the governor's standard views, so `castVote` costs nothing extra:
 * - a voter's weight is `governor.getVotes(voter, governor.proposalSnapshot(id))`, the counted power
 *   (24 h average, 7-day vesting, 5% cap) that `castVote` added for it; `governor.hasVoted(id, voter)`;
 * - the total is against + for + abstain from `proposalVotes(id)`, so the weights sum to the total and
 *   splitting an address earns exactly what the split does to counted power (nothing below the cap);
 * - the budget of a proposal is the one in force strictly before its snapshot (creation), so a
 *   budget change never alters a proposal that exists already.
 *
 * A proposal pays only when its vote has closed (Defeated, Succeeded, Queued, Expired or Executed)
 * and it reached quorum (for + abstain ≥ quorum at the snapshot, as GovernorCountingSimple counts
 * it): a spam proposal nobody votes on, or a Canceled (withdrawn or struck-down) one, pays nothing.
 * Its whole budget is reserved at its first claim, so every later voter of it is paid in full;
 * voter `v` receives `budget × weight(v) / total` (rounded down, so the claims never exceed the budget).
 * Anyone may trigger a claim; it is always paid to the voter (AgentWallets that voted earn alike).
 */
interface IParticipationRewards {
    /// @notice A proposal's reward pool: its fixed budget and what has been paid out of it (wei).
    struct ProposalPool {
        uint128 budget;
        uint128 paid;
        bool opened;
    }

    /// @notice Governance set the budget per proposal (wei), for proposals created after this second.
    event BudgetPerProposalSet(uint256 oldBudget, uint256 newBudget);
    /// @notice Reward tokens were added (wei).
    event RewardsFunded(address indexed funder, uint256 amount);
    /// @notice A proposal's budget (wei) was reserved at its first claim.
    event ProposalPoolOpened(uint256 indexed proposalId, uint256 budget, uint256 totalVotes);
    /// @notice `voter` was paid `amount` wei for voting with `weight` on `proposalId`.
    event ParticipationRewardClaimed(
        uint256 indexed proposalId,
        address indexed voter,
        address indexed caller,
        uint256 weight,
        uint256 amount
    );

    /// @notice The proposal's vote has not closed, or the proposal was canceled (`state` is its state).
    error ParticipationNotClaimable(uint256 proposalId, IGovernor.ProposalState state);
    /// @notice The proposal did not reach quorum: `counted` (for + abstain) < `quorum`, wei of power.
    error ParticipationQuorumNotReached(uint256 proposalId, uint256 counted, uint256 quorum);
    /// @notice `voter` did not vote on the proposal.
    error ParticipationNotVoted(uint256 proposalId, address voter);
    /// @notice `voter` was paid for the proposal already.
    error ParticipationAlreadyClaimed(uint256 proposalId, address voter);
    /// @notice The voter's share is zero (no counted power, or a zero budget).
    error ParticipationNothingToClaim(uint256 proposalId, address voter);
    /// @notice The unreserved balance (wei) cannot cover the proposal's budget; release the pool's stream.
    error ParticipationInsufficientFunds(uint256 budget, uint256 available);
    /// @notice A budget above the maximum (wei).
    error ParticipationBudgetOutOfBounds(uint256 budget, uint256 max);
    /// @notice An amount of zero.
    error ParticipationZeroAmount();

    /**
     * @notice Pays `voter` its share of `proposalId`'s budget. Anyone may call; the tokens go to `voter`.
     * @return amount wei paid
     * @dev Emits {ProposalPoolOpened} at a proposal's first claim, {ParticipationRewardClaimed}.
     * Reverts with {ParticipationNotClaimable}, {ParticipationQuorumNotReached}, {ParticipationNotVoted},
     * {ParticipationAlreadyClaimed}, {ParticipationNothingToClaim}, {ParticipationInsufficientFunds}.
     */
    function claim(uint256 proposalId, address voter) external returns (uint256 amount);

    /**
     * @notice Pulls `amount` wei with `transferFrom` from the caller (the EcosystemPool's stream; anyone may fund).
     * @dev Emits {RewardsFunded}. Reverts with {ParticipationZeroAmount}.
     */
    function fundRewards(uint256 amount) external;

    /**
     * @notice Owner (the timelock): sets the budget per proposal, wei, within [0, {MAX_BUDGET_PER_PROPOSAL}];
     * applies to proposals created after the current second.
     * @dev Emits {BudgetPerProposalSet}. Reverts with `OwnableUnauthorizedAccount`, {ParticipationBudgetOutOfBounds}.
     */
    function setBudgetPerProposal(uint256 budget) external;

    /// @notice `voter`'s share of `proposalId` (wei), 0 when it did not vote; ignores state, quorum and claims.
    function rewardOf(uint256 proposalId, address voter) external view returns (uint256);

    /// @notice Whether `voter` was paid for `proposalId`.
    function claimed(uint256 proposalId, address voter) external view returns (bool);

    /// @notice The budget (wei) of `proposalId`: the one in force strictly before its snapshot.
    function budgetOf(uint256 proposalId) external view returns (uint256);

    /// @notice The current budget per proposal (wei), for proposals created from the next second on.
    function budgetPerProposal() external view returns (uint256);

    /// @notice `proposalId`'s reserved budget and payouts (zero until its first claim).
    function poolOf(uint256 proposalId) external view returns (ProposalPool memory);

    /// @notice Wei reserved for opened proposals and not yet paid.
    function totalReserved() external view returns (uint256);

    /// @notice Wei held and not reserved: what the next proposal's budget is taken from.
    function available() external view returns (uint256);

    /// @notice The governor whose votes are rewarded.
    function governor() external view returns (address);

    /// @notice Highest budget per proposal: 1,000,000 AITBC (wei), 0.4% of the ecosystem share.
    function MAX_BUDGET_PER_PROPOSAL() external view returns (uint256);
}
