// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {BitMaps} from "@openzeppelin/contracts/utils/structs/BitMaps.sol";

import {IReputationRegistry} from "../reputation/IReputationRegistry.sol";
import {IGPUStaking} from "../staking/IGPUStaking.sol";
import {BatchMerkle} from "./BatchMerkle.sol";
import {IBatchEscrow} from "./IBatchEscrow.sol";
import {IBatchReceiptVerifier} from "./IBatchReceiptVerifier.sol";
import {IInferenceChecker} from "./IInferenceChecker.sol";
import {IMarketPolicy} from "./IMarketPolicy.sol";

/// @title BatchEscrow
/// @notice Settlement of many inference jobs per transaction and per proof, paid from consumers' deposits.
/// See {IBatchEscrow}.
/// @dev Effects before interactions everywhere; every entry point that moves tokens or calls out is
/// `nonReentrant`. During `settleBatch` the only outside calls are views (staking, reputation, policy) and
/// static calls (ERC-1271 signature checks, inference checkers, the verifier), so no callee can change state.
/// Payouts are credits withdrawn by the payee (pull payments). Parameters are read from the market policy.
contract BatchEscrow is IBatchEscrow, AccessControl, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using BitMaps for BitMaps.BitMap;

    /// @inheritdoc IBatchEscrow
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    /// @inheritdoc IBatchEscrow
    uint256 public constant MAX_BATCH_SIZE = 256;
    /// @inheritdoc IBatchEscrow
    uint256 public constant WITHDRAWAL_DELAY = 1 days;

    /// @notice EIP-712 type of a job request.
    bytes32 public constant REQUEST_TYPEHASH = keccak256(
        "BatchJobRequest(address consumer,address provider,bytes32 modelDigest,bytes32 promptHash,"
        "uint128 pricePerToken,uint32 maxTokens,uint40 deadline,uint256 nonce)"
    );

    uint256 private constant BPS = 10_000;
    // Reputation deltas (the same as JobEscrow's, per job).
    int256 private constant SUCCESS_TRANSACTIONS = 5;
    int256 private constant SUCCESS_RELIABILITY = 2;
    int256 private constant DISPUTE_LOST_DISPUTES = -25;
    int256 private constant DISPUTE_LOST_TRANSACTIONS = -20;
    int256 private constant DISPUTE_WON_DISPUTES = 5;

    /// @notice The AITBC token.
    IERC20 public immutable token;
    /// @notice Provider staking (identity commitments, eligibility, slashing).
    IGPUStaking public immutable staking;
    /// @notice Reputation registry (this contract holds its ESCROW_ROLE).
    IReputationRegistry public immutable reputation;
    /// @notice The market policy: parameters, treasury, verification per model.
    IMarketPolicy public immutable policy;
    /// @notice The generated Groth16 verifier of the batch-receipt circuit.
    IBatchReceiptVerifier public immutable verifier;

    uint256 private _lastBatchId;
    mapping(address account => Deposit) private _deposits;
    mapping(address consumer => BitMaps.BitMap) private _nonces;
    mapping(uint256 batchId => StoredBatch) private _batches;
    mapping(uint256 batchId => mapping(uint256 index => JobDispute)) private _disputes;
    /// @inheritdoc IBatchEscrow
    mapping(address account => uint256) public withdrawable;
    /// @dev Identity commitments are fixed at registration in staking: copied at a provider's first batch.
    mapping(address provider => uint256) private _identities;

    /// @dev A batch as stored: `Batch`'s fields in three slots written at settlement (`settledBlock` packed
    /// beside `totalFee`) and a fourth written only when a job is disputed (one 22.1k-gas write less per batch).
    struct StoredBatch {
        address provider;
        BatchStatus status;
        uint40 challengeEnds;
        uint16 jobCount;
        uint16 disputedCount;
        uint128 totalFee;
        uint64 settledBlock;
        bytes32 jobsRoot;
        uint128 disputedFee;
    }

    /// @dev What the per-job loop of `settleBatch` carries (kept in memory against stack depth).
    struct SettleContext {
        uint256 batchId;
        address provider;
        bytes32 model;
        IInferenceChecker checker;
        uint256 totalFee;
    }

    /// @param token_ The AITBC token.
    /// @param staking_ Provider staking (this escrow needs its ESCROW_ROLE).
    /// @param reputation_ The reputation registry (this escrow needs its ESCROW_ROLE).
    /// @param policy_ The market policy (parameters, treasury, verification per model).
    /// @param verifier_ The batch-receipt verifier.
    /// @param admin Holder of `DEFAULT_ADMIN_ROLE` (the timelock, after deployment wiring).
    constructor(
        IERC20 token_,
        IGPUStaking staking_,
        IReputationRegistry reputation_,
        IMarketPolicy policy_,
        IBatchReceiptVerifier verifier_,
        address admin
    ) EIP712("AITBC BatchEscrow", "1") {
        token = token_;
        staking = staking_;
        reputation = reputation_;
        policy = policy_;
        verifier = verifier_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------- deposits

    /// @inheritdoc IBatchEscrow
    function deposit(uint256 amount) external nonReentrant {
        if (amount == 0) revert BatchZeroAmount();
        Deposit storage d = _deposits[msg.sender];
        d.balance = SafeCast.toUint128(d.balance + amount);
        emit Deposited(msg.sender, amount);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IBatchEscrow
    function requestWithdrawal(uint256 amount) external {
        if (amount == 0) revert BatchZeroAmount();
        Deposit storage d = _deposits[msg.sender];
        uint256 unlockAt = block.timestamp + WITHDRAWAL_DELAY;
        // More than the balance is allowed: `withdrawDeposit` pays at most the balance then.
        d.pendingWithdrawal = SafeCast.toUint128(amount);
        d.unlockAt = uint40(unlockAt);
        emit WithdrawalRequested(msg.sender, amount, unlockAt);
    }

    /// @inheritdoc IBatchEscrow
    function withdrawDeposit() external nonReentrant returns (uint256 amount) {
        Deposit storage d = _deposits[msg.sender];
        uint256 unlockAt = d.unlockAt;
        if (d.pendingWithdrawal == 0 || block.timestamp < unlockAt) revert BatchWithdrawalLocked(msg.sender, unlockAt);
        uint256 balance = d.balance;
        amount = d.pendingWithdrawal < balance ? d.pendingWithdrawal : balance;
        if (amount == 0) revert BatchNothingToWithdraw(msg.sender);
        d.balance = uint128(balance - amount);
        d.pendingWithdrawal = 0;
        d.unlockAt = 0;
        emit DepositWithdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- settlement

    /// @inheritdoc IBatchEscrow
    function settleBatch(
        BatchJob[] calldata jobs,
        uint256[8] calldata proof
    ) external nonReentrant returns (uint256 batchId) {
        uint256 count = jobs.length;
        if (count == 0 || count > MAX_BATCH_SIZE) revert BatchInvalidSize(count, MAX_BATCH_SIZE);
        uint256 identity = _checkProvider(msg.sender);
        batchId = ++_lastBatchId;
        SettleContext memory ctx = SettleContext({
            batchId: batchId,
            provider: msg.sender,
            model: bytes32(0),
            checker: IInferenceChecker(address(0)),
            totalFee: 0
        });
        bytes32[] memory leaves = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) leaves[i] = _settleJob(ctx, i, jobs[i]);
        bytes32 jobsRoot = BatchMerkle.root(leaves);
        _verifyBatch(identity, jobsRoot, count, proof);

        uint256 challengeEnds = block.timestamp + policy.parameters().challengeWindow;
        StoredBatch storage batch = _batches[batchId];
        batch.provider = msg.sender;
        batch.status = BatchStatus.Submitted;
        batch.challengeEnds = uint40(challengeEnds);
        batch.jobCount = uint16(count);
        // Σ fees ≤ Σ deposits debited ≤ the token's supply; SafeCast makes the bound explicit.
        batch.totalFee = SafeCast.toUint128(ctx.totalFee);
        batch.jobsRoot = jobsRoot;
        batch.settledBlock = uint64(block.number);
        emit BatchSettled(batchId, msg.sender, count, ctx.totalFee, jobsRoot, challengeEnds);
    }

    /// @inheritdoc IBatchEscrow
    function finalizeBatch(uint256 batchId) external nonReentrant {
        StoredBatch storage batch = _batches[batchId];
        _requireBatchStatus(batchId, batch.status, BatchStatus.Submitted);
        if (block.timestamp <= batch.challengeEnds) revert BatchChallengeWindowOpen(batchId, batch.challengeEnds);
        batch.status = BatchStatus.Finalized;
        address provider = batch.provider;
        uint256 amount = uint256(batch.totalFee) - batch.disputedFee;
        uint256 jobsPaid = uint256(batch.jobCount) - batch.disputedCount;
        uint256 protocolFee = (amount * policy.parameters().protocolFeeBps) / BPS;
        withdrawable[provider] += amount - protocolFee;
        if (protocolFee != 0) withdrawable[policy.treasury()] += protocolFee;
        emit BatchFinalized(batchId, amount - protocolFee, protocolFee, jobsPaid);
        if (jobsPaid != 0) {
            // One call per component with the batch's summed delta (the registry clamps to its bounds).
            int256 paid = int256(jobsPaid);
            reputation.adjustComponent(
                provider,
                IReputationRegistry.Component.Transactions,
                SUCCESS_TRANSACTIONS * paid
            );
            reputation.adjustComponent(provider, IReputationRegistry.Component.Reliability, SUCCESS_RELIABILITY * paid);
        }
    }

    // ---------------------------------------------------------------- disputes

    /// @inheritdoc IBatchEscrow
    function disputeBatchJob(uint256 batchId, BatchLeaf calldata leaf, bytes32[] calldata proof) external nonReentrant {
        StoredBatch storage batch = _batches[batchId];
        _requireBatchStatus(batchId, batch.status, BatchStatus.Submitted);
        if (block.timestamp > batch.challengeEnds) revert BatchChallengeWindowClosed(batchId, batch.challengeEnds);
        uint256 index = leaf.index;
        // Leaves are 192-byte preimages and inner nodes 64-byte ones, so no inner node passes as a leaf.
        if (!MerkleProof.verifyCalldata(proof, batch.jobsRoot, leafHash(leaf))) revert BatchInvalidLeaf(batchId, index);
        JobDispute storage d = _disputes[batchId][index];
        if (d.status != DisputeStatus.None) revert BatchWrongDisputeStatus(batchId, index, d.status);
        IMarketPolicy.Parameters memory params = policy.parameters();
        uint256 bond = params.disputeBond;
        d.disputer = msg.sender;
        d.status = DisputeStatus.Open;
        d.revealDeadline = uint40(block.timestamp + params.revealWindow);
        d.consumer = leaf.consumer;
        d.bond = uint96(bond);
        // The leaf is the escrow's own (proven against its root), so its fee fits as it did at settlement.
        d.fee = uint128(leaf.fee);
        d.requestDigest = leaf.requestDigest;
        d.outputHash = leaf.outputHash;
        batch.disputedCount += 1;
        batch.disputedFee += uint128(leaf.fee);
        emit BatchJobDisputed(batchId, index, msg.sender, bond);
        token.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @inheritdoc IBatchEscrow
    function revealBatchJob(
        uint256 batchId,
        uint256 index,
        BatchJobRequest calldata request,
        bytes calldata prompt,
        bytes calldata output
    ) external {
        JobDispute storage d = _disputes[batchId][index];
        if (d.status != DisputeStatus.Open) revert BatchWrongDisputeStatus(batchId, index, d.status);
        if (block.timestamp > d.revealDeadline) revert BatchRevealWindowClosed(batchId, index, d.revealDeadline);
        if (
            requestDigest(request) != d.requestDigest ||
            keccak256(prompt) != request.promptHash ||
            keccak256(output) != d.outputHash
        ) revert BatchRevealMismatch(batchId, index);
        d.status = DisputeStatus.Revealed;
        emit BatchJobRevealed(batchId, index, prompt, output);
    }

    /// @inheritdoc IBatchEscrow
    function claimWithheld(uint256 batchId, uint256 index) external nonReentrant {
        JobDispute storage d = _disputes[batchId][index];
        if (d.status != DisputeStatus.Open) revert BatchWrongDisputeStatus(batchId, index, d.status);
        if (block.timestamp <= d.revealDeadline) revert BatchRevealWindowOpen(batchId, index, d.revealDeadline);
        _resolve(batchId, index, d, true);
    }

    /// @inheritdoc IBatchEscrow
    function resolveBatchDispute(
        uint256 batchId,
        uint256 index,
        bool providerAtFault
    ) external onlyRole(ARBITER_ROLE) nonReentrant {
        JobDispute storage d = _disputes[batchId][index];
        if (d.status != DisputeStatus.Open && d.status != DisputeStatus.Revealed) {
            revert BatchWrongDisputeStatus(batchId, index, d.status);
        }
        _resolve(batchId, index, d, providerAtFault);
    }

    // ---------------------------------------------------------------- payouts

    /// @inheritdoc IBatchEscrow
    function withdraw() external nonReentrant returns (uint256 amount) {
        amount = _withdraw(msg.sender);
    }

    /// @inheritdoc IBatchEscrow
    function withdrawFor(address account) external nonReentrant returns (uint256 amount) {
        amount = _withdraw(account);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IBatchEscrow
    function requestDigest(BatchJobRequest calldata request) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        REQUEST_TYPEHASH,
                        request.consumer,
                        request.provider,
                        request.modelDigest,
                        request.promptHash,
                        request.pricePerToken,
                        request.maxTokens,
                        request.deadline,
                        request.nonce
                    )
                )
            );
    }

    /// @inheritdoc IBatchEscrow
    function batchCommitment(address provider, bytes32 jobsRoot, uint256 jobCount) public view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), provider, jobsRoot, jobCount))) >> 8;
    }

    /// @inheritdoc IBatchEscrow
    function leafHash(BatchLeaf calldata leaf) public pure returns (bytes32) {
        return keccak256(abi.encode(leaf));
    }

    /// @inheritdoc IBatchEscrow
    function nonceUsed(address consumer, uint256 nonce) external view returns (bool) {
        return _nonces[consumer].get(nonce);
    }

    /// @inheritdoc IBatchEscrow
    function depositOf(address account) external view returns (Deposit memory) {
        return _deposits[account];
    }

    /// @inheritdoc IBatchEscrow
    function batchOf(uint256 batchId) external view returns (Batch memory) {
        StoredBatch storage b = _batches[batchId];
        return
            Batch({
                provider: b.provider,
                status: b.status,
                challengeEnds: b.challengeEnds,
                jobCount: b.jobCount,
                disputedCount: b.disputedCount,
                totalFee: b.totalFee,
                disputedFee: b.disputedFee,
                jobsRoot: b.jobsRoot,
                settledBlock: b.settledBlock
            });
    }

    /// @inheritdoc IBatchEscrow
    function disputeOf(uint256 batchId, uint256 index) external view returns (JobDispute memory) {
        return _disputes[batchId][index];
    }

    /// @inheritdoc IBatchEscrow
    function lastBatchId() external view returns (uint256) {
        return _lastBatchId;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Checks and settles one job of a batch: returns its leaf hash. Model checks are cached over
    /// consecutive jobs of the same model.
    function _settleJob(SettleContext memory ctx, uint256 index, BatchJob calldata job) private returns (bytes32) {
        BatchJobRequest calldata request = job.request;
        if (request.provider != ctx.provider) revert BatchRequestNotForProvider(index, request.provider);
        if (request.deadline < block.timestamp) revert BatchRequestExpired(index, request.deadline);
        if (job.tokenCount > request.maxTokens) {
            revert BatchTooManyTokens(index, job.tokenCount, request.maxTokens);
        }
        bytes32 model = request.modelDigest;
        if (model != ctx.model || index == 0) {
            if (!staking.servesModel(ctx.provider, model)) revert BatchModelNotServed(ctx.provider, model);
            ctx.model = model;
            ctx.checker = policy.checkerOf(model);
        }
        address consumer = request.consumer;
        bytes32 digest = requestDigest(request);
        _useNonce(consumer, request.nonce);
        if (!SignatureChecker.isValidSignatureNowCalldata(consumer, digest, job.signature)) {
            revert BatchInvalidRequestSignature(index, consumer);
        }
        uint256 fee = uint256(job.tokenCount) * request.pricePerToken;
        _debit(consumer, fee);
        if (address(ctx.checker) != address(0)) {
            if (job.inference.length == 0) revert BatchInferenceProofRequired(index, model);
            ctx.checker.checkInference(
                uint256(digest) >> 8,
                request.promptHash,
                job.outputHash,
                job.tokenCount,
                job.inference
            );
        }
        ctx.totalFee += fee;
        emit BatchJobSettled(
            ctx.batchId,
            consumer,
            model,
            index,
            digest,
            request.promptHash,
            job.outputHash,
            job.tokenCount,
            fee
        );
        return keccak256(abi.encode(BatchLeaf(index, digest, consumer, job.outputHash, job.tokenCount, fee)));
    }

    /// @dev Eligibility of the batch's provider: registered identity, stake at least the minimum. (Every
    /// registered provider is at least Bronze, the tier batch requests need.) Returns its identity commitment.
    function _checkProvider(address provider) private returns (uint256 identity) {
        identity = _identities[provider];
        if (identity == 0) {
            identity = staking.identityCommitmentOf(provider);
            if (identity == 0) revert BatchProviderNotRegistered(provider);
            _identities[provider] = identity;
        }
        uint256 staked = staking.stakeOf(provider);
        uint256 minStake = staking.minStake();
        if (staked < minStake) revert BatchStakeTooLow(provider, staked, minStake);
    }

    /// @dev Marks `consumer`'s `nonce` used; reverts if it was.
    function _useNonce(address consumer, uint256 nonce) private {
        BitMaps.BitMap storage used = _nonces[consumer];
        if (used.get(nonce)) revert BatchNonceUsed(consumer, nonce);
        used.set(nonce);
    }

    /// @dev Debits `fee` wei from `consumer`'s deposit.
    function _debit(address consumer, uint256 fee) private {
        Deposit storage d = _deposits[consumer];
        uint256 balance = d.balance;
        if (balance < fee) revert BatchDepositTooLow(consumer, balance, fee);
        d.balance = uint128(balance - fee);
    }

    /// @dev Verifies the batch's one proof against the provider's identity and the batch commitment.
    function _verifyBatch(uint256 identity, bytes32 jobsRoot, uint256 count, uint256[8] calldata proof) private view {
        uint256[2] memory signals = [identity, batchCommitment(msg.sender, jobsRoot, count)];
        bool valid = verifier.verifyProof(
            [proof[0], proof[1]],
            [[proof[2], proof[3]], [proof[4], proof[5]]],
            [proof[6], proof[7]],
            signals
        );
        if (!valid) revert BatchInvalidProof(jobsRoot);
    }

    /// @dev Resolves dispute `d` of job `index` of `batchId` (status already checked).
    function _resolve(uint256 batchId, uint256 index, JobDispute storage d, bool providerAtFault) private {
        address provider = _batches[batchId].provider;
        uint256 bond = d.bond;
        uint256 fee = d.fee;
        address disputer = d.disputer;
        if (!providerAtFault) {
            d.status = DisputeStatus.ProviderNotAtFault;
            uint256 protocolFee = (fee * policy.parameters().protocolFeeBps) / BPS;
            withdrawable[provider] += bond + fee - protocolFee;
            if (protocolFee != 0) withdrawable[policy.treasury()] += protocolFee;
            emit BatchDisputeResolved(batchId, index, false, 0);
            reputation.adjustComponent(provider, IReputationRegistry.Component.Disputes, DISPUTE_WON_DISPUTES);
            return;
        }
        d.status = DisputeStatus.ProviderAtFault;
        Deposit storage refunded = _deposits[d.consumer];
        refunded.balance = SafeCast.toUint128(refunded.balance + fee);
        withdrawable[disputer] += bond;
        IMarketPolicy.Parameters memory params = policy.parameters();
        reputation.adjustComponent(provider, IReputationRegistry.Component.Disputes, DISPUTE_LOST_DISPUTES);
        reputation.adjustComponent(provider, IReputationRegistry.Component.Transactions, DISPUTE_LOST_TRANSACTIONS);
        uint256 slashed = staking.slash(provider, params.disputeSlashBps);
        if (slashed != 0) {
            uint256 reward = (slashed * params.slashRewardBps) / BPS;
            withdrawable[disputer] += reward;
            withdrawable[policy.treasury()] += slashed - reward;
        }
        emit BatchDisputeResolved(batchId, index, true, slashed);
    }

    function _withdraw(address account) private returns (uint256 amount) {
        amount = withdrawable[account];
        if (amount == 0) revert BatchNothingToWithdraw(account);
        withdrawable[account] = 0;
        emit Withdrawn(account, amount);
        token.safeTransfer(account, amount);
    }

    function _requireBatchStatus(uint256 batchId, BatchStatus status, BatchStatus expected) private pure {
        if (status != expected) revert BatchWrongStatus(batchId, status);
    }
}
