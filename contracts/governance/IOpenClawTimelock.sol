// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IOpenClawTimelock
 * @notice What the OpenClaw DAO's timelock adds to OpenZeppelin's `TimelockController`: bounds on
 * its minimum delay, and a shorter delay for Emergency proposals that only a proposer (the governor)
 * can arm for the operations it schedules in the same call. Delays are in seconds.
 */
interface IOpenClawTimelock {
    /// @notice A delay is outside `[min, max]` (seconds).
    error TimelockDelayOutOfBounds(uint256 delay, uint256 min, uint256 max);

    /// @notice Emitted when the emergency delay changed (seconds).
    event EmergencyDelaySet(uint256 oldDelay, uint256 newDelay);

    /**
     * @notice Proposer (the governor): while armed, `getMinDelay()` returns {emergencyDelay}, so the
     * next `scheduleBatch` in the same transaction may use the shorter delay. The flag lives in
     * transient storage (EIP-1153): it never outlives the transaction.
     * @dev Only PROPOSER_ROLE. Reverts with OpenZeppelin's `AccessControlUnauthorizedAccount`.
     */
    function armEmergencyDelay(bool armed) external;

    /**
     * @notice Governance: sets the emergency delay.
     * @dev Only the timelock itself (a scheduled operation). Bounds [MIN_EMERGENCY_DELAY,
     * MAX_EMERGENCY_DELAY]. Emits {EmergencyDelaySet}. Reverts with `TimelockUnauthorizedCaller`
     * or {TimelockDelayOutOfBounds}.
     */
    function updateEmergencyDelay(uint256 newDelay) external;

    /// @notice Minimum delay of Emergency operations (seconds).
    function emergencyDelay() external view returns (uint256);

    /// @notice Bounds of the standard minimum delay: 1 day.
    function MIN_DELAY() external view returns (uint256);

    /// @notice Bounds of the standard minimum delay: 30 days.
    function MAX_DELAY() external view returns (uint256);

    /// @notice Bounds of the emergency delay: 1 hour.
    function MIN_EMERGENCY_DELAY() external view returns (uint256);

    /// @notice Bounds of the emergency delay: 1 day.
    function MAX_EMERGENCY_DELAY() external view returns (uint256);
}
