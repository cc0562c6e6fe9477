// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceChecker} from "./IInferenceChecker.sol";

/// @title IMarketPolicy
/// @notice The market's parameters, owned by the timelock and bounded on-chain, in one place read by both
/// escrows (`JobEscrow`, one job per transaction; `BatchEscrow`, many jobs per transaction): fees, windows,
/// bonds, slashes, the treasury, which verification applies to each model digest, and the public rule
/// that picks the jobs watchers re-execute.
/// @dev The eight numeric parameters share one storage slot (`parameters()` is one SLOAD).
/// `DEFAULT_ADMIN_ROLE` (the timelock) sets every parameter; no other role exists.
interface IMarketPolicy {
    /// @notice The numeric parameters (one slot).
    /// @param protocolFeeBps Share of each job's fee credited to the treasury, basis points; [0, 1,000], default 250.
    /// @param challengeWindow Seconds after a result (or batch) during which it can be disputed; [1 hour, 7 days],
    /// default 1 day.
    /// @param disputeBond Wei of AITBC a disputer escrows; [1, 1,000,000] AITBC, default 100 AITBC.
    /// @param disputeSlashBps Stake slashed from a provider found at fault, bps; [100, 5,000], default 1,000.
    /// @param deadlineSlashBps Stake slashed for a missed (penalisable) deadline, bps; [0, 1,000], default 100.
    /// @param slashRewardBps Share of a slash credited to the wronged party or challenger, bps; [0, 9,000],
    /// default 5,000.
    /// @param minPenaltyWindow Least seconds from assignment to deadline for a miss to be penalised;
    /// [1 minute, 1 day], default 10 minutes.
    /// @param revealWindow Seconds a disputed batch job's provider (or anyone) has to reveal the prompt and
    /// output on-chain before the dispute is lost by default; [1 hour, 7 days], default 1 day.
    struct Parameters {
        uint16 protocolFeeBps;
        uint32 challengeWindow;
        uint96 disputeBond;
        uint16 disputeSlashBps;
        uint16 deadlineSlashBps;
        uint16 slashRewardBps;
        uint32 minPenaltyWindow;
        uint32 revealWindow;
    }

    /// @notice `protocolFeeBps` changed.
    event ProtocolFeeBpsSet(uint256 oldBps, uint256 newBps);
    /// @notice `challengeWindow` changed (seconds).
    event ChallengeWindowSet(uint256 oldWindow, uint256 newWindow);
    /// @notice `disputeBond` changed (wei).
    event DisputeBondSet(uint256 oldBond, uint256 newBond);
    /// @notice `disputeSlashBps` changed.
    event DisputeSlashBpsSet(uint256 oldBps, uint256 newBps);
    /// @notice `deadlineSlashBps` changed.
    event DeadlineSlashBpsSet(uint256 oldBps, uint256 newBps);
    /// @notice `slashRewardBps` changed.
    event SlashRewardBpsSet(uint256 oldBps, uint256 newBps);
    /// @notice `minPenaltyWindow` changed (seconds).
    event MinPenaltyWindowSet(uint256 oldWindow, uint256 newWindow);
    /// @notice `revealWindow` changed (seconds).
    event RevealWindowSet(uint256 oldWindow, uint256 newWindow);
    /// @notice `sampleRateBps` changed.
    event SampleRateBpsSet(uint256 oldBps, uint256 newBps);
    /// @notice `treasury` changed.
    event TreasurySet(address oldTreasury, address newTreasury);
    /// @notice The verification of a model changed (`checker` zero: receipt and challenge window).
    event ModelVerificationSet(bytes32 indexed modelDigest, address oldChecker, address newChecker);

    /// @notice A parameter outside its bounds.
    error PolicyParameterOutOfBounds(uint256 value, uint256 min, uint256 max);
    /// @notice The zero address where an account is needed.
    error PolicyZeroAddress();
    /// @notice The checker verifies another model (`checker.modelDigest()` is `checkerDigest`).
    error PolicyCheckerModelMismatch(bytes32 modelDigest, bytes32 checkerDigest);

