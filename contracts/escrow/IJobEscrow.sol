// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Tiers} from "../reputation/Tiers.sol";
import {IMarketPolicy} from "./IMarketPolicy.sol";

/// @title IJobEscrow
/// @notice Escrow of AITBC inference jobs settled with zero-knowledge receipts.
/// @dev Life of a job: `openJob` (the consumer escrows maxTokens × pricePerToken wei of AITBC) →
/// `claim` by an eligible provider, or directly assigned by `openJobWithQuote` with a provider's
/// EIP-712 quote → `submitResult` with a Groth16 receipt proof before the deadline (or
/// `submitInferenceResult`, with the model's full proof of inference as well, for a model the policy
/// gives a checker) → challenge window → `finalize` (provider paid tokens × price minus the
/// protocol fee, the rest refunded), or
/// `dispute` (with a bond) → `resolveDispute` by `ARBITER_ROLE`. `reclaim` refunds a job nobody
/// delivered by its deadline and penalises an assigned provider (reputation and a small slash)
/// only if it had the time it agreed to: a quote binds the prompt hash and the shortest time from
/// opening to the deadline (`minDuration`), and any assignment leaves at least `minPenaltyWindow`
/// seconds before the deadline for a miss to be penalised (see `Job.penalisable`).
/// Payments are pull payments: every payout is credited to `withdrawable[account]` and paid by
/// `withdraw` / `withdrawFor`. Token accounting (exact unless tokens are sent without a call):
/// `token.balanceOf(this) == Σ escrowed of jobs in Open/Claimed/Submitted/Disputed
///                          + Σ bonds of Disputed jobs + Σ withdrawable[account]`.
/// Every market parameter (protocol fee, challenge window, dispute bond, slashes, slash reward,
/// `minPenaltyWindow`, treasury, and which verification each model needs) is read from `policy()`
/// (`IMarketPolicy`, owned by the timelock, bounded on-chain) when it applies; this contract has no
/// parameter of its own. `DEFAULT_ADMIN_ROLE` (the timelock) only manages `ARBITER_ROLE`.
/// Tokens held here never vote (the contract never delegates).
interface IJobEscrow {
    /// @notice Status of a job.
    enum JobStatus {
        None,
        Open,
        Claimed,
        Submitted,
        Disputed,
        Settled,
        Refunded
    }

    /// @notice What a consumer asks for.
    /// @param modelDigest Digest of the model (the provider must serve it).
    /// @param promptHash Hash of the prompt (the prompt itself travels off-chain).
    /// @param maxTokens Most tokens paid for.
    /// @param pricePerToken Wei of AITBC per token.
    /// @param deadline Unix seconds by which the result must be submitted (at most 30 days ahead).
    /// @param minTier Lowest reputation tier of a provider allowed to claim.
    struct JobRequest {
        bytes32 modelDigest;
        bytes32 promptHash;
        uint32 maxTokens;
        uint128 pricePerToken;
        uint40 deadline;
        Tiers.Tier minTier;
    }

    /// @notice A provider's signed offer for one job (EIP-712, domain "AITBC JobEscrow" version "1",
    /// with this chain's id and this escrow as verifying contract). It binds every term that decides
    /// who pays and whether the provider can be slashed: the consumer, model, prompt, price, size and
    /// the provider's time; the escrow opens the job with exactly these terms.
    /// @param provider The signer (an EOA or an ERC-1271 contract wallet).
    /// @param consumer The consumer the offer is for (zero address: anyone may open it, once).
    /// @param modelDigest The model.
    /// @param promptHash Hash of the prompt the provider agreed to answer (the job's prompt hash).
    /// @param pricePerToken Wei per token.
    /// @param maxTokens Most tokens.
    /// @param minDuration Shortest time the provider accepts between the opening and the deadline,
    /// seconds: the job's deadline must be at least `block.timestamp + minDuration` at opening.
    /// @param expiry Unix seconds after which the quote cannot be used; at most `MAX_QUOTE_LIFETIME`
    /// ahead when used (a quote that never expires is refused).
    /// @param nonce Single-use number chosen by the provider (used or cancelled once, for good).
    struct Quote {
        address provider;
        address consumer;
        bytes32 modelDigest;
        bytes32 promptHash;
        uint128 pricePerToken;
        uint32 maxTokens;
        uint32 minDuration;
        uint40 expiry;
        uint256 nonce;
    }

