// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IProposalRewards} from "./IProposalRewards.sol";

/**
 * @title ProposalRewards
 * @notice Rewards the proposers of executed OpenClaw proposals (see {IProposalRewards}). Owned by
 * the timelock; funded by the EcosystemPool's stream.
 */
contract ProposalRewards is IProposalRewards, Ownable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using Checkpoints for Checkpoints.Trace208;

    /// @inheritdoc IProposalRewards
    uint256 public constant MAX_PROPOSER_REWARD = 10_000 ether;

    /// @notice The AITBC token.
    IERC20 public immutable token;
    IGovernor private immutable _governor;

    Checkpoints.Trace208 private _rewards;
    mapping(uint256 proposalId => bool) private _claimed;

    /**
     * @param token_ the AITBC token
     * @param governor_ the OpenClaw governor
     * @param owner_ the timelock
     * @param reward initial proposer reward, wei (bounded as in {setProposerReward})
     */
    constructor(IERC20 token_, IGovernor governor_, address owner_, uint256 reward) Ownable(owner_) {
        token = token_;
        _governor = governor_;
        _setReward(reward);
    }

    /// @inheritdoc IProposalRewards
    function claim(uint256 proposalId) external nonReentrant returns (uint256 amount) {
        IGovernor.ProposalState s = _governor.state(proposalId);
        if (s != IGovernor.ProposalState.Executed) revert ProposalRewardNotExecuted(proposalId, s);
        if (_claimed[proposalId]) revert ProposalRewardAlreadyClaimed(proposalId);
        amount = rewardOf(proposalId);
        if (amount == 0) revert ProposalRewardNothingToClaim(proposalId);
        uint256 balance = token.balanceOf(address(this));
        if (amount > balance) revert ProposalRewardInsufficientFunds(amount, balance);
        address proposer = _governor.proposalProposer(proposalId);
        _claimed[proposalId] = true;
        emit ProposalRewardClaimed(proposalId, proposer, msg.sender, amount);
        token.safeTransfer(proposer, amount);
    }

    /// @inheritdoc IProposalRewards
    function fundRewards(uint256 amount) external nonReentrant {
        if (amount == 0) revert ProposalRewardZeroAmount();
        emit RewardsFunded(msg.sender, amount);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IProposalRewards
    function setProposerReward(uint256 reward) external onlyOwner {
        _setReward(reward);
    }

    /// @inheritdoc IProposalRewards
    function rewardOf(uint256 proposalId) public view returns (uint256) {
        uint256 snapshot = _governor.proposalSnapshot(proposalId);
        if (snapshot == 0) return 0;
        return _rewards.upperLookupRecent(SafeCast.toUint48(snapshot - 1));
    }

    /// @inheritdoc IProposalRewards
    function claimed(uint256 proposalId) external view returns (bool) {
        return _claimed[proposalId];
    }

    /// @inheritdoc IProposalRewards
    function proposerReward() external view returns (uint256) {
        return _rewards.latest();
    }

    /// @inheritdoc IProposalRewards
    function governor() external view returns (address) {
        return address(_governor);
    }

    function _setReward(uint256 reward) private {
        if (reward > MAX_PROPOSER_REWARD) revert ProposalRewardOutOfBounds(reward, MAX_PROPOSER_REWARD);
        emit ProposerRewardSet(_rewards.latest(), reward);
        _rewards.push(SafeCast.toUint48(block.timestamp), SafeCast.toUint208(reward));
    }
}
