// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {IInferenceChecker} from "./IInferenceChecker.sol";
import {IMarketPolicy} from "./IMarketPolicy.sol";

/// @title MarketPolicy
/// @notice The market's parameters, read by `JobEscrow` and `BatchEscrow`. See {IMarketPolicy}.
/// @dev Storage: the eight numeric parameters in one slot (`_parameters`, exactly 256 bits), the
/// treasury and the sample rate in a second (160 + 16 bits), the per-model checkers in a mapping.
/// `DEFAULT_ADMIN_ROLE` (the timelock) sets everything; no other role is used.
contract MarketPolicy is IMarketPolicy, AccessControl {
    uint256 private constant BPS = 10_000;

    Parameters private _parameters;
    /// @inheritdoc IMarketPolicy
    address public treasury;
    /// @inheritdoc IMarketPolicy
    uint16 public sampleRateBps;
    mapping(bytes32 modelDigest => IInferenceChecker) private _checkers;

    /// @param admin Holder of `DEFAULT_ADMIN_ROLE` (the timelock). Not zero.
    /// @param treasury_ Receiver of protocol fees and slashes (the timelock). Not zero.
    /// Reverts with `PolicyZeroAddress`.
    constructor(address admin, address treasury_) {
        if (admin == address(0) || treasury_ == address(0)) revert PolicyZeroAddress();
        _parameters = Parameters({
            protocolFeeBps: 250,
            challengeWindow: 1 days,
            disputeBond: 100 ether,
            disputeSlashBps: 1_000,
            deadlineSlashBps: 100,
            slashRewardBps: 5_000,
            minPenaltyWindow: 10 minutes,
            revealWindow: 1 days
        });
        treasury = treasury_;
        sampleRateBps = 1_000;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IMarketPolicy
    function setProtocolFeeBps(uint16 newBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds(newBps, 0, 1_000);
        emit ProtocolFeeBpsSet(_parameters.protocolFeeBps, newBps);
        _parameters.protocolFeeBps = newBps;
    }

    /// @inheritdoc IMarketPolicy
    function setChallengeWindow(uint32 newWindow) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds(newWindow, 1 hours, 7 days);
        emit ChallengeWindowSet(_parameters.challengeWindow, newWindow);
        _parameters.challengeWindow = newWindow;
    }

    /// @inheritdoc IMarketPolicy
    function setDisputeBond(uint96 newBond) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds(newBond, 1 ether, 1_000_000 ether);
        emit DisputeBondSet(_parameters.disputeBond, newBond);
        _parameters.disputeBond = newBond;
    }

    /// @inheritdoc IMarketPolicy
    function setDisputeSlashBps(uint16 newBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds(newBps, 100, 5_000);
        emit DisputeSlashBpsSet(_parameters.disputeSlashBps, newBps);
        _parameters.disputeSlashBps = newBps;
    }

    /// @inheritdoc IMarketPolicy
    function setDeadlineSlashBps(uint16 newBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds(newBps, 0, 1_000);
        emit DeadlineSlashBpsSet(_parameters.deadlineSlashBps, newBps);
        _parameters.deadlineSlashBps = newBps;
    }

    /// @inheritdoc IMarketPolicy
    function setSlashRewardBps(uint16 newBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds(newBps, 0, 9_000);
        emit SlashRewardBpsSet(_parameters.slashRewardBps, newBps);
        _parameters.slashRewardBps = newBps;
    }

    /// @inheritdoc IMarketPolicy
    function setMinPenaltyWindow(uint32 newWindow) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds(newWindow, 1 minutes, 1 days);
        emit MinPenaltyWindowSet(_parameters.minPenaltyWindow, newWindow);
        _parameters.minPenaltyWindow = newWindow;
    }

    /// @inheritdoc IMarketPolicy
    function setRevealWindow(uint32 newWindow) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds(newWindow, 1 hours, 7 days);
        emit RevealWindowSet(_parameters.revealWindow, newWindow);
        _parameters.revealWindow = newWindow;
    }

    /// @inheritdoc IMarketPolicy
    function setSampleRateBps(uint16 newBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds(newBps, 100, BPS);
        emit SampleRateBpsSet(sampleRateBps, newBps);
        sampleRateBps = newBps;
    }

    /// @inheritdoc IMarketPolicy
    function setTreasury(address newTreasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newTreasury == address(0)) revert PolicyZeroAddress();
        emit TreasurySet(treasury, newTreasury);
        treasury = newTreasury;
    }

    /// @inheritdoc IMarketPolicy
    function setModelVerification(
        bytes32 modelDigest,
        IInferenceChecker checker
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(checker) != address(0)) {
            bytes32 checkerDigest = checker.modelDigest();
            if (checkerDigest != modelDigest) revert PolicyCheckerModelMismatch(modelDigest, checkerDigest);
        }
        emit ModelVerificationSet(modelDigest, address(_checkers[modelDigest]), address(checker));
        _checkers[modelDigest] = checker;
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IMarketPolicy
    function parameters() external view returns (Parameters memory) {
        return _parameters;
    }

    /// @inheritdoc IMarketPolicy
    function checkerOf(bytes32 modelDigest) external view returns (IInferenceChecker) {
        return _checkers[modelDigest];
    }

    /// @inheritdoc IMarketPolicy
    function isSampled(bytes32 seed, bytes32 jobKey) external view returns (bool) {
        return uint256(keccak256(abi.encode(seed, jobKey))) % BPS < sampleRateBps;
    }

    // ---------------------------------------------------------------- internals

    function _checkBounds(uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert PolicyParameterOutOfBounds(value, min, max);
    }
}
