// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IERC3009
 * @notice EIP-3009 "Transfer With Authorization": the holder signs an EIP-712 authorization off-chain and anyone
 * (an x402 facilitator) submits it, so the payer pays no gas. Nonces are random 32-byte values, not sequential, so
 * many authorizations can be outstanding at once. `validAfter` and `validBefore` are unix seconds (exclusive
 * bounds). Signatures are checked with OpenZeppelin `SignatureChecker`: ECDSA for accounts without code, ERC-1271
 * for contracts (smart wallets); the `bytes signature` overloads (as in USDC v2.2) carry any length, the
 * `(v, r, s)` forms 65-byte ECDSA.
 * @dev Contract payers that answer ERC-165 for {IERC3009Payer} are called back
 * ({IERC3009Payer-onTransferWithAuthorization}) after their signature was checked and before any balance
 * moves, so a smart wallet can charge and bound what such transfers take (the AgentWallet's spending limits).
 * Source: EIP-3009; x402 "exact" scheme on EVM. Implemented by the AITBC token ({ERC3009}).
 */
interface IERC3009 {
    /// @notice Emitted when the authorization `nonce` of `authorizer` is used (by a transfer or receive).
    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);
    /// @notice Emitted when the authorization `nonce` of `authorizer` is cancelled before use.
    event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce);

    /// @notice The authorization is not valid yet: `validAfter` (unix seconds) is not before `timestamp`.
    error TokenAuthorizationNotYetValid(uint256 validAfter, uint256 timestamp);
    /// @notice The authorization expired: `validBefore` (unix seconds) is not after `timestamp`.
    error TokenAuthorizationExpired(uint256 validBefore, uint256 timestamp);
    /// @notice The authorization `nonce` of `authorizer` was already used or cancelled.
    error TokenAuthorizationUsed(address authorizer, bytes32 nonce);
    /// @notice The signature is not `authorizer`'s (ECDSA, or ERC-1271 for a contract).
    error TokenAuthorizationInvalidSignature(address authorizer);
    /// @notice {receiveWithAuthorization} was called by `caller`, not by the payee `to`.
    error TokenAuthorizationCallerNotPayee(address caller, address to);

    /// @notice Whether the authorization `nonce` of `authorizer` was used or cancelled.
    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool);

    /// @notice EIP-712 typehash of `TransferWithAuthorization(address from,address to,uint256 value,
    /// uint256 validAfter,uint256 validBefore,bytes32 nonce)` (one line, no spaces after commas).
    function TRANSFER_WITH_AUTHORIZATION_TYPEHASH() external view returns (bytes32);

    /// @notice EIP-712 typehash of `ReceiveWithAuthorization(address from,address to,uint256 value,
    /// uint256 validAfter,uint256 validBefore,bytes32 nonce)` (one line, no spaces after commas).
    function RECEIVE_WITH_AUTHORIZATION_TYPEHASH() external view returns (bytes32);

    /// @notice EIP-712 typehash of `CancelAuthorization(address authorizer,bytes32 nonce)`.
    function CANCEL_AUTHORIZATION_TYPEHASH() external view returns (bytes32);

    /**
     * @notice Transfers `value` (wei of the token) from `from` to `to` on `from`'s signed authorization;
     * callable by anyone.
     * @dev Reverts with {TokenAuthorizationNotYetValid}, {TokenAuthorizationExpired}, {TokenAuthorizationUsed},
     * {TokenAuthorizationInvalidSignature}, an ERC-20 error (balance), or the payer hook's revert data.
     * Emits {AuthorizationUsed} and `Transfer`.
     */
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external;

    /// @notice {transferWithAuthorization} with a 65-byte ECDSA signature split into `v`, `r`, `s`.
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /**
     * @notice As {transferWithAuthorization} over the `ReceiveWithAuthorization` type, and only the payee `to` may
     * submit it (no front-running of a deposit contract's call). Reverts also with {TokenAuthorizationCallerNotPayee}.
     */
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external;

    /// @notice {receiveWithAuthorization} with a 65-byte ECDSA signature split into `v`, `r`, `s`.
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /// @notice Cancels the unused authorization `nonce` of `authorizer` on its signature. Reverts with
    /// {TokenAuthorizationUsed}, {TokenAuthorizationInvalidSignature}. Emits {AuthorizationCanceled}.
    function cancelAuthorization(address authorizer, bytes32 nonce, bytes calldata signature) external;

    /// @notice {cancelAuthorization} with a 65-byte ECDSA signature split into `v`, `r`, `s`.
    function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s) external;
}

/**
 * @title IERC3009Payer
 * @notice Implemented by a contract account that wants to see, and may refuse, every EIP-3009 transfer from it: an
 * {IERC3009} token calls it on the payer (if the payer answers ERC-165 for this interface) after the payer's
 * signature was verified and the nonce consumed, and before the balance moves. A revert refuses the transfer.
 */
interface IERC3009Payer {
    /**
     * @notice Called by the token (`msg.sender`) for a transfer of `value` (wei of the token) from this account to
     * `to` under authorization `nonce`, with the exact `signature` the token verified by ERC-1271.
     * @dev For an AgentWallet: an agent-key signature charges the agent's spending limit of the token (reverting
     * with `AgentWalletSpendingLimitExceeded` above it); an owner signature is never limited.
     */
    function onTransferWithAuthorization(address to, uint256 value, bytes32 nonce, bytes calldata signature) external;
}
