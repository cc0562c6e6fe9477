// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGPUStaking} from "./IGPUStaking.sol";
import {IServiceRegistry} from "./IServiceRegistry.sol";

/// @title ServiceRegistry
/// @notice On-chain service endpoints of GPU providers. See {IServiceRegistry} for the rules.
contract ServiceRegistry is IServiceRegistry {
    /// @inheritdoc IServiceRegistry
    uint256 public constant MAX_URI_LENGTH = 256;

    /// @notice The staking contract (immutable).
    IGPUStaking private immutable _staking;

    mapping(address provider => string uri) private _uris;

    /// @param staking_ The `GPUStaking` whose registered providers may publish a URI.
    constructor(IGPUStaking staking_) {
        _staking = staking_;
    }

    /// @inheritdoc IServiceRegistry
    function staking() external view returns (address) {
        return address(_staking);
    }

    /// @inheritdoc IServiceRegistry
    function setServiceURI(string calldata uri) external {
        // A registered provider has a nonzero identity commitment (`register` rejects zero), for life.
        if (_staking.identityCommitmentOf(msg.sender) == 0) revert ServiceRegistryNotProvider(msg.sender);
        uint256 length = bytes(uri).length;
        if (length > MAX_URI_LENGTH) revert ServiceRegistryURITooLong(length, MAX_URI_LENGTH);
        _uris[msg.sender] = uri;
        emit ServiceURIUpdated(msg.sender, uri);
    }

    /// @inheritdoc IServiceRegistry
    function getServiceURI(address provider) external view returns (string memory) {
        return _uris[provider];
    }
}
