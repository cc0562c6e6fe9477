// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IServiceRegistry
/// @notice Where each GPU provider serves its API: a provider registered in `GPUStaking` publishes
/// one service URI (e.g. `https://miner.example.org:8080`), as Livepeer orchestrators publish theirs.
/// Gateways and coordinators find providers from `ServiceURIUpdated` events (or `getServiceURI`) and
/// talk to them directly; there is no relay.
/// @dev No admin and no upgrade: the staking contract is fixed at construction. Only registration
/// is checked, at the time of the call. `GPUStaking` has no way to unregister, so a provider stays
/// registered for its lifetime; a provider that has unbonded and withdrawn its whole stake keeps the
/// URI it published (and may still change or clear it). Consumers therefore rank providers on their
/// stake and trust score (read from the chain), never on the presence of a URI alone.
interface IServiceRegistry {
    /// @notice `provider` set its service URI to `uri` (empty: cleared).
    event ServiceURIUpdated(address indexed provider, string uri);

    /// @notice The caller is not a provider registered in `GPUStaking`.
    error ServiceRegistryNotProvider(address account);
    /// @notice The URI is longer than `max` bytes.
    error ServiceRegistryURITooLong(uint256 length, uint256 max);

    /// @notice Largest URI accepted, bytes (256).
    function MAX_URI_LENGTH() external view returns (uint256);

    /// @notice The staking contract whose registered providers may publish a URI.
    function staking() external view returns (address);

    /// @notice Sets the caller's service URI; the empty string clears it.
    /// @param uri 0..256 bytes (UTF-8); not otherwise validated on-chain: clients parse it and must
    /// treat it as untrusted input (the provider's signed offers authenticate what it serves).
    /// Emits `ServiceURIUpdated(msg.sender, uri)`. Reverts with `ServiceRegistryNotProvider(caller)`
    /// if the caller is not registered in `GPUStaking`, `ServiceRegistryURITooLong(length, 256)`.
    function setServiceURI(string calldata uri) external;

    /// @notice The URI `provider` published last ("" if none or cleared).
    function getServiceURI(address provider) external view returns (string memory);
}
