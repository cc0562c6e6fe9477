// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IReputationRegistry} from "../reputation/IReputationRegistry.sol";
import {Tiers} from "../reputation/Tiers.sol";

/// @title IAgentIdentityRegistry
/// @notice ERC-8004 ("Trustless Agents") identity registry of AITBC agents: each agent is an ERC-721
/// token (`agentId`) whose URI points at its registration file, with on-chain metadata entries
/// (skills, endpoint) and one proven `agentWallet`. The read side of ERC-8004's reputation registry
/// is mapped onto the protocol's ReputationRegistry through `getSummary`: the trust score (0–1000),
/// tier and certification of the agent's proven wallet. See contracts/agents/README.md.
/// @dev Function and event names follow ERC-8004's identity registry. The `agentWallet` key is
/// reserved: it is set at registration to the registrant (if that wallet is not bound to another
/// agent yet), changed only by `setAgentWallet` with an EIP-712 signature of the new wallet, and
/// cleared when the token is transferred. A wallet is bound to at most one agent at a time, so one
/// wallet's reputation cannot be shown by two agents.
interface IAgentIdentityRegistry {
    /// @notice One metadata entry (ERC-8004 `MetadataEntry`).
    /// @param metadataKey The key, e.g. "skill:summarize".
    /// @param metadataValue The value bytes (skills: `abi.encode(uint256 priceWei, string endpoint, uint8 execution)`).
    struct MetadataEntry {
        string metadataKey;
        bytes metadataValue;
    }

    /// @notice An agent's reputation as read from the protocol's ReputationRegistry.
    /// @param wallet The agent's proven wallet (zero = none; then every other field is zero).
    /// @param trustScore Trust score of the wallet, 0–1000 (500 = neutral start).
    /// @param tier The tier of that score.
    /// @param certification Certification level of the wallet.
    /// @param certificationValid Whether that certification is unexpired.
    struct AgentSummary {
        address wallet;
        uint256 trustScore;
        Tiers.Tier tier;
        IReputationRegistry.Certification certification;
        bool certificationValid;
    }

    /// @notice An agent was registered (ERC-8004).
    /// @param agentId The new token id.
    /// @param agentURI Its registration file's URI.
    /// @param owner The registrant (the token's owner).
    event Registered(uint256 indexed agentId, string agentURI, address indexed owner);

    /// @notice A metadata entry was written (ERC-8004); `agentWallet` changes are reported here too.
    /// @param agentId The agent.
    /// @param indexedMetadataKey The key (indexed, hashed).
    /// @param metadataKey The key.
    /// @param metadataValue The new value (empty = deleted).
    event MetadataSet(
        uint256 indexed agentId,
        string indexed indexedMetadataKey,
        string metadataKey,
        bytes metadataValue
    );

    /// @notice An agent's URI changed (ERC-8004).
    /// @param agentId The agent.
    /// @param newURI Its new URI.
    /// @param updatedBy The owner or approved operator that changed it.
    event URIUpdated(uint256 indexed agentId, string newURI, address indexed updatedBy);

    /// @notice The caller is neither the agent's owner nor approved for it.
    error AgentNotAuthorized(uint256 agentId, address caller);
    /// @notice `agentWallet` may be written only through `setAgentWallet`.
    error AgentReservedMetadataKey(string metadataKey);
    /// @notice The wallet's signature is past its deadline (unix seconds).
    error AgentSignatureExpired(uint256 deadline, uint256 nowSeconds);
    /// @notice The signature is not the new wallet's over this agent, owner, nonce and deadline.
    error AgentInvalidWalletSignature(uint256 agentId, address wallet);
    /// @notice The wallet is already bound to another agent.
    error AgentWalletAlreadyBound(address wallet, uint256 boundAgentId);
    /// @notice The wallet is zero.
    error AgentZeroWallet();
    /// @notice No such agent.
    error AgentNonexistent(uint256 agentId);
    /// @notice The URI is longer than `MAX_URI_LENGTH` bytes.
    error AgentURITooLong(uint256 length, uint256 max);

    /// @notice Registers an agent owned by the caller (ERC-8004 `register`).
    /// @param agentURI Registration file URI (≤ `MAX_URI_LENGTH` bytes).
    /// @param metadata Entries to write (none may be `agentWallet`).
    /// @return agentId The new agent's id (ids start at 1).
    /// @dev Emits `Registered`, one `MetadataSet` per entry and one for `agentWallet` if the caller's
    /// wallet was free. Reverts with `AgentReservedMetadataKey`, `AgentURITooLong`.
    function register(string calldata agentURI, MetadataEntry[] calldata metadata) external returns (uint256 agentId);

    /// @notice Changes an agent's URI. Emits `URIUpdated`. Reverts with `AgentNotAuthorized`, `AgentURITooLong`.
    /// @param agentId The agent.
    /// @param newURI The new URI.
    function setAgentURI(uint256 agentId, string calldata newURI) external;

    /// @notice Writes one metadata entry (empty value deletes it). Emits `MetadataSet`.
    /// Reverts with `AgentNotAuthorized`, `AgentReservedMetadataKey`.
    /// @param agentId The agent.
    /// @param metadataKey The key.
    /// @param metadataValue The value.
    function setMetadata(uint256 agentId, string calldata metadataKey, bytes calldata metadataValue) external;

    /// @notice Reads one metadata entry (`agentWallet` returns `abi.encodePacked(wallet)`, 20 bytes, or empty).
    /// @param agentId The agent.
    /// @param metadataKey The key.
    /// @return The value (empty if unset).
    function getMetadata(uint256 agentId, string calldata metadataKey) external view returns (bytes memory);

    /// @notice Binds a wallet the caller's agent proves it controls: an EIP-712 `AgentWalletSet` signature
    /// (EOA or ERC-1271) by `newWallet`. Emits `MetadataSet("agentWallet")`. Reverts with
    /// `AgentNotAuthorized`, `AgentZeroWallet`, `AgentSignatureExpired`, `AgentInvalidWalletSignature`,
    /// `AgentWalletAlreadyBound`.
    /// @param agentId The agent.
    /// @param newWallet The wallet.
    /// @param deadline Unix seconds after which the signature is refused.
    /// @param signature The wallet's signature over (agentId, newWallet, owner, nonce, deadline).
    function setAgentWallet(uint256 agentId, address newWallet, uint256 deadline, bytes calldata signature) external;

    /// @notice Unbinds the agent's wallet (owner only). Emits `MetadataSet("agentWallet", "")`.
    /// @param agentId The agent.
    function unsetAgentWallet(uint256 agentId) external;

    /// @notice The agent's proven wallet (zero if none).
    /// @param agentId The agent.
    /// @return The wallet.
    function getAgentWallet(uint256 agentId) external view returns (address);

    /// @notice The agent bound to a wallet (0 if none).
    /// @param wallet The wallet.
    /// @return The agent id.
    function agentIdOfWallet(address wallet) external view returns (uint256);

    /// @notice The next signature nonce of a wallet (for `setAgentWallet`).
    /// @param wallet The wallet.
    /// @return The nonce.
    function walletNonce(address wallet) external view returns (uint256);

    /// @notice The reputation of the agent's proven wallet (ERC-8004's reputation read side).
    /// Reverts with `AgentNonexistent`.
    /// @param agentId The agent.
    /// @return summary Wallet, trust score, tier and certification.
    function getSummary(uint256 agentId) external view returns (AgentSummary memory summary);

    /// @notice The number of agents registered so far (the highest id).
    /// @return The count.
    function totalAgents() external view returns (uint256);
}