    /// @notice Sets `protocolFeeBps` within [0, 1,000]. Role: admin. Emits `ProtocolFeeBpsSet`.
    /// Reverts with `PolicyParameterOutOfBounds`, `AccessControlUnauthorizedAccount`.
    function setProtocolFeeBps(uint16 newBps) external;
    /// @notice Sets `challengeWindow` within [3,600, 604,800] seconds. Role: admin. Emits `ChallengeWindowSet`.
    /// Reverts with `PolicyParameterOutOfBounds`, `AccessControlUnauthorizedAccount`.
    function setChallengeWindow(uint32 newWindow) external;
    /// @notice Sets `disputeBond` within [1, 1,000,000] AITBC (wei). Role: admin. Emits `DisputeBondSet`.
    /// Reverts with `PolicyParameterOutOfBounds`, `AccessControlUnauthorizedAccount`.
    function setDisputeBond(uint96 newBond) external;
    /// @notice Sets `disputeSlashBps` within [100, 5,000] (staking caps it again). Role: admin.
    /// Emits `DisputeSlashBpsSet`. Reverts with `PolicyParameterOutOfBounds`, `AccessControlUnauthorizedAccount`.
    function setDisputeSlashBps(uint16 newBps) external;
    /// @notice Sets `deadlineSlashBps` within [0, 1,000]. Role: admin.
    /// Emits `DeadlineSlashBpsSet`. Reverts with `PolicyParameterOutOfBounds`, `AccessControlUnauthorizedAccount`.
    function setDeadlineSlashBps(uint16 newBps) external;
    /// @notice Sets `slashRewardBps` within [0, 9,000] (the treasury always gets the rest). Role: admin.
    /// Emits `SlashRewardBpsSet`. Reverts with `PolicyParameterOutOfBounds`, `AccessControlUnauthorizedAccount`.
    function setSlashRewardBps(uint16 newBps) external;
    /// @notice Sets `minPenaltyWindow` within [60, 86,400] seconds (jobs assigned from then on). Role: admin.
    /// Emits `MinPenaltyWindowSet`. Reverts with `PolicyParameterOutOfBounds`, `AccessControlUnauthorizedAccount`.
    function setMinPenaltyWindow(uint32 newWindow) external;
    /// @notice Sets `revealWindow` within [3,600, 604,800] seconds. Role: admin.
    /// Emits `RevealWindowSet`. Reverts with `PolicyParameterOutOfBounds`, `AccessControlUnauthorizedAccount`.
    function setRevealWindow(uint32 newWindow) external;
    /// @notice Sets `sampleRateBps` within [100, 10,000] (1% – every job). Role: admin.
    /// Emits `SampleRateBpsSet`. Reverts with `PolicyParameterOutOfBounds`, `AccessControlUnauthorizedAccount`.
    function setSampleRateBps(uint16 newBps) external;
    /// @notice Sets the treasury (not zero). Role: admin. Emits `TreasurySet`.
    /// Reverts with `PolicyZeroAddress`, `AccessControlUnauthorizedAccount`.
    function setTreasury(address newTreasury) external;
    /// @notice Sets the verification of a model: a checker of its full proof of inference (its
    /// `modelDigest()` must equal `modelDigest`), or the zero address for receipt + challenge window.
    /// Applies to results submitted from then on. Role: admin. Emits `ModelVerificationSet`.
    /// Reverts with `PolicyCheckerModelMismatch`.
    function setModelVerification(bytes32 modelDigest, IInferenceChecker checker) external;

    /// @notice All numeric parameters (one storage read).
    function parameters() external view returns (Parameters memory);
    /// @notice Receiver of protocol fees and of the treasury's share of slashes.
    function treasury() external view returns (address);
    /// @notice Share of jobs sampled for re-execution, basis points; default 1,000 (10%).
    function sampleRateBps() external view returns (uint16);
    /// @notice The checker whose proof a job of `modelDigest` needs, or zero (receipt + challenge window).
    function checkerOf(bytes32 modelDigest) external view returns (IInferenceChecker);

    /// @notice The public sampling rule: whether the job `jobKey`, whose result was included in the block
    /// with hash `seed`, is to be re-executed by watchers. True iff
    /// `uint256(keccak256(abi.encode(seed, jobKey))) % 10_000 < sampleRateBps`. The seed is the hash of the
    /// block that included the result (`ResultSubmitted` / `BatchSettled`), unknown to the provider when it
    /// signs the transaction. `jobKey`: `bytes32(jobId)` for `JobEscrow`, the request digest for `BatchEscrow`.
    function isSampled(bytes32 seed, bytes32 jobKey) external view returns (bool);
}
