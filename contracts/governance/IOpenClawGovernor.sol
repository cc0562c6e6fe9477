// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IOpenClawGovernor
 * @notice What the OpenClaw DAO governor adds to an OpenZeppelin 5.x `Governor`: proposal types,
 * counted voting power read at proposal creation, a 48-hour challenge period before voting, a
 * proposal bond held by {IProposalBondEscrow}, the security council's approval of critical
 * proposals, and an emergency track. All timepoints are Unix times in seconds (ERC-6372
 * `mode=timestamp`); all token amounts are wei of AITBC.
 *
 * Lifecycle of a proposal created at time `t0`:
 * - `Pending` during the challenge period `(t0, t0 + CHALLENGE_PERIOD]`; anyone may challenge it in
 *   the bond escrow, the council may strike it down.
 * - `Active` for `VOTING_PERIOD` (7 days), or `EMERGENCY_VOTING_PERIOD` (3 days) for Emergency.
 * - Every vote and the quorum use counted voting power at `t0`. The standard fields agree:
 *   `proposalSnapshot(id)` = `ProposalCreated.voteStart` = `t0` (so `votingDelay()` is 0), and
 *   `proposalDeadline(id)` = `ProposalCreated.voteEnd` = `t0 + 48 h + 7 d` (or `+ 3 d`), so
 *   `votingPeriod()` is 9 days (5 for Emergency). Votes are accepted after {proposalVoteStart}.
 * - The type is derived from the calls ({deriveProposalType}); only Emergency is declared. Every
 *   type but Community is critical: it can be queued and executed only after the council approved
 *   its id for its proposer.
 *
 * | type      | calls                                                               | critical | vote |
 * | --------- | ------------------------------------------------------------------- | -------- | ---- |
 * | Community | every call an allowlisted (target, selector), no ether              | no       | 7 d  |
 * | Resource  | treasury outflows only (ERC-20 transfer/approve/increaseAllowance,  | yes      | 7 d  |
 * |           | plain ether transfer, registered resource calls), or with Community |          |      |
 * | Protocol  | anything else                                                       | yes      | 7 d  |
 * | Emergency | anything; declared, council-approved before creation                | yes      | 3 d  |
 */
interface IOpenClawGovernor {
    /// @notice The four proposal types of the OpenClaw DAO (seed 000, "Proposal Types").
    enum ProposalType {
        Protocol,
        Resource,
        Community,
        Emergency
    }

    /// @notice An ERC-2612 permit of the proposal bond, signed by the proposer for the bond escrow.
    struct PermitSignature {
        /// Unix time in seconds after which the permit is invalid.
        uint256 deadline;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    /// @notice Per-proposal data kept by the OpenClaw governor (one storage slot).
    struct ProposalExtras {
        /// Creation timepoint (seconds): the snapshot of voting power and quorum.
        uint48 createdAt;
        ProposalType proposalType;
        /// True when the proposal needs the council's approval before queue and execute.
        bool critical;
        /// True once the council approved the proposal id (possibly before its creation).
        bool councilApproved;
        /// True once the council upheld a challenge against it (it is then `Canceled`).
        bool struckDown;
        /// The only proposer the council's approval is valid for (zero until approved).
        address approvedProposer;
    }

    /// @notice A (target, selector) pair: on the allowlist (Community) or a registered resource call.
    struct AllowedCall {
        address target;
        bytes4 selector;
    }

    /// @notice A new proposal threshold is outside `[min, max]` (wei of counted voting power).
    error GovernanceThresholdOutOfBounds(uint256 threshold, uint256 min, uint256 max);

    /// @notice A new quorum numerator is outside `[min, max]` (percent of total supply).
    error GovernanceQuorumOutOfBounds(uint256 numerator, uint256 min, uint256 max);

    /**
     * @notice The declared type is not the type derived from the calls ({deriveProposalType}); only
     * Emergency may be declared over another derived type.
     */
    error GovernanceProposalTypeMismatch(ProposalType declared, ProposalType derived);

    /**
     * @notice The proposer has not approved the bond escrow for the proposal bond (`bond` and
     * `allowance` in wei of AITBC). Raised by the escrow during `propose`, before any token moves.
     */
    error GovernanceBondNotApproved(address proposer, uint256 bond, uint256 allowance);

    /**
     * @notice The proposer holds less AITBC than the proposal bond (wei). Raised by the escrow during
     * `propose`, before any token moves.
     */
    error GovernanceBondInsufficientBalance(address proposer, uint256 bond, uint256 balance);

    /// @notice An Emergency proposal was proposed before the council approved its id.
    error GovernanceEmergencyNotApproved(uint256 proposalId);

    /// @notice A critical proposal was queued or executed before the council approved it.
    error GovernanceCouncilApprovalRequired(uint256 proposalId);

    /// @notice The council already approved this proposal id.
    error GovernanceAlreadyApproved(uint256 proposalId);

    /// @notice Only the security council (the 3-of-5 Safe) may call this function.
    error GovernanceOnlyCouncil(address caller);

    /// @notice Only the bond escrow may call this function.
    error GovernanceOnlyBondEscrow(address caller);

