// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
// solhint-disable-next-line max-line-length
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

import {IAITBCToken} from "../token/IAITBCToken.sol";
import {IOpenClawGovernor} from "./IOpenClawGovernor.sol";
import {IOpenClawTimelock} from "./IOpenClawTimelock.sol";
import {IProposalBondEscrow} from "./IProposalBondEscrow.sol";
import {ProposalBondEscrow} from "./ProposalBondEscrow.sol";

/**
 * @title OpenClawGovernor
 * @notice The OpenClaw DAO governor. OpenZeppelin 5.x `Governor` with simple counting, ERC-5805
 * votes, a quorum fraction of total supply and a `TimelockController` executor, plus what
 * OpenZeppelin lacks (see {IOpenClawGovernor}): counted voting power (24-hour average, 7-day
 * vesting, 5% cap) read at creation, proposal types, bonds, the 48-hour challenge period, the
 * security council's approval of critical proposals (critical by default: only an allowlist of
 * (target, selector) pairs is not) and the emergency track.
 *
 * @dev Snapshot fix. OpenZeppelin puts the vote snapshot at `creation + votingDelay`; here the
 * voting delay is the challenge period, and power must be read at creation. So
 * {proposalSnapshot} returns the creation timepoint `t0` (used by OpenZeppelin's `_castVote` for
 * every vote and by `_quorumReached` for the quorum), while OpenZeppelin's stored vote start
 * (`t0 + CHALLENGE_PERIOD`) still drives the deadline, and {state} reports `Pending` until then.
 * Counted power at `t0` is readable once `clock() > t0`, i.e. long before voting opens.
 */
