// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Account} from "@openzeppelin/contracts/account/Account.sol";
import {ERC4337Utils} from "@openzeppelin/contracts/account/utils/ERC4337Utils.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IERC7579AccountConfig} from "@openzeppelin/contracts/interfaces/draft-IERC7579.sol";
import {
    IAccount,
    IAccountExecute,
    IEntryPoint,
    PackedUserOperation
} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {ERC165Checker} from "@openzeppelin/contracts/utils/introspection/ERC165Checker.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IERC3009, IERC3009Payer} from "../token/IERC3009.sol";
import {IAgentWallet} from "./IAgentWallet.sol";
import {SpendingLimits} from "./SpendingLimits.sol";

/// @dev The governance calls the helpers make (subsets of IVotes and IGovernor).
interface IVotesDelegate {
    function delegate(address delegatee) external;
}

interface IGovernorCastVote {
    function castVote(uint256 proposalId, uint8 support) external returns (uint256 weight);
}

/**
 * @title AgentWallet
 * @notice ERC-4337 smart account (EntryPoint v0.8) for an AI agent, bounded by its owner: spending limits per
 * token per period, session keys, freeze, fund recovery, governance helpers and ERC-1271. See {IAgentWallet}.
 *
 * Built on OpenZeppelin's `Account` (EntryPoint-only `validateUserOp`, prefund payment, `receive`). Deployed once
 * as an implementation whose immutable EntryPoint is shared by all clones; each wallet is an ERC-1167 clone made
 * by {AgentWalletFactory} and initialised in the same transaction.
 *
 * Authority (see README.md): for a UserOperation the actor is the key its signature's signer prefix names, checked
 * in validation together with what will execute: agent and session keys may sign only
 * `executeUserOp.selector ++ <calldata of execute, executeBatch, delegateVotes, castVote or payInto>`;
 * {executeUserOp} (EntryPoint-only, given the operation it validated) takes the actor from the same prefix of the
 * same signature, never from nested calldata, re-checks that the key may still act, and dispatches the allowlisted
 * function internally with that actor (no delegatecall). Direct calls act as `msg.sender`. Agent and session keys
 * can never call the wallet itself or the EntryPoint, so every owner-only function and the EntryPoint deposit are
 * out of their reach by any route.
 */