    /// @notice The council address may not be the zero address.
    error GovernanceZeroCouncil();

    /// @notice The proposer may not cancel a proposal while a challenge against it is open.
    error GovernanceChallengeOpen(uint256 proposalId);

    /**
     * @notice The council's approval of `proposalId` is bound to `approvedProposer`, not `proposer`:
     * raised when anyone else proposes a pre-approved id (a front-run), or when the council approves
     * an existing proposal naming someone other than its proposer.
     */
    error GovernanceApprovedForOtherProposer(uint256 proposalId, address proposer, address approvedProposer);

    /**
     * @notice This (target, selector) pair may never be allowlisted or registered as a resource call:
     * the target is the governor, the timelock, the token or the bond escrow, or the selector changes
     * roles or ownership; or (allowlist only) the selector moves or approves assets.
     */
    error GovernanceCallNotAllowable(address target, bytes4 selector);

    /**
     * @notice Emitted with every new proposal, right after OpenZeppelin's `ProposalCreated`.
     * @param proposalId the id from `hashProposal`
     * @param proposalType Protocol, Resource, Community or Emergency
     * @param critical whether it needs the council's approval before queue and execute
     * @param bond wei of AITBC escrowed from the proposer
     */
    event ProposalTyped(uint256 indexed proposalId, ProposalType indexed proposalType, bool critical, uint256 bond);

    /// @notice Emitted when the council approved `proposalId`, valid only when proposed by `proposer`.
    event ProposalApprovedByCouncil(uint256 indexed proposalId, address indexed council, address indexed proposer);

    /// @notice Emitted when the council upheld a challenge and the proposal was cancelled.
    event ProposalStruckDown(uint256 indexed proposalId);

    /// @notice Emitted when governance changed the proposal threshold (wei of counted power).
    event ProposalThresholdSet(uint256 oldThreshold, uint256 newThreshold);

    /// @notice Emitted when governance replaced the security council.
    event CouncilSet(address oldCouncil, address newCouncil);

    /// @notice Emitted when a (target, selector) pair was added to or removed from the allowlist.
    event CallAllowlistSet(address indexed target, bytes4 indexed selector, bool allowed);

    /// @notice Emitted when a (target, selector) pair was registered as a resource call or removed.
    event ResourceCallSet(address indexed target, bytes4 indexed selector, bool registered);

    /**
     * @notice Creates a proposal of the given type and escrows the proposal bond from the caller.
     * `proposalType` must be the type derived from the calls ({deriveProposalType}), or Emergency.
     * OpenZeppelin's `propose(address[],uint256[],bytes[],string)` is the same with the derived type.
     * @dev The caller must have approved the bond escrow for {IProposalBondEscrow-proposalBond}, hold
     * it, and hold counted voting power at `clock() - 1` of at least `proposalThreshold()`.
     * Emits `ProposalCreated` and {ProposalTyped}.
     * Reverts with `GovernorInsufficientProposerVotes(proposer, votes, threshold)`,
     * {GovernanceProposalTypeMismatch} when the declared type is neither the derived one nor Emergency,
     * {GovernanceEmergencyNotApproved} for an Emergency proposal without the council's approval,
     * {GovernanceApprovedForOtherProposer} when the council approved this id for another proposer,
     * {GovernanceBondNotApproved} or {GovernanceBondInsufficientBalance} when the bond cannot be pulled.
     * @return proposalId the OpenZeppelin proposal id
     */
    function proposeTyped(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        ProposalType proposalType
    ) external returns (uint256 proposalId);

    /**
     * @notice {proposeTyped} with an ERC-2612 permit of the bond for the bond escrow, in one transaction.
     * @dev A permit that fails (e.g. front-run) is ignored; the bond is then pulled with the existing
     * allowance, if any.
     */
    function proposeTypedWithPermit(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata calldatas,
        string calldata description,
        ProposalType proposalType,
        PermitSignature calldata permit
    ) external returns (uint256 proposalId);

    /**
     * @notice Security council: approves `proposalId` as proposed by `proposer` (it need not exist
     * yet; an Emergency proposal must be approved before it is proposed). Only `proposer` can then
     * create it, so nobody can front-run an approved id and cancel it.
     * @dev Only the council. Emits {ProposalApprovedByCouncil}. Reverts with {GovernanceOnlyCouncil},
     * {GovernanceAlreadyApproved}, or {GovernanceApprovedForOtherProposer} when the proposal exists
     * and `proposer` is not its proposer.
     */
    function approveProposal(uint256 proposalId, address proposer) external;

    /**
     * @notice Bond escrow: cancels a proposal whose challenge the council upheld.
     * @dev Only the bond escrow. Emits `ProposalCanceled` and {ProposalStruckDown}.
     * Reverts with {GovernanceOnlyBondEscrow} or `GovernorUnexpectedProposalState` unless Pending.
     */
    function strikeDown(uint256 proposalId) external;

