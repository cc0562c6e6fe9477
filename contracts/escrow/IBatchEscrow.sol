// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IBatchEscrow
/// @notice Settlement of many inference jobs per transaction and per proof, paid from consumers' deposits.
/// @dev A consumer (an EOA, or a contract wallet through ERC-1271 such as the AgentWallet) deposits AITBC once
/// and signs one EIP-712 `BatchJobRequest` per job off-chain (domain "AITBC BatchEscrow" version "1", this
/// chain's id, this contract). A provider answers the requests and settles up to `MAX_BATCH_SIZE` of them in
/// one `settleBatch` with one Groth16 batch-receipt proof: the escrow checks every request (signature,
/// provider, deadline, nonce, model served, token count), debits each consumer's deposit `tokenCount ×
/// pricePerToken` wei, builds the Merkle root of the jobs' leaves (`leafHash`, OpenZeppelin commutative
/// keccak256 pairs, level by level, an odd last node carried up) and verifies the proof against the
/// provider's identity commitment and `commitment = uint256(keccak256(abi.encode(block.chainid,
/// address(this), provider, jobsRoot, jobCount))) >> 8`. Jobs of a model with a full proof of inference
/// (`IMarketPolicy.checkerOf`) also carry that proof, checked per job. After the batch's challenge window
/// `finalizeBatch` pays the provider for every undisputed job at once; a disputed job is held apart and
/// resolved alone (`resolveBatchDispute`, or `claimWithheld` when nobody revealed its data in time), so a
/// dispute never delays the other jobs' payment. Payouts are pull payments (`withdraw`, `withdrawFor`).
/// The request nonces are the jobs' nullifiers: each (consumer, nonce) settles once, ever.
/// Parameters (fees, windows, bond, slashes, treasury) are read from `IMarketPolicy`.
/// Token accounting (exact unless tokens are sent without a call):
/// `token.balanceOf(this) == Σ deposit balances + Σ unfinalized fees of Submitted batches
///                          + Σ fees and bonds of open disputes + Σ withdrawable`.
/// Constructor: `(IERC20 token, IGPUStaking staking, IReputationRegistry reputation, IMarketPolicy policy,
/// IBatchReceiptVerifier verifier, address admin)`; this contract needs `ESCROW_ROLE` in staking and
/// reputation, and `ARBITER_ROLE` is the council Safe.
interface IBatchEscrow {
    /// @notice A consumer's signed request for one job, paid from its deposit (EIP-712 type
    /// `BatchJobRequest(address consumer,address provider,bytes32 modelDigest,bytes32 promptHash,
    /// uint128 pricePerToken,uint32 maxTokens,uint40 deadline,uint256 nonce)`).
    /// @param consumer The payer: its deposit is debited; it signs (ECDSA, or ERC-1271 for contracts).
    /// @param provider The only provider that may settle it.
    /// @param modelDigest The model.
    /// @param promptHash keccak256 of the prompt payload.
    /// @param pricePerToken Wei per token.
    /// @param maxTokens Most tokens paid for.
    /// @param deadline Unix seconds; the batch carrying it must be settled at or before this time.
    /// @param nonce Single-use number of the consumer (unordered; a bitmap of 256 nonces per word).
    struct BatchJobRequest {
        address consumer;
        address provider;
        bytes32 modelDigest;
        bytes32 promptHash;
        uint128 pricePerToken;
        uint32 maxTokens;
        uint40 deadline;
        uint256 nonce;
    }

    /// @notice One job in `settleBatch`.
    /// @param request The consumer's request.
    /// @param signature The consumer's signature of `requestDigest(request)`.
    /// @param outputHash keccak256 of the output.
    /// @param tokenCount Tokens produced (at most `maxTokens`); the fee is `tokenCount × pricePerToken`.
    /// @param inference Empty, or for a model with a checker the evidence it takes (see `IInferenceChecker`).
    struct BatchJob {
        BatchJobRequest request;
        bytes signature;
        bytes32 outputHash;
        uint32 tokenCount;
        bytes inference;
    }

    /// @notice A job as committed in its batch's Merkle tree: `leafHash(leaf) = keccak256(abi.encode(leaf))`.
    struct BatchLeaf {
        uint256 index;
        bytes32 requestDigest;
        address consumer;
        bytes32 outputHash;
        uint32 tokenCount;
        uint256 fee;
    }

