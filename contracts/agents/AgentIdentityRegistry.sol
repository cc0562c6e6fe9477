// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IReputationRegistry} from "../reputation/IReputationRegistry.sol";
import {IAgentIdentityRegistry} from "./IAgentIdentityRegistry.sol";

/// @title AgentIdentityRegistry
/// @notice ERC-8004 identity registry of AITBC agents (ERC-721 + metadata + proven agent wallet),
/// with the protocol's ReputationRegistry as its reputation read side. See IAgentIdentityRegistry.
contract AgentIdentityRegistry is IAgentIdentityRegistry, ERC721, EIP712 {
    /// @notice The reserved metadata key of the agent's wallet.
    string public constant AGENT_WALLET_KEY = "agentWallet";
    /// @notice Longest accepted agent URI, in bytes.
    uint256 public constant MAX_URI_LENGTH = 512;
    /// @notice EIP-712 type hash of the wallet's consent.
    bytes32 public constant AGENT_WALLET_TYPEHASH = keccak256(
        "AgentWalletSet(uint256 agentId,address newWallet,address owner,uint256 nonce,uint256 deadline)"
    );

    bytes32 private constant AGENT_WALLET_KEY_HASH = keccak256(bytes(AGENT_WALLET_KEY));

    /// @notice The protocol's reputation registry (trust score per wallet).
    IReputationRegistry public immutable reputation;

    uint256 private _lastId;
    mapping(uint256 agentId => string uri) private _uris;
    mapping(uint256 agentId => mapping(bytes32 keyHash => bytes value)) private _metadata;
    mapping(uint256 agentId => address wallet) private _wallets;
    mapping(address wallet => uint256 agentId) private _walletAgent;
    mapping(address wallet => uint256 nonce) private _nonces;

    /// @param reputation_ The ReputationRegistry read by `getSummary`.
    constructor(IReputationRegistry reputation_) ERC721("AITBC Agent", "AGENT") EIP712("AgentIdentityRegistry", "1") {
        reputation = reputation_;
    }

    /// @inheritdoc IAgentIdentityRegistry
    function register(string calldata agentURI, MetadataEntry[] calldata metadata) external returns (uint256 agentId) {
        _checkURI(agentURI);
        agentId = ++_lastId;
        _uris[agentId] = agentURI;
        for (uint256 i = 0; i < metadata.length; ++i) {
            _writeMetadata(agentId, metadata[i].metadataKey, metadata[i].metadataValue);
        }
        _mint(msg.sender, agentId);
        emit Registered(agentId, agentURI, msg.sender);
        if (_walletAgent[msg.sender] == 0) _bindWallet(agentId, msg.sender);
    }

    /// @inheritdoc IAgentIdentityRegistry
    function setAgentURI(uint256 agentId, string calldata newURI) external {
        _checkAuthorizedCaller(agentId);
        _checkURI(newURI);
        _uris[agentId] = newURI;
        emit URIUpdated(agentId, newURI, msg.sender);
    }

    /// @inheritdoc IAgentIdentityRegistry
    function setMetadata(uint256 agentId, string calldata metadataKey, bytes calldata metadataValue) external {
        _checkAuthorizedCaller(agentId);
        _writeMetadata(agentId, metadataKey, metadataValue);
    }

    /// @inheritdoc IAgentIdentityRegistry
    function getMetadata(uint256 agentId, string calldata metadataKey) external view returns (bytes memory) {
        bytes32 keyHash = keccak256(bytes(metadataKey));
        if (keyHash == AGENT_WALLET_KEY_HASH) {
            address wallet = _wallets[agentId];
            return wallet == address(0) ? bytes("") : abi.encodePacked(wallet);
        }
        return _metadata[agentId][keyHash];
    }

    /// @inheritdoc IAgentIdentityRegistry
    function setAgentWallet(uint256 agentId, address newWallet, uint256 deadline, bytes calldata signature) external {
        address owner = _checkAuthorizedCaller(agentId);
        if (newWallet == address(0)) revert AgentZeroWallet();
        // solhint-disable-next-line gas-strict-inequalities
        if (block.timestamp > deadline) revert AgentSignatureExpired(deadline, block.timestamp);
        uint256 nonce = _nonces[newWallet];
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(AGENT_WALLET_TYPEHASH, agentId, newWallet, owner, nonce, deadline))
        );
        if (!SignatureChecker.isValidSignatureNow(newWallet, digest, signature)) {
            revert AgentInvalidWalletSignature(agentId, newWallet);
        }
        uint256 bound = _walletAgent[newWallet];
        if (bound != 0 && bound != agentId) revert AgentWalletAlreadyBound(newWallet, bound);
        _nonces[newWallet] = nonce + 1;
        _clearWallet(agentId);
        _bindWallet(agentId, newWallet);
    }

    /// @inheritdoc IAgentIdentityRegistry
    function unsetAgentWallet(uint256 agentId) external {
        _checkAuthorizedCaller(agentId);
        _clearWallet(agentId);
    }

    /// @inheritdoc IAgentIdentityRegistry
    function getAgentWallet(uint256 agentId) external view returns (address) {
        return _wallets[agentId];
    }

    /// @inheritdoc IAgentIdentityRegistry
    function agentIdOfWallet(address wallet) external view returns (uint256) {
        return _walletAgent[wallet];
    }

    /// @inheritdoc IAgentIdentityRegistry
    function walletNonce(address wallet) external view returns (uint256) {
        return _nonces[wallet];
    }

    /// @inheritdoc IAgentIdentityRegistry
    function getSummary(uint256 agentId) external view returns (AgentSummary memory summary) {
        if (_ownerOf(agentId) == address(0)) revert AgentNonexistent(agentId);
        address wallet = _wallets[agentId];
        if (wallet == address(0)) return summary;
        summary.wallet = wallet;
        summary.trustScore = reputation.trustScore(wallet);
        summary.tier = reputation.tierOf(wallet);
        (summary.certification, , summary.certificationValid) = reputation.certificationOf(wallet);
    }

    /// @inheritdoc IAgentIdentityRegistry
    function totalAgents() external view returns (uint256) {
        return _lastId;
    }

    /// @notice The agent's registration file URI (ERC-721 metadata).
    /// @param agentId The agent.
    /// @return The URI. Reverts with OpenZeppelin's `ERC721NonexistentToken` for an unknown id.
    function tokenURI(uint256 agentId) public view override returns (string memory) {
        _requireOwned(agentId);
        return _uris[agentId];
    }

    /// @dev A transfer clears the agent wallet (ERC-8004): the new owner must prove its own.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        if (from != address(0)) _clearWallet(tokenId);
    }

    function _checkAuthorizedCaller(uint256 agentId) private view returns (address owner) {
        owner = _ownerOf(agentId);
        if (owner == address(0)) revert AgentNonexistent(agentId);
        if (!_isAuthorized(owner, msg.sender, agentId)) revert AgentNotAuthorized(agentId, msg.sender);
    }

    function _checkURI(string calldata uri) private pure {
        if (bytes(uri).length > MAX_URI_LENGTH) revert AgentURITooLong(bytes(uri).length, MAX_URI_LENGTH);
    }

    function _writeMetadata(uint256 agentId, string calldata key, bytes calldata value) private {
        if (keccak256(bytes(key)) == AGENT_WALLET_KEY_HASH) revert AgentReservedMetadataKey(key);
        _metadata[agentId][keccak256(bytes(key))] = value;
        emit MetadataSet(agentId, key, key, value);
    }

    function _bindWallet(uint256 agentId, address wallet) private {
        _wallets[agentId] = wallet;
        _walletAgent[wallet] = agentId;
        emit MetadataSet(agentId, AGENT_WALLET_KEY, AGENT_WALLET_KEY, abi.encodePacked(wallet));
    }

    function _clearWallet(uint256 agentId) private {
        address wallet = _wallets[agentId];
        if (wallet == address(0)) return;
        delete _wallets[agentId];
        delete _walletAgent[wallet];
        emit MetadataSet(agentId, AGENT_WALLET_KEY, AGENT_WALLET_KEY, "");
    }
}