    /**
     * @notice Governance: sets the proposal threshold, in wei of counted voting power.
     * @dev Only through a proposal executed by the timelock. Bounds: [MIN_PROPOSAL_THRESHOLD,
     * MAX_PROPOSAL_THRESHOLD]. Emits {ProposalThresholdSet}. Reverts with {GovernanceThresholdOutOfBounds}.
     */
    function setProposalThreshold(uint256 newThreshold) external;

    /**
     * @notice Governance: replaces the security council.
     * @dev Only through a proposal. Emits {CouncilSet}. Reverts with {GovernanceZeroCouncil}.
     */
    function setCouncil(address newCouncil) external;

    /**
     * @notice Governance: adds (`allowed`) or removes the (target, selector) pair from the allowlist of
     * calls a Community proposal may make without the council. The call targets the governor, so the
     * proposal doing it is itself critical (Protocol).
     * @dev Only through a proposal. Emits {CallAllowlistSet}. Reverts with {GovernanceCallNotAllowable}
     * when adding a call to the governor, timelock, token or bond escrow, or a selector that changes
     * roles or ownership (`grantRole`, `revokeRole`, `renounceRole`, `transferOwnership`,
     * `renounceOwnership`) or moves or approves assets (ERC-20, ERC-721, ERC-1155, ERC-1363).
     */
    function setCallAllowed(address target, bytes4 selector, bool allowed) external;

    /**
     * @notice Governance: registers (`registered`) or removes the (target, selector) pair as a
     * resource call: a treasury outflow such as a grant contract's `createGrant`, so that a proposal
     * making it (without ether) is derived Resource rather than Protocol. Both are critical; the list
     * only names what a proposal does. The call targets the governor (Protocol, critical).
     * @dev Only through a proposal. Emits {ResourceCallSet}. Reverts with {GovernanceCallNotAllowable}
     * for the governor, timelock, token or bond escrow as target, or a selector that changes roles or
     * ownership.
     */
    function setResourceCall(address target, bytes4 selector, bool registered) external;

    /**
     * @notice Whether a proposal with these actions and type needs the council's approval.
     * @dev Critical by default: critical unless `proposalType` is Community and the type derived from
     * the calls ({deriveProposalType}) is Community too, i.e. every call is an allowlisted
     * (target, selector) pair ({isCallAllowed}) without ether. Every call to a protocol contract, every
     * role change and every asset move is therefore critical, and so is any call to an unknown contract.
     */
    function isCritical(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata calldatas,
        ProposalType proposalType
    ) external view returns (bool);

    /**
     * @notice The type of a proposal making these calls: the most severe class of its calls, with
     * Community < Resource < Protocol. A call is Community when its (target, selector) is allowlisted
     * and it sends no ether; Resource when it only moves treasury assets: ERC-20
     * `transfer`/`approve`/`increaseAllowance(address,uint256)` (exactly 68 bytes of calldata) or a
     * registered resource call ({isResourceCall}), without ether, or a plain ether transfer (empty
     * calldata); Protocol otherwise, and always when it targets the governor, timelock or bond escrow.
     * Never Emergency (only declared). Computed by the linked library `ProposalClassifier`.
     */
    function deriveProposalType(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata calldatas
    ) external view returns (ProposalType);

    /// @notice The OpenClaw data of `proposalId` (all zero when it does not exist).
    function proposalExtras(uint256 proposalId) external view returns (ProposalExtras memory);

    /// @notice When voting opens: creation + {CHALLENGE_PERIOD} (seconds; votes are accepted after it).
    function proposalVoteStart(uint256 proposalId) external view returns (uint256);

    /// @notice Whether a call to `target` with `selector` (and no ether) is allowlisted: not critical by itself.
    function isCallAllowed(address target, bytes4 selector) external view returns (bool);

    /// @notice Whether a call to `target` with `selector` (and no ether) is a registered resource call.
    function isResourceCall(address target, bytes4 selector) external view returns (bool);

    /// @notice The security council: a Safe with 5 owners and threshold 3.
    function council() external view returns (address);

    /// @notice The contract that escrows proposal and challenge bonds.
    function bondEscrow() external view returns (address);

    /// @notice Challenge period between creation and the start of voting: 48 hours, in seconds.
    function CHALLENGE_PERIOD() external view returns (uint256);

    /// @notice Voting period of Protocol, Resource and Community proposals: 7 days, in seconds.
    function VOTING_PERIOD() external view returns (uint256);

    /// @notice Voting period of Emergency proposals: 3 days, in seconds.
    function EMERGENCY_VOTING_PERIOD() external view returns (uint256);

    /// @notice Lowest proposal threshold governance may set: 1 AITBC (wei).
    function MIN_PROPOSAL_THRESHOLD() external view returns (uint256);

    /// @notice Highest proposal threshold governance may set: 10,000 AITBC (wei).
    function MAX_PROPOSAL_THRESHOLD() external view returns (uint256);

    /// @notice Lowest quorum governance may set: 1 (percent of total supply).
    function MIN_QUORUM_NUMERATOR() external view returns (uint256);

    /// @notice Highest quorum governance may set: 50 (percent of total supply).
    function MAX_QUORUM_NUMERATOR() external view returns (uint256);
}
