// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IMilestoneGrants} from "./IMilestoneGrants.sol";

/**
 * @title MilestoneGrants
 * @notice Escrow of the OpenClaw DAO's milestone grants: governance (the timelock) creates a grant and
 * funds it from the treasury, the grantee submits each deliverable, the security council approves it,
 * the grantee claims it; what is not approved returns to the treasury. See {IMilestoneGrants}.
 * @dev No owner and no admin key: the timelock and the approver are the only privileged callers, and
 * only the timelock can change the approver. Every state change is written before the token moves
 * (checks-effects-interactions) and every external entry point that moves tokens is non-reentrant.
 */
contract MilestoneGrants is IMilestoneGrants, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc IMilestoneGrants
    uint256 public constant MAX_MILESTONES = 16;
    /// @inheritdoc IMilestoneGrants
    uint256 public constant MAX_GRANT_DURATION = 4 * 365 days;
    /// @inheritdoc IMilestoneGrants
    uint256 public constant REVIEW_GRACE_PERIOD = 30 days;

    /// @inheritdoc IMilestoneGrants
    address public immutable token;
    /// @inheritdoc IMilestoneGrants
    address public immutable timelock;
    /// @inheritdoc IMilestoneGrants
    address public approver;
    /// @inheritdoc IMilestoneGrants
    uint256 public grantCount;

    mapping(uint256 grantId => Grant) private _grants;
    mapping(uint256 grantId => mapping(uint256 index => Milestone)) private _milestones;

    /**
     * @param token_ the granted token (AITBC)
     * @param timelock_ governance and treasury (the OpenClaw timelock)
     * @param approver_ who approves milestones (the security council Safe)
     * @dev Emits {ApproverSet}. Reverts with {GrantZeroAddress}.
     */
    constructor(address token_, address timelock_, address approver_) {
        if (token_ == address(0)) revert GrantZeroAddress("token");
        if (timelock_ == address(0)) revert GrantZeroAddress("timelock");
        token = token_;
        timelock = timelock_;
        _setApprover(approver_);
    }

    modifier onlyTimelock() {
        if (msg.sender != timelock) revert GrantOnlyTimelock(msg.sender);
        _;
    }

    /// @inheritdoc IMilestoneGrants
    function createGrant(
        address grantee,
        MilestoneSpec[] calldata milestones
    ) external onlyTimelock nonReentrant returns (uint256 grantId) {
        if (grantee == address(0)) revert GrantZeroAddress("grantee");
        uint256 count = milestones.length;
        if (count == 0 || count > MAX_MILESTONES) revert GrantMilestoneCountOutOfBounds(count, MAX_MILESTONES);
        grantId = ++grantCount;
        uint256 latest = block.timestamp + MAX_GRANT_DURATION;
        uint256 total;
        for (uint256 i = 0; i < count; ++i) {
            MilestoneSpec calldata spec = milestones[i];
            if (spec.amount == 0) revert GrantZeroAmount(i);
            if (spec.deliverableHash == bytes32(0)) revert GrantZeroDeliverableHash(i);
            if (spec.dueDate <= block.timestamp || spec.dueDate > latest) {
                revert GrantDueDateOutOfBounds(i, spec.dueDate, block.timestamp + 1, latest);
            }
            total += spec.amount;
            _milestones[grantId][i] = Milestone({
                amount: spec.amount,
                dueDate: spec.dueDate,
                submittedAt: 0,
                status: MilestoneStatus.Pending,
                deliverableHash: spec.deliverableHash
            });
            emit MilestoneScheduled(grantId, i, spec.amount, spec.dueDate, spec.deliverableHash);
        }
        // 16 amounts below 2^128 cannot overflow uint256; the downcast is checked (SafeCast).
        _grants[grantId] = Grant({
            grantee: grantee,
            createdAt: uint64(block.timestamp),
            milestoneCount: uint8(count),
            settledCount: 0,
            total: SafeCast.toUint128(total),
            released: 0,
            returned: 0
        });
        emit GrantCreated(grantId, grantee, total, count);
        IERC20(token).safeTransferFrom(timelock, address(this), total);
    }

    /// @inheritdoc IMilestoneGrants
    function submitMilestone(uint256 grantId, uint256 index, bytes32 deliverableHash) external {
        (Grant storage grant, Milestone storage milestone) = _load(grantId, index);
        if (msg.sender != grant.grantee) revert GrantOnlyGrantee(grantId, msg.sender);
        _expectStatus(grantId, index, milestone, MilestoneStatus.Pending);
        if (block.timestamp > milestone.dueDate) revert GrantMilestonePastDue(grantId, index, milestone.dueDate);
        if (deliverableHash != milestone.deliverableHash) {
            revert GrantDeliverableMismatch(grantId, index, milestone.deliverableHash, deliverableHash);
        }
        milestone.status = MilestoneStatus.Submitted;
        milestone.submittedAt = uint64(block.timestamp);
        emit MilestoneSubmitted(grantId, index, deliverableHash);
    }

    /// @inheritdoc IMilestoneGrants
    function approveMilestone(uint256 grantId, uint256 index) external {
        if (msg.sender != approver) revert GrantOnlyApprover(msg.sender);
        (, Milestone storage milestone) = _load(grantId, index);
        _expectStatus(grantId, index, milestone, MilestoneStatus.Submitted);
        uint256 closesAt = uint256(milestone.dueDate) + REVIEW_GRACE_PERIOD;
        if (block.timestamp > closesAt) revert GrantReviewWindowClosed(grantId, index, closesAt);
        milestone.status = MilestoneStatus.Approved;
        emit MilestoneApproved(grantId, index, msg.sender, milestone.amount);
    }

    /// @inheritdoc IMilestoneGrants
    function claimMilestone(uint256 grantId, uint256 index) external nonReentrant {
        (Grant storage grant, Milestone storage milestone) = _load(grantId, index);
        address grantee = grant.grantee;
        if (msg.sender != grantee) revert GrantOnlyGrantee(grantId, msg.sender);
        _expectStatus(grantId, index, milestone, MilestoneStatus.Approved);
        uint128 amount = milestone.amount;
        milestone.status = MilestoneStatus.Released;
        grant.released += amount;
        emit MilestoneReleased(grantId, index, grantee, amount);
        _settle(grantId, grant);
        IERC20(token).safeTransfer(grantee, amount);
    }

    /// @inheritdoc IMilestoneGrants
    function cancelMilestone(uint256 grantId, uint256 index) external nonReentrant {
        (Grant storage grant, Milestone storage milestone) = _load(grantId, index);
        MilestoneStatus status = milestone.status;
        if (status != MilestoneStatus.Pending && status != MilestoneStatus.Submitted) {
            revert GrantUnexpectedMilestoneStatus(grantId, index, status);
        }
        if (msg.sender != timelock) {
            uint256 cancellableAt = uint256(milestone.dueDate) + REVIEW_GRACE_PERIOD + 1;
            if (block.timestamp < cancellableAt) revert GrantCancelTooEarly(grantId, index, cancellableAt);
        }
        uint128 amount = milestone.amount;
        milestone.status = MilestoneStatus.Cancelled;
        grant.returned += amount;
        emit MilestoneCancelled(grantId, index, msg.sender, amount);
        _settle(grantId, grant);
        IERC20(token).safeTransfer(timelock, amount);
    }

    /// @inheritdoc IMilestoneGrants
    function setApprover(address newApprover) external onlyTimelock {
        _setApprover(newApprover);
    }

    /// @inheritdoc IMilestoneGrants
    function getGrant(uint256 grantId) external view returns (Grant memory) {
        return _grant(grantId);
    }

    /// @inheritdoc IMilestoneGrants
    function getMilestone(uint256 grantId, uint256 index) external view returns (Milestone memory milestone) {
        (, milestone) = _load(grantId, index);
    }

    /// @inheritdoc IMilestoneGrants
    function getMilestones(uint256 grantId) external view returns (Milestone[] memory milestones) {
        uint256 count = _grant(grantId).milestoneCount;
        milestones = new Milestone[](count);
        for (uint256 i = 0; i < count; ++i) milestones[i] = _milestones[grantId][i];
    }

    // ---------------------------------------------------------------- internals

    function _grant(uint256 grantId) private view returns (Grant storage grant) {
        grant = _grants[grantId];
        if (grant.grantee == address(0)) revert GrantNotFound(grantId);
    }

    function _load(
        uint256 grantId,
        uint256 index
    ) private view returns (Grant storage grant, Milestone storage milestone) {
        grant = _grant(grantId);
        if (index >= grant.milestoneCount) revert GrantMilestoneNotFound(grantId, index);
        milestone = _milestones[grantId][index];
    }

    function _expectStatus(
        uint256 grantId,
        uint256 index,
        Milestone storage milestone,
        MilestoneStatus expected
    ) private view {
        MilestoneStatus status = milestone.status;
        if (status != expected) revert GrantUnexpectedMilestoneStatus(grantId, index, status);
    }

    /// @dev Counts one more settled milestone; emits {GrantClosed} with the last one.
    function _settle(uint256 grantId, Grant storage grant) private {
        uint8 settled = grant.settledCount + 1;
        grant.settledCount = settled;
        if (settled == grant.milestoneCount) emit GrantClosed(grantId, grant.released, grant.returned);
    }

    function _setApprover(address newApprover) private {
        if (newApprover == address(0)) revert GrantZeroAddress("approver");
        emit ApproverSet(approver, newApprover);
        approver = newApprover;
    }
}
