// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IGovernorReader} from "./IGovernorReader.sol";
import {IParticipationRewards} from "./IParticipationRewards.sol";

/**
 * @title ParticipationRewards
 * @notice Pro-rata rewards for voting on OpenClaw proposals (see {IParticipationRewards}). Owned by
 * the timelock; funded by the EcosystemPool's stream.
 */
contract ParticipationRewards is IParticipationRewards, Ownable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using Checkpoints for Checkpoints.Trace208;

    /// @inheritdoc IParticipationRewards
    uint256 public constant MAX_BUDGET_PER_PROPOSAL = 1_000_000 ether;

    /// @notice The AITBC token.
    IERC20 public immutable token;
    IGovernorReader private immutable _governor;

    /// @inheritdoc IParticipationRewards
    uint256 public totalReserved;

    Checkpoints.Trace208 private _budgets;
    mapping(uint256 proposalId => ProposalPool) private _pools;
    mapping(uint256 proposalId => mapping(address voter => bool)) private _claimed;

    /**
     * @param token_ the AITBC token
     * @param governor_ the OpenClaw governor
     * @param owner_ the timelock
     * @param budget initial budget per proposal, wei (bounded as in {setBudgetPerProposal})
     */
    constructor(IERC20 token_, IGovernorReader governor_, address owner_, uint256 budget) Ownable(owner_) {
        token = token_;
        _governor = governor_;
        _setBudget(budget);
    }

    /// @inheritdoc IParticipationRewards
    function claim(uint256 proposalId, address voter) external nonReentrant returns (uint256 amount) {
        IGovernorReader g = _governor;
        IGovernor.ProposalState s = g.state(proposalId);
        if (
            s == IGovernor.ProposalState.Pending ||
            s == IGovernor.ProposalState.Active ||
            s == IGovernor.ProposalState.Canceled
        ) revert ParticipationNotClaimable(proposalId, s);
        uint256 snapshot = g.proposalSnapshot(proposalId);
        (uint256 against, uint256 forVotes, uint256 abstain) = g.proposalVotes(proposalId);
        uint256 quorum = g.quorum(snapshot);
        if (forVotes + abstain < quorum) revert ParticipationQuorumNotReached(proposalId, forVotes + abstain, quorum);
        if (!g.hasVoted(proposalId, voter)) revert ParticipationNotVoted(proposalId, voter);
        if (_claimed[proposalId][voter]) revert ParticipationAlreadyClaimed(proposalId, voter);

        ProposalPool storage pool = _pools[proposalId];
        uint256 total = against + forVotes + abstain;
        if (!pool.opened) {
            uint256 budget = _budgetAt(snapshot);
            uint256 free = available();
            if (budget > free) revert ParticipationInsufficientFunds(budget, free);
            pool.opened = true;
            pool.budget = SafeCast.toUint128(budget);
            totalReserved += budget;
            emit ProposalPoolOpened(proposalId, budget, total);
        }
        uint256 weight = g.getVotes(voter, snapshot);
        // Weights sum to the total (castVote added exactly these), so this never binds; a guard only.
        amount = Math.min((uint256(pool.budget) * weight) / total, pool.budget - pool.paid);
        if (amount == 0) revert ParticipationNothingToClaim(proposalId, voter);

        _claimed[proposalId][voter] = true;
        pool.paid += SafeCast.toUint128(amount);
        totalReserved -= amount;
        emit ParticipationRewardClaimed(proposalId, voter, msg.sender, weight, amount);
        token.safeTransfer(voter, amount);
    }

    /// @inheritdoc IParticipationRewards
    function fundRewards(uint256 amount) external nonReentrant {
        if (amount == 0) revert ParticipationZeroAmount();
        emit RewardsFunded(msg.sender, amount);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IParticipationRewards
    function setBudgetPerProposal(uint256 budget) external onlyOwner {
        _setBudget(budget);
    }

    /// @inheritdoc IParticipationRewards
    function rewardOf(uint256 proposalId, address voter) external view returns (uint256) {
        IGovernorReader g = _governor;
        if (!g.hasVoted(proposalId, voter)) return 0;
        (uint256 against, uint256 forVotes, uint256 abstain) = g.proposalVotes(proposalId);
        uint256 total = against + forVotes + abstain;
        if (total == 0) return 0;
        uint256 snapshot = g.proposalSnapshot(proposalId);
        ProposalPool memory pool = _pools[proposalId];
        uint256 budget = pool.opened ? pool.budget : _budgetAt(snapshot);
        return (budget * g.getVotes(voter, snapshot)) / total;
    }

    /// @inheritdoc IParticipationRewards
    function claimed(uint256 proposalId, address voter) external view returns (bool) {
        return _claimed[proposalId][voter];
    }

    /// @inheritdoc IParticipationRewards
    function budgetOf(uint256 proposalId) external view returns (uint256) {
        ProposalPool memory pool = _pools[proposalId];
        if (pool.opened) return pool.budget;
        uint256 snapshot = _governor.proposalSnapshot(proposalId);
        return snapshot == 0 ? 0 : _budgetAt(snapshot);
    }

    /// @inheritdoc IParticipationRewards
    function budgetPerProposal() external view returns (uint256) {
        return _budgets.latest();
    }

    /// @inheritdoc IParticipationRewards
    function poolOf(uint256 proposalId) external view returns (ProposalPool memory) {
        return _pools[proposalId];
    }

    /// @inheritdoc IParticipationRewards
    function available() public view returns (uint256) {
        return token.balanceOf(address(this)) - totalReserved;
    }

    /// @inheritdoc IParticipationRewards
    function governor() external view returns (address) {
        return address(_governor);
    }

    /// @dev The budget in force strictly before `snapshot` (a change in the creation second does not apply).
    function _budgetAt(uint256 snapshot) private view returns (uint256) {
        return _budgets.upperLookupRecent(SafeCast.toUint48(snapshot - 1));
    }

    function _setBudget(uint256 budget) private {
        if (budget > MAX_BUDGET_PER_PROPOSAL) revert ParticipationBudgetOutOfBounds(budget, MAX_BUDGET_PER_PROPOSAL);
        emit BudgetPerProposalSet(_budgets.latest(), budget);
        _budgets.push(SafeCast.toUint48(block.timestamp), SafeCast.toUint208(budget));
    }
}