    /// @notice A Groth16 proof as the generated verifier takes it.
    struct Groth16Proof {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    /// @notice A job as stored (amounts in wei, times in Unix seconds).
    /// @param penalisable Set at assignment: whether a missed deadline penalises the provider (slash
    /// and reputation). True when the deadline was at least `minPenaltyWindow` seconds after the
    /// assignment (a claim, or an open by quote, whose deadline the provider agreed to).
    struct Job {
        address consumer;
        uint40 deadline;
        uint32 maxTokens;
        Tiers.Tier minTier;
        address provider;
        JobStatus status;
        uint40 challengeEnds;
        uint32 tokenCount;
        bool penalisable;
        uint128 pricePerToken;
        uint128 escrowed;
        bytes32 modelDigest;
        bytes32 promptHash;
    }

    /// @notice A job was opened; `escrowed` wei were pulled from the consumer.
    event JobOpened(
        uint256 indexed jobId,
        address indexed consumer,
        bytes32 indexed modelDigest,
        bytes32 promptHash,
        uint256 maxTokens,
        uint256 pricePerToken,
        uint256 deadline,
        Tiers.Tier minTier
    );
    /// @notice A provider was assigned (by claim, or by quote when `quoteNonce` is set).
    event JobClaimed(uint256 indexed jobId, address indexed provider, bool byQuote, uint256 quoteNonce);
    /// @notice The consumer cancelled an unassigned job.
    event JobCancelled(uint256 indexed jobId);
    /// @notice A result with a valid receipt proof was accepted; challengeable until `challengeEnds`.
    event ResultSubmitted(
        uint256 indexed jobId,
        address indexed provider,
        bytes32 outputHash,
        uint256 tokenCount,
        uint256 nullifier,
        uint256 challengeEnds
    );
    /// @notice A job was paid: provider amount, protocol fee and consumer refund, wei.
    event JobSettled(uint256 indexed jobId, uint256 providerAmount, uint256 protocolFee, uint256 refund);
    /// @notice A result was disputed with a bond (wei).
    event JobDisputed(uint256 indexed jobId, address indexed disputer, uint256 bond);
    /// @notice The arbiter resolved a dispute; `slashed` wei of stake were taken from a guilty provider.
    event DisputeResolved(uint256 indexed jobId, bool providerAtFault, uint256 slashed);
    /// @notice A job missed its deadline and was refunded; `slashed` wei taken from its provider (if any).
    event JobExpired(uint256 indexed jobId, address indexed provider, uint256 slashed);
    /// @notice A provider cancelled one of its quote nonces.
    event QuoteCancelled(address indexed provider, uint256 nonce);
    /// @notice Credited tokens were paid out (wei).
    event Withdrawn(address indexed account, uint256 amount);
    /// @notice maxTokens × pricePerToken is zero.
    error EscrowZeroAmount();
    /// @notice The deadline is not in the future or more than 30 days ahead.
    error EscrowInvalidDeadline(uint256 deadline);
    /// @notice The job is not in the status the call needs.
    error EscrowWrongStatus(uint256 jobId, JobStatus status);
    /// @notice The caller is not the job's consumer.
    error EscrowNotConsumer(uint256 jobId, address caller);
    /// @notice The caller is not the job's provider.
    error EscrowNotProvider(uint256 jobId, address caller);
    /// @notice The provider has no stake registration.
    error EscrowProviderNotRegistered(address provider);
    /// @notice The provider's stake is below the minimum.
    error EscrowStakeTooLow(address provider, uint256 stake, uint256 minStake);
    /// @notice The provider does not serve the model.
    error EscrowModelNotServed(address provider, bytes32 modelDigest);
    /// @notice The provider's tier is below the job's minimum.
    error EscrowTierTooLow(address provider, Tiers.Tier tier, Tiers.Tier minTier);
    /// @notice The deadline has passed.
    error EscrowDeadlinePassed(uint256 jobId, uint256 deadline);
    /// @notice The deadline has not passed yet.
    error EscrowDeadlineNotPassed(uint256 jobId, uint256 deadline);
    /// @notice More tokens than the job allows.
    error EscrowTooManyTokens(uint256 jobId, uint256 tokenCount, uint256 maxTokens);
    /// @notice The nullifier was used by an earlier receipt.
    error EscrowNullifierSpent(uint256 nullifier);
    /// @notice The receipt proof does not verify for this job, provider and result.
    error EscrowInvalidProof(uint256 jobId);
    /// @notice The challenge window is still open.
    error EscrowChallengeWindowOpen(uint256 jobId, uint256 challengeEnds);
    /// @notice The challenge window has closed.
    error EscrowChallengeWindowClosed(uint256 jobId, uint256 challengeEnds);
    /// @notice The quote has expired.
    error EscrowQuoteExpired(uint256 expiry);
    /// @notice The quote's expiry is more than `MAX_QUOTE_LIFETIME` seconds ahead (e.g. a quote that
    /// never expires); `latest` is the latest expiry accepted now, Unix seconds.
    error EscrowQuoteExpiryTooFar(uint256 expiry, uint256 latest);
    /// @notice The deadline gives the quoting provider less time than it agreed to: `deadline` is
    /// before `earliest` = `block.timestamp + quote.minDuration`, Unix seconds.
    error EscrowDeadlineTooSoon(uint256 deadline, uint256 earliest);
    /// @notice The quote is for another consumer.
    error EscrowQuoteNotForCaller(address consumer, address caller);
    /// @notice The quote's nonce was used or cancelled.
    error EscrowQuoteUsed(address provider, uint256 nonce);
    /// @notice The quote's signature is not the provider's.
    error EscrowInvalidQuoteSignature(address provider);
    /// @notice Nothing credited to withdraw.
    error EscrowNothingToWithdraw(address account);
    /// @notice The zero address where a contract is needed (the policy, at construction).
    error EscrowZeroAddress();
    /// @notice The job's model has a checker of its full proof of inference (`IMarketPolicy.checkerOf`):
    /// it settles only through `submitInferenceResult`.
    error EscrowInferenceProofRequired(uint256 jobId, bytes32 modelDigest);
    /// @notice `submitInferenceResult` for a job whose model has no checker (it settles by
    /// `submitResult`, receipt and challenge window).
    error EscrowNoInferenceChecker(uint256 jobId, bytes32 modelDigest);

