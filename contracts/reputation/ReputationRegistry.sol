// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {IReputationRegistry} from "./IReputationRegistry.sol";
import {Tiers} from "./Tiers.sol";

/// @title ReputationRegistry
/// @notice Trust scores 0–1000 and certifications of AITBC market agents. See {IReputationRegistry}.
/// @dev All five components of an agent live in one storage slot (`int16[5]`).
contract ReputationRegistry is IReputationRegistry, AccessControl {
    /// @inheritdoc IReputationRegistry
    uint256 public constant BASE_SCORE = 500;
    /// @inheritdoc IReputationRegistry
    uint256 public constant CERTIFICATION_VALIDITY = 365 days;
    /// @inheritdoc IReputationRegistry
    bytes32 public constant ESCROW_ROLE = keccak256("ESCROW_ROLE");
    /// @inheritdoc IReputationRegistry
    bytes32 public constant ORACLE_ROLE = keccak256("ORACLE_ROLE");
    /// @inheritdoc IReputationRegistry
    bytes32 public constant CERTIFIER_ROLE = keccak256("CERTIFIER_ROLE");

    uint256 private constant MAX_SCORE = 1000;

    struct StoredCertification {
        Certification level;
        uint64 expiresAt;
    }

    mapping(address agent => int16[5] values) private _components;
    mapping(address agent => StoredCertification) private _certifications;

    /// @param admin Holder of `DEFAULT_ADMIN_ROLE` (governance: writes community, grants the other
    /// roles). A deployment passes a temporary deployer, wires the roles and hands admin to the timelock.
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IReputationRegistry
    function componentBound(Component component) public pure returns (int256) {
        if (component == Component.Performance) return 200;
        if (component == Component.Transactions) return 150;
        if (component == Component.Community) return 100;
        return 50; // Reliability, Disputes
    }

    /// @inheritdoc IReputationRegistry
    function adjustComponent(address agent, Component component, int256 delta) external returns (int256 newValue) {
        _checkWriter(component);
        int256 bound = componentBound(component);
        int256 current = _components[agent][uint8(component)];
        // Clamp the delta first so that `current + delta` cannot overflow for any input.
        if (delta > 2 * bound) delta = 2 * bound;
        if (delta < -2 * bound) delta = -2 * bound;
        newValue = current + delta;
        if (newValue > bound) newValue = bound;
        if (newValue < -bound) newValue = -bound;
        _write(agent, component, current, newValue);
    }

    /// @inheritdoc IReputationRegistry
    function setComponent(address agent, Component component, int256 value) external {
        _checkWriter(component);
        int256 bound = componentBound(component);
        if (value > bound || value < -bound) revert ReputationValueOutOfRange(component, value, bound);
        _write(agent, component, _components[agent][uint8(component)], value);
    }

    /// @inheritdoc IReputationRegistry
    function componentsOf(address agent) external view returns (int256[5] memory values) {
        int16[5] storage stored = _components[agent];
        for (uint256 i = 0; i < 5; ++i) values[i] = stored[i];
    }

    /// @inheritdoc IReputationRegistry
    function trustScore(address agent) public view returns (uint256) {
        int16[5] storage stored = _components[agent];
        int256 score =
            int256(BASE_SCORE) +
                int256(stored[0]) +
                int256(stored[1]) +
                int256(stored[2]) +
                int256(stored[3]) +
                int256(stored[4]);
        if (score < 0) return 0;
        if (score > int256(MAX_SCORE)) return MAX_SCORE;
        return uint256(score);
    }

    /// @inheritdoc IReputationRegistry
    function tierOf(address agent) external view returns (Tiers.Tier) {
        return Tiers.tierOf(trustScore(agent));
    }

    /// @inheritdoc IReputationRegistry
    function certify(address agent, Certification level) external onlyRole(CERTIFIER_ROLE) {
        if (agent == address(0)) revert ReputationZeroAgent();
        if (level == Certification.None) revert ReputationInvalidCertification();
        uint64 expiresAt = uint64(block.timestamp + CERTIFICATION_VALIDITY);
        _certifications[agent] = StoredCertification(level, expiresAt);
        emit CertificationIssued(agent, level, expiresAt);
    }

    /// @inheritdoc IReputationRegistry
    function revokeCertification(address agent) external onlyRole(CERTIFIER_ROLE) {
        Certification level = _certifications[agent].level;
        if (level == Certification.None) revert ReputationNotCertified(agent);
        delete _certifications[agent];
        emit CertificationRevoked(agent, level);
    }

    /// @inheritdoc IReputationRegistry
    function certificationOf(address agent) external view returns (Certification level, uint256 expiresAt, bool valid) {
        StoredCertification memory c = _certifications[agent];
        return (c.level, c.expiresAt, c.level != Certification.None && block.timestamp < c.expiresAt);
    }

    function _checkWriter(Component component) private view {
        bytes32 role;
        if (component == Component.Performance) role = ORACLE_ROLE;
        else if (component == Component.Community) role = DEFAULT_ADMIN_ROLE;
        else role = ESCROW_ROLE;
        if (!hasRole(role, msg.sender)) revert ReputationUnauthorizedWriter(msg.sender, component);
    }

    function _write(address agent, Component component, int256 oldValue, int256 newValue) private {
        if (agent == address(0)) revert ReputationZeroAgent();
        // Range-checked by the callers: |newValue| <= 200 fits int16.
        _components[agent][uint8(component)] = int16(newValue);
        emit ComponentChanged(agent, component, oldValue, newValue, trustScore(agent), msg.sender);
    }
}
