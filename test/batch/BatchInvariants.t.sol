// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AITBCToken} from "../../contracts/token/AITBCToken.sol";
import {IAITBCToken} from "../../contracts/token/IAITBCToken.sol";
import {ReputationRegistry} from "../../contracts/reputation/ReputationRegistry.sol";
import {GPUStaking} from "../../contracts/staking/GPUStaking.sol";
import {IGPUStaking} from "../../contracts/staking/IGPUStaking.sol";
import {BatchEscrow} from "../../contracts/escrow/BatchEscrow.sol";
import {BatchMerkle} from "../../contracts/escrow/BatchMerkle.sol";
import {IBatchEscrow} from "../../contracts/escrow/IBatchEscrow.sol";
import {MarketPolicy} from "../../contracts/escrow/MarketPolicy.sol";
import {BatchReceiptVerifierMock} from "../../contracts/mocks/BatchReceiptVerifierMock.sol";
import {vm} from "../utils/Vm.sol";

/// @dev Drives random sequences over BatchEscrow: deposits, withdrawal requests and withdrawals, batches of
/// 1–6 signed requests from three consumers to two providers (mock proofs bound to the batch's signals),
/// finalization, disputes with Merkle proofs, reveals, withheld claims, the arbiter's decisions either way,
/// payouts, governance changes of the policy's fee, bond and windows, time, and calls with arbitrary
/// calldata from any actor (`rawEscrowCall`, whose reverts are ignored). Designed actions check their
/// preconditions first, so none reverts (failOnRevert).
contract BatchHandler {
    bytes32 private constant MODEL = keccak256("model");

    AITBCToken public immutable token;
    GPUStaking public immutable staking;
    MarketPolicy public immutable policy;
    BatchReceiptVerifierMock public immutable verifier;
    BatchEscrow public immutable escrow;
    address public immutable treasury;

    uint256[] private _providerKeys;
    uint256[] private _consumerKeys;
    address[] public actors; // providers then consumers
    uint256 private _nonce = 1;

    /// @dev Per batch: its jobs' leaves and requests (for disputes and reveals).
    mapping(uint256 batchId => IBatchEscrow.BatchLeaf[]) private _leaves;
    mapping(uint256 batchId => IBatchEscrow.BatchJobRequest[]) private _requests;
    /// @notice How many calls of each kind went through.
    mapping(bytes32 action => uint256) public calls;

    constructor(
        AITBCToken token_,
        GPUStaking staking_,
        MarketPolicy policy_,
        BatchReceiptVerifierMock verifier_,
        BatchEscrow escrow_,
        address treasury_,
        uint256[] memory providerKeys_,
        uint256[] memory consumerKeys_
    ) {
        token = token_;
        staking = staking_;
        policy = policy_;
        verifier = verifier_;
        escrow = escrow_;
        treasury = treasury_;
        _providerKeys = providerKeys_;
        _consumerKeys = consumerKeys_;
        for (uint256 i = 0; i < providerKeys_.length; ++i) actors.push(vm.addr(providerKeys_[i]));
        for (uint256 i = 0; i < consumerKeys_.length; ++i) actors.push(vm.addr(consumerKeys_[i]));
    }

    // ------------------------------------------------------------ deposits

    function deposit(uint256 consumerSeed, uint256 amount) external {
        vm.prank(_consumer(consumerSeed));
        escrow.deposit(1 + (amount % 50 ether));
        ++calls["deposit"];
    }

    function requestWithdrawal(uint256 consumerSeed, uint256 amount) external {
        vm.prank(_consumer(consumerSeed));
        escrow.requestWithdrawal(1 + (amount % 60 ether));
    }

    function withdrawDeposit(uint256 consumerSeed) external {
        address consumer = _consumer(consumerSeed);
        IBatchEscrow.Deposit memory d = escrow.depositOf(consumer);
        if (d.pendingWithdrawal == 0 || block.timestamp < d.unlockAt || d.balance == 0) return;
        vm.prank(consumer);
        escrow.withdrawDeposit();
        ++calls["withdrawDeposit"];
    }

    // ------------------------------------------------------------ settlement

    function settle(uint256 providerSeed, uint256 countSeed, uint256 seed) external {
        uint256 p = providerSeed % _providerKeys.length;
        address provider = actors[p];
        if (staking.stakeOf(provider) < staking.minStake()) return;
        uint256 count = 1 + (countSeed % 6);
        IBatchEscrow.BatchJob[] memory jobs = new IBatchEscrow.BatchJob[](count);
        uint256[3] memory owed;
        for (uint256 i = 0; i < count; ++i) {
            uint256 c = uint256(keccak256(abi.encode(seed, i))) % _consumerKeys.length;
            jobs[i] = _signedJob(c, provider, uint256(keccak256(abi.encode(seed, i, "job"))));
            owed[c] += uint256(jobs[i].tokenCount) * jobs[i].request.pricePerToken;
            if (escrow.depositOf(jobs[i].request.consumer).balance < owed[c]) return;
        }
        uint256 batchId = escrow.lastBatchId() + 1;
        bytes32[] memory hashes = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            IBatchEscrow.BatchLeaf memory leaf = _leafOf(jobs[i], i);
            _leaves[batchId].push(leaf);
            _requests[batchId].push(jobs[i].request);
            hashes[i] = keccak256(abi.encode(leaf));
        }
        bytes32 root = BatchMerkle.root(hashes);
        uint256[8] memory proof = verifier.proofFor(
            [staking.identityCommitmentOf(provider), escrow.batchCommitment(provider, root, count)]
        );
        vm.prank(provider);
        escrow.settleBatch(jobs, proof);
        ++calls["settle"];
    }

    function finalize(uint256 batchSeed) external {
        (uint256 batchId, IBatchEscrow.Batch memory batch) = _batch(batchSeed);
        if (batch.status != IBatchEscrow.BatchStatus.Submitted || block.timestamp <= batch.challengeEnds) return;
        escrow.finalizeBatch(batchId);
        ++calls["finalize"];
    }

    // ------------------------------------------------------------ disputes

    function dispute(uint256 batchSeed, uint256 indexSeed, uint256 disputerSeed) external {
        (uint256 batchId, IBatchEscrow.Batch memory batch) = _batch(batchSeed);
        if (batch.status != IBatchEscrow.BatchStatus.Submitted || block.timestamp > batch.challengeEnds) return;
        uint256 index = indexSeed % batch.jobCount;
        if (escrow.disputeOf(batchId, index).status != IBatchEscrow.DisputeStatus.None) return;
        bytes32[] memory hashes = new bytes32[](batch.jobCount);
        for (uint256 i = 0; i < hashes.length; ++i) hashes[i] = keccak256(abi.encode(_leaves[batchId][i]));
        bytes32[] memory proof = BatchMerkle.proofOf(hashes, index);
        IBatchEscrow.BatchLeaf memory leaf = _leaves[batchId][index];
        vm.prank(_actor(disputerSeed));
        escrow.disputeBatchJob(batchId, leaf, proof);
        ++calls["dispute"];
    }

    function reveal(uint256 batchSeed, uint256 indexSeed) external {
        (uint256 batchId, IBatchEscrow.Batch memory batch) = _batch(batchSeed);
        if (batch.jobCount == 0) return;
        uint256 index = indexSeed % batch.jobCount;
        IBatchEscrow.JobDispute memory d = escrow.disputeOf(batchId, index);
        if (d.status != IBatchEscrow.DisputeStatus.Open || block.timestamp > d.revealDeadline) return;
        IBatchEscrow.BatchJobRequest memory request = _requests[batchId][index];
        escrow.revealBatchJob(batchId, index, request, _prompt(request.nonce), _output(request.nonce));
        ++calls["reveal"];
    }

    function claimWithheld(uint256 batchSeed, uint256 indexSeed) external {
        (uint256 batchId, IBatchEscrow.Batch memory batch) = _batch(batchSeed);
        if (batch.jobCount == 0) return;
        uint256 index = indexSeed % batch.jobCount;
        IBatchEscrow.JobDispute memory d = escrow.disputeOf(batchId, index);
        if (d.status != IBatchEscrow.DisputeStatus.Open || block.timestamp <= d.revealDeadline) return;
        escrow.claimWithheld(batchId, index);
        ++calls["claimWithheld"];
    }

    function resolve(uint256 batchSeed, uint256 indexSeed, bool providerAtFault) external {
        (uint256 batchId, IBatchEscrow.Batch memory batch) = _batch(batchSeed);
        if (batch.jobCount == 0) return;
        uint256 index = indexSeed % batch.jobCount;
        IBatchEscrow.DisputeStatus s = escrow.disputeOf(batchId, index).status;
        if (s != IBatchEscrow.DisputeStatus.Open && s != IBatchEscrow.DisputeStatus.Revealed) return;
        escrow.resolveBatchDispute(batchId, index, providerAtFault); // the handler is the arbiter
        ++calls["resolve"];
    }

    // ------------------------------------------------------------ payouts, governance, time, raw calls

    function withdrawCredit(uint256 accountSeed) external {
        address payee = this.account(accountSeed % accountCount());
        if (escrow.withdrawable(payee) == 0) return;
        escrow.withdrawFor(payee);
        ++calls["withdraw"];
    }

    /// @dev The timelock's changes within the policy's bounds (the handler holds its admin role).
    function govern(uint256 which, uint256 value) external {
        which %= 4;
        if (which == 0) policy.setProtocolFeeBps(uint16(value % 1_001));
        if (which == 1) policy.setDisputeBond(uint96(1 ether + (value % 1_000 ether)));
        if (which == 2) policy.setChallengeWindow(uint32(1 hours + (value % (7 days - 1 hours + 1))));
        if (which == 3) policy.setRevealWindow(uint32(1 hours + (value % (7 days - 1 hours + 1))));
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + 1 + (seconds_ % 3 days));
    }

    /// @dev Arbitrary calldata to the escrow from any actor, after one of its selectors (or raw bytes);
    /// reverts are expected and ignored.
    function rawEscrowCall(uint256 actorSeed, uint256 selectorSeed, bytes calldata args) external {
        bytes4[12] memory selectors = [
            IBatchEscrow.deposit.selector,
            IBatchEscrow.requestWithdrawal.selector,
            IBatchEscrow.withdrawDeposit.selector,
            IBatchEscrow.settleBatch.selector,
            IBatchEscrow.finalizeBatch.selector,
            IBatchEscrow.disputeBatchJob.selector,
            IBatchEscrow.revealBatchJob.selector,
            IBatchEscrow.claimWithheld.selector,
            IBatchEscrow.resolveBatchDispute.selector,
            IBatchEscrow.withdraw.selector,
            IBatchEscrow.withdrawFor.selector,
            bytes4(0)
        ];
        bytes4 selector = selectors[selectorSeed % selectors.length];
        bytes memory data = selector == bytes4(0) ? args : abi.encodePacked(selector, args);
        vm.prank(_actor(actorSeed));
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, ) = address(escrow).call(data); // arbitrary calldata is the point
        if (ok) ++calls["rawEscrowCallOk"];
    }

    // ------------------------------------------------------------ views for the invariants

    /// @dev Every account the escrow can credit or hold a deposit for: the actors, the treasury, the handler.
    function accountCount() public view returns (uint256) {
        return actors.length + 2;
    }

    function account(uint256 index) external view returns (address) {
        if (index < actors.length) return actors[index];
        return index == actors.length ? treasury : address(this);
    }

    // ------------------------------------------------------------ internals

    function _signedJob(uint256 c, address provider, uint256 seed) private returns (IBatchEscrow.BatchJob memory job) {
        uint256 nonce = _nonce++;
        uint32 maxTokens = uint32(1 + (seed % 100));
        job.request = IBatchEscrow.BatchJobRequest({
            consumer: vm.addr(_consumerKeys[c]),
            provider: provider,
            modelDigest: MODEL,
            promptHash: keccak256(_prompt(nonce)),
            pricePerToken: uint128(1 + ((seed >> 8) % 1e15)),
            maxTokens: maxTokens,
            deadline: uint40(block.timestamp + 1 hours),
            nonce: nonce
        });
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_consumerKeys[c], escrow.requestDigest(job.request));
        job.signature = abi.encodePacked(r, s, v);
        job.outputHash = keccak256(_output(nonce));
        job.tokenCount = uint32((seed >> 64) % (uint256(maxTokens) + 1));
    }

    function _leafOf(
        IBatchEscrow.BatchJob memory job,
        uint256 index
    ) private view returns (IBatchEscrow.BatchLeaf memory) {
        return
            IBatchEscrow.BatchLeaf({
                index: index,
                requestDigest: escrow.requestDigest(job.request),
                consumer: job.request.consumer,
                outputHash: job.outputHash,
                tokenCount: job.tokenCount,
                fee: uint256(job.tokenCount) * job.request.pricePerToken
            });
    }

    function _prompt(uint256 nonce) private pure returns (bytes memory) {
        return abi.encodePacked("prompt-", nonce);
    }

    function _output(uint256 nonce) private pure returns (bytes memory) {
        return abi.encodePacked("output-", nonce);
    }

    function _batch(uint256 seed) private view returns (uint256 batchId, IBatchEscrow.Batch memory batch) {
        uint256 last = escrow.lastBatchId();
        if (last == 0) return (0, batch);
        batchId = 1 + (seed % last);
        batch = escrow.batchOf(batchId);
    }

    function _consumer(uint256 seed) private view returns (address) {
        return actors[_providerKeys.length + (seed % _consumerKeys.length)];
    }

    function _actor(uint256 seed) private view returns (address) {
        return actors[seed % actors.length];
    }
}