    /// @notice Opens a job and pulls maxTokens × pricePerToken wei of AITBC from the caller.
    /// @return jobId The new job's id (a counter from 1; fits the circuit's uint64).
    /// Emits `JobOpened`. Reverts with `EscrowZeroAmount`, `EscrowInvalidDeadline`.
    function openJob(JobRequest calldata request) external returns (uint256 jobId);

    /// @notice Opens a job already assigned to the quote's provider (after off-chain negotiation).
    /// Model, prompt hash, price and max tokens come from the signed quote; the deadline is the
    /// caller's but must give the provider at least the `quote.minDuration` it agreed to (a longer
    /// deadline only gives it more time, up to the 30-day cap).
    /// @param quote The provider's offer.
    /// @param signature The provider's EIP-712 signature of `quote` (ECDSA, or ERC-1271 for contract wallets).
    /// @param deadline Submission deadline, Unix seconds: at least `block.timestamp + quote.minDuration`
    /// and at most 30 days ahead.
    /// @return jobId The new job's id.
    /// Emits `JobOpened`, `JobClaimed`. Reverts with `EscrowQuoteExpired`, `EscrowQuoteExpiryTooFar`,
    /// `EscrowQuoteNotForCaller`, `EscrowQuoteUsed`, `EscrowDeadlineTooSoon`,
    /// `EscrowInvalidQuoteSignature`, the eligibility errors of `claim`, and those of `openJob`.
    function openJobWithQuote(
        Quote calldata quote,
        bytes calldata signature,
        uint40 deadline
    ) external returns (uint256 jobId);

