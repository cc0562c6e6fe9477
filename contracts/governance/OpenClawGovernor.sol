// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
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
import {ProposalClassifier} from "./ProposalClassifier.sol";

/**
 * @title OpenClawGovernor
 * @notice The OpenClaw DAO governor. OpenZeppelin 5.x `Governor` with simple counting, ERC-5805
 * votes, a quorum fraction of total supply and a `TimelockController` executor, plus what
 * OpenZeppelin lacks (see {IOpenClawGovernor}): counted voting power (24-hour average, 7-day
 * vesting, 5% cap) read at creation, proposal types derived from the calls ({ProposalClassifier},
 * a linked library), bonds, the 48-hour challenge period, the security council's approval of
 * critical proposals (critical by default: only allowlisted Community calls are not) and the
 * emergency track.
 *
 * @dev Standard fields. OpenZeppelin's snapshot is `creation + votingDelay()` and voting opens right
 * after it. Here power is read at creation `t0` but voting opens only after the 48-hour challenge
 * period, so {votingDelay} is 0 and {votingPeriod} is the challenge period plus the vote (9 days,
 * 5 for Emergency): `proposalSnapshot(id)` and `ProposalCreated.voteStart` are both `t0` (what a
 * Tally-style indexer reads as the snapshot is the timepoint every vote and the quorum use), and
 * `proposalDeadline(id)` and `ProposalCreated.voteEnd` are both `t0 + 48 h + 7 d`. Votes are
 * accepted only after {proposalVoteStart} (`t0 + 48 h`): {state} reports `Pending` until then.
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
    mapping(address target => mapping(bytes4 selector => bool)) private _resourceCalls;

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
     * @param resourceCalls the (target, selector) pairs registered as resource calls (treasury
     * outflows, e.g. a grant contract's `createGrant`; see {deriveProposalType})
     * @dev Deploys its own {ProposalBondEscrow}, so the two are bound without any admin step.
     * Emits {CallAllowlistSet} and {ResourceCallSet} per pair. Reverts with {GovernanceThresholdOutOfBounds},
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
        AllowedCall[] memory allowlist,
        AllowedCall[] memory resourceCalls
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
            _setListed(false, allowlist[i].target, allowlist[i].selector, true);
        }
        for (uint256 i = 0; i < resourceCalls.length; ++i) {
            _setListed(true, resourceCalls[i].target, resourceCalls[i].selector, true);
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
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        ProposalType proposalType,
        PermitSignature memory permit
    ) public returns (uint256) {
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
     * ends here. Derives the type from the calls (a declared type must equal it, unless Emergency),
     * records type, creation time and criticality, checks that a council approval given before
     * creation names this proposer and that an Emergency proposal has one, then escrows the bond
     * (external call last; the escrow checks allowance and balance first). The plain `propose`
     * takes the derived type. Critical unless Community.
     */
    function _propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer
    ) internal override returns (uint256 proposalId) {
        ProposalType derived = _deriveType(targets, values, calldatas);
        ProposalType proposalType = _typed ? _pendingType : derived;
        proposalId = super._propose(targets, values, calldatas, description, proposer);
        ProposalExtras storage extras = _extras[proposalId];
        if (extras.councilApproved) {
            address approved = extras.approvedProposer;
            if (approved != proposer) revert GovernanceApprovedForOtherProposer(proposalId, proposer, approved);
        } else if (proposalType == ProposalType.Emergency) {
            revert GovernanceEmergencyNotApproved(proposalId);
        }
        if (proposalType != derived && proposalType != ProposalType.Emergency) {
            revert GovernanceProposalTypeMismatch(proposalType, derived);
        }
        bool critical = proposalType != ProposalType.Community;
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
        _setListed(false, target, selector, allowed);
    }

    /// @inheritdoc IOpenClawGovernor
    function setResourceCall(address target, bytes4 selector, bool registered) external onlyGovernance {
        _setListed(true, target, selector, registered);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IOpenClawGovernor
    function isCritical(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        ProposalType proposalType
    ) public view returns (bool) {
        return proposalType != ProposalType.Community || _deriveType(targets, values, calldatas) != proposalType;
    }

    /// @inheritdoc IOpenClawGovernor
    function deriveProposalType(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas
    ) public view returns (ProposalType) {
        return _deriveType(targets, values, calldatas);
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

    /// @inheritdoc IOpenClawGovernor
    function isResourceCall(address target, bytes4 selector) external view returns (bool) {
        return _resourceCalls[target][selector];
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

    /**
     * @notice 0: the snapshot (`proposalSnapshot`, `ProposalCreated.voteStart`) is the creation
     * timepoint. Votes are accepted only after the 48-hour challenge period ({proposalVoteStart}).
     */
    function votingDelay() public pure override returns (uint256) {
        return 0;
    }

    /**
     * @notice Seconds from the snapshot (creation) to the deadline: the 48-hour challenge period plus
     * the 7-day vote (9 days), or plus the 3-day vote while an Emergency proposal is being created (5 days).
     */
    function votingPeriod() public view override returns (uint256) {
        return
            CHALLENGE_PERIOD +
            (_typed && _pendingType == ProposalType.Emergency ? EMERGENCY_VOTING_PERIOD : VOTING_PERIOD);
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

    function _deriveType(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas
    ) private view returns (ProposalType) {
        return
            ProposalClassifier.derive(
                _allowedCalls,
                _resourceCalls,
                targets,
                values,
                calldatas,
                timelock(),
                bondEscrow
            );
    }

    /**
     * @dev Adds (`listed`) or removes a pair on the allowlist (`resourceList` false) or the resource-call
     * list; {ProposalClassifier-checkListable} refuses what may never be listed.
     */
    function _setListed(bool resourceList, address target, bytes4 selector, bool listed) private {
        if (listed) {
            ProposalClassifier.checkListable(resourceList, target, selector, timelock(), address(token()), bondEscrow);
        }
        mapping(address => mapping(bytes4 => bool)) storage list = resourceList ? _resourceCalls : _allowedCalls;
        list[target][selector] = listed;
        if (resourceList) emit ResourceCallSet(target, selector, listed);
        else emit CallAllowlistSet(target, selector, listed);
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
