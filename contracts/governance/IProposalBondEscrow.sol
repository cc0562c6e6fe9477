// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IProposalBondEscrow
 * @notice Holds the OpenClaw DAO's proposal bonds and challenge bonds, runs the challenge of a
 * pending proposal, and pays bonds back (pull) or slashes them to the treasury (the timelock).
 * It never delegates the AITBC it holds, so escrowed bonds count as nobody's votes.
 * Amounts are wei of AITBC; times are Unix seconds.
 *
 * Rules:
 * - The proposer's bond is pulled at creation. It can be claimed back with {claimProposalBond} once
 *   voting is over (any state but Pending and Active) unless the proposal was struck down; then it
 *   was slashed to the treasury.
 * - While the proposal is Pending (the 48-hour challenge period) anyone may {challenge} it with the
 *   challenge bond; one challenge is open at a time.
 * - The council resolves an open challenge while the proposal is still Pending: upheld, the proposal
 *   is cancelled, the proposer's bond slashed, the challenger's bond claimable; dismissed, the
 *   challenger's bond goes to the treasury (a new challenge may then be posted).
 * - A challenge still open when the challenge period ends **lapses**: the proposal goes to the vote
 *   and the challenger may claim the bond back. Reason: an absent council must not let one bond
 *   freeze governance, nor punish either side for its own silence; critical proposals still need
 *   the council's approval before they can be queued.
 */
interface IProposalBondEscrow {
    /// @notice State of the challenge of one proposal.
    enum ChallengeStatus {
        None,
        Open,
        Upheld,
        Dismissed
    }

    /// @notice A proposer's bond.
    struct ProposalBond {
        address proposer;
        /// wei of AITBC
        uint96 amount;
        /// True once refunded or slashed.
        bool settled;
    }

    /// @notice The current (latest) challenge of a proposal.
    struct Challenge {
        address challenger;
        /// wei of AITBC
        uint96 amount;
        ChallengeStatus status;
        /// True once the challenger's bond was paid back.
        bool refunded;
    }

    /// @notice Only the governor may call this function.
    error BondOnlyGovernor(address caller);

    /// @notice Only the timelock (governance) may call this function.
    error BondOnlyTimelock(address caller);

    /// @notice Only the security council may call this function.
    error BondOnlyCouncil(address caller);

    /// @notice A new bond amount is outside `[min, max]` (wei).
    error BondAmountOutOfBounds(uint256 amount, uint256 min, uint256 max);

    /// @notice The proposal is not in its challenge period (`state` is the governor's state).
    error BondNotChallengeable(uint256 proposalId, uint8 state);

    /// @notice A challenge against the proposal is already open.
    error BondChallengeAlreadyOpen(uint256 proposalId);

    /// @notice No challenge against the proposal is open.
    error BondNoOpenChallenge(uint256 proposalId);

    /// @notice The proposal is past its challenge period; the open challenge lapsed.
    error BondChallengeLapsed(uint256 proposalId);

    /// @notice The bond cannot be paid back now (`state` is the governor's state).
    error BondNotRefundable(uint256 proposalId, uint8 state);

    /// @notice The bond was already paid back or slashed.
    error BondAlreadySettled(uint256 proposalId);

    /// @notice The proposal has no bond in this escrow.
    error BondUnknownProposal(uint256 proposalId);

    /// @notice A bond was already recorded for this proposal.
    error BondAlreadyLocked(uint256 proposalId);

    /// @notice The challenger approved this escrow for less than the challenge bond (wei of AITBC).
    error BondChallengeNotApproved(address challenger, uint256 bond, uint256 allowance);

    /// @notice The challenger holds less than the challenge bond (wei of AITBC).
    error BondChallengeInsufficientBalance(address challenger, uint256 bond, uint256 balance);

    /// @notice Emitted when a proposer's bond was escrowed.
    event ProposalBondLocked(uint256 indexed proposalId, address indexed proposer, uint256 amount);

    /// @notice Emitted when a proposer's bond was paid back.
    event ProposalBondRefunded(uint256 indexed proposalId, address indexed proposer, uint256 amount);

    /// @notice Emitted when a proposer's bond was slashed to the treasury.
    event ProposalBondSlashed(uint256 indexed proposalId, address indexed treasury, uint256 amount);

    /// @notice Emitted when a challenge was posted.
    event ChallengeOpened(uint256 indexed proposalId, address indexed challenger, uint256 amount);

    /// @notice Emitted when the council upheld a challenge (the proposal is struck down).
    event ChallengeUpheld(uint256 indexed proposalId, address indexed challenger);

    /// @notice Emitted when the council dismissed a challenge; its bond went to the treasury.
    event ChallengeDismissed(uint256 indexed proposalId, address indexed challenger, uint256 amount);

