// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Tiers} from "./Tiers.sol";

/// @title IReputationRegistry
/// @notice Trust scores (0–1000) of AITBC market agents and their certifications.
/// @dev score = clamp(500 + performance + transactions + community + reliability + disputes, 0, 1000),
/// where each component is clamped to its own range: performance ±200, transactions ±150,
/// community ±100, reliability ±50, disputes ±50 (the sum of the ranges is ±550, so the total is
/// clamped as well and can never leave 0–1000). Each component is written only by the role that
/// owns it: `ESCROW_ROLE` (transactions, reliability, disputes), `ORACLE_ROLE` (performance:
/// latency, availability), `DEFAULT_ADMIN_ROLE` = governance, the timelock (community).
/// Certifications are issued by `CERTIFIER_ROLE` and expire after 365 days.
interface IReputationRegistry {
    /// @notice The five score components.
    enum Component {
        Performance,
        Transactions,
        Community,
        Reliability,
        Disputes
    }

    /// @notice Certification levels, lowest to highest (`None` = no certification).
    enum Certification {
        None,
        Basic,
        Intermediate,
        Advanced,
        Enterprise
    }

    /// @notice A component moved.
    /// @param agent The agent.
    /// @param component The component.
    /// @param oldValue Its previous value.
    /// @param newValue Its new value (within its range).
    /// @param newScore The agent's trust score afterwards (0–1000).
    /// @param by The account that wrote it.
    event ComponentChanged(
        address indexed agent,
        Component indexed component,
        int256 oldValue,
        int256 newValue,
        uint256 newScore,
        address by
    );

    /// @notice A certification was issued (replacing any earlier one).
    /// @param agent The agent.
    /// @param level The level.
    /// @param expiresAt Expiry, unix seconds (issue time + 365 days).
    event CertificationIssued(address indexed agent, Certification level, uint256 expiresAt);

    /// @notice A certification was revoked before its expiry.
    /// @param agent The agent.
    /// @param level The revoked level.
    event CertificationRevoked(address indexed agent, Certification level);

    /// @notice The caller does not hold the role that owns `component`.
    /// @param caller The caller.
    /// @param component The component.
    error ReputationUnauthorizedWriter(address caller, Component component);
    /// @notice An absolute component value is outside the component's range.
    /// @param component The component.
    /// @param value The rejected value.
    /// @param bound The range is [-bound, +bound].
    error ReputationValueOutOfRange(Component component, int256 value, int256 bound);
    /// @notice The agent is the zero address.
    error ReputationZeroAgent();
    /// @notice `None` is not a level that can be issued.
    error ReputationInvalidCertification();
    /// @notice The agent holds no certification to revoke.
    /// @param agent The agent.
    error ReputationNotCertified(address agent);

    /// @notice Base score before components: 500.
    function BASE_SCORE() external view returns (uint256);

    /// @notice Validity of a certification, seconds (365 days).
    function CERTIFICATION_VALIDITY() external view returns (uint256);

    /// @notice Role that writes transactions, reliability and disputes (the JobEscrow).
    function ESCROW_ROLE() external view returns (bytes32);

    /// @notice Role that writes performance (a metrics oracle).
    function ORACLE_ROLE() external view returns (bytes32);

    /// @notice Role that issues and revokes certifications.
    function CERTIFIER_ROLE() external view returns (bytes32);

    /// @notice The range bound of a component: values lie in [-bound, +bound].
    /// @param component The component.
    /// @return The bound (200, 150, 100, 50 or 50).
    function componentBound(Component component) external pure returns (int256);

    /// @notice Adds `delta` to a component, clamped to its range. Writer: the owning role.
    /// @param agent The agent.
    /// @param component The component.
    /// @param delta The change (any sign; the result is clamped, never reverts for size).
    /// @return newValue The component afterwards.
    /// Emits `ComponentChanged`. Reverts with `ReputationUnauthorizedWriter`, `ReputationZeroAgent`.
    function adjustComponent(address agent, Component component, int256 delta) external returns (int256 newValue);

    /// @notice Sets a component to an absolute value (e.g. the oracle's latency/availability
    /// metric mapped to ±200). Writer: the owning role.
    /// @param agent The agent.
    /// @param component The component.
    /// @param value The new value, within [-bound, +bound].
    /// Emits `ComponentChanged`. Reverts with `ReputationUnauthorizedWriter`, `ReputationZeroAgent`,
    /// `ReputationValueOutOfRange`.
    function setComponent(address agent, Component component, int256 value) external;

    /// @notice The five components of an agent.
    /// @param agent The agent.
    /// @return values Indexed by `Component`.
    function componentsOf(address agent) external view returns (int256[5] memory values);

    /// @notice The trust score, 0–1000 (500 for an unknown agent).
    /// @param agent The agent.
    /// @return The score.
    function trustScore(address agent) external view returns (uint256);

    /// @notice The tier of the agent's current score.
    /// @param agent The agent.
    /// @return The tier.
    function tierOf(address agent) external view returns (Tiers.Tier);

    /// @notice Issues (or renews, or changes) an agent's certification for 365 days. Role: certifier.
    /// @param agent The agent.
    /// @param level The level (not `None`).
    /// Emits `CertificationIssued`. Reverts with `ReputationZeroAgent`, `ReputationInvalidCertification`.
    function certify(address agent, Certification level) external;

    /// @notice Revokes an agent's certification. Role: certifier.
    /// @param agent The agent.
    /// Emits `CertificationRevoked`. Reverts with `ReputationNotCertified`.
    function revokeCertification(address agent) external;

    /// @notice The agent's certification as stored.
    /// @param agent The agent.
    /// @return level The level (`None` if never certified or revoked).
    /// @return expiresAt Expiry, unix seconds.
    /// @return valid Whether it is set and not expired.
    function certificationOf(address agent) external view returns (Certification level, uint256 expiresAt, bool valid);
}
