// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceChecker} from "../escrow/IInferenceChecker.sol";
import {IMarketPolicy} from "../escrow/IMarketPolicy.sol";

/// @title BatchMarketPolicyMock
/// @notice TEST ONLY. An `IMarketPolicy` with the documented defaults and unguarded setters (no roles, no
/// bounds), so BatchEscrow's tests can move parameters freely. The real policy is `MarketPolicy`.
contract BatchMarketPolicyMock is IMarketPolicy {
    Parameters private _parameters = Parameters({
        protocolFeeBps: 250,
        challengeWindow: 1 days,
        disputeBond: 100 ether,
        disputeSlashBps: 1_000,
        deadlineSlashBps: 100,
        slashRewardBps: 5_000,
        minPenaltyWindow: 10 minutes,
        revealWindow: 1 days
    });
    /// @inheritdoc IMarketPolicy
    address public treasury;
    /// @inheritdoc IMarketPolicy
    uint16 public sampleRateBps = 1_000;
    mapping(bytes32 modelDigest => IInferenceChecker) private _checkers;

    constructor(address treasury_) {
        treasury = treasury_;
    }

    /// @inheritdoc IMarketPolicy
    function setProtocolFeeBps(uint16 newBps) external {
        _parameters.protocolFeeBps = newBps;
    }

    /// @inheritdoc IMarketPolicy
    function setChallengeWindow(uint32 newWindow) external {
        _parameters.challengeWindow = newWindow;
    }

    /// @inheritdoc IMarketPolicy
    function setDisputeBond(uint96 newBond) external {
        _parameters.disputeBond = newBond;
    }

    /// @inheritdoc IMarketPolicy
    function setDisputeSlashBps(uint16 newBps) external {
        _parameters.disputeSlashBps = newBps;
    }

    /// @inheritdoc IMarketPolicy
    function setDeadlineSlashBps(uint16 newBps) external {
        _parameters.deadlineSlashBps = newBps;
    }

    /// @inheritdoc IMarketPolicy
    function setSlashRewardBps(uint16 newBps) external {
        _parameters.slashRewardBps = newBps;
    }

    /// @inheritdoc IMarketPolicy
    function setMinPenaltyWindow(uint32 newWindow) external {
        _parameters.minPenaltyWindow = newWindow;
    }

    /// @inheritdoc IMarketPolicy
    function setRevealWindow(uint32 newWindow) external {
        _parameters.revealWindow = newWindow;
    }

    /// @inheritdoc IMarketPolicy
    function setSampleRateBps(uint16 newBps) external {
        sampleRateBps = newBps;
    }

    /// @inheritdoc IMarketPolicy
    function setTreasury(address newTreasury) external {
        treasury = newTreasury;
    }

    /// @inheritdoc IMarketPolicy
    function setModelVerification(bytes32 modelDigest, IInferenceChecker checker) external {
        _checkers[modelDigest] = checker;
    }

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
        return uint256(keccak256(abi.encode(seed, jobKey))) % 10_000 < sampleRateBps;
    }
}