    /// @notice Assigns an open job to the caller, who must be registered, staked at least
    /// `minStake`, serve the model and be at least the job's tier. A provider claiming a job whose
    /// deadline is less than `minPenaltyWindow` seconds away is not penalised if it misses it (the
    /// consumer is refunded all the same); with more time left, the claim binds it to the deadline.
    /// Emits `JobClaimed`. Reverts with `EscrowWrongStatus`, `EscrowDeadlinePassed`,
    /// `EscrowProviderNotRegistered`, `EscrowStakeTooLow`, `EscrowModelNotServed`, `EscrowTierTooLow`.
    function claim(uint256 jobId) external;

    /// @notice Cancels an unassigned job and credits the escrow back to the consumer.
    /// Emits `JobCancelled`. Reverts with `EscrowNotConsumer`, `EscrowWrongStatus`.
    function cancelJob(uint256 jobId) external;

    /// @notice Cancels a quote nonce of the caller. Emits `QuoteCancelled`. Reverts with `EscrowQuoteUsed`.
    function cancelQuote(uint256 nonce) external;

    /// @notice Submits the result with its receipt proof. The escrow rebuilds the public signals
    /// from the job, the provider's identity commitment in staking and the submitted values, so a
    /// proof made for another job, provider, price, model, prompt, output or token count fails.
    /// @param jobId The job.
    /// @param outputHash Hash of the output.
    /// @param tokenCount Tokens produced (at most the job's maxTokens).
    /// A job whose model has a checker in the policy is refused (`EscrowInferenceProofRequired`).
    /// The challenge window (`policy().parameters().challengeWindow` seconds) starts now.
    /// @param nullifier Poseidon(secret, domain, jobId), single use; domain = (chainId << 160) | escrow.
    /// @param proof The Groth16 proof.
    /// Emits `ResultSubmitted`. Reverts with `EscrowWrongStatus`, `EscrowNotProvider`,
    /// `EscrowDeadlinePassed`, `EscrowTooManyTokens`, `EscrowNullifierSpent`, `EscrowInferenceProofRequired`,
    /// `EscrowInvalidProof`.
    function submitResult(
        uint256 jobId,
        bytes32 outputHash,
        uint256 tokenCount,
        uint256 nullifier,
        Groth16Proof calldata proof
    ) external;

    /// @notice Submits the result of a job whose model has a checker (`policy().checkerOf(modelDigest)`):
    /// the checker verifies the full proof of inference first, bound to the job (jobKey = `jobId`), its
    /// prompt hash, the output hash and the token count, and its `Inference*` error bubbles up unchanged
    /// if it fails; then the receipt proof is verified exactly as in `submitResult`. A wrong answer on
    /// such a model cannot be settled at all.
    /// @param jobId The job.
    /// @param outputHash keccak256 of the output (for the built-in model, of the label text).
    /// @param tokenCount Tokens produced (the checker fixes it; 1 for the built-in model).
    /// @param nullifier As in `submitResult`.
    /// @param proof The receipt proof.
    /// @param inference The checker's evidence (built-in model: `abi.encode(bytes prompt, uint256[8] proof)`).
    /// Emits `ResultSubmitted`. Reverts with the errors of `submitResult` (but not
    /// `EscrowInferenceProofRequired`), `EscrowNoInferenceChecker` and the checker's `Inference*` errors.
    function submitInferenceResult(
        uint256 jobId,
        bytes32 outputHash,
        uint256 tokenCount,
        uint256 nullifier,
        Groth16Proof calldata proof,
        bytes calldata inference
    ) external;

