// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/**
 * @title ERC1271WalletMock
 * @notice TEST ONLY. A minimal smart-contract (agent) wallet: one owner key, ERC-1271 signatures
 * (a digest is valid when the owner signed it), and arbitrary calls by the owner.
 */
contract ERC1271WalletMock is IERC1271 {
    /// @notice The key that controls the wallet.
    address public immutable owner;

    /// @notice Only the owner may call this function.
    error WalletUnauthorized(address caller);

    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice Owner: calls `target` with `data` (e.g. `token.delegate(...)`, `token.approve(...)`).
    function execute(address target, bytes calldata data) external returns (bytes memory) {
        if (msg.sender != owner) revert WalletUnauthorized(msg.sender);
        return Address.functionCall(target, data);
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError error, ) = ECDSA.tryRecover(hash, signature);
        if (error == ECDSA.RecoverError.NoError && recovered == owner) return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }
}