    /// @notice Status of a batch.
    enum BatchStatus {
        None,
        Submitted,
        Finalized
    }

    /// @notice A settled batch (amounts in wei, times in Unix seconds).
    /// @param settledBlock The block that included the batch: its hash seeds the sampling rule.
    struct Batch {
        address provider;
        BatchStatus status;
        uint40 challengeEnds;
        uint16 jobCount;
        uint16 disputedCount;
        uint128 totalFee;
        uint128 disputedFee;
        bytes32 jobsRoot;
        uint64 settledBlock;
    }

    /// @notice Status of a disputed batch job.
    enum DisputeStatus {
        None,
        Open,
        Revealed,
        ProviderAtFault,
        ProviderNotAtFault
    }

    /// @notice The dispute of one job of a batch.
    /// @param revealDeadline Until when the prompt and output can be revealed (`revealBatchJob`).
    struct JobDispute {
        address disputer;
        DisputeStatus status;
        uint40 revealDeadline;
        address consumer;
        uint96 bond;
        uint128 fee;
        bytes32 requestDigest;
        bytes32 outputHash;
    }

    /// @notice A consumer's deposit (wei, Unix seconds).
    struct Deposit {
        uint128 balance;
        uint128 pendingWithdrawal;
        uint40 unlockAt;
    }

    /// @notice `amount` wei were added to `account`'s deposit.
    event Deposited(address indexed account, uint256 amount);
    /// @notice `account` announced a withdrawal of `amount` wei, possible from `unlockAt`.
    event WithdrawalRequested(address indexed account, uint256 amount, uint256 unlockAt);
    /// @notice `amount` wei left `account`'s deposit to it.
    event DepositWithdrawn(address indexed account, uint256 amount);
    /// @notice A batch was settled; challengeable until `challengeEnds`.
    event BatchSettled(
        uint256 indexed batchId,
        address indexed provider,
        uint256 jobCount,
        uint256 totalFee,
        bytes32 jobsRoot,
        uint256 challengeEnds
    );
    /// @notice One job of a batch (its leaf fields, and the request's model and prompt for watchers).
    event BatchJobSettled(
        uint256 indexed batchId,
        address indexed consumer,
        bytes32 indexed modelDigest,
        uint256 index,
        bytes32 requestDigest,
        bytes32 promptHash,
        bytes32 outputHash,
        uint256 tokenCount,
        uint256 fee
    );
    /// @notice A batch was paid: the provider for `jobsPaid` undisputed jobs, the treasury its fee (wei).
    event BatchFinalized(uint256 indexed batchId, uint256 providerAmount, uint256 protocolFee, uint256 jobsPaid);
    /// @notice One job of a batch was disputed with a bond (wei).
    event BatchJobDisputed(uint256 indexed batchId, uint256 indexed index, address indexed disputer, uint256 bond);
    /// @notice The prompt and output of a disputed job were revealed (checked against their hashes).
    event BatchJobRevealed(uint256 indexed batchId, uint256 indexed index, bytes prompt, bytes output);
    /// @notice A batch job's dispute was resolved; `slashed` wei of stake were taken from a guilty provider.
    event BatchDisputeResolved(uint256 indexed batchId, uint256 indexed index, bool providerAtFault, uint256 slashed);
    /// @notice Credited tokens were paid out (wei).
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice A zero amount.
    error BatchZeroAmount();
    /// @notice No jobs, or more than `MAX_BATCH_SIZE`.
    error BatchInvalidSize(uint256 size, uint256 max);
    /// @notice Job `index` names another provider than the caller.
    error BatchRequestNotForProvider(uint256 index, address provider);
    /// @notice Job `index`'s request deadline has passed.
    error BatchRequestExpired(uint256 index, uint256 deadline);
    /// @notice The consumer's nonce was already settled.
    error BatchNonceUsed(address consumer, uint256 nonce);
    /// @notice Job `index`'s signature is not its consumer's.
    error BatchInvalidRequestSignature(uint256 index, address consumer);
    /// @notice Job `index` claims more tokens than its request allows.
    error BatchTooManyTokens(uint256 index, uint256 tokenCount, uint256 maxTokens);
    /// @notice The consumer's deposit does not cover the fee (wei).
    error BatchDepositTooLow(address consumer, uint256 balance, uint256 needed);
    /// @notice The provider has no stake registration.
    error BatchProviderNotRegistered(address provider);
    /// @notice The provider's stake is below the minimum (wei).
    error BatchStakeTooLow(address provider, uint256 stake, uint256 minStake);
    /// @notice The provider does not serve the model.
    error BatchModelNotServed(address provider, bytes32 modelDigest);
    /// @notice Job `index` is of a model that needs a proof of inference and carries none.
    error BatchInferenceProofRequired(uint256 index, bytes32 modelDigest);
    /// @notice The batch-receipt proof does not verify for this provider and these jobs.
    error BatchInvalidProof(bytes32 jobsRoot);
    /// @notice The batch is not in the status the call needs.
    error BatchWrongStatus(uint256 batchId, BatchStatus status);
    /// @notice The challenge window is still open / has closed.
    error BatchChallengeWindowOpen(uint256 batchId, uint256 challengeEnds);
    /// @notice The challenge window has closed.
    error BatchChallengeWindowClosed(uint256 batchId, uint256 challengeEnds);
    /// @notice The leaf and proof do not match the batch's root.
    error BatchInvalidLeaf(uint256 batchId, uint256 index);
    /// @notice The dispute is not in the status the call needs.
    error BatchWrongDisputeStatus(uint256 batchId, uint256 index, DisputeStatus status);
    /// @notice The revealed request, prompt or output does not match the committed hashes.
    error BatchRevealMismatch(uint256 batchId, uint256 index);
    /// @notice The reveal window is still open.
    error BatchRevealWindowOpen(uint256 batchId, uint256 index, uint256 revealDeadline);
    /// @notice The reveal window has closed: the data was withheld (`claimWithheld`), a late reveal cannot undo it.
    error BatchRevealWindowClosed(uint256 batchId, uint256 index, uint256 revealDeadline);
    /// @notice The deposit withdrawal is not unlocked yet (or none was requested).
    error BatchWithdrawalLocked(address account, uint256 unlockAt);
    /// @notice Nothing credited to withdraw.
    error BatchNothingToWithdraw(address account);

