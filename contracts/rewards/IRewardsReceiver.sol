// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IRewardsReceiver
 * @notice What a stream recipient of the {IEcosystemPool} implements: GPUStaking, ParticipationRewards
 * and ProposalRewards all take reward tokens with `fundRewards`, pulling them from the caller.
 */
interface IRewardsReceiver {
    /**
     * @notice Pulls `amount` wei of AITBC from the caller with `transferFrom` and adds it to the rewards.
     * @dev Anyone may fund. The pool approves exactly `amount` before calling.
     */
    function fundRewards(uint256 amount) external;
}