    /// @notice After an undisputed challenge window, credits the provider tokens × price minus the
    /// protocol fee (`protocolFeeBps` of the policy, read now), the fee to the policy's treasury and
    /// the rest to the consumer; raises the provider's transactions (+5) and reliability (+2)
    /// reputation. Anyone may call.
    /// Emits `JobSettled`. Reverts with `EscrowWrongStatus`, `EscrowChallengeWindowOpen`.
    function finalize(uint256 jobId) external;

    /// @notice Disputes a submitted result within the challenge window, pulling the policy's
    /// `disputeBond` wei (read now, and recorded with the dispute) from the caller (the consumer or any challenger).
    /// Emits `JobDisputed`. Reverts with `EscrowWrongStatus`, `EscrowChallengeWindowClosed`.
    function dispute(uint256 jobId) external;

    /// @notice Resolves a dispute. Role: arbiter (the security council).
    /// Provider at fault: the consumer gets the whole escrow back, the disputer its bond back plus
    /// `slashRewardBps` of a `disputeSlashBps` slash of the provider's stake (the rest of the slash
    /// to the treasury); the provider loses 25 dispute and 20 transaction reputation.
    /// Provider not at fault: the bond goes to the provider, the job settles as in `finalize`, and
    /// the provider gains 5 dispute reputation.
    /// Emits `DisputeResolved` (and `JobSettled`). Reverts with `EscrowWrongStatus`.
    function resolveDispute(uint256 jobId, bool providerAtFault) external;

    /// @notice Refunds a job whose deadline passed without a result (anyone may call; the refund
    /// and any slash share are credited to the consumer, never to the caller). An assigned
    /// provider whose job is `penalisable` (it had at least its agreed time and `minPenaltyWindow`)
    /// is penalised: `deadlineSlashBps` of its stake (split like a dispute slash, the consumer's
    /// share to the consumer) and -10 reliability, -5 transactions reputation; otherwise nothing.
    /// Emits `JobExpired`. Reverts with `EscrowWrongStatus`, `EscrowDeadlineNotPassed`.
    function reclaim(uint256 jobId) external;

    /// @notice Pays the caller everything credited to it. Emits `Withdrawn`.
    /// Reverts with `EscrowNothingToWithdraw`.
    function withdraw() external returns (uint256 amount);

    /// @notice Pays `account` everything credited to it (anyone may trigger; tokens go only to
    /// `account`, e.g. the treasury). Emits `Withdrawn`. Reverts with `EscrowNothingToWithdraw`.
    function withdrawFor(address account) external returns (uint256 amount);

    /// @notice The market policy every parameter is read from.
    function policy() external view returns (IMarketPolicy);

    /// @notice Role that resolves disputes (the security council Safe).
    function ARBITER_ROLE() external view returns (bytes32);

    /// @notice The stored job.
    function jobOf(uint256 jobId) external view returns (Job memory);

    /// @notice The EIP-712 digest a provider signs for `quote`.
    function quoteDigest(Quote calldata quote) external view returns (bytes32);

    /// @notice Credited, unwithdrawn wei of an account.
    function withdrawable(address account) external view returns (uint256);

    /// @notice Whether a receipt nullifier was used.
    function nullifierSpent(uint256 nullifier) external view returns (bool);

    /// @notice Whether a provider's quote nonce was used or cancelled.
    function quoteNonceUsed(address provider, uint256 nonce) external view returns (bool);

    /// @notice The dispute of a job: disputer and bond (wei).
    function disputeOf(uint256 jobId) external view returns (address disputer, uint256 bond);
}