contract OpenClawGovernor is
    Governor,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl,
    IOpenClawGovernor
{
    /// @inheritdoc IOpenClawGovernor
    uint256 public constant CHALLENGE_PERIOD = 48 hours;
    /// @inheritdoc IOpenClawGovernor
    uint256 public constant VOTING_PERIOD = 7 days;
    /// @inheritdoc IOpenClawGovernor
    uint256 public constant EMERGENCY_VOTING_PERIOD = 3 days;
    /// @inheritdoc IOpenClawGovernor
    uint256 public constant MIN_PROPOSAL_THRESHOLD = 1 ether;
    /// @inheritdoc IOpenClawGovernor
    uint256 public constant MAX_PROPOSAL_THRESHOLD = 10_000 ether;
    /// @inheritdoc IOpenClawGovernor
    uint256 public constant MIN_QUORUM_NUMERATOR = 1;
    /// @inheritdoc IOpenClawGovernor
    uint256 public constant MAX_QUORUM_NUMERATOR = 50;

    /// @inheritdoc IOpenClawGovernor
    address public immutable bondEscrow;
    /// @inheritdoc IOpenClawGovernor
    address public council;

    uint256 private _proposalThreshold;
    mapping(uint256 proposalId => ProposalExtras) private _extras;
    mapping(address target => mapping(bytes4 selector => bool)) private _allowedCalls;

    // Type of the proposal being created in this call (EIP-1153 transient storage).
    ProposalType private transient _pendingType;
    bool private transient _typed;

    /**
     * @param token_ the AITBC token (ERC-5805 votes with counted voting power)
     * @param timelock_ the OpenClaw timelock: treasury and executor
     * @param council_ the security council (a 3-of-5 Safe)
     * @param threshold proposal threshold, wei of counted voting power (100 AITBC in the design)
     * @param quorumPercent quorum, percent of total supply at the snapshot (10 in the design)
     * @param proposalBond_ proposal bond, wei of AITBC (1,000 AITBC in the design)
     * @param challengeBond_ challenge bond, wei of AITBC
     * @param allowlist the (target, selector) pairs a Community or Resource proposal may call without
     * the council (see {isCritical}); the deployment allowlists only permissionless calls
     * @dev Deploys its own {ProposalBondEscrow}, so the two are bound without any admin step.
     * Emits {CallAllowlistSet} per pair. Reverts with {GovernanceThresholdOutOfBounds},
     * {GovernanceQuorumOutOfBounds}, {GovernanceZeroCouncil}, {GovernanceCallNotAllowable} or the
     * escrow's {IProposalBondEscrow-BondAmountOutOfBounds}.
     */
    constructor(
        IAITBCToken token_,
        TimelockController timelock_,
        address council_,
        uint256 threshold,
        uint256 quorumPercent,
        uint256 proposalBond_,
        uint256 challengeBond_,
        AllowedCall[] memory allowlist
    )
        Governor("OpenClaw DAO")
        GovernorVotes(IVotes(address(token_)))
        GovernorVotesQuorumFraction(quorumPercent)
        GovernorTimelockControl(timelock_)
    {
        _setProposalThreshold(threshold);
        _setCouncil(council_);
        bondEscrow = address(
            new ProposalBondEscrow(IERC20(address(token_)), address(this), proposalBond_, challengeBond_)
        );
        for (uint256 i = 0; i < allowlist.length; ++i) {
            _setCallAllowed(allowlist[i].target, allowlist[i].selector, true);
        }
    }

    modifier onlyCouncil() {
        if (msg.sender != council) revert GovernanceOnlyCouncil(msg.sender);
        _;
    }

    // ---------------------------------------------------------------- proposing

    /// @inheritdoc IOpenClawGovernor
    function proposeTyped(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        ProposalType proposalType
    ) public returns (uint256 proposalId) {
        _pendingType = proposalType;
        _typed = true;
        proposalId = propose(targets, values, calldatas, description);
        _typed = false;
    }

    /// @inheritdoc IOpenClawGovernor
    function proposeTypedWithPermit(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata calldatas,
        string calldata description,
        ProposalType proposalType,
        PermitSignature calldata permit
    ) external returns (uint256) {
        uint256 bond = IProposalBondEscrow(bondEscrow).proposalBond();
        // A failed permit (e.g. front-run with the same signature) must not block the proposal.
        try
            IERC20Permit(address(token())).permit(
                msg.sender,
                bondEscrow,
                bond,
                permit.deadline,
                permit.v,
                permit.r,
                permit.s
            )
        {} catch {} // solhint-disable-line no-empty-blocks
        return proposeTyped(targets, values, calldatas, description, proposalType);
    }

    /**
     * @dev Every way to propose (OpenZeppelin's `propose`, {proposeTyped}, {proposeTypedWithPermit})
     * ends here. Records type, creation time and criticality, checks that a council approval given
     * before creation names this proposer and that an Emergency proposal has one, then escrows the
     * bond (external call last). The plain `propose` creates a Community proposal; criticality comes
     * from the calls, the declared type can only add to it.
     */
    function _propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer
    ) internal override returns (uint256 proposalId) {
        ProposalType proposalType = _typed ? _pendingType : ProposalType.Community;
        proposalId = super._propose(targets, values, calldatas, description, proposer);
        ProposalExtras storage extras = _extras[proposalId];
        if (extras.councilApproved) {
            address approved = extras.approvedProposer;
            if (approved != proposer) revert GovernanceApprovedForOtherProposer(proposalId, proposer, approved);
        } else if (proposalType == ProposalType.Emergency) {
            revert GovernanceEmergencyNotApproved(proposalId);
        }
        bool critical = _isCritical(targets, values, calldatas, proposalType);
        extras.createdAt = clock();
        extras.proposalType = proposalType;
        extras.critical = critical;
        uint256 bond = IProposalBondEscrow(bondEscrow).lockProposalBond(proposalId, proposer);
        emit ProposalTyped(proposalId, proposalType, critical, bond);
    }

    // ---------------------------------------------------------------- council

    /// @inheritdoc IOpenClawGovernor
    function approveProposal(uint256 proposalId, address proposer) external onlyCouncil {
        ProposalExtras storage extras = _extras[proposalId];
        if (extras.councilApproved) revert GovernanceAlreadyApproved(proposalId);
        address actual = proposalProposer(proposalId);
        if (actual != address(0) && actual != proposer) {
            revert GovernanceApprovedForOtherProposer(proposalId, proposer, actual);
        }
        extras.councilApproved = true;
        extras.approvedProposer = proposer;
        emit ProposalApprovedByCouncil(proposalId, msg.sender, proposer);
    }

    /// @inheritdoc IOpenClawGovernor
    function strikeDown(uint256 proposalId) external {
        if (msg.sender != bondEscrow) revert GovernanceOnlyBondEscrow(msg.sender);
        _validateStateBitmap(proposalId, _encodeStateBitmap(ProposalState.Pending));
        _extras[proposalId].struckDown = true;
        emit ProposalCanceled(proposalId);
        emit ProposalStruckDown(proposalId);
    }

    // ---------------------------------------------------------------- governance-only settings

    /// @inheritdoc IOpenClawGovernor
    function setProposalThreshold(uint256 newThreshold) external onlyGovernance {
        _setProposalThreshold(newThreshold);
    }

    /// @inheritdoc IOpenClawGovernor
    function setCouncil(address newCouncil) external onlyGovernance {
        _setCouncil(newCouncil);
    }

    /// @inheritdoc IOpenClawGovernor
    function setCallAllowed(address target, bytes4 selector, bool allowed) external onlyGovernance {
        _setCallAllowed(target, selector, allowed);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IOpenClawGovernor
    function isCritical(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata calldatas,
        ProposalType proposalType
    ) external view returns (bool) {
        return _isCritical(targets, values, calldatas, proposalType);
    }

    /// @inheritdoc IOpenClawGovernor
    function proposalExtras(uint256 proposalId) external view returns (ProposalExtras memory) {
        return _extras[proposalId];
    }

    /// @inheritdoc IOpenClawGovernor
    function proposalVoteStart(uint256 proposalId) external view returns (uint256) {
        uint256 createdAt = _extras[proposalId].createdAt;
        if (createdAt == 0) revert GovernorNonexistentProposal(proposalId);
        return createdAt + CHALLENGE_PERIOD;
    }

    /// @inheritdoc IOpenClawGovernor
    function isCallAllowed(address target, bytes4 selector) external view returns (bool) {
        return _allowedCalls[target][selector];
    }

    /**
     * @notice The vote snapshot of `proposalId`: its creation timepoint (seconds). Votes and quorum
     * are counted voting power at this timepoint. Voting opens after {proposalVoteStart}.
     */
    function proposalSnapshot(uint256 proposalId) public view override returns (uint256) {
        return _extras[proposalId].createdAt;
    }

    /**
     * @notice OpenZeppelin's proposal state, with `Pending` through the challenge period (until
     * {proposalVoteStart}) and `Canceled` for a proposal struck down by the council.
     */
    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        ProposalExtras memory extras = _extras[proposalId];
        if (extras.struckDown) return ProposalState.Canceled;
        ProposalState current = super.state(proposalId);
        if (current == ProposalState.Active && clock() <= extras.createdAt + CHALLENGE_PERIOD) {
            return ProposalState.Pending;
        }
        return current;
    }

    /// @notice The challenge period (seconds) between creation and the start of voting.
    function votingDelay() public pure override returns (uint256) {
        return CHALLENGE_PERIOD;
    }

    /// @notice Voting period (seconds): 7 days, or 3 days while an Emergency proposal is being created.
    function votingPeriod() public view override returns (uint256) {
        return _typed && _pendingType == ProposalType.Emergency ? EMERGENCY_VOTING_PERIOD : VOTING_PERIOD;
    }

    /// @notice Counted voting power (wei) needed to propose, read at `clock() - 1`.
    function proposalThreshold() public view override returns (uint256) {
        return _proposalThreshold;
    }

    /// @inheritdoc GovernorTimelockControl
    function proposalNeedsQueuing(
        uint256 proposalId
    ) public view override(Governor, GovernorTimelockControl) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Counted voting power (24 h average, 7-day vesting, 5% cap) instead of raw votes.
    function _getVotes(
        address account,
        uint256 timepoint,
        bytes memory /*params*/
    ) internal view override(Governor, GovernorVotes) returns (uint256) {
        return IAITBCToken(address(token())).getPastVotingPower(account, timepoint);
    }

    /// @dev Bounded quorum numerator, percent of total supply.
    function _updateQuorumNumerator(uint256 newQuorumNumerator) internal override {
        if (newQuorumNumerator < MIN_QUORUM_NUMERATOR || newQuorumNumerator > MAX_QUORUM_NUMERATOR) {
            revert GovernanceQuorumOutOfBounds(newQuorumNumerator, MIN_QUORUM_NUMERATOR, MAX_QUORUM_NUMERATOR);
        }
        super._updateQuorumNumerator(newQuorumNumerator);
    }

    /// @dev Council gate, then the timelock; Emergency proposals use the timelock's emergency delay.
    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48 eta) {
        ProposalExtras memory extras = _requireCouncilApproval(proposalId);
        if (extras.proposalType == ProposalType.Emergency) {
            IOpenClawTimelock emergencyTimelock = IOpenClawTimelock(timelock());
            emergencyTimelock.armEmergencyDelay(true);
            eta = super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
            emergencyTimelock.armEmergencyDelay(false);
        } else {
            eta = super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
        }
    }

    /**
     * @dev The timelock executes. No second council check: `execute` requires the `Queued` state,
     * which only {_queueOperations} (after the council gate) can produce, and approvals are final.
     */
    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    /// @dev The proposer may withdraw a pending proposal, but not while a challenge is open.
    function _validateCancel(uint256 proposalId, address caller) internal view override returns (bool) {
        if (!super._validateCancel(proposalId, caller)) return false;
        if (IProposalBondEscrow(bondEscrow).hasOpenChallenge(proposalId)) revert GovernanceChallengeOpen(proposalId);
        return true;
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }

    function _requireCouncilApproval(uint256 proposalId) private view returns (ProposalExtras memory extras) {
        extras = _extras[proposalId];
        if (extras.critical && !extras.councilApproved) revert GovernanceCouncilApprovalRequired(proposalId);
    }

    function _isCritical(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        ProposalType proposalType
    ) private view returns (bool) {
        if (proposalType == ProposalType.Protocol || proposalType == ProposalType.Emergency) return true;
        for (uint256 i = 0; i < targets.length; ++i) {
            bytes memory data = calldatas[i];
            if (values[i] != 0 || data.length < 4 || !_allowedCalls[targets[i]][bytes4(data)]) return true;
        }
        return false;
    }

    /**
     * @dev Adds or removes an allowlisted pair. Never allowlisted: a call to the governor, its
     * timelock, the token or the bond escrow, a role or ownership change, or a selector that moves or
     * approves assets (ERC-20, ERC-721, ERC-1155, ERC-1363) — on any target.
     */
    function _setCallAllowed(address target, bytes4 selector, bool allowed) private {
        if (
            allowed &&
            (target == address(this) ||
                target == timelock() ||
                target == address(token()) ||
                target == bondEscrow ||
                _changesRolesOrMovesAssets(selector))
        ) revert GovernanceCallNotAllowable(target, selector);
        _allowedCalls[target][selector] = allowed;
        emit CallAllowlistSet(target, selector, allowed);
    }

    /// @dev Selectors that change roles or ownership, or transfer or approve assets of the treasury.
    function _changesRolesOrMovesAssets(bytes4 selector) private pure returns (bool) {
        return
            selector == IAccessControl.grantRole.selector ||
            selector == IAccessControl.revokeRole.selector ||
            selector == IAccessControl.renounceRole.selector ||
            selector == bytes4(keccak256("transferOwnership(address)")) ||
            selector == bytes4(keccak256("renounceOwnership()")) ||
            selector == bytes4(keccak256("transferAndCall(address,uint256)")) ||
            selector == bytes4(keccak256("transferAndCall(address,uint256,bytes)")) ||
            selector == bytes4(keccak256("transferFromAndCall(address,address,uint256)")) ||
            selector == bytes4(keccak256("transferFromAndCall(address,address,uint256,bytes)")) ||
            selector == bytes4(keccak256("approveAndCall(address,uint256)")) ||
            selector == bytes4(keccak256("approveAndCall(address,uint256,bytes)")) ||
            selector == IERC20.transfer.selector ||
            selector == IERC20.transferFrom.selector ||
            selector == IERC20.approve.selector ||
            selector == bytes4(keccak256("increaseAllowance(address,uint256)")) ||
            selector == bytes4(keccak256("safeTransferFrom(address,address,uint256)")) ||
            selector == bytes4(keccak256("safeTransferFrom(address,address,uint256,bytes)")) ||
            selector == IERC721.setApprovalForAll.selector ||
            selector == IERC1155.safeTransferFrom.selector ||
            selector == IERC1155.safeBatchTransferFrom.selector;
    }

    function _setProposalThreshold(uint256 newThreshold) private {
        if (newThreshold < MIN_PROPOSAL_THRESHOLD || newThreshold > MAX_PROPOSAL_THRESHOLD) {
            revert GovernanceThresholdOutOfBounds(newThreshold, MIN_PROPOSAL_THRESHOLD, MAX_PROPOSAL_THRESHOLD);
        }
        emit ProposalThresholdSet(_proposalThreshold, newThreshold);
        _proposalThreshold = newThreshold;
    }

    function _setCouncil(address newCouncil) private {
        if (newCouncil == address(0)) revert GovernanceZeroCouncil();
        emit CouncilSet(council, newCouncil);
        council = newCouncil;
    }
}