contract AgentWallet is
    IAgentWallet,
    Account,
    IAccountExecute,
    IERC1271,
    IERC165,
    IERC7579AccountConfig,
    IERC3009Payer,
    EIP712,
    Initializable
{
    using SpendingLimits for SpendingLimits.Limit;

    /// @notice The token address used for native ether in limits and caps.
    address public constant NATIVE = address(0);

    /// @dev EIP-712 type of the ERC-1271 wrapper: the hash a key signs for this wallet.
    bytes32 private constant _MESSAGE_TYPEHASH = keccak256("AgentWalletMessage(bytes32 hash)");

    /// @dev EIP-3009's `TransferWithAuthorization` typehash (the x402 "exact" scheme's signed type).
    bytes32 private constant _TRANSFER_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        // solhint-disable-next-line max-line-length
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );

    /// @dev Length of an agent-key payment signature: signer (20) ++ ECDSA (65) ++ the authorization (6 words).
    uint256 private constant _PAYMENT_SIGNATURE_LENGTH = 277;

    // ERC-20 / ERC-1363 selectors that move or expose the wallet's tokens.
    bytes4 private constant _TRANSFER = 0xa9059cbb; // transfer(address,uint256)
    bytes4 private constant _APPROVE = 0x095ea7b3; // approve(address,uint256)
    bytes4 private constant _INCREASE_ALLOWANCE = 0x39509351; // increaseAllowance(address,uint256)
    bytes4 private constant _TRANSFER_FROM = 0x23b872dd; // transferFrom(address,address,uint256)
    bytes4 private constant _TRANSFER_AND_CALL = 0x1296ee62; // transferAndCall(address,uint256)
    bytes4 private constant _TRANSFER_AND_CALL_DATA = 0x4000aea0; // transferAndCall(address,uint256,bytes)
    bytes4 private constant _APPROVE_AND_CALL = 0x3177029f; // approveAndCall(address,uint256)
    bytes4 private constant _APPROVE_AND_CALL_DATA = 0xcae9ca51; // approveAndCall(address,uint256,bytes)
    bytes4 private constant _TRANSFER_FROM_AND_CALL = 0xd8fbe994; // transferFromAndCall(address,address,uint256)
    bytes4 private constant _TRANSFER_FROM_AND_CALL_DATA = 0xc1d34b89; // transferFromAndCall(addr,addr,uint256,bytes)

    // Transfers and operator approvals of assets the limits cannot price (ERC-721, ERC-1155, ERC-777, Permit2).
    bytes4 private constant _SET_APPROVAL_FOR_ALL = 0xa22cb465; // setApprovalForAll(address,bool)
    bytes4 private constant _SAFE_TRANSFER_FROM = 0x42842e0e; // safeTransferFrom(address,address,uint256)
    bytes4 private constant _SAFE_TRANSFER_FROM_DATA = 0xb88d4fde; // safeTransferFrom(address,address,uint256,bytes)
    bytes4 private constant _SAFE_TRANSFER_FROM_1155 = 0xf242432a; // safeTransferFrom(addr,addr,uint256,uint256,bytes)
    bytes4 private constant _SAFE_BATCH_TRANSFER_FROM = 0x2eb2c2d6; // safeBatchTransferFrom(a,a,uint[],uint[],bytes)
    bytes4 private constant _SEND_777 = 0x9bd9bbc6; // send(address,uint256,bytes)
    bytes4 private constant _OPERATOR_SEND_777 = 0x62ad1b83; // operatorSend(address,address,uint256,bytes,bytes)
    bytes4 private constant _AUTHORIZE_OPERATOR_777 = 0x959b8c3f; // authorizeOperator(address)
    bytes4 private constant _PERMIT2_APPROVE = 0x87517c45; // approve(address,address,uint160,uint48)

    IEntryPoint private immutable _entryPoint;

    /// @inheritdoc IAgentWallet
    address public owner;
    /// @inheritdoc IAgentWallet
    address public agentKey;
    /// @inheritdoc IAgentWallet
    AgentRole public role;
    /// @inheritdoc IAgentWallet
    bool public frozen;

    mapping(address token => SpendingLimits.Limit) private _limits;
    mapping(address key => SessionKey) private _sessions;
    mapping(address key => mapping(uint32 generation => mapping(address target => mapping(bytes4 => bool))))
        private _sessionCalls;
    mapping(address key => mapping(uint32 generation => mapping(address token => SpendingLimits.Limit)))
        private _sessionLimits;
    mapping(address verifier => bool) private _signatureVerifiers;

    /// @dev The actor of the UserOperation {executeUserOp} is running (None outside it): guards against re-entry.
    Actor private transient _executing;

    modifier onlyOwner() {
        (Actor actor, address key) = _actor();
        if (actor != Actor.Owner) revert AgentWalletUnauthorized(key);
        _;
    }

    /**
     * @param entryPoint_ the ERC-4337 EntryPoint (v0.8) all clones of this implementation trust
     */
    constructor(IEntryPoint entryPoint_) EIP712("AgentWallet", "1") {
        _entryPoint = entryPoint_;
        _disableInitializers();
    }

    /**
     * @notice Initialises a clone (called by the factory in the creating transaction).
     * @param owner_ the owner (EOA or ERC-1271 contract), not zero
     * @param agentKey_ the agent's signing key (zero: no agent key yet)
     * @param role_ the agent role
     */
    function initialize(address owner_, address agentKey_, AgentRole role_) external initializer {
        if (owner_ == address(0) || agentKey_ == owner_) revert AgentWalletInvalidKey(owner_);
        owner = owner_;
        agentKey = agentKey_;
        role = role_;
        emit AgentWalletInitialized(owner_, agentKey_, role_);
    }

    // ---------------------------------------------------------------- ERC-4337

    /// @notice The EntryPoint this wallet trusts.
    function entryPoint() public view override returns (IEntryPoint) {
        return _entryPoint;
    }

    /**
     * @notice EntryPoint: runs a UserOperation whose callData is `executeUserOp.selector ++ <wallet calldata>` as
     * the key its signature names (the 20-byte prefix: owner, agent key or session key), which validation checked
     * (see {_validateUserOp}); the EntryPoint calls this only with the operation it validated in the same
     * `handleOps`, and already acts as the owner in any other call, so it is trusted here as everywhere.
     * @dev The wallet calldata must call {execute}, {executeBatch}, {delegateVotes}, {castVote} or {payInto}; these
     * are dispatched internally with that actor, so the same authorisation and spending accounting apply as
     * for a direct call by the key. For the owner, any other wallet function is run by a call of the wallet to
     * itself. The key must still be allowed at execution (not frozen, not replaced or revoked, not expired): an
     * owner operation earlier in the same bundle takes effect.
     * Reverts with {AgentWalletReentrantExecution} (called while a UserOperation executes),
     * {AgentWalletFunctionNotAllowed}, {AgentWalletUnauthorized}, {AgentWalletFrozen},
     * {AgentWalletSessionKeyExpired}, or any error of the dispatched function.
     */
    function executeUserOp(PackedUserOperation calldata userOp, bytes32) external onlyEntryPoint {
        if (_executing != Actor.None) revert AgentWalletReentrantExecution();
        (Actor actor, address key) = _signerActor(userOp.signature);
        _requireActive(actor, key);
        _executing = actor;
        bytes calldata data = userOp.callData[4:];
        bytes4 selector = data.length >= 4 ? bytes4(data[0:4]) : bytes4(0);
        if (data.length >= 4 && _isKeyFunction(selector)) {
            _dispatch(actor, key, selector, data[4:]);
        } else if (actor == Actor.Owner) {
            Address.functionCall(address(this), data);
        } else {
            revert AgentWalletFunctionNotAllowed(key, selector);
        }
        _executing = Actor.None;
    }

    /**
     * @dev Validation (no reverts on bad signatures: SIG_VALIDATION_FAILED). Decides the operation's actor once:
     * - the owner (signer prefix = {owner}): any call data, signature checked by `SignatureChecker` (ECDSA or
     *   ERC-1271);
     * - the agent key or an active session key: ECDSA signature, not frozen, and call data exactly
     *   `executeUserOp.selector ++ <execute | executeBatch | delegateVotes | castVote | payInto calldata>`; anything
     *   else (another wallet function, a nested `executeUserOp`, short call data) fails as SIG_VALIDATION_FAILED.
     *   A session key's expiry goes into `validUntil`. A bad ECDSA signature of the agent key or an active session
     *   key goes the same path as a good one (gas counting included) and only then fails as SIG_VALIDATION_FAILED:
     *   a bundler's estimate with a stub signature measures the real operation, and on chain the EntryPoint reverts
     *   the whole `handleOps` ("AA24 signature error"), so nothing of it stays.
     *
     * Gas is spending too: without a paymaster, an agent- or session-signed operation's worst-case cost
     * (`(verificationGasLimit + callGasLimit + preVerificationGas) * maxFeePerGas`, wei) is counted against the
     * wallet's ether limit, in the period whose index the signature carries after the 65-byte ECDSA signature
     * (6 bytes, big-endian); `validAfter`/`validUntil` confine the operation to that period, so validation never
     * reads the clock (ERC-7562: only the account's own storage and transient storage are used). Over the limit,
     * validation reverts with {AgentWalletSpendingLimitExceeded}.
     */
    function _validateUserOp(
        PackedUserOperation calldata userOp,
        bytes32 userOpHash,
        bytes calldata signature
    ) internal override returns (uint256) {
        if (signature.length < 20) return ERC4337Utils.SIG_VALIDATION_FAILED;
        address signer = address(bytes20(signature[0:20]));
        bytes calldata keySignature = signature[20:];
        bool viaExecuteUserOp =
            userOp.callData.length >= 4 && bytes4(userOp.callData[0:4]) == IAccountExecute.executeUserOp.selector;
        if (signer == owner) {
            if (!SignatureChecker.isValidSignatureNowCalldata(signer, userOpHash, keySignature)) {
                return ERC4337Utils.SIG_VALIDATION_FAILED;
            }
            return ERC4337Utils.SIG_VALIDATION_SUCCESS;
        }
        if (
            signer == address(0) ||
            frozen ||
            keySignature.length < 65 ||
            !viaExecuteUserOp ||
            userOp.callData.length < 8 ||
            !_isKeyFunction(bytes4(userOp.callData[4:8]))
        ) return ERC4337Utils.SIG_VALIDATION_FAILED;
        uint48 validUntil = type(uint48).max;
        if (signer != agentKey) {
            SessionKey memory session = _sessions[signer];
            if (!session.active) return ERC4337Utils.SIG_VALIDATION_FAILED;
            validUntil = session.validUntil;
        }
        bool signatureValid = _isEcdsaSignatureOf(signer, userOpHash, keySignature[0:65]);
        return _countGas(userOp, signer, keySignature, validUntil, signatureValid);
    }

    /**
     * @dev Counts an agent- or session-signed operation's worst-case gas cost against the ether limit in the period
     * its signature names (see {_validateUserOp}) and returns the validation data (`signatureValid` within that
     * period and before `validUntil`), or SIG_VALIDATION_FAILED when the period index is missing.
     */
    function _countGas(
        PackedUserOperation calldata userOp,
        address signer,
        bytes calldata keySignature,
        uint48 validUntil,
        bool signatureValid
    ) private returns (uint256) {
        uint48 validAfter = 0;
        uint256 gasCost =
            ERC4337Utils.paymaster(userOp) == address(0)
                ? (ERC4337Utils.verificationGasLimit(userOp) +
                    ERC4337Utils.callGasLimit(userOp) +
                    userOp.preVerificationGas) * ERC4337Utils.maxFeePerGas(userOp)
                : 0;
        if (gasCost != 0) {
            if (keySignature.length != 71) return ERC4337Utils.SIG_VALIDATION_FAILED;
            uint256 index = uint48(bytes6(keySignature[65:71]));
            SpendingLimits.Limit storage limit = _limits[NATIVE];
            (bool ok, uint256 spent, uint256 amount) = limit.tryConsumeInPeriod(index, gasCost);
            if (!ok) revert AgentWalletSpendingLimitExceeded(NATIVE, spent, amount);
            emit Spent(NATIVE, signer, gasCost, spent);
            (uint256 start, uint256 end) = limit.periodBounds(index);
            // Valid while validAfter < now <= validUntil (EntryPoint v0.8): now in [start, end).
            validAfter = start == 0 ? 0 : uint48(start - 1);
            if (end - 1 < validUntil) validUntil = uint48(end - 1);
        }
        return ERC4337Utils.packValidationData(signatureValid, validAfter, validUntil);
    }

    /// @dev The owner's signature over `hash` (required by OpenZeppelin's AbstractSigner; used nowhere else).
    function _rawSignatureValidation(bytes32 hash, bytes calldata signature) internal view override returns (bool) {
        return SignatureChecker.isValidSignatureNowCalldata(owner, hash, signature);
    }

    // ---------------------------------------------------------------- calls

    /// @inheritdoc IAgentWallet
    function execute(address target, uint256 value, bytes calldata data) external returns (bytes memory result) {
        (Actor actor, address key) = _actorAllowedToAct();
        return _call(actor, key, target, value, data);
    }

    /// @inheritdoc IAgentWallet
    function executeBatch(Call[] calldata calls) external {
        (Actor actor, address key) = _actorAllowedToAct();
        for (uint256 i = 0; i < calls.length; ++i) {
            _call(actor, key, calls[i].target, calls[i].value, calls[i].data);
        }
    }

    /// @inheritdoc IAgentWallet
    function delegateVotes(address token, address delegatee) external {
        (Actor actor, address key) = _actorAllowedToAct();
        _delegateVotes(actor, key, token, delegatee);
    }

    /// @inheritdoc IAgentWallet
    function castVote(address governor, uint256 proposalId, uint8 support) external returns (uint256 weight) {
        (Actor actor, address key) = _actorAllowedToAct();
        return _castVote(actor, key, governor, proposalId, support);
    }

    /// @inheritdoc IAgentWallet
    function payInto(
        address escrow,
        address token,
        uint256 amount,
        bytes calldata data
    ) external returns (bytes memory result) {
        (Actor actor, address key) = _actorAllowedToAct();
        return _payInto(actor, key, escrow, token, amount, data);
    }

    // ---------------------------------------------------------------- owner

    /// @inheritdoc IAgentWallet
    function setSpendingLimit(address token, uint256 amount, uint256 period) external onlyOwner {
        if (!SpendingLimits.fits(amount, period)) revert AgentWalletInvalidLimit(amount, period);
        uint256 oldAmount = _limits[token].configure(amount, period);
        emit SpendingLimitSet(token, oldAmount, period == 0 ? 0 : amount, period);
    }

    /// @inheritdoc IAgentWallet
    function addSessionKey(
        address key,
        uint48 validUntil,
        SessionPermission[] calldata permissions,
        SessionCap[] calldata caps
    ) external onlyOwner {
        if (key == address(0) || key == owner || key == agentKey) revert AgentWalletInvalidKey(key);
        if (validUntil <= block.timestamp) revert AgentWalletInvalidExpiry(validUntil);
        uint32 generation = _sessions[key].generation + 1;
        _sessions[key] = SessionKey({validUntil: validUntil, generation: generation, active: true});
        for (uint256 i = 0; i < permissions.length; ++i) {
            _sessionCalls[key][generation][permissions[i].target][permissions[i].selector] = true;
        }
        for (uint256 i = 0; i < caps.length; ++i) {
            SessionCap calldata cap = caps[i];
            if (cap.period == 0 || !SpendingLimits.fits(cap.amount, cap.period)) {
                revert AgentWalletInvalidLimit(cap.amount, cap.period);
            }
            _sessionLimits[key][generation][cap.token].configure(cap.amount, cap.period);
        }
        emit SessionKeyAdded(key, validUntil, generation);
    }

    /// @inheritdoc IAgentWallet
    function revokeSessionKey(address key) external onlyOwner {
        _sessions[key].active = false;
        emit SessionKeyRevoked(key);
    }

    /// @inheritdoc IAgentWallet
    function setFrozen(bool frozen_) external onlyOwner {
        emit FrozenSet(frozen, frozen_);
        frozen = frozen_;
    }

    /// @inheritdoc IAgentWallet
    function setAgentKey(address newAgentKey) external onlyOwner {
        if (newAgentKey == owner || (newAgentKey != address(0) && _sessions[newAgentKey].active)) {
            revert AgentWalletInvalidKey(newAgentKey);
        }
        emit AgentKeySet(agentKey, newAgentKey);
        agentKey = newAgentKey;
    }

    /// @inheritdoc IAgentWallet
    function setOwner(address newOwner) external onlyOwner {
        if (newOwner == address(0) || newOwner == agentKey || _sessions[newOwner].active) {
            revert AgentWalletInvalidKey(newOwner);
        }
        emit OwnerSet(owner, newOwner);
        owner = newOwner;
    }

    /// @inheritdoc IAgentWallet
    function setRole(AgentRole newRole) external onlyOwner {
        emit RoleSet(role, newRole);
        role = newRole;
    }

    /// @inheritdoc IAgentWallet
    function setSignatureVerifier(address verifier, bool allowed) external onlyOwner {
        emit SignatureVerifierSet(verifier, _signatureVerifiers[verifier], allowed);
        _signatureVerifiers[verifier] = allowed;
    }

    /// @inheritdoc IAgentWallet
    function withdraw(address token, address to, uint256 amount) external onlyOwner {
        if (to == address(0)) revert AgentWalletInvalidKey(to);
        emit FundsRecovered(token, to, amount);
        if (token == NATIVE) {
            Address.sendValue(payable(to), amount);
        } else {
            // Owner action: a reverting or false-returning token is the owner's to handle.
            Address.functionCall(token, abi.encodeCall(IERC20.transfer, (to, amount)));
        }
    }

    // ---------------------------------------------------------------- ERC-1271 and EIP-3009 payments

    /**
     * @notice ERC-1271: `signature` = `signer ++ sig` over {messageDigest}(hash). Valid for the owner (ECDSA or
     * ERC-1271), and for the agent key (ECDSA) when not frozen, in two cases:
     * - towards verifiers the owner allowed ({setSignatureVerifier}, e.g. the governor for `castVoteBySig`): an agent
     *   signature accepted by any contract (Permit2, order books) could move funds around the spending limits;
     * - as an EIP-3009 payment (x402): `agentKey ++ ecdsa(65) ++ abi.encode(token, to, value, validAfter,
     *   validBefore, nonce)` (277 bytes), valid towards any caller (an x402 facilitator verifies by `eth_call`) only
     *   if `hash` is exactly `token`'s `TransferWithAuthorization` digest of that authorization from this wallet,
     *   the owner allowed `token` ({setSignatureVerifier}), `token` answers ERC-165 for {IERC3009}, and `value`
     *   (wei of `token`) fits in what is left of the agent's spending limit of `token` now. The token then calls
     *   {onTransferWithAuthorization}, which counts the payment against that limit.
     * Session keys never sign by ERC-1271.
     */
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length < 20) return bytes4(0xffffffff);
        address signer = address(bytes20(signature[0:20]));
        bytes32 digest = messageDigest(hash);
        bool valid;
        if (signer == owner) {
            valid = SignatureChecker.isValidSignatureNowCalldata(signer, digest, signature[20:]);
        } else if (signer == agentKey && signer != address(0) && !frozen) {
            if (signature.length == _PAYMENT_SIGNATURE_LENGTH) {
                valid = _isPayment(hash, signature[85:]) && _isEcdsaSignatureOf(signer, digest, signature[20:85]);
            } else if (_signatureVerifiers[msg.sender]) {
                valid = _isEcdsaSignatureOf(signer, digest, signature[20:]);
            }
        }
        return valid ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }

    /**
     * @notice EIP-3009 payer hook ({IERC3009Payer}): called by the token (`msg.sender`) for an authorized transfer of
     * `value` (wei of the token) from this wallet, after it verified `signature` and before the balance moves. An
     * owner-signed transfer is never limited; an agent-signed one is counted against the agent's spending limit of
     * the token (emits {Spent}).
     * @dev Reverts with {AgentWalletUnauthorized} (a signer other than the owner and the agent key, e.g. a session
     * key, or a caller that is not a token the owner allowed), {AgentWalletFrozen}, or
     * {AgentWalletSpendingLimitExceeded}.
     */
    function onTransferWithAuthorization(address, uint256 value, bytes32, bytes calldata signature) external {
        address signer = signature.length < 20 ? address(0) : address(bytes20(signature[0:20]));
        if (signer == owner) return;
        if (signer != agentKey || signer == address(0)) revert AgentWalletUnauthorized(signer);
        if (frozen) revert AgentWalletFrozen();
        if (!_signatureVerifiers[msg.sender]) revert AgentWalletUnauthorized(msg.sender);
        _charge(Actor.Agent, signer, msg.sender, value);
    }

    /// @inheritdoc IAgentWallet
    function messageDigest(bytes32 hash) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(_MESSAGE_TYPEHASH, hash)));
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IAgentWallet
    function spendingLimit(address token) external view returns (SpendingLimitView memory) {
        return _view(_limits[token]);
    }

    /// @inheritdoc IAgentWallet
    function sessionKey(address key) external view returns (SessionKey memory) {
        return _sessions[key];
    }

    /// @inheritdoc IAgentWallet
    function sessionCanCall(address key, address target, bytes4 selector) external view returns (bool) {
        return _sessionCalls[key][_sessions[key].generation][target][selector];
    }

    /// @inheritdoc IAgentWallet
    function sessionCap(address key, address token) external view returns (SpendingLimitView memory) {
        return _view(_sessionLimits[key][_sessions[key].generation][token]);
    }

    /// @inheritdoc IAgentWallet
    function isSignatureVerifier(address verifier) external view returns (bool) {
        return _signatureVerifiers[verifier];
    }

    // ---------------------------------------------------------------- internals

    /**
     * @dev Who is acting in a direct call: the owner for calls from the EntryPoint (validation lets only owner-signed
     * operations call the wallet other than through {executeUserOp}, which does not come back here) and from the
     * wallet itself (only the owner can make the wallet call itself); otherwise the caller's key. Reverts with
     * {AgentWalletUnauthorized} for unknown or revoked callers, and for EntryPoint or self calls while an agent- or
     * session-signed UserOperation executes (never the case; a second line of defence).
     */
    function _actor() internal view returns (Actor actor, address key) {
        address sender = msg.sender;
        if (sender == address(_entryPoint) || sender == address(this)) {
            Actor executing = _executing;
            if (executing != Actor.None && executing != Actor.Owner) revert AgentWalletUnauthorized(sender);
            return (Actor.Owner, owner);
        }
        if (sender == owner) return (Actor.Owner, sender);
        if (sender == agentKey && sender != address(0)) return (Actor.Agent, sender);
        if (_sessions[sender].active) return (Actor.Session, sender);
        revert AgentWalletUnauthorized(sender);
    }

    /// @dev {_actor}, refusing agent and session keys while frozen and expired session keys.
    function _actorAllowedToAct() internal view returns (Actor actor, address key) {
        (actor, key) = _actor();
        _requireActive(actor, key);
    }

    /**
     * @dev Reverts unless `key` may still act as `actor` now: the owner always; the agent key while it is the agent
     * key and not frozen; a session key while active, unexpired and not frozen.
     */
    function _requireActive(Actor actor, address key) internal view {
        if (actor == Actor.Owner) return;
        if (actor == Actor.Agent ? key != agentKey : !_sessions[key].active) revert AgentWalletUnauthorized(key);
        if (frozen) revert AgentWalletFrozen();
        if (actor == Actor.Session) {
            uint256 validUntil = _sessions[key].validUntil;
            if (block.timestamp > validUntil) revert AgentWalletSessionKeyExpired(key, validUntil);
        }
    }

    /// @dev The wallet functions agent and session keys may run through {executeUserOp}.
    function _isKeyFunction(bytes4 selector) private pure returns (bool) {
        return
            selector == this.execute.selector ||
            selector == this.executeBatch.selector ||
            selector == this.delegateVotes.selector ||
            selector == this.castVote.selector ||
            selector == this.payInto.selector;
    }

    /// @dev Runs the allowlisted wallet function `selector` with ABI-encoded `args` as `actor`/`key`.
    function _dispatch(Actor actor, address key, bytes4 selector, bytes calldata args) private {
        if (selector == this.execute.selector) {
            (address target, uint256 value, bytes memory data) = abi.decode(args, (address, uint256, bytes));
            _call(actor, key, target, value, data);
        } else if (selector == this.executeBatch.selector) {
            Call[] memory calls = abi.decode(args, (Call[]));
            for (uint256 i = 0; i < calls.length; ++i) {
                _call(actor, key, calls[i].target, calls[i].value, calls[i].data);
            }
        } else if (selector == this.delegateVotes.selector) {
            (address token, address delegatee) = abi.decode(args, (address, address));
            _delegateVotes(actor, key, token, delegatee);
        } else if (selector == this.castVote.selector) {
            (address governor, uint256 proposalId, uint8 support) = abi.decode(args, (address, uint256, uint8));
            _castVote(actor, key, governor, proposalId, support);
        } else {
            (address escrow, address token, uint256 amount, bytes memory data) = abi.decode(
                args,
                (address, address, uint256, bytes)
            );
            _payInto(actor, key, escrow, token, amount, data);
        }
    }

    function _delegateVotes(Actor actor, address key, address token, address delegatee) private {
        _call(actor, key, token, 0, abi.encodeCall(IVotesDelegate.delegate, (delegatee)));
    }

    function _castVote(
        Actor actor,
        address key,
        address governor,
        uint256 proposalId,
        uint8 support
    ) private returns (uint256) {
        bytes memory result = _call(
            actor,
            key,
            governor,
            0,
            abi.encodeCall(IGovernorCastVote.castVote, (proposalId, support))
        );
        return abi.decode(result, (uint256));
    }

    function _payInto(
        Actor actor,
        address key,
        address escrow,
        address token,
        uint256 amount,
        bytes memory data
    ) private returns (bytes memory result) {
        if (actor != Actor.Owner) {
            _checkTarget(token);
            _checkTarget(escrow);
        }
        emit PaidInto(escrow, token, amount);
        _call(actor, key, token, 0, abi.encodeCall(IERC20.approve, (escrow, amount)));
        result = _call(actor, key, escrow, 0, data);
        if (IERC20(token).allowance(address(this), escrow) != 0) {
            _call(actor, key, token, 0, abi.encodeCall(IERC20.approve, (escrow, 0)));
        }
    }

    /// @dev Agent and session keys may call neither the wallet itself (owner functions) nor the EntryPoint (deposit).
    function _checkTarget(address target) private view {
        if (target == address(this)) revert AgentWalletSelfCallForbidden();
        if (target == address(_entryPoint)) revert AgentWalletEntryPointCallForbidden();
    }

    /// @dev The actor of a UserOperation from its signature's 20-byte signer prefix: the owner, the agent key, or
    /// else a session key ({_requireActive} then refuses one that is not active).
    function _signerActor(bytes calldata signature) private view returns (Actor actor, address key) {
        key = signature.length < 20 ? address(0) : address(bytes20(signature[0:20]));
        if (key == owner) return (Actor.Owner, key);
        if (key == agentKey && key != address(0)) return (Actor.Agent, key);
        return (Actor.Session, key);
    }

    /// @dev The one path of every outgoing call: permission checks and spending accounting, then the call.
    function _call(
        Actor actor,
        address key,
        address target,
        uint256 value,
        bytes memory data
    ) internal returns (bytes memory) {
        if (actor != Actor.Owner) {
            _checkTarget(target);
            if (actor == Actor.Session) {
                bytes4 selector = data.length >= 4 ? bytes4(data) : bytes4(0);
                if (!_sessionCalls[key][_sessions[key].generation][target][selector]) {
                    revert AgentWalletCallNotAllowed(key, target, selector);
                }
            }
            if (value != 0) _charge(actor, key, NATIVE, value);
            (bool counted, uint256 amount) = _tokenOutflow(target, data);
            if (counted) {
                // Default deny: nothing of a token without a configured limit, not even a zero amount (an ERC-721
                // `approve`/`transferFrom` of token id 0 has the same selector as the ERC-20 functions).
                if (amount == 0 && _limits[target].period == 0) revert AgentWalletSpendingLimitExceeded(target, 0, 0);
                if (amount != 0) _charge(actor, key, target, amount);
            }
        }
        // Arbitrary calls are the purpose of an account; the target's revert data is bubbled up.
        // solhint-disable-next-line avoid-low-level-calls
        (bool success, bytes memory result) = target.call{value: value}(data);
        if (!success) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
        return result;
    }

    /// @dev Counts `amount` of `token` against the wallet limit and, for a session key, its own cap.
    function _charge(Actor actor, address key, address token, uint256 amount) internal {
        (bool ok, uint256 spent, uint256 limit) = _limits[token].tryConsume(amount);
        if (!ok) revert AgentWalletSpendingLimitExceeded(token, spent, limit);
        if (actor == Actor.Session) {
            (bool capOk, uint256 capSpent, uint256 cap) = _sessionLimits[key][_sessions[key].generation][token]
                .tryConsume(amount);
            if (!capOk) revert AgentWalletSessionCapExceeded(key, token, capSpent, cap);
        }
        emit Spent(token, key, amount, spent);
    }

    /**
     * @dev Whether `data` sent to `target` moves or exposes the wallet's tokens of `target` (transfer, approvals,
     * pulls from the wallet), and how many. Reverts with {AgentWalletMalformedCall} for such a call too short to
     * decode, and with {AgentWalletUnaccountedTransfer} for transfers and operator approvals the limits cannot price
     * (ERC-721 `safeTransferFrom` and `setApprovalForAll`, ERC-1155, ERC-777 `send`/operators, Permit2 `approve`).
     */
    function _tokenOutflow(address target, bytes memory data) internal view returns (bool counted, uint256 amount) {
        if (data.length < 4) return (false, 0);
        bytes4 selector = bytes4(data);
        if (
            selector == _TRANSFER ||
            selector == _APPROVE ||
            selector == _INCREASE_ALLOWANCE ||
            selector == _TRANSFER_AND_CALL ||
            selector == _TRANSFER_AND_CALL_DATA ||
            selector == _APPROVE_AND_CALL ||
            selector == _APPROVE_AND_CALL_DATA
        ) {
            if (data.length < 68) revert AgentWalletMalformedCall(target, selector);
            return (true, _word(data, 1));
        }
        if (
            selector == _TRANSFER_FROM ||
            selector == _TRANSFER_FROM_AND_CALL ||
            selector == _TRANSFER_FROM_AND_CALL_DATA
        ) {
            if (data.length < 100) revert AgentWalletMalformedCall(target, selector);
            if (address(uint160(_word(data, 0))) != address(this)) return (false, 0);
            return (true, _word(data, 2));
        }
        if (
            selector == _SET_APPROVAL_FOR_ALL ||
            selector == _SAFE_TRANSFER_FROM ||
            selector == _SAFE_TRANSFER_FROM_DATA ||
            selector == _SAFE_TRANSFER_FROM_1155 ||
            selector == _SAFE_BATCH_TRANSFER_FROM ||
            selector == _SEND_777 ||
            selector == _OPERATOR_SEND_777 ||
            selector == _AUTHORIZE_OPERATOR_777 ||
            selector == _PERMIT2_APPROVE
        ) revert AgentWalletUnaccountedTransfer(target, selector);
        return (false, 0);
    }

    /// @dev The `index`-th 32-byte argument word of `data` (after the 4-byte selector).
    function _word(bytes memory data, uint256 index) private pure returns (uint256 word) {
        assembly ("memory-safe") {
            word := mload(add(add(data, 0x24), mul(index, 0x20)))
        }
    }

    /// @dev Whether `hash` is the EIP-3009 transfer digest of the authorization `tail` encodes, from this wallet, on a
    /// token the owner allowed that answers ERC-165 for {IERC3009}, for a value the agent's limit can still take.
    function _isPayment(bytes32 hash, bytes calldata tail) private view returns (bool) {
        (address token, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce) = abi.decode(
            tail,
            (address, address, uint256, uint256, uint256, bytes32)
        );
        if (!_signatureVerifiers[token] || !ERC165Checker.supportsInterface(token, type(IERC3009).interfaceId)) {
            return false;
        }
        SpendingLimits.Limit storage limit = _limits[token];
        if (limit.period == 0 || value > limit.amount || limit.spentNow() > limit.amount - value) return false;
        bytes32 structHash = keccak256(
            abi.encode(_TRANSFER_WITH_AUTHORIZATION_TYPEHASH, address(this), to, value, validAfter, validBefore, nonce)
        );
        return MessageHashUtils.toTypedDataHash(IERC20Permit(token).DOMAIN_SEPARATOR(), structHash) == hash;
    }

    function _isEcdsaSignatureOf(address signer, bytes32 hash, bytes calldata sig) private pure returns (bool) {
        (address recovered, ECDSA.RecoverError error, ) = ECDSA.tryRecoverCalldata(hash, sig);
        return error == ECDSA.RecoverError.NoError && recovered == signer;
    }

    function _view(SpendingLimits.Limit storage limit) private view returns (SpendingLimitView memory) {
        (uint256 index, uint256 start, uint256 end) = limit.currentPeriod();
        return
            SpendingLimitView({
                amount: limit.amount,
                period: limit.period,
                periodIndex: index,
                periodStart: start,
                periodEnd: end,
                spent: limit.spentNow()
            });
    }

    // ---------------------------------------------------------------- ERC-165 and ERC-7579 account queries

    /// @dev The ERC-7579 account id: "vendorname.accountname.semver".
    string private constant _ACCOUNT_ID = "aitbc.agentwallet.1.0.0";

    /**
     * @notice ERC-165: true for IERC165, IAccount and IAccountExecute (ERC-4337), IERC1271, IAgentWallet,
     * IERC7579AccountConfig and IERC3009Payer (so an EIP-3009 token calls {onTransferWithAuthorization}); false for
     * every other id, including 0xffffffff.
     */
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return
            interfaceId == type(IERC165).interfaceId ||
            interfaceId == type(IAccount).interfaceId ||
            interfaceId == type(IAccountExecute).interfaceId ||
            interfaceId == type(IERC1271).interfaceId ||
            interfaceId == type(IAgentWallet).interfaceId ||
            interfaceId == type(IERC7579AccountConfig).interfaceId ||
            interfaceId == type(IERC3009Payer).interfaceId;
    }

    /// @notice ERC-7579: the account id, "aitbc.agentwallet.1.0.0".
    function accountId() external pure returns (string memory) {
        return _ACCOUNT_ID;
    }

    /**
     * @notice ERC-7579: false for every mode. The wallet does not implement ERC-7579 `execute(mode, data)` or
     * `executeFromExecutor`; it executes through {execute}, {executeBatch} and `executeUserOp` under its own
     * owner/agent/session authority and spending limits.
     */
    function supportsExecutionMode(bytes32) external pure returns (bool) {
        return false;
    }

    /// @notice ERC-7579: false for every module type. The wallet installs no modules (a module would be a second
    /// authority path beside the owner, agent and session keys).
    function supportsModule(uint256) external pure returns (bool) {
        return false;
    }
}
