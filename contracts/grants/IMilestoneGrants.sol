// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IMilestoneGrants
 * @notice The OpenClaw DAO's milestone grants. A grant is created by governance (the timelock, which
 * is the treasury) with its milestones — amount (wei of AITBC), the deliverable's content hash
 * (bytes32) and a due date (Unix seconds) each — and the whole amount is escrowed here at once. Each
 * milestone is then: submitted by the grantee (the content hash must match, on or before the due
 * date), approved by the security council (the 3-of-5 Safe) within the review window, and claimed
 * by the grantee (pull). A milestone that is not approved can be cancelled and its amount returned
 * to the treasury: by governance at any time, by anyone once its review window has closed.
 *
 * Life of a milestone:
 * ```
 * Pending --submit (grantee, t <= due)--> Submitted --approve (council, t <= due + grace)--> Approved
 *    |                                        |                                                 |
 *    +-- cancel (governance any time; anyone after due + grace) --> Cancelled    claim (grantee) --> Released
 * ```
 * Approved is final: neither governance nor anyone else can take an approved milestone back.
 * Amounts are wei of AITBC; times are Unix seconds (block timestamps).
 */
interface IMilestoneGrants {
    /// @notice State of one milestone.
    enum MilestoneStatus {
        Pending,
        Submitted,
        Approved,
        Released,
        Cancelled
    }

    /// @notice A milestone as proposed: what `createGrant` takes.
    struct MilestoneSpec {
        /// wei of AITBC, > 0
        uint128 amount;
        /// Unix seconds; after the creation time and at most {MAX_GRANT_DURATION} after it
        uint64 dueDate;
        /// The deliverable's content hash (e.g. the sha-256 of the report, an IPFS CID digest, a commit)
        bytes32 deliverableHash;
    }

    /// @notice A milestone as stored.
    struct Milestone {
        /// wei of AITBC
        uint128 amount;
        /// Unix seconds
        uint64 dueDate;
        /// Unix seconds of the grantee's submission; 0 before it
        uint64 submittedAt;
        MilestoneStatus status;
        bytes32 deliverableHash;
    }

    /// @notice A grant's header.
    struct Grant {
        address grantee;
        /// Unix seconds
        uint64 createdAt;
        /// Number of milestones
        uint8 milestoneCount;
        /// Number of milestones released or cancelled
        uint8 settledCount;
        /// wei of AITBC escrowed at creation (sum of the milestones)
        uint128 total;
        /// wei of AITBC paid to the grantee so far
        uint128 released;
        /// wei of AITBC returned to the treasury so far
        uint128 returned;
    }

    /// @notice Only the timelock (governance, the treasury) may call this function.
    error GrantOnlyTimelock(address caller);

    /// @notice Only the approver (the security council) may call this function.
    error GrantOnlyApprover(address caller);

    /// @notice Only the grant's grantee may call this function.
    error GrantOnlyGrantee(uint256 grantId, address caller);

    /// @notice An address that must be set is zero (`what`: "token", "timelock", "approver", "grantee").
    error GrantZeroAddress(string what);

    /// @notice A grant needs between 1 and `max` milestones.
    error GrantMilestoneCountOutOfBounds(uint256 count, uint256 max);

    /// @notice Milestone `index` has a zero amount.
    error GrantZeroAmount(uint256 index);

    /// @notice Milestone `index` is due at `dueDate`, not in `(now, latest]` (Unix seconds).
    error GrantDueDateOutOfBounds(uint256 index, uint64 dueDate, uint256 earliest, uint256 latest);

    /// @notice Milestone `index` has an empty (zero) deliverable hash.
    error GrantZeroDeliverableHash(uint256 index);

    /// @notice No grant with this id.
    error GrantNotFound(uint256 grantId);

    /// @notice The grant has no milestone `index`.
    error GrantMilestoneNotFound(uint256 grantId, uint256 index);

    /// @notice The milestone is in state `status` (a {MilestoneStatus}), not one this call accepts.
    error GrantUnexpectedMilestoneStatus(uint256 grantId, uint256 index, MilestoneStatus status);

    /// @notice The submitted hash is not the deliverable's content hash fixed in the grant.
    error GrantDeliverableMismatch(uint256 grantId, uint256 index, bytes32 expected, bytes32 submitted);

    /// @notice The milestone was due at `dueDate` (Unix seconds); it can no longer be submitted.
    error GrantMilestonePastDue(uint256 grantId, uint256 index, uint64 dueDate);

    /// @notice The review window closed at `closedAt` (due date + grace, Unix seconds).
    error GrantReviewWindowClosed(uint256 grantId, uint256 index, uint256 closedAt);

    /// @notice Only governance may cancel the milestone before `cancellableAt` (Unix seconds).
    error GrantCancelTooEarly(uint256 grantId, uint256 index, uint256 cancellableAt);

    /**
     * @notice A grant was created and `total` wei escrowed from the treasury.
     * @param grantId sequential id, from 1
     * @param grantee who submits and claims
     * @param total wei of AITBC
     * @param milestoneCount number of milestones, each announced by {MilestoneScheduled}
     */
    event GrantCreated(uint256 indexed grantId, address indexed grantee, uint256 total, uint256 milestoneCount);

    /// @notice Milestone `index` of `grantId`: `amount` wei, due at `dueDate` (Unix seconds).
    event MilestoneScheduled(
        uint256 indexed grantId,
        uint256 indexed index,
        uint256 amount,
        uint64 dueDate,
        bytes32 deliverableHash
    );

