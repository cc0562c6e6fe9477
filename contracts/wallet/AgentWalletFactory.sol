// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IEntryPoint} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

import {AgentWallet} from "./AgentWallet.sol";
import {IAgentWallet} from "./IAgentWallet.sol";

/**
 * @title AgentWalletFactory
 * @notice Creates {AgentWallet}s as ERC-1167 clones at CREATE2 addresses determined by
 * (owner, agent key, role, salt), so an address can be funded and used as a UserOperation `sender` (with
 * `initCode` = this factory ++ `createAccount` calldata) before it exists. `createAccount` is idempotent, like the
 * reference `SimpleAccountFactory`, and open to anyone: the address fixes the wallet's initial configuration.
 */
contract AgentWalletFactory {
    /// @notice The implementation every wallet delegates to (its EntryPoint is fixed at construction).
    AgentWallet public immutable implementation;

    /// @notice Emitted when a wallet is created.
    event AgentWalletCreated(
        address indexed wallet,
        address indexed owner,
        address indexed agentKey,
        IAgentWallet.AgentRole role,
        uint256 salt
    );

    /// @param entryPoint_ the ERC-4337 EntryPoint (v0.8) the wallets trust
    constructor(IEntryPoint entryPoint_) {
        implementation = new AgentWallet(entryPoint_);
    }

    /**
     * @notice Creates the wallet of (owner, agentKey, role, salt), or returns it if it already exists.
     * @dev Emits {AgentWalletCreated} on creation. Reverts with `AgentWalletInvalidKey` for a zero owner or an
     * agent key equal to the owner.
     * @return wallet the wallet's address
     */
    function createAccount(
        address owner,
        address agentKey,
        IAgentWallet.AgentRole role,
        uint256 salt
    ) external returns (AgentWallet wallet) {
        bytes32 combined = _salt(owner, agentKey, role, salt);
        address predicted = Clones.predictDeterministicAddress(address(implementation), combined);
        if (predicted.code.length != 0) return AgentWallet(payable(predicted));
        wallet = AgentWallet(payable(Clones.cloneDeterministic(address(implementation), combined)));
        wallet.initialize(owner, agentKey, role);
        emit AgentWalletCreated(address(wallet), owner, agentKey, role, salt);
    }

    /// @notice The address {createAccount} gives (owner, agentKey, role, salt), whether created yet or not.
    function getAddress(
        address owner,
        address agentKey,
        IAgentWallet.AgentRole role,
        uint256 salt
    ) external view returns (address) {
        return Clones.predictDeterministicAddress(address(implementation), _salt(owner, agentKey, role, salt));
    }

    function _salt(
        address owner,
        address agentKey,
        IAgentWallet.AgentRole role,
        uint256 salt
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(owner, agentKey, role, salt));
    }
}