    /// @notice Emitted when a challenger's bond was paid back (challenge upheld or lapsed).
    event ChallengeBondRefunded(uint256 indexed proposalId, address indexed challenger, uint256 amount);

    /// @notice Emitted when governance changed the proposal bond (wei).
    event ProposalBondSet(uint256 oldAmount, uint256 newAmount);

    /// @notice Emitted when governance changed the challenge bond (wei).
    event ChallengeBondSet(uint256 oldAmount, uint256 newAmount);

    /**
     * @notice Governor: escrows the current proposal bond of a new proposal from its proposer.
     * @dev Only the governor. Pulls {proposalBond} with `transferFrom` (the proposer approved this
     * escrow). Emits {ProposalBondLocked}. Reverts with {BondOnlyGovernor}, {BondAlreadyLocked}, or the
     * governor's {IOpenClawGovernor-GovernanceBondNotApproved} (allowance below the bond) or
     * {IOpenClawGovernor-GovernanceBondInsufficientBalance} (balance below it), checked before the transfer.
     * @return amount wei of AITBC escrowed
     */
    function lockProposalBond(uint256 proposalId, address proposer) external returns (uint256 amount);

    /**
     * @notice Challenges a pending proposal, escrowing {challengeBond} from the caller (approve first).
     * @dev Emits {ChallengeOpened}. Reverts with {BondUnknownProposal}, {BondNotChallengeable} unless
     * the proposal is Pending, {BondChallengeAlreadyOpen}, {BondChallengeNotApproved} (allowance below the
     * bond) or {BondChallengeInsufficientBalance} (balance below it), checked before the transfer.
     */
    function challenge(uint256 proposalId) external;

    /**
     * @notice Security council: resolves the open challenge of a pending proposal.
     * @param uphold true: the proposal is struck down (cancelled), the proposer's bond slashed to the
     * treasury and the challenger's bond claimable; false: the challenger's bond goes to the treasury
     * @dev Only the council. Emits {ChallengeUpheld} and {ProposalBondSlashed}, or {ChallengeDismissed}.
     * Reverts with {BondOnlyCouncil}, {BondNoOpenChallenge} or {BondChallengeLapsed}.
     */
    function resolveChallenge(uint256 proposalId, bool uphold) external;

    /**
     * @notice Pays the proposer's bond back once voting is over, unless the proposal was struck down.
     * Anyone may call it; the tokens always go to the proposer.
     * @dev Emits {ProposalBondRefunded}. Reverts with {BondUnknownProposal}, {BondAlreadySettled} or
     * {BondNotRefundable} while the proposal is Pending or Active.
     */
    function claimProposalBond(uint256 proposalId) external;

    /**
     * @notice Pays the challenger's bond back when the challenge was upheld or lapsed. Anyone may
     * call it; the tokens always go to the challenger.
     * @dev Emits {ChallengeBondRefunded}. Reverts with {BondNotRefundable} or {BondAlreadySettled}.
     */
    function claimChallengeBond(uint256 proposalId) external;

    /**
     * @notice Governance: sets the proposal bond for future proposals.
     * @dev Only the timelock. Bounds [MIN_BOND, MAX_BOND]. Emits {ProposalBondSet}.
     * Reverts with {BondOnlyTimelock} or {BondAmountOutOfBounds}.
     */
    function setProposalBond(uint256 newAmount) external;

    /**
     * @notice Governance: sets the challenge bond for future challenges.
     * @dev Only the timelock. Bounds [MIN_BOND, MAX_BOND]. Emits {ChallengeBondSet}.
     * Reverts with {BondOnlyTimelock} or {BondAmountOutOfBounds}.
     */
    function setChallengeBond(uint256 newAmount) external;

    /// @notice Bond escrowed from each new proposer (wei of AITBC; 1,000 AITBC at deployment).
    function proposalBond() external view returns (uint256);

    /// @notice Bond escrowed from each challenger (wei of AITBC).
    function challengeBond() external view returns (uint256);

    /// @notice The bond of `proposalId`.
    function proposalBondOf(uint256 proposalId) external view returns (ProposalBond memory);

    /// @notice The latest challenge of `proposalId`.
    function challengeOf(uint256 proposalId) external view returns (Challenge memory);

    /// @notice Whether a challenge against `proposalId` is open (posted, not resolved, not lapsed).
    function hasOpenChallenge(uint256 proposalId) external view returns (bool);

    /// @notice The governor whose proposals this escrow bonds.
    function governor() external view returns (address);

    /// @notice Where slashed bonds go: the governor's timelock, which holds the community treasury.
    function treasury() external view returns (address);

    /// @notice Smallest bond governance may set: 10 AITBC (wei).
    function MIN_BOND() external view returns (uint256);

    /// @notice Largest bond governance may set: 100,000 AITBC (wei).
    function MAX_BOND() external view returns (uint256);
}