    /// @notice Most jobs in one batch.
    function MAX_BATCH_SIZE() external view returns (uint256);
    /// @notice Seconds between `requestWithdrawal` and `withdrawDeposit` (1 day): a provider that settles a
    /// request within a day of receiving it is always paid.
    function WITHDRAWAL_DELAY() external view returns (uint256);
    /// @notice Role that resolves disputes (the security council Safe).
    function ARBITER_ROLE() external view returns (bytes32);

    /// @notice Adds `amount` wei of AITBC (pulled from the caller) to the caller's deposit. Emits `Deposited`.
    /// Reverts with `BatchZeroAmount`. (An AgentWallet's agent or session key deposits through `payInto`,
    /// which counts the amount against its spending limit, so a deposit is never a way around the limit.)
    function deposit(uint256 amount) external;

    /// @notice Announces a withdrawal of `amount` wei (replacing any earlier announcement), possible after
    /// `WITHDRAWAL_DELAY`. The deposit stays spendable until withdrawn. Emits `WithdrawalRequested`.
    /// Reverts with `BatchZeroAmount`.
    function requestWithdrawal(uint256 amount) external;

    /// @notice Pays the caller the announced amount (or the whole balance if smaller) once unlocked.
    /// Emits `DepositWithdrawn`. Reverts with `BatchWithdrawalLocked`, `BatchNothingToWithdraw`.
    function withdrawDeposit() external returns (uint256 amount);

    /// @notice Settles `jobs` for the caller (the provider) with one batch-receipt proof, given as
    /// `[pA[0], pA[1], pB[0][0], pB[0][1], pB[1][0], pB[1][1], pC[0], pC[1]]` (the verifier's argument order).
    /// @return batchId The new batch's id (a counter from 1).
    /// Emits `BatchSettled`, one `BatchJobSettled` per job. Reverts with `BatchInvalidSize`,
    /// `BatchProviderNotRegistered`, `BatchStakeTooLow`, `BatchModelNotServed`, `BatchRequestNotForProvider`,
    /// `BatchRequestExpired`, `BatchTooManyTokens`, `BatchNonceUsed`, `BatchInvalidRequestSignature`,
    /// `BatchDepositTooLow`, `BatchInferenceProofRequired`, the checker's `Inference*` errors, `BatchInvalidProof`.
    function settleBatch(BatchJob[] calldata jobs, uint256[8] calldata proof) external returns (uint256 batchId);

