// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";

/**
 * @title IProposalRewards
 * @notice The proposer of an executed OpenClaw proposal earns a governance-set reward, once, pull.
 * A proposal that was defeated, expired, withdrawn, or struck down in the challenge period (the
 * governor then reports it `Canceled` and the bond is slashed) earns nothing: only state `Executed`
 * pays. The reward of a proposal is the one in force strictly before its snapshot (creation), so a
 * change never alters existing proposals. Anyone may trigger a claim; it is always paid to the
 * governor's `proposalProposer(id)`.
 */
interface IProposalRewards {
    /// @notice Governance set the proposer reward (wei), for proposals created after this second.
    event ProposerRewardSet(uint256 oldReward, uint256 newReward);
    /// @notice Reward tokens were added (wei).
    event RewardsFunded(address indexed funder, uint256 amount);
    /// @notice `proposer` was paid `amount` wei for executed `proposalId`.
    event ProposalRewardClaimed(
        uint256 indexed proposalId,
        address indexed proposer,
        address indexed caller,
        uint256 amount
    );

    /// @notice The proposal was not executed (`state` is its state).
    error ProposalRewardNotExecuted(uint256 proposalId, IGovernor.ProposalState state);
    /// @notice The proposal's reward was paid already.
    error ProposalRewardAlreadyClaimed(uint256 proposalId);
    /// @notice The proposal's reward is zero.
    error ProposalRewardNothingToClaim(uint256 proposalId);
    /// @notice The balance (wei) cannot cover the reward; release the pool's stream first.
    error ProposalRewardInsufficientFunds(uint256 reward, uint256 balance);
    /// @notice A reward above the maximum (wei).
    error ProposalRewardOutOfBounds(uint256 reward, uint256 max);
    /// @notice An amount of zero.
    error ProposalRewardZeroAmount();

    /**
     * @notice Pays the proposer of executed `proposalId` its reward. Anyone may call.
     * @return amount wei paid
     * @dev Emits {ProposalRewardClaimed}. Reverts with {ProposalRewardNotExecuted},
     * {ProposalRewardAlreadyClaimed}, {ProposalRewardNothingToClaim}, {ProposalRewardInsufficientFunds}.
     */
    function claim(uint256 proposalId) external returns (uint256 amount);

    /**
     * @notice Pulls `amount` wei with `transferFrom` from the caller (the EcosystemPool's stream; anyone may fund).
     * @dev Emits {RewardsFunded}. Reverts with {ProposalRewardZeroAmount}.
     */
    function fundRewards(uint256 amount) external;

    /**
     * @notice Owner (the timelock): sets the proposer reward, wei, within [0, {MAX_PROPOSER_REWARD}];
     * applies to proposals created after the current second.
     * @dev Emits {ProposerRewardSet}. Reverts with `OwnableUnauthorizedAccount`, {ProposalRewardOutOfBounds}.
     */
    function setProposerReward(uint256 reward) external;

    /// @notice The reward (wei) of `proposalId`: the one in force strictly before its snapshot (0 if none).
    function rewardOf(uint256 proposalId) external view returns (uint256);

    /// @notice Whether `proposalId`'s reward was paid.
    function claimed(uint256 proposalId) external view returns (bool);

    /// @notice The current proposer reward (wei), for proposals created from the next second on.
    function proposerReward() external view returns (uint256);

    /// @notice The governor whose proposals are rewarded.
    function governor() external view returns (address);

    /// @notice Highest proposer reward: 10,000 AITBC (wei), ten proposal bonds.
    function MAX_PROPOSER_REWARD() external view returns (uint256);
}