/// @notice The token-accounting identity of IBatchEscrow's NatSpec over random sequences of BatchHandler
/// actions (including arbitrary calldata).
contract BatchInvariantTest {
    address private constant TREASURY = address(0x7EA5);

    AITBCToken internal token;
    BatchEscrow internal escrow;
    BatchHandler internal handler;

    function setUp() public {
        address[] memory contributors = new address[](1);
        contributors[0] = address(this);
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = 100_000_000 ether;
        token = new AITBCToken(
            address(this),
            address(this),
            address(this),
            address(this),
            contributors,
            amounts,
            IAITBCToken.VotingPowerParameters(500, 1 days, 7 days)
        );
        ReputationRegistry reputation = new ReputationRegistry(address(this));
        GPUStaking staking = new GPUStaking(token, reputation, address(this));
        MarketPolicy policy = new MarketPolicy(address(this), TREASURY);
        BatchReceiptVerifierMock verifier = new BatchReceiptVerifierMock();
        escrow = new BatchEscrow(token, staking, reputation, policy, verifier, address(this));

        uint256[] memory providerKeys = new uint256[](2);
        uint256[] memory consumerKeys = new uint256[](3);
        for (uint256 i = 0; i < 2; ++i) providerKeys[i] = 0xA000 + i;
        for (uint256 i = 0; i < 3; ++i) consumerKeys[i] = 0xC000 + i;
        handler = new BatchHandler(token, staking, policy, verifier, escrow, TREASURY, providerKeys, consumerKeys);

        reputation.grantRole(reputation.ESCROW_ROLE(), address(escrow));
        staking.grantRole(staking.ESCROW_ROLE(), address(escrow));
        escrow.grantRole(escrow.ARBITER_ROLE(), address(handler));
        policy.grantRole(policy.DEFAULT_ADMIN_ROLE(), address(handler));

        IGPUStaking.GpuSpec memory gpu = IGPUStaking.GpuSpec("RTX 4090", 24, 120);
        bytes32[] memory models = new bytes32[](1);
        models[0] = keccak256("model");
        for (uint256 i = 0; i < 5; ++i) {
            address actor = handler.actors(i);
            token.transfer(actor, 1_000_000 ether);
            vm.startPrank(actor);
            token.approve(address(escrow), type(uint256).max);
            if (i < 2) {
                token.approve(address(staking), type(uint256).max);
                staking.register(i + 1, gpu, models);
                staking.stake(100_000 ether, 0);
            } else {
                escrow.deposit(100 ether);
            }
            vm.stopPrank();
        }
    }

    /// @dev Read by the invariant runner: only the handler is called with random inputs.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// token.balanceOf(escrow) == Σ deposit balances + Σ unfinalized fees of Submitted batches
    ///                            + Σ fees and bonds of open disputes + Σ withdrawable (IBatchEscrow).
    function invariant_tokenAccountingIdentity() public view {
        uint256 owed;
        uint256 accounts = handler.accountCount();
        for (uint256 i = 0; i < accounts; ++i) {
            address a = handler.account(i);
            owed += escrow.depositOf(a).balance + escrow.withdrawable(a);
        }
        uint256 last = escrow.lastBatchId();
        for (uint256 batchId = 1; batchId <= last; ++batchId) {
            IBatchEscrow.Batch memory batch = escrow.batchOf(batchId);
            if (batch.status == IBatchEscrow.BatchStatus.Submitted) owed += batch.totalFee - batch.disputedFee;
            for (uint256 index = 0; index < batch.jobCount; ++index) {
                IBatchEscrow.JobDispute memory d = escrow.disputeOf(batchId, index);
                if (d.status == IBatchEscrow.DisputeStatus.Open || d.status == IBatchEscrow.DisputeStatus.Revealed) {
                    owed += uint256(d.fee) + d.bond;
                }
            }
        }
        vm.assertEq(token.balanceOf(address(escrow)), owed, "escrow balance != the accounting identity");
    }

    /// The handler's actions reach every path (a fixed sequence: settle, dispute three jobs, reveal one,
    /// resolve one each way, claim one withheld, finalize, withdraw), and the identity holds after each.
    function test_handlerReachesEveryPath() public {
        handler.settle(0, 5, 1); // six jobs
        invariant_tokenAccountingIdentity();
        for (uint256 i = 0; i < 3; ++i) handler.dispute(0, i, 2 + i);
        invariant_tokenAccountingIdentity();
        handler.reveal(0, 0);
        handler.resolve(0, 0, false);
        handler.resolve(0, 1, true);
        invariant_tokenAccountingIdentity();
        handler.warp(2 days);
        handler.claimWithheld(0, 2);
        handler.finalize(0);
        invariant_tokenAccountingIdentity();
        for (uint256 i = 0; i < handler.accountCount(); ++i) handler.withdrawCredit(i);
        invariant_tokenAccountingIdentity();
        bytes32[9] memory actions = [
            bytes32("settle"),
            "dispute",
            "reveal",
            "resolve",
            "claimWithheld",
            "finalize",
            "withdraw",
            "deposit",
            "withdrawDeposit"
        ];
        handler.deposit(0, 1 ether);
        handler.requestWithdrawal(0, 1 ether);
        handler.warp(1 days);
        handler.withdrawDeposit(0);
        for (uint256 i = 0; i < actions.length; ++i) vm.assertTrue(handler.calls(actions[i]) > 0, "path not reached");
        vm.assertEq(handler.calls("dispute"), 3, "three disputes");
        invariant_tokenAccountingIdentity();
    }

    /// A batch's disputed jobs and fees never exceed its jobs and fees.
    function invariant_disputedWithinBatch() public view {
        uint256 last = escrow.lastBatchId();
        for (uint256 batchId = 1; batchId <= last; ++batchId) {
            IBatchEscrow.Batch memory batch = escrow.batchOf(batchId);
            vm.assertLe(batch.disputedCount, batch.jobCount, "disputedCount > jobCount");
            vm.assertLe(batch.disputedFee, batch.totalFee, "disputedFee > totalFee");
        }
    }
}
