// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IAgentWallet
 * @notice An ERC-4337 smart account (EntryPoint v0.8) that an AI agent uses to hold funds, pay for jobs
 * and vote, bounded by its owner.
 *
 * Keys and what they may do (the authority model; see contracts/wallet/README.md):
 * - the **owner** (an EOA, or a contract that signs by ERC-1271) may do anything, is never limited
 *   and never blocked by a freeze;
 * - the **agent key** (the agent's own EOA signing key) may use only {execute}, {executeBatch},
 *   {delegateVotes}, {castVote} and {payInto} (directly, or by UserOperation through `executeUserOp`), to call
 *   any contract except the wallet itself and the EntryPoint, within the per-token per-period spending limits,
 *   unless the agent is frozen; every other wallet function (all owner functions) and the wallet's EntryPoint
 *   deposit and stake are out of its reach by any route;
 * - a **session key** has the agent key's reach, further restricted to the (target, selector) pairs it was
 *   granted, until its expiry, within its own per-token caps as well as the wallet's limits; the owner revokes
 *   it at once.
 * A UserOperation's actor is decided once, in validation, from its signer and from the wallet function it will
 * run; execution uses that decision (never a signer read again from nested calldata).
 *
 * Spending counted against the limits (the same accounting for direct calls, batches and
 * UserOperations): native ether `value` (token `address(0)`), and ERC-20 calls that move or expose the
 * wallet's tokens: `transfer`, `approve`, `increaseAllowance`, `transferFrom` with `from` = the wallet,
 * and their ERC-1363 `...AndCall` forms. A token without a configured limit cannot be spent by agent
 * or session keys at all (default deny).
 *
 * Signatures (UserOperations and ERC-1271) are `abi.encodePacked(signer, signatureBySigner)`: the first
 * 20 bytes name the key that signed, the rest is its signature (65-byte ECDSA for the agent and session
 * keys; for the owner anything `SignatureChecker` accepts, i.e. ECDSA or the owner contract's ERC-1271).
 * UserOperations are signed over the EntryPoint's `getUserOpHash` (an EIP-712 hash bound to the chain,
 * the EntryPoint, the sender and its nonce). Agent and session keys append the 6-byte index of the current
 * ether-limit period ({spendingLimit}(address(0)).periodIndex) when the operation pays its own gas: its worst-case
 * gas cost counts against the ether limit. ERC-1271 hashes are wrapped in this wallet's EIP-712 domain
 * ({messageDigest}) so a signature for one wallet cannot be replayed on another wallet of the same owner.
 *
 * Introspection (declared by the implementation, not in this interface, so this interface's ERC-165 id is its own
 * functions only): `supportsInterface(bytes4)` (ERC-165) is true for IERC165, IAccount and IAccountExecute
 * (ERC-4337), IERC1271, IAgentWallet, IERC7579AccountConfig and IERC3009Payer (x402 payments: the agent key's
 * EIP-3009 transfers count against its spending limit of the token; see contracts/wallet/README.md). The ERC-7579
 * account-configuration views: `accountId()` returns "aitbc.agentwallet.1.0.0";
 * `supportsExecutionMode(bytes32)` returns false for every mode (the wallet has no ERC-7579 `execute(mode, data)`;
 * it executes through {execute}, {executeBatch} and `executeUserOp` under the authority model above);
 * `supportsModule(uint256)` returns false for every module type (no modules: a module would be a second authority
 * path).
 */
interface IAgentWallet {
    /// @notice The agent role of the wallet (design: Provider, Consumer, Builder, Coordinator).
    enum AgentRole {
        Provider,
        Consumer,
        Builder,
        Coordinator
    }

    /// @notice Who initiated the current action.
    enum Actor {
        None,
        Owner,
        Agent,
        Session
    }

    /// @notice One call of a batch: `value` in wei, `data` the calldata.
    struct Call {
        address target;
        uint256 value;
        bytes data;
    }

    /// @notice A (target, selector) pair a session key may call; selector `0x00000000` means a call without
    /// calldata (a plain ether transfer).
    struct SessionPermission {
        address target;
        bytes4 selector;
    }

    /// @notice A session key's own cap: at most `amount` (token units, wei for ether) of `token` per `period` seconds.
    struct SessionCap {
        address token;
        uint256 amount;
        uint256 period;
    }

    /// @notice A session key's state: active until `validUntil` (unix seconds, inclusive); `generation` counts
    /// how often the key was granted (permissions and caps of earlier grants no longer apply).
    struct SessionKey {
        uint48 validUntil;
        uint32 generation;
        bool active;
    }

    /// @notice A spending limit and its usage in the current period (all amounts in token units, wei for ether).
    struct SpendingLimitView {
        uint256 amount;
        uint256 period;
        uint256 periodIndex;
        uint256 periodStart;
        uint256 periodEnd;
        uint256 spent;
    }

    /// @notice Emitted once when a wallet (clone) is initialised.
    event AgentWalletInitialized(address indexed owner, address indexed agentKey, AgentRole role);
    /// @notice Emitted when the owner changes.
    event OwnerSet(address oldOwner, address newOwner);
    /// @notice Emitted when the agent key changes.
    event AgentKeySet(address oldAgentKey, address newAgentKey);
    /// @notice Emitted when the agent role changes.
    event RoleSet(AgentRole oldRole, AgentRole newRole);
    /// @notice Emitted when the freeze flag changes.
    event FrozenSet(bool oldFrozen, bool newFrozen);
    /// @notice Emitted when a spending limit is set (`period` in seconds; 0 removes the limit: nothing may be spent).
    event SpendingLimitSet(address indexed token, uint256 oldAmount, uint256 newAmount, uint256 period);
    /// @notice Emitted when a session key is granted.
    event SessionKeyAdded(address indexed key, uint48 validUntil, uint32 generation);
    /// @notice Emitted when a session key is revoked.
    event SessionKeyRevoked(address indexed key);
    /// @notice Emitted when a contract is allowed (or no longer) to verify agent-key ERC-1271 signatures.
    event SignatureVerifierSet(address indexed verifier, bool oldAllowed, bool newAllowed);
    /// @notice Emitted for every spend counted against a limit by `key` (agent or session key).
    event Spent(address indexed token, address indexed key, uint256 amount, uint256 spentInPeriod);
    /// @notice Emitted when the owner recovers funds.
    event FundsRecovered(address indexed token, address indexed to, uint256 amount);
    /// @notice Emitted when the wallet pays into an escrow with {payInto}.
    event PaidInto(address indexed escrow, address indexed token, uint256 amount);

    /// @notice The caller (or UserOperation signer) may not perform this action.
    error AgentWalletUnauthorized(address caller);
    /// @notice The agent (agent key and session keys) is frozen by the owner.
    error AgentWalletFrozen();
    /// @notice A spend would take `spent` (token units) above the wallet's per-period `limit` (0: no limit is
    /// configured for `token`, so agent and session keys may not spend, approve or transfer any of it).
    error AgentWalletSpendingLimitExceeded(address token, uint256 spent, uint256 limit);
    /// @notice A spend would take the session key's `spent` above its own per-period `cap`.
    error AgentWalletSessionCapExceeded(address key, address token, uint256 spent, uint256 cap);
    /// @notice The session key expired at `validUntil` (unix seconds).
    error AgentWalletSessionKeyExpired(address key, uint256 validUntil);
    /// @notice The session key may not call `selector` on `target`.
    error AgentWalletCallNotAllowed(address key, address target, bytes4 selector);
    /// @notice Agent and session keys may not call the wallet itself (its owner functions).
    error AgentWalletSelfCallForbidden();
    /// @notice Agent and session keys may not call the EntryPoint (the wallet's deposit and stake are the owner's).
    error AgentWalletEntryPointCallForbidden();
    /// @notice `key` (agent or session key) may not run wallet function `selector` through `executeUserOp`; only
    /// `execute`, `executeBatch`, `delegateVotes`, `castVote` and `payInto` are open to it.
    error AgentWalletFunctionNotAllowed(address key, bytes4 selector);
    /// @notice `executeUserOp` was entered while a UserOperation of this wallet was executing.
    error AgentWalletReentrantExecution();
    /// @notice Agent and session keys may not make call `selector` on `target`: it transfers or approves assets the
    /// spending limits cannot price (ERC-721 `safeTransferFrom`/`setApprovalForAll`, ERC-1155, ERC-777, Permit2).
    error AgentWalletUnaccountedTransfer(address target, bytes4 selector);
    /// @notice A spending call's calldata is too short to decode.
    error AgentWalletMalformedCall(address target, bytes4 selector);
    /// @notice A period must be at least 1 second and at most 2^48-1 seconds; an amount at most 2^128-1.
    error AgentWalletInvalidLimit(uint256 amount, uint256 period);
    /// @notice A key or recipient cannot be the zero address, the owner, or the agent key here.
    error AgentWalletInvalidKey(address key);
    /// @notice A session key's expiry must lie in the future.
    error AgentWalletInvalidExpiry(uint256 validUntil);

    /// @notice The owner: may do anything.
    function owner() external view returns (address);

    /// @notice The agent's own signing key.
    function agentKey() external view returns (address);

    /// @notice The wallet's agent role.
    function role() external view returns (AgentRole);

    /// @notice Whether the agent (agent key and session keys) is frozen.
    function frozen() external view returns (bool);

    /**
     * @notice Runs one call as the caller: the owner (also an owner-signed UserOperation calling it directly, or the
     * wallet calling itself on the owner's behalf), the agent key or a session key (directly or through
     * `executeUserOp`).
     * @dev For agent and session keys: `target` may be neither the wallet nor the EntryPoint; `value` (wei) and
     * token outflows count against the limits. Reverts with {AgentWalletUnauthorized}, {AgentWalletFrozen},
     * {AgentWalletSelfCallForbidden}, {AgentWalletEntryPointCallForbidden}, {AgentWalletCallNotAllowed},
     * {AgentWalletSessionKeyExpired}, {AgentWalletSpendingLimitExceeded}, {AgentWalletSessionCapExceeded},
     * {AgentWalletMalformedCall}, {AgentWalletUnaccountedTransfer}, or the target's revert data.
     * Emits {Spent} per counted spend.
     * @param target the contract or account to call
     * @param value ether to send, in wei
     * @param data calldata
     * @return result the call's return data
     */
    function execute(address target, uint256 value, bytes calldata data) external returns (bytes memory result);

    /// @notice Runs several calls in order, all or nothing, each as {execute} would (same errors).
    function executeBatch(Call[] calldata calls) external;

    /**
     * @notice Delegates the wallet's votes of the `token` (an ERC-5805 / IVotes token) to `delegatee`.
     * @dev Same authorisation as {execute} with the call `token.delegate(delegatee)`.
     */
    function delegateVotes(address token, address delegatee) external;

    /**
     * @notice Casts the wallet's vote on `proposalId` at `governor` (support: 0 against, 1 for, 2 abstain).
     * @dev Same authorisation as {execute} with the call `governor.castVote(proposalId, support)`.
     * @return weight the counted voting power, as returned by the governor
     */
    function castVote(address governor, uint256 proposalId, uint8 support) external returns (uint256 weight);

    /**
     * @notice Pays `amount` of `token` into an escrow contract: approves `escrow` for `amount` (counted as
     * spending), calls `escrow` with `data` (which is expected to pull the tokens), then clears any
     * allowance left over. Counts `amount` in full even if the escrow pulls less.
     * @dev Same authorisation as {execute} for each of the three calls; for agent and session keys neither `escrow`
     * nor `token` may be the wallet or the EntryPoint (checked first: {AgentWalletSelfCallForbidden},
     * {AgentWalletEntryPointCallForbidden}). Emits {PaidInto}.
     * @return result the escrow call's return data
     */
    function payInto(
        address escrow,
        address token,
        uint256 amount,
        bytes calldata data
    ) external returns (bytes memory result);

    // Owner functions: callable only by the owner (directly, by an owner-signed UserOperation, or by the wallet
    // calling itself on the owner's behalf). Each reverts with {AgentWalletUnauthorized}(caller) for anyone else,
    // including the agent key and session keys by any route.

    /// @notice Owner: sets the per-period limit of `token` (`address(0)` = ether): `amount` per `period` seconds.
    /// A new period length restarts the counter with a period starting now; the same period keeps it.
    /// `period` 0 removes the limit (agent keys can then spend nothing of `token`). Emits {SpendingLimitSet}.
    /// Reverts with {AgentWalletUnauthorized}, {AgentWalletInvalidLimit}.
    function setSpendingLimit(address token, uint256 amount, uint256 period) external;

    /// @notice Owner: grants `key` until `validUntil` (unix seconds) the `permissions` and `caps`, replacing any
    /// earlier grant of the same key. Emits {SessionKeyAdded}. Reverts with {AgentWalletUnauthorized},
    /// {AgentWalletInvalidKey} (zero, the owner or the agent key), {AgentWalletInvalidExpiry},
    /// {AgentWalletInvalidLimit} (a cap with period 0 or out of range).
    function addSessionKey(
        address key,
        uint48 validUntil,
        SessionPermission[] calldata permissions,
        SessionCap[] calldata caps
    ) external;

    /// @notice Owner: revokes `key` with immediate effect. Emits {SessionKeyRevoked}. Reverts with
    /// {AgentWalletUnauthorized}.
    function revokeSessionKey(address key) external;

    /// @notice Owner: freezes (or unfreezes) the agent key and all session keys. Emits {FrozenSet}. Reverts with
    /// {AgentWalletUnauthorized}.
    function setFrozen(bool frozen_) external;

    /// @notice Owner: replaces the agent key (`address(0)` disables it). Emits {AgentKeySet}. Reverts with
    /// {AgentWalletUnauthorized}, {AgentWalletInvalidKey} (the owner or an active session key).
    function setAgentKey(address newAgentKey) external;

    /// @notice Owner: hands the wallet to a new owner. Emits {OwnerSet}. Reverts with {AgentWalletUnauthorized},
    /// {AgentWalletInvalidKey} (zero, the agent key or an active session key).
    function setOwner(address newOwner) external;

    /// @notice Owner: changes the agent role. Emits {RoleSet}. Reverts with {AgentWalletUnauthorized}.
    function setRole(AgentRole newRole) external;

    /// @notice Owner: allows `verifier` (e.g. a governor) to accept the agent key's ERC-1271 signatures.
    /// Emits {SignatureVerifierSet}. Reverts with {AgentWalletUnauthorized}.
    function setSignatureVerifier(address verifier, bool allowed) external;

    /// @notice Owner: recovers `amount` of `token` (`address(0)` = ether, in wei) to `to`, even when frozen.
    /// Emits {FundsRecovered}. Reverts with {AgentWalletUnauthorized}, {AgentWalletInvalidKey} (`to` zero), or the
    /// token's revert data.
    function withdraw(address token, address to, uint256 amount) external;

    /// @notice The limit of `token` and what agent keys spent of it in the current period.
    function spendingLimit(address token) external view returns (SpendingLimitView memory);

    /// @notice A session key's state.
    function sessionKey(address key) external view returns (SessionKey memory);

    /// @notice Whether the current grant of session key `key` may call `selector` on `target`.
    function sessionCanCall(address key, address target, bytes4 selector) external view returns (bool);

    /// @notice A session key's own cap of `token` and its usage in the current period.
    function sessionCap(address key, address token) external view returns (SpendingLimitView memory);

    /// @notice Whether `verifier` may accept agent-key ERC-1271 signatures.
    function isSignatureVerifier(address verifier) external view returns (bool);

    /// @notice The EIP-712 digest (domain: this wallet) that a key signs for the ERC-1271 check of `hash`.
    function messageDigest(bytes32 hash) external view returns (bytes32);
}
