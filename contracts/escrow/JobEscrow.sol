// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IReputationRegistry} from "../reputation/IReputationRegistry.sol";
import {Tiers} from "../reputation/Tiers.sol";
import {IGPUStaking} from "../staking/IGPUStaking.sol";
import {ReceiptPublicSignals} from "../verifiers/ReceiptPublicSignals.sol";
import {IInferenceChecker} from "./IInferenceChecker.sol";
import {IJobEscrow} from "./IJobEscrow.sol";
import {IMarketPolicy} from "./IMarketPolicy.sol";
import {IReceiptVerifier} from "./IReceiptVerifier.sol";

/// @title JobEscrow
/// @notice Escrow of AITBC inference jobs settled with zero-knowledge receipts. See {IJobEscrow}.
/// @dev Consumers pay in AITBC, the protocol token (one token keeps the accounting simple).
/// Effects before interactions everywhere; every external entry point that moves tokens is
/// `nonReentrant`; payouts are credits withdrawn by the payee (pull payments). Every market
/// parameter (fee, windows, bond, slashes, treasury, per-model verification) is read from the
/// timelock-owned `IMarketPolicy` at the moment it applies.
contract JobEscrow is IJobEscrow, AccessControl, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc IJobEscrow
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");

    /// @notice EIP-712 type of a quote.
    bytes32 public constant QUOTE_TYPEHASH = keccak256(
        "Quote(address provider,address consumer,bytes32 modelDigest,bytes32 promptHash,uint128 pricePerToken,"
        "uint32 maxTokens,uint32 minDuration,uint40 expiry,uint256 nonce)"
    );

    /// @notice Longest time from opening to deadline, seconds.
    uint256 public constant MAX_JOB_DURATION = 30 days;
    /// @notice Latest expiry of a quote accepted, seconds after the block's timestamp.
    uint256 public constant MAX_QUOTE_LIFETIME = 1 days;

    uint256 private constant BPS = 10_000;
    // Reputation deltas (see IReputationRegistry ranges).
    int256 private constant SUCCESS_TRANSACTIONS = 5;
    int256 private constant SUCCESS_RELIABILITY = 2;
    int256 private constant DISPUTE_LOST_DISPUTES = -25;
    int256 private constant DISPUTE_LOST_TRANSACTIONS = -20;
    int256 private constant DISPUTE_WON_DISPUTES = 5;
    int256 private constant MISSED_RELIABILITY = -10;
    int256 private constant MISSED_TRANSACTIONS = -5;

    /// @notice The AITBC token.
    IERC20 public immutable token;
    /// @notice Provider staking (identity commitments, eligibility, slashing).
    IGPUStaking public immutable staking;
    /// @notice Reputation registry (this contract holds its ESCROW_ROLE).
    IReputationRegistry public immutable reputation;
    /// @notice The generated Groth16 verifier of the receipt circuit.
    IReceiptVerifier public immutable verifier;
    /// @inheritdoc IJobEscrow
    IMarketPolicy public immutable policy;

    uint64 private _lastJobId;
    mapping(uint256 jobId => Job) private _jobs;
    mapping(uint256 jobId => address) private _disputers;
    mapping(uint256 jobId => uint256) private _bonds;
    /// @inheritdoc IJobEscrow
    mapping(address account => uint256) public withdrawable;
    /// @inheritdoc IJobEscrow
    mapping(uint256 nullifier => bool) public nullifierSpent;
    /// @inheritdoc IJobEscrow
    mapping(address provider => mapping(uint256 nonce => bool)) public quoteNonceUsed;
    /// @dev Identity commitments are fixed at registration in staking, so the escrow copies a
    /// provider's at its first assignment: `submitResult` then reads one local slot instead of
    /// making an external call (about 3.4k gas less on the proof path).
    mapping(address provider => uint256) private _identities;

    /// @param token_ The AITBC token.
    /// @param staking_ Provider staking (this escrow needs its ESCROW_ROLE).
    /// @param reputation_ The reputation registry (this escrow needs its ESCROW_ROLE).
    /// @param policy_ The market policy (parameters, treasury, per-model verification). Not zero.
    /// @param verifier_ The receipt verifier.
    /// @param admin Holder of `DEFAULT_ADMIN_ROLE` (the timelock, after deployment wiring): grants
    /// `ARBITER_ROLE`.
    /// Reverts with `EscrowZeroAddress`.
    constructor(
        IERC20 token_,
        IGPUStaking staking_,
        IReputationRegistry reputation_,
        IMarketPolicy policy_,
        IReceiptVerifier verifier_,
        address admin
    ) EIP712("AITBC JobEscrow", "1") {
        if (address(policy_) == address(0)) revert EscrowZeroAddress();
        token = token_;
        staking = staking_;
        reputation = reputation_;
        policy = policy_;
        verifier = verifier_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------- opening and assignment

    /// @inheritdoc IJobEscrow
    function openJob(JobRequest calldata request) external nonReentrant returns (uint256 jobId) {
        jobId = _open(
            request.modelDigest,
            request.promptHash,
            request.maxTokens,
            request.pricePerToken,
            request.deadline,
            request.minTier
        );
    }

    /// @inheritdoc IJobEscrow
    function openJobWithQuote(
        Quote calldata quote,
        bytes calldata signature,
        uint40 deadline
    ) external nonReentrant returns (uint256 jobId) {
        if (block.timestamp > quote.expiry) revert EscrowQuoteExpired(quote.expiry);
        if (quote.expiry > block.timestamp + MAX_QUOTE_LIFETIME) {
            revert EscrowQuoteExpiryTooFar(quote.expiry, block.timestamp + MAX_QUOTE_LIFETIME);
        }
        if (quote.consumer != address(0) && quote.consumer != msg.sender) {
            revert EscrowQuoteNotForCaller(quote.consumer, msg.sender);
        }
        if (quoteNonceUsed[quote.provider][quote.nonce]) revert EscrowQuoteUsed(quote.provider, quote.nonce);
        // The provider's time: never less than it signed for (a longer deadline only gives it more).
        uint256 earliest = block.timestamp + quote.minDuration;
        if (deadline < earliest) revert EscrowDeadlineTooSoon(deadline, earliest);
        if (!SignatureChecker.isValidSignatureNow(quote.provider, quoteDigest(quote), signature)) {
            revert EscrowInvalidQuoteSignature(quote.provider);
        }
        _checkEligible(quote.provider, quote.modelDigest, Tiers.Tier.Bronze);
        quoteNonceUsed[quote.provider][quote.nonce] = true;
        jobId = _open(
            quote.modelDigest,
            quote.promptHash,
            quote.maxTokens,
            quote.pricePerToken,
            deadline,
            Tiers.Tier.Bronze
        );
        _assign(_jobs[jobId], quote.provider, deadline);
        emit JobClaimed(jobId, quote.provider, true, quote.nonce);
    }

    /// @inheritdoc IJobEscrow
    function claim(uint256 jobId) external {
        Job storage job = _jobs[jobId];
        _requireStatus(jobId, job.status, JobStatus.Open);
        if (block.timestamp > job.deadline) revert EscrowDeadlinePassed(jobId, job.deadline);
        _checkEligible(msg.sender, job.modelDigest, job.minTier);
        _assign(job, msg.sender, job.deadline);
        emit JobClaimed(jobId, msg.sender, false, 0);
    }

    /// @inheritdoc IJobEscrow
    function cancelJob(uint256 jobId) external nonReentrant {
        Job storage job = _jobs[jobId];
        if (msg.sender != job.consumer) revert EscrowNotConsumer(jobId, msg.sender);
        _requireStatus(jobId, job.status, JobStatus.Open);
        job.status = JobStatus.Refunded;
        withdrawable[msg.sender] += job.escrowed;
        emit JobCancelled(jobId);
    }

    /// @inheritdoc IJobEscrow
    function cancelQuote(uint256 nonce) external {
        if (quoteNonceUsed[msg.sender][nonce]) revert EscrowQuoteUsed(msg.sender, nonce);
        quoteNonceUsed[msg.sender][nonce] = true;
        emit QuoteCancelled(msg.sender, nonce);
    }

    // ---------------------------------------------------------------- results

    /// @inheritdoc IJobEscrow
    function submitResult(
        uint256 jobId,
        bytes32 outputHash,
        uint256 tokenCount,
        uint256 nullifier,
        Groth16Proof calldata proof
    ) external {
        Job storage job = _checkSubmission(jobId, tokenCount, nullifier);
        bytes32 modelDigest = job.modelDigest;
        if (address(policy.checkerOf(modelDigest)) != address(0)) {
            revert EscrowInferenceProofRequired(jobId, modelDigest);
        }
        _acceptResult(jobId, job, outputHash, tokenCount, nullifier, proof);
    }

    /// @inheritdoc IJobEscrow
    function submitInferenceResult(
        uint256 jobId,
        bytes32 outputHash,
        uint256 tokenCount,
        uint256 nullifier,
        Groth16Proof calldata proof,
        bytes calldata inference
    ) external {
        Job storage job = _checkSubmission(jobId, tokenCount, nullifier);
        bytes32 modelDigest = job.modelDigest;
        IInferenceChecker checker = policy.checkerOf(modelDigest);
        if (address(checker) == address(0)) revert EscrowNoInferenceChecker(jobId, modelDigest);
        // A view (staticcall): its Inference* error bubbles up unchanged; no state changed before it.
        checker.checkInference(jobId, job.promptHash, outputHash, tokenCount, inference);
        _acceptResult(jobId, job, outputHash, tokenCount, nullifier, proof);
    }

    /// @inheritdoc IJobEscrow
    function finalize(uint256 jobId) external nonReentrant {
        Job storage job = _jobs[jobId];
        _requireStatus(jobId, job.status, JobStatus.Submitted);
        if (block.timestamp <= job.challengeEnds) revert EscrowChallengeWindowOpen(jobId, job.challengeEnds);
        _settle(jobId, job);
    }

    /// @inheritdoc IJobEscrow
    function dispute(uint256 jobId) external nonReentrant {
        Job storage job = _jobs[jobId];
        _requireStatus(jobId, job.status, JobStatus.Submitted);
        if (block.timestamp > job.challengeEnds) revert EscrowChallengeWindowClosed(jobId, job.challengeEnds);
        uint256 bond = policy.parameters().disputeBond;
        job.status = JobStatus.Disputed;
        _disputers[jobId] = msg.sender;
        _bonds[jobId] = bond;
        emit JobDisputed(jobId, msg.sender, bond);
        token.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @inheritdoc IJobEscrow
    function resolveDispute(uint256 jobId, bool providerAtFault) external onlyRole(ARBITER_ROLE) nonReentrant {
        Job storage job = _jobs[jobId];
        _requireStatus(jobId, job.status, JobStatus.Disputed);
        address provider = job.provider;
        address disputer = _disputers[jobId];
        uint256 bond = _bonds[jobId];
        if (!providerAtFault) {
            withdrawable[provider] += bond;
            emit DisputeResolved(jobId, false, 0);
            _settle(jobId, job);
            reputation.adjustComponent(provider, IReputationRegistry.Component.Disputes, DISPUTE_WON_DISPUTES);
            return;
        }
        job.status = JobStatus.Refunded;
        withdrawable[job.consumer] += job.escrowed;
        withdrawable[disputer] += bond;
        reputation.adjustComponent(provider, IReputationRegistry.Component.Disputes, DISPUTE_LOST_DISPUTES);
        reputation.adjustComponent(provider, IReputationRegistry.Component.Transactions, DISPUTE_LOST_TRANSACTIONS);
        uint256 slashed = _slash(provider, policy.parameters().disputeSlashBps, disputer);
        emit DisputeResolved(jobId, true, slashed);
    }

    /// @inheritdoc IJobEscrow
    function reclaim(uint256 jobId) external nonReentrant {
        Job storage job = _jobs[jobId];
        JobStatus status = job.status;
        if (status != JobStatus.Open && status != JobStatus.Claimed) revert EscrowWrongStatus(jobId, status);
        if (block.timestamp <= job.deadline) revert EscrowDeadlineNotPassed(jobId, job.deadline);
        address consumer = job.consumer;
        job.status = JobStatus.Refunded;
        withdrawable[consumer] += job.escrowed;
        uint256 slashed;
        address provider = status == JobStatus.Claimed ? job.provider : address(0);
        // Only a provider that had its agreed time and at least `minPenaltyWindow` is penalised.
        if (provider != address(0) && job.penalisable) {
            reputation.adjustComponent(provider, IReputationRegistry.Component.Reliability, MISSED_RELIABILITY);
            reputation.adjustComponent(provider, IReputationRegistry.Component.Transactions, MISSED_TRANSACTIONS);
            slashed = _slash(provider, policy.parameters().deadlineSlashBps, consumer);
        }
        emit JobExpired(jobId, provider, slashed);
    }

    // ---------------------------------------------------------------- payouts

    /// @inheritdoc IJobEscrow
    function withdraw() external nonReentrant returns (uint256 amount) {
        amount = _withdraw(msg.sender);
    }

    /// @inheritdoc IJobEscrow
    function withdrawFor(address account) external nonReentrant returns (uint256 amount) {
        amount = _withdraw(account);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IJobEscrow
    function jobOf(uint256 jobId) external view returns (Job memory) {
        return _jobs[jobId];
    }

    /// @inheritdoc IJobEscrow
    function disputeOf(uint256 jobId) external view returns (address disputer, uint256 bond) {
        return (_disputers[jobId], _bonds[jobId]);
    }

    /// @inheritdoc IJobEscrow
    function quoteDigest(Quote calldata quote) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        QUOTE_TYPEHASH,
                        quote.provider,
                        quote.consumer,
                        quote.modelDigest,
                        quote.promptHash,
                        quote.pricePerToken,
                        quote.maxTokens,
                        quote.minDuration,
                        quote.expiry,
                        quote.nonce
                    )
                )
            );
    }

    /// @notice Id of the most recently opened job (0 before the first).
    function lastJobId() external view returns (uint256) {
        return _lastJobId;
    }

    // ---------------------------------------------------------------- internals

    function _open(
        bytes32 modelDigest,
        bytes32 promptHash,
        uint32 maxTokens,
        uint128 pricePerToken,
        uint40 deadline,
        Tiers.Tier minTier
    ) private returns (uint256 jobId) {
        uint256 escrowed = uint256(maxTokens) * pricePerToken;
        if (escrowed == 0) revert EscrowZeroAmount();
        if (deadline <= block.timestamp || deadline > block.timestamp + MAX_JOB_DURATION) {
            revert EscrowInvalidDeadline(deadline);
        }
        jobId = ++_lastJobId;
        Job storage job = _jobs[jobId];
        job.consumer = msg.sender;
        job.deadline = deadline;
        job.maxTokens = maxTokens;
        job.minTier = minTier;
        job.status = JobStatus.Open;
        // A transfer above the token's supply (< 2^128) fails, so the cast cannot truncate a payable amount.
        job.escrowed = uint128(escrowed);
        job.pricePerToken = pricePerToken;
        job.modelDigest = modelDigest;
        job.promptHash = promptHash;
        emit JobOpened(jobId, msg.sender, modelDigest, promptHash, maxTokens, pricePerToken, deadline, minTier);
        token.safeTransferFrom(msg.sender, address(this), escrowed);
    }

    /// @dev Assigns `job` to `provider`. A missed deadline will penalise it only if the deadline is at
    /// least `minPenaltyWindow` seconds away now (one write: provider, status and the flag share a slot).
    function _assign(Job storage job, address provider, uint256 deadline) private {
        job.provider = provider;
        job.status = JobStatus.Claimed;
        job.penalisable = deadline >= block.timestamp + policy.parameters().minPenaltyWindow;
    }

    /// @dev The checks of a result that need no proof: status, caller, deadline, size, nullifier.
    function _checkSubmission(
        uint256 jobId,
        uint256 tokenCount,
        uint256 nullifier
    ) private view returns (Job storage job) {
        job = _jobs[jobId];
        _requireStatus(jobId, job.status, JobStatus.Claimed);
        if (msg.sender != job.provider) revert EscrowNotProvider(jobId, msg.sender);
        if (block.timestamp > job.deadline) revert EscrowDeadlinePassed(jobId, job.deadline);
        if (tokenCount > job.maxTokens) revert EscrowTooManyTokens(jobId, tokenCount, job.maxTokens);
        if (nullifierSpent[nullifier]) revert EscrowNullifierSpent(nullifier);
    }

    /// @dev Verifies the receipt proof against signals rebuilt from the job, the provider's identity
    /// and the submitted values, then records the result (the challenge window starts now).
    function _acceptResult(
        uint256 jobId,
        Job storage job,
        bytes32 outputHash,
        uint256 tokenCount,
        uint256 nullifier,
        Groth16Proof calldata proof
    ) private {
        address provider = job.provider;
        uint256[7] memory signals = ReceiptPublicSignals.build(
            nullifier,
            _identities[provider],
            ReceiptPublicSignals.domain(block.chainid, address(this)),
            jobId,
            tokenCount,
            job.pricePerToken,
            job.modelDigest,
            job.promptHash,
            outputHash
        );
        if (!verifier.verifyProof(proof.a, proof.b, proof.c, signals)) revert EscrowInvalidProof(jobId);

        nullifierSpent[nullifier] = true;
        uint256 challengeEnds = block.timestamp + policy.parameters().challengeWindow;
        // One storage write: status, challengeEnds and tokenCount share the provider's slot.
        job.status = JobStatus.Submitted;
        job.challengeEnds = uint40(challengeEnds);
        job.tokenCount = uint32(tokenCount);
        emit ResultSubmitted(jobId, provider, outputHash, tokenCount, nullifier, challengeEnds);
    }

    /// @dev Credits provider, treasury and consumer for a job whose result stands.
    function _settle(uint256 jobId, Job storage job) private {
        job.status = JobStatus.Settled;
        uint256 escrowed = job.escrowed;
        uint256 fee = uint256(job.tokenCount) * job.pricePerToken;
        uint256 protocolFee = (fee * policy.parameters().protocolFeeBps) / BPS;
        address provider = job.provider;
        withdrawable[provider] += fee - protocolFee;
        if (protocolFee != 0) withdrawable[policy.treasury()] += protocolFee;
        if (escrowed != fee) withdrawable[job.consumer] += escrowed - fee;
        emit JobSettled(jobId, fee - protocolFee, protocolFee, escrowed - fee);
        reputation.adjustComponent(provider, IReputationRegistry.Component.Transactions, SUCCESS_TRANSACTIONS);
        reputation.adjustComponent(provider, IReputationRegistry.Component.Reliability, SUCCESS_RELIABILITY);
    }

    /// @dev Slashes `bps` of the provider's stake into this contract and credits the split.
    function _slash(address provider, uint256 bps, address wronged) private returns (uint256 slashed) {
        if (bps == 0) return 0;
        slashed = staking.slash(provider, bps);
        uint256 reward = (slashed * policy.parameters().slashRewardBps) / BPS;
        withdrawable[wronged] += reward;
        withdrawable[policy.treasury()] += slashed - reward;
    }

    function _withdraw(address account) private returns (uint256 amount) {
        amount = withdrawable[account];
        if (amount == 0) revert EscrowNothingToWithdraw(account);
        withdrawable[account] = 0;
        emit Withdrawn(account, amount);
        token.safeTransfer(account, amount);
    }

    function _checkEligible(address provider, bytes32 modelDigest, Tiers.Tier minTier) private {
        if (_identities[provider] == 0) {
            uint256 identity = staking.identityCommitmentOf(provider);
            if (identity == 0) revert EscrowProviderNotRegistered(provider);
            _identities[provider] = identity;
        }
        uint256 staked = staking.stakeOf(provider);
        uint256 minStake = staking.minStake();
        if (staked < minStake) revert EscrowStakeTooLow(provider, staked, minStake);
        if (!staking.servesModel(provider, modelDigest)) revert EscrowModelNotServed(provider, modelDigest);
        Tiers.Tier tier = reputation.tierOf(provider);
        if (tier < minTier) revert EscrowTierTooLow(provider, tier, minTier);
    }

    function _requireStatus(uint256 jobId, JobStatus status, JobStatus expected) private pure {
        if (status != expected) revert EscrowWrongStatus(jobId, status);
    }
}