    /// @notice After the challenge window (anyone may call): credits the provider the fees of the undisputed
    /// jobs minus the protocol fee, the treasury that fee; +5 transactions and +2 reliability reputation per
    /// paid job. Emits `BatchFinalized`. Reverts with `BatchWrongStatus`, `BatchChallengeWindowOpen`.
    function finalizeBatch(uint256 batchId) external;

    /// @notice Disputes job `leaf.index` of a batch within its challenge window, pulling the dispute bond from
    /// the caller (the consumer or any watcher). `proof` is the leaf's Merkle proof against `jobsRoot`.
    /// Emits `BatchJobDisputed`. Reverts with `BatchWrongStatus`, `BatchChallengeWindowClosed`,
    /// `BatchInvalidLeaf`, `BatchWrongDisputeStatus` (already disputed).
    function disputeBatchJob(uint256 batchId, BatchLeaf calldata leaf, bytes32[] calldata proof) external;

    /// @notice Reveals a disputed job's request, prompt and output on-chain (anyone who has them: the
    /// provider, the consumer), at the latest at the dispute's `revealDeadline` (Unix seconds). Checks
    /// `requestDigest(request)`, keccak256(prompt) == promptHash and keccak256(output) == outputHash.
    /// Emits `BatchJobRevealed`. Reverts with `BatchWrongDisputeStatus`, `BatchRevealWindowClosed`,
    /// `BatchRevealMismatch`.
    function revealBatchJob(
        uint256 batchId,
        uint256 index,
        BatchJobRequest calldata request,
        bytes calldata prompt,
        bytes calldata output
    ) external;

    /// @notice After the reveal window of an unrevealed dispute (anyone may call): the provider withheld the
    /// data and is at fault, with the effects of `resolveBatchDispute(batchId, index, true)`.
    /// Reverts with `BatchWrongDisputeStatus`, `BatchRevealWindowOpen`.
    function claimWithheld(uint256 batchId, uint256 index) external;

    /// @notice Resolves a batch job's dispute. Role: arbiter. At fault: the job's fee back to the consumer's
    /// deposit, the bond back to the disputer plus `slashRewardBps` of a `disputeSlashBps` slash of the
    /// provider's stake (the rest to the treasury); -25 disputes, -20 transactions reputation. Not at fault:
    /// the bond and the fee (minus the protocol fee) to the provider, +5 disputes reputation.
    /// Emits `BatchDisputeResolved`. Reverts with `BatchWrongDisputeStatus`.
    function resolveBatchDispute(uint256 batchId, uint256 index, bool providerAtFault) external;

    /// @notice Pays the caller everything credited to it. Emits `Withdrawn`. Reverts with `BatchNothingToWithdraw`.
    function withdraw() external returns (uint256 amount);

    /// @notice Pays `account` everything credited to it (anyone may trigger). Emits `Withdrawn`.
    function withdrawFor(address account) external returns (uint256 amount);

    /// @notice The EIP-712 digest a consumer signs for `request`.
    function requestDigest(BatchJobRequest calldata request) external view returns (bytes32);
    /// @notice The batch commitment the proof binds (see the contract's description).
    function batchCommitment(address provider, bytes32 jobsRoot, uint256 jobCount) external view returns (uint256);
    /// @notice keccak256(abi.encode(leaf)).
    function leafHash(BatchLeaf calldata leaf) external pure returns (bytes32);
    /// @notice Whether `consumer`'s `nonce` was settled.
    function nonceUsed(address consumer, uint256 nonce) external view returns (bool);
    /// @notice A consumer's deposit.
    function depositOf(address account) external view returns (Deposit memory);
    /// @notice A batch.
    function batchOf(uint256 batchId) external view returns (Batch memory);
    /// @notice The dispute of job `index` of a batch.
    function disputeOf(uint256 batchId, uint256 index) external view returns (JobDispute memory);
    /// @notice Credited, unwithdrawn wei of an account.
    function withdrawable(address account) external view returns (uint256);
    /// @notice Id of the most recent batch (0 before the first).
    function lastBatchId() external view returns (uint256);
}
