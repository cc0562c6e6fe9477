// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

import {IOpenClawTimelock} from "./IOpenClawTimelock.sol";

/**
 * @title OpenClawTimelock
 * @notice The OpenClaw DAO's treasury and executor: OpenZeppelin `TimelockController` with a bounded
 * minimum delay (2 days at deployment, within [1 day, 30 days]) and a shorter, bounded delay for
 * Emergency proposals (within [1 hour, 1 day]). See {IOpenClawTimelock}.
 * @dev Deployment gives PROPOSER, CANCELLER and EXECUTOR roles to the governor, CANCELLER (only) to the
 * security council Safe, and leaves the admin role with the timelock itself (the deployer's
 * temporary admin role is renounced).
 */
contract OpenClawTimelock is TimelockController, IOpenClawTimelock {
    /// @inheritdoc IOpenClawTimelock
    uint256 public constant MIN_DELAY = 1 days;
    /// @inheritdoc IOpenClawTimelock
    uint256 public constant MAX_DELAY = 30 days;
    /// @inheritdoc IOpenClawTimelock
    uint256 public constant MIN_EMERGENCY_DELAY = 1 hours;
    /// @inheritdoc IOpenClawTimelock
    uint256 public constant MAX_EMERGENCY_DELAY = 1 days;

    /// @inheritdoc IOpenClawTimelock
    uint256 public emergencyDelay;

    bool private transient _emergencyArmed;

    /**
     * @param minDelay standard minimum delay, seconds, within [MIN_DELAY, MAX_DELAY]
     * @param emergencyDelay_ emergency delay, seconds, within [MIN_EMERGENCY_DELAY, MAX_EMERGENCY_DELAY]
     * @param proposers accounts given PROPOSER and CANCELLER roles
     * @param executors accounts given EXECUTOR role (address(0) opens execution to anyone)
     * @param admin optional temporary admin (address(0) for none); should renounce after set-up
     * @dev Reverts with {TimelockDelayOutOfBounds}.
     */
    constructor(
        uint256 minDelay,
        uint256 emergencyDelay_,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {
        _checkBounds(minDelay, MIN_DELAY, MAX_DELAY);
        _checkBounds(emergencyDelay_, MIN_EMERGENCY_DELAY, MAX_EMERGENCY_DELAY);
        emergencyDelay = emergencyDelay_;
        emit EmergencyDelaySet(0, emergencyDelay_);
    }

    /// @inheritdoc IOpenClawTimelock
    function armEmergencyDelay(bool armed) external onlyRole(PROPOSER_ROLE) {
        _emergencyArmed = armed;
    }

    /// @inheritdoc IOpenClawTimelock
    function updateEmergencyDelay(uint256 newDelay) external {
        if (msg.sender != address(this)) revert TimelockUnauthorizedCaller(msg.sender);
        _checkBounds(newDelay, MIN_EMERGENCY_DELAY, MAX_EMERGENCY_DELAY);
        emit EmergencyDelaySet(emergencyDelay, newDelay);
        emergencyDelay = newDelay;
    }

    /**
     * @notice Sets the standard minimum delay (seconds) within [MIN_DELAY, MAX_DELAY].
     * @dev Only the timelock itself. Emits `MinDelayChange`. Reverts with `TimelockUnauthorizedCaller`
     * or {TimelockDelayOutOfBounds}.
     */
    function updateDelay(uint256 newDelay) public override {
        if (msg.sender != address(this)) revert TimelockUnauthorizedCaller(msg.sender);
        _checkBounds(newDelay, MIN_DELAY, MAX_DELAY);
        super.updateDelay(newDelay);
    }

    /// @notice The minimum delay (seconds): {emergencyDelay} while armed by the governor, else the standard one.
    function getMinDelay() public view override returns (uint256) {
        return _emergencyArmed ? emergencyDelay : super.getMinDelay();
    }

    function _checkBounds(uint256 delay, uint256 min, uint256 max) private pure {
        if (delay < min || delay > max) revert TimelockDelayOutOfBounds(delay, min, max);
    }
}