    /// @notice The grantee submitted milestone `index` (its content hash matched).
    event MilestoneSubmitted(uint256 indexed grantId, uint256 indexed index, bytes32 deliverableHash);

    /// @notice The approver approved milestone `index`; the grantee may claim `amount` wei.
    event MilestoneApproved(uint256 indexed grantId, uint256 indexed index, address indexed approver, uint256 amount);

    /// @notice `amount` wei of milestone `index` were paid to `grantee`.
    event MilestoneReleased(uint256 indexed grantId, uint256 indexed index, address indexed grantee, uint256 amount);

    /// @notice Milestone `index` was cancelled by `by`; `amount` wei went back to the treasury.
    event MilestoneCancelled(uint256 indexed grantId, uint256 indexed index, address indexed by, uint256 amount);

    /// @notice Every remaining milestone of the grant is settled (released or cancelled).
    event GrantClosed(uint256 indexed grantId, uint256 released, uint256 returned);

    /// @notice Governance replaced the approver.
    event ApproverSet(address indexed previousApprover, address indexed newApprover);

    /// @notice Most milestones one grant may have (16).
    function MAX_MILESTONES() external view returns (uint256);

    /// @notice Latest due date after creation (seconds): 4 × 365 days.
    function MAX_GRANT_DURATION() external view returns (uint256);

    /// @notice The council's review window after a milestone's due date (seconds): 30 days.
    function REVIEW_GRACE_PERIOD() external view returns (uint256);

    /// @notice The granted token (AITBC).
    function token() external view returns (address);

    /// @notice The timelock: governance, the treasury funds come from and return to.
    function timelock() external view returns (address);

    /// @notice Who approves milestones: the security council (3-of-5 Safe).
    function approver() external view returns (address);

    /// @notice Number of grants created; ids are `1..grantCount`.
    function grantCount() external view returns (uint256);

    /**
     * @notice Creates a grant and pulls the sum of its milestones from the timelock, which must have
     * approved this contract for at least that amount (the same proposal calls `token.approve`).
     * @param grantee who submits the deliverables and claims the payments
     * @param milestones 1 to {MAX_MILESTONES}, each with amount > 0, a non-zero hash and a due date in
     * `(now, now + MAX_GRANT_DURATION]`
     * @return grantId the new grant's id
     * @dev Emits {GrantCreated} and one {MilestoneScheduled} per milestone. Reverts with
     * {GrantOnlyTimelock}, {GrantZeroAddress}, {GrantMilestoneCountOutOfBounds}, {GrantZeroAmount},
     * {GrantZeroDeliverableHash}, {GrantDueDateOutOfBounds}, or the token's ERC-20 error if the
     * allowance or the treasury's balance is short.
     */
    function createGrant(address grantee, MilestoneSpec[] calldata milestones) external returns (uint256 grantId);

    /**
     * @notice The grantee submits milestone `index`, on or before its due date.
     * @param deliverableHash must equal the content hash fixed in the grant
     * @dev Emits {MilestoneSubmitted}. Reverts with {GrantNotFound}, {GrantMilestoneNotFound},
     * {GrantOnlyGrantee}, {GrantUnexpectedMilestoneStatus} (not Pending), {GrantMilestonePastDue},
     * {GrantDeliverableMismatch}.
     */
    function submitMilestone(uint256 grantId, uint256 index, bytes32 deliverableHash) external;

    /**
     * @notice The approver (council) approves a submitted milestone, at the latest `dueDate +
     * REVIEW_GRACE_PERIOD`. Final: the amount is the grantee's to claim.
     * @dev Emits {MilestoneApproved}. Reverts with {GrantOnlyApprover}, {GrantNotFound},
     * {GrantMilestoneNotFound}, {GrantUnexpectedMilestoneStatus} (not Submitted), {GrantReviewWindowClosed}.
     */
    function approveMilestone(uint256 grantId, uint256 index) external;

    /**
     * @notice The grantee claims an approved milestone: its amount is transferred to the grantee.
     * @dev Emits {MilestoneReleased}, and {GrantClosed} when it settles the grant. Reverts with
     * {GrantNotFound}, {GrantMilestoneNotFound}, {GrantOnlyGrantee}, {GrantUnexpectedMilestoneStatus}
     * (not Approved).
     */
    function claimMilestone(uint256 grantId, uint256 index) external;

    /**
     * @notice Cancels a milestone that is not approved (Pending or Submitted) and returns its amount to
     * the timelock. Governance (the timelock) may do so at any time; anyone else once the review
     * window closed (`block.timestamp > dueDate + REVIEW_GRACE_PERIOD`).
     * @dev Emits {MilestoneCancelled}, and {GrantClosed} when it settles the grant. Reverts with
     * {GrantNotFound}, {GrantMilestoneNotFound}, {GrantUnexpectedMilestoneStatus}, {GrantCancelTooEarly}.
     */
    function cancelMilestone(uint256 grantId, uint256 index) external;

    /**
     * @notice Governance replaces the approver (e.g. a new council Safe).
     * @dev Emits {ApproverSet}. Reverts with {GrantOnlyTimelock}, {GrantZeroAddress}.
     */
    function setApprover(address newApprover) external;

    /// @notice The grant's header. Reverts with {GrantNotFound}.
    function getGrant(uint256 grantId) external view returns (Grant memory);

    /// @notice One milestone. Reverts with {GrantNotFound}, {GrantMilestoneNotFound}.
    function getMilestone(uint256 grantId, uint256 index) external view returns (Milestone memory);

    /// @notice All milestones of a grant, in order. Reverts with {GrantNotFound}.
    function getMilestones(uint256 grantId) external view returns (Milestone[] memory);
}
