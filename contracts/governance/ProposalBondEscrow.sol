// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";

import {IProposalBondEscrow} from "./IProposalBondEscrow.sol";
import {IOpenClawGovernor} from "./IOpenClawGovernor.sol";

/// @dev The one function of OpenZeppelin's `GovernorTimelockControl` the escrow needs.
interface ITimelockGovernor {
    function timelock() external view returns (address);
}

/**
 * @title ProposalBondEscrow
 * @notice Escrow of proposal and challenge bonds for the OpenClaw governor, and the challenge
 * procedure. See {IProposalBondEscrow} for the rules. Deployed by the governor's constructor.
 * @dev Holds AITBC but has no function that delegates: its balance counts as nobody's votes.
 * Refunds are pull payments; slashes go straight to the treasury (the timelock, a trusted contract).
 * Every state change happens before the token transfer it implies (checks-effects-interactions).
 */
contract ProposalBondEscrow is IProposalBondEscrow {
    using SafeERC20 for IERC20;

    /// @inheritdoc IProposalBondEscrow
    uint256 public constant MIN_BOND = 10 ether;
    /// @inheritdoc IProposalBondEscrow
    uint256 public constant MAX_BOND = 100_000 ether;

    /// @notice The AITBC token in which bonds are posted.
    IERC20 public immutable token;
    /// @inheritdoc IProposalBondEscrow
    address public immutable governor;

    /// @inheritdoc IProposalBondEscrow
    uint256 public proposalBond;
    /// @inheritdoc IProposalBondEscrow
    uint256 public challengeBond;

    mapping(uint256 proposalId => ProposalBond) private _bonds;
    mapping(uint256 proposalId => Challenge) private _challenges;

    /**
     * @param token_ the AITBC token
     * @param governor_ the OpenClaw governor (the deployer of this contract)
     * @param proposalBond_ wei of AITBC, within [MIN_BOND, MAX_BOND]
     * @param challengeBond_ wei of AITBC, within [MIN_BOND, MAX_BOND]
     * @dev Reverts with {BondAmountOutOfBounds}. Must not call the governor (it is being constructed).
     */
    constructor(IERC20 token_, address governor_, uint256 proposalBond_, uint256 challengeBond_) {
        token = token_;
        governor = governor_;
        _setProposalBond(proposalBond_);
        _setChallengeBond(challengeBond_);
    }

    /// @inheritdoc IProposalBondEscrow
    function lockProposalBond(uint256 proposalId, address proposer) external returns (uint256 amount) {
        if (msg.sender != governor) revert BondOnlyGovernor(msg.sender);
        if (_bonds[proposalId].proposer != address(0)) revert BondAlreadyLocked(proposalId);
        amount = proposalBond;
        // The governor's own errors (in its ABI), not the token's, and before anything moves.
        uint256 allowance = token.allowance(proposer, address(this));
        if (allowance < amount) revert IOpenClawGovernor.GovernanceBondNotApproved(proposer, amount, allowance);
        uint256 balance = token.balanceOf(proposer);
        if (balance < amount) revert IOpenClawGovernor.GovernanceBondInsufficientBalance(proposer, amount, balance);
        _bonds[proposalId] = ProposalBond(proposer, uint96(amount), false);
        emit ProposalBondLocked(proposalId, proposer, amount);
        token.safeTransferFrom(proposer, address(this), amount);
    }

    /// @inheritdoc IProposalBondEscrow
    function challenge(uint256 proposalId) external {
        if (_bonds[proposalId].proposer == address(0)) revert BondUnknownProposal(proposalId);
        IGovernor.ProposalState current = IGovernor(governor).state(proposalId);
        if (current != IGovernor.ProposalState.Pending) revert BondNotChallengeable(proposalId, uint8(current));
        if (_challenges[proposalId].status == ChallengeStatus.Open) revert BondChallengeAlreadyOpen(proposalId);
        uint256 amount = challengeBond;
        uint256 allowance = token.allowance(msg.sender, address(this));
        if (allowance < amount) revert BondChallengeNotApproved(msg.sender, amount, allowance);
        uint256 balance = token.balanceOf(msg.sender);
        if (balance < amount) revert BondChallengeInsufficientBalance(msg.sender, amount, balance);
        _challenges[proposalId] = Challenge(msg.sender, uint96(amount), ChallengeStatus.Open, false);
        emit ChallengeOpened(proposalId, msg.sender, amount);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IProposalBondEscrow
    function resolveChallenge(uint256 proposalId, bool uphold) external {
        if (msg.sender != IOpenClawGovernor(governor).council()) revert BondOnlyCouncil(msg.sender);
        Challenge storage current = _challenges[proposalId];
        if (current.status != ChallengeStatus.Open) revert BondNoOpenChallenge(proposalId);
        if (IGovernor(governor).state(proposalId) != IGovernor.ProposalState.Pending) {
            revert BondChallengeLapsed(proposalId);
        }
        address treasury_ = treasury();
        if (uphold) {
            current.status = ChallengeStatus.Upheld;
            ProposalBond storage bond = _bonds[proposalId];
            bond.settled = true;
            uint256 slashed = bond.amount;
            emit ChallengeUpheld(proposalId, current.challenger);
            emit ProposalBondSlashed(proposalId, treasury_, slashed);
            IOpenClawGovernor(governor).strikeDown(proposalId);
            token.safeTransfer(treasury_, slashed);
        } else {
            current.status = ChallengeStatus.Dismissed;
            uint256 forfeited = current.amount;
            emit ChallengeDismissed(proposalId, current.challenger, forfeited);
            token.safeTransfer(treasury_, forfeited);
        }
    }

    /// @inheritdoc IProposalBondEscrow
    function claimProposalBond(uint256 proposalId) external {
        ProposalBond storage bond = _bonds[proposalId];
        address proposer = bond.proposer;
        if (proposer == address(0)) revert BondUnknownProposal(proposalId);
        if (bond.settled) revert BondAlreadySettled(proposalId);
        IGovernor.ProposalState current = IGovernor(governor).state(proposalId);
        if (current == IGovernor.ProposalState.Pending || current == IGovernor.ProposalState.Active) {
            revert BondNotRefundable(proposalId, uint8(current));
        }
        bond.settled = true;
        uint256 amount = bond.amount;
        emit ProposalBondRefunded(proposalId, proposer, amount);
        token.safeTransfer(proposer, amount);
    }

    /// @inheritdoc IProposalBondEscrow
    function claimChallengeBond(uint256 proposalId) external {
        Challenge storage current = _challenges[proposalId];
        ChallengeStatus status = current.status;
        if (status != ChallengeStatus.Open && status != ChallengeStatus.Upheld) revert BondNoOpenChallenge(proposalId);
        if (current.refunded) revert BondAlreadySettled(proposalId);
        if (status == ChallengeStatus.Open) {
            // Still open: refundable only once it lapsed (the challenge period is over).
            IGovernor.ProposalState proposalState = IGovernor(governor).state(proposalId);
            if (proposalState == IGovernor.ProposalState.Pending) {
                revert BondNotRefundable(proposalId, uint8(proposalState));
            }
        }
        current.refunded = true;
        uint256 amount = current.amount;
        address challenger = current.challenger;
        emit ChallengeBondRefunded(proposalId, challenger, amount);
        token.safeTransfer(challenger, amount);
    }

    /// @inheritdoc IProposalBondEscrow
    function setProposalBond(uint256 newAmount) external {
        _onlyTimelock();
        _setProposalBond(newAmount);
    }

    /// @inheritdoc IProposalBondEscrow
    function setChallengeBond(uint256 newAmount) external {
        _onlyTimelock();
        _setChallengeBond(newAmount);
    }

    /// @inheritdoc IProposalBondEscrow
    function proposalBondOf(uint256 proposalId) external view returns (ProposalBond memory) {
        return _bonds[proposalId];
    }

    /// @inheritdoc IProposalBondEscrow
    function challengeOf(uint256 proposalId) external view returns (Challenge memory) {
        return _challenges[proposalId];
    }

    /// @inheritdoc IProposalBondEscrow
    function hasOpenChallenge(uint256 proposalId) external view returns (bool) {
        return
            _challenges[proposalId].status == ChallengeStatus.Open &&
            IGovernor(governor).state(proposalId) == IGovernor.ProposalState.Pending;
    }

    /// @inheritdoc IProposalBondEscrow
    function treasury() public view returns (address) {
        return ITimelockGovernor(governor).timelock();
    }

    function _onlyTimelock() private view {
        if (msg.sender != treasury()) revert BondOnlyTimelock(msg.sender);
    }

    function _setProposalBond(uint256 newAmount) private {
        _checkBounds(newAmount);
        emit ProposalBondSet(proposalBond, newAmount);
        proposalBond = newAmount;
    }

    function _setChallengeBond(uint256 newAmount) private {
        _checkBounds(newAmount);
        emit ChallengeBondSet(challengeBond, newAmount);
        challengeBond = newAmount;
    }

    function _checkBounds(uint256 amount) private pure {
        if (amount < MIN_BOND || amount > MAX_BOND) revert BondAmountOutOfBounds(amount, MIN_BOND, MAX_BOND);
    }
}
