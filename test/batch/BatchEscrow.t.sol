// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {BatchEscrow} from "../../contracts/escrow/BatchEscrow.sol";
import {BatchMerkle} from "../../contracts/escrow/BatchMerkle.sol";
import {IBatchEscrow} from "../../contracts/escrow/IBatchEscrow.sol";
import {IInferenceChecker} from "../../contracts/escrow/IInferenceChecker.sol";
import {IReputationRegistry} from "../../contracts/reputation/IReputationRegistry.sol";
import {BatchInferenceCheckerMock} from "../../contracts/mocks/BatchInferenceCheckerMock.sol";
import {ERC1271WalletMock} from "../../contracts/mocks/ERC1271WalletMock.sol";
import {BatchFixture} from "./BatchFixture.sol";
import {vm} from "../utils/Vm.sol";

/// @dev Unit and attack tests of BatchEscrow with the binding mock verifier (see BatchFixture). Every
/// rejected call asserts the exact custom error and that no balance, deposit, credit or stake moved.
contract BatchEscrowTest is BatchFixture {
    // ------------------------------------------------------------ helpers

    function _expectSettleRevert(
        address provider,
        IBatchEscrow.BatchJob[] memory jobs,
        uint256[8] memory proof,
        bytes memory err
    ) internal {
        bytes32 before = _balances();
        uint256 lastBatch = escrow.lastBatchId();
        vm.expectRevert(err);
        vm.prank(provider);
        escrow.settleBatch(jobs, proof);
        vm.assertTrue(_balances() == before, "a balance moved");
        vm.assertEq(escrow.lastBatchId(), lastBatch, "a batch was recorded");
        for (uint256 i = 0; i < jobs.length; ++i) {
            vm.assertTrue(!escrow.nonceUsed(jobs[i].request.consumer, jobs[i].request.nonce), "a nonce was used");
        }
    }

    function _settled(uint256 count) internal returns (uint256 batchId, IBatchEscrow.BatchJob[] memory jobs) {
        jobs = _jobs(providerA, count);
        batchId = _settle(providerA, jobs);
    }

    function _disputeJob(
        uint256 batchId,
        IBatchEscrow.BatchJob[] memory jobs,
        uint256 index,
        address disputer
    ) internal {
        IBatchEscrow.BatchLeaf memory leaf = _leaf(jobs[index], index);
        bytes32[] memory proof = BatchMerkle.proofOf(_leafHashes(jobs), index);
        vm.prank(disputer);
        escrow.disputeBatchJob(batchId, leaf, proof);
    }

    // ------------------------------------------------------------ pinned encodings

    function test_constants() public view {
        vm.assertEq(escrow.MAX_BATCH_SIZE(), 256, "MAX_BATCH_SIZE");
        vm.assertEq(escrow.WITHDRAWAL_DELAY(), 86_400, "WITHDRAWAL_DELAY");
        vm.assertTrue(escrow.ARBITER_ROLE() == keccak256("ARBITER_ROLE"), "ARBITER_ROLE");
    }

    function test_requestDigest_isEip712OfTheDocumentedType() public {
        IBatchEscrow.BatchJobRequest memory request = _request(consumer1, providerA);
        vm.assertTrue(escrow.requestDigest(request) == _digest(request), "digest differs from EIP-712");
    }

    function test_batchCommitment_andLeafHash_asDocumented() public {
        bytes32 root = keccak256("root");
        vm.assertEq(escrow.batchCommitment(providerA, root, 7), _commitment(providerA, root, 7), "commitment");
        vm.assertTrue(escrow.batchCommitment(providerA, root, 7) < 2 ** 248, "commitment above 248 bits");
        IBatchEscrow.BatchJob memory job = _job(_request(consumer1, providerA), KEY_C1);
        IBatchEscrow.BatchLeaf memory leaf = _leaf(job, 3);
        bytes32 expected = keccak256(
            abi.encode(uint256(3), _digest(job.request), consumer1, OUTPUT, uint256(TOKENS), uint256(FEE))
        );
        vm.assertTrue(escrow.leafHash(leaf) == expected, "leaf hash");
    }

    /// Every leaf of trees of 1..17 leaves proves against the root with OpenZeppelin's MerkleProof.
    function test_merkleRoot_provesEveryLeaf() public pure {
        for (uint256 n = 1; n <= 17; ++n) {
            bytes32[] memory leaves = new bytes32[](n);
            for (uint256 i = 0; i < n; ++i) leaves[i] = keccak256(abi.encode(n, i));
            bytes32[] memory copy = new bytes32[](n);
            for (uint256 i = 0; i < n; ++i) copy[i] = leaves[i];
            bytes32 root = BatchMerkle.root(copy);
            if (n == 1) vm.assertTrue(root == leaves[0], "one leaf: root is the leaf");
            for (uint256 i = 0; i < n; ++i) {
                bytes32[] memory proof = BatchMerkle.proofOf(leaves, i);
                vm.assertTrue(MerkleProof.verify(proof, root, leaves[i]), "leaf does not prove");
                vm.assertTrue(!MerkleProof.verify(proof, root, keccak256("other")), "other leaf proves");
            }
        }
        // Three leaves: ((l0, l1), l2), the odd last leaf carried up unchanged.
        bytes32[] memory three = new bytes32[](3);
        for (uint256 i = 0; i < 3; ++i) three[i] = keccak256(abi.encode(i));
        bytes32 l01 = _pair(three[0], three[1]);
        bytes32 expected = _pair(l01, three[2]);
        vm.assertTrue(BatchMerkle.root(three) == expected, "three-leaf root");
    }

    function _pair(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    // ------------------------------------------------------------ settlement

    function test_settleBatch_debitsDepositsRecordsBatchAndNonces() public {
        IBatchEscrow.BatchJob[] memory jobs = new IBatchEscrow.BatchJob[](3);
        jobs[0] = _job(_request(consumer1, providerA), KEY_C1);
        jobs[1] = _job(_request(consumer2, providerA), KEY_C2);
        jobs[2] = _job(_request(consumer1, providerA), KEY_C1);
        jobs[2].request.modelDigest = OTHER_MODEL;
        jobs[2].tokenCount = 100;
        jobs[2].signature = _signDigest(KEY_C1, _digest(jobs[2].request));
        uint256 escrowBalance = token.balanceOf(address(escrow));
        uint256 batchId = _settle(providerA, jobs);

        vm.assertEq(batchId, 1, "first batch id");
        vm.assertEq(escrow.lastBatchId(), 1, "lastBatchId");
        vm.assertEq(escrow.depositOf(consumer1).balance, DEPOSIT - FEE - 100 * 2e15, "consumer1 debited");
        vm.assertEq(escrow.depositOf(consumer2).balance, DEPOSIT - FEE, "consumer2 debited");
        vm.assertEq(token.balanceOf(address(escrow)), escrowBalance, "tokens stay in the escrow");
        IBatchEscrow.Batch memory batch = escrow.batchOf(batchId);
        vm.assertTrue(batch.provider == providerA, "provider");
        vm.assertTrue(batch.status == IBatchEscrow.BatchStatus.Submitted, "status");
        vm.assertEq(batch.challengeEnds, block.timestamp + 86_400, "challenge window of one day");
        vm.assertEq(batch.jobCount, 3, "jobCount");
        vm.assertEq(batch.totalFee, 2 * FEE + 100 * 2e15, "totalFee");
        vm.assertTrue(batch.jobsRoot == _root(jobs), "root");
        vm.assertEq(batch.settledBlock, block.number, "settled block");
        for (uint256 i = 0; i < 3; ++i) {
            vm.assertTrue(escrow.nonceUsed(jobs[i].request.consumer, jobs[i].request.nonce), "nonce used");
        }
    }

    function test_settleBatch_fullBatchOf256() public {
        IBatchEscrow.BatchJob[] memory jobs = _jobs(providerA, 256);
        uint256 batchId = _settle(providerA, jobs);
        vm.assertEq(escrow.batchOf(batchId).jobCount, 256, "256 jobs");
        vm.assertEq(escrow.depositOf(consumer1).balance, DEPOSIT - 256 * FEE, "256 fees debited");
    }

    function test_finalizeBatch_paysProviderTreasuryAndReputationOnce() public {
        (uint256 batchId, ) = _settled(4);
        vm.warp(block.timestamp + 86_401);
        escrow.finalizeBatch(batchId);
        uint256 total = 4 * FEE;
        uint256 protocolFee = (total * 250) / 10_000;
        vm.assertEq(escrow.withdrawable(providerA), total - protocolFee, "provider credited");
        vm.assertEq(escrow.withdrawable(TREASURY), protocolFee, "treasury credited");
        int256[5] memory c = reputation.componentsOf(providerA);
        vm.assertTrue(c[uint8(IReputationRegistry.Component.Transactions)] == 20, "+5 transactions per job");
        vm.assertTrue(c[uint8(IReputationRegistry.Component.Reliability)] == 8, "+2 reliability per job");
        vm.assertTrue(escrow.batchOf(batchId).status == IBatchEscrow.BatchStatus.Finalized, "finalized");

        uint256 before = token.balanceOf(providerA);
        vm.prank(providerA);
        escrow.withdraw();
        vm.assertEq(token.balanceOf(providerA), before + total - protocolFee, "provider paid");
        escrow.withdrawFor(TREASURY);
        vm.assertEq(token.balanceOf(TREASURY), protocolFee, "treasury paid");
    }

    function test_finalizeBatch_beforeWindow_andTwice() public {
        (uint256 batchId, ) = _settled(2);
        uint256 ends = block.timestamp + 86_400;
        vm.warp(ends);
        bytes32 before = _balances();
        vm.expectRevert(abi.encodeWithSelector(IBatchEscrow.BatchChallengeWindowOpen.selector, batchId, ends));
        escrow.finalizeBatch(batchId);
        vm.assertTrue(_balances() == before, "a balance moved");
        vm.warp(ends + 1);
        escrow.finalizeBatch(batchId);
        before = _balances();
        vm.expectRevert(
            abi.encodeWithSelector(IBatchEscrow.BatchWrongStatus.selector, batchId, IBatchEscrow.BatchStatus.Finalized)
        );
        escrow.finalizeBatch(batchId);
        vm.expectRevert(
            abi.encodeWithSelector(IBatchEscrow.BatchWrongStatus.selector, 99, IBatchEscrow.BatchStatus.None)
        );
        escrow.finalizeBatch(99);
        vm.assertTrue(_balances() == before, "a balance moved");
    }

    /// Governance changes in the policy apply to the next batch and dispute (fee, windows, bond, slashes).
    function test_parametersComeFromThePolicy() public {
        policy.setChallengeWindow(2 hours);
        policy.setProtocolFeeBps(1_000);
        policy.setDisputeBond(7 ether);
        policy.setRevealWindow(3 hours);
        policy.setDisputeSlashBps(2_000);
        policy.setSlashRewardBps(9_000);
        (uint256 batchId, IBatchEscrow.BatchJob[] memory jobs) = _settled(3);
        vm.assertEq(escrow.batchOf(batchId).challengeEnds, block.timestamp + 7_200, "two-hour window");
        _disputeJob(batchId, jobs, 0, watcher);
        IBatchEscrow.JobDispute memory d = escrow.disputeOf(batchId, 0);
        vm.assertEq(d.bond, 7 ether, "bond from the policy");
        vm.assertEq(d.revealDeadline, block.timestamp + 10_800, "three-hour reveal window");
        vm.warp(block.timestamp + 10_801);
        escrow.claimWithheld(batchId, 0);
        // 20% of 1,000 AITBC slashed, 90% of it to the disputer.
        vm.assertEq(escrow.withdrawable(watcher), 7 ether + 180 ether, "bond + 90% of the slash");
        vm.assertEq(escrow.withdrawable(TREASURY), 20 ether, "10% of the slash");
        escrow.finalizeBatch(batchId);
        vm.assertEq(escrow.withdrawable(providerA), 2 * FEE - (2 * FEE) / 10, "10% protocol fee");
        vm.assertEq(escrow.withdrawable(TREASURY), 20 ether + (2 * FEE) / 10, "treasury fee");
    }

    // ------------------------------------------------------------ attacks on settleBatch

    function test_attack_replayInSecondBatch() public {
        IBatchEscrow.BatchJob[] memory jobs = _jobs(providerA, 2);
        _settle(providerA, jobs);
        bytes32 before = _balances();
        uint256[8] memory proof = _validProof(providerA, jobs);
        vm.expectRevert(abi.encodeWithSelector(IBatchEscrow.BatchNonceUsed.selector, consumer1, jobs[0].request.nonce));
        vm.prank(providerA);
        escrow.settleBatch(jobs, proof);
        vm.assertTrue(_balances() == before, "a balance moved");
        vm.assertEq(escrow.lastBatchId(), 1, "second batch recorded");
    }

    function test_attack_replayTwiceInOneBatch() public {
        IBatchEscrow.BatchJob memory job = _job(_request(consumer1, providerA), KEY_C1);
        IBatchEscrow.BatchJob[] memory jobs = new IBatchEscrow.BatchJob[](2);
        jobs[0] = job;
        jobs[1] = job;
        _expectSettleRevert(
            providerA,
            jobs,
            _validProof(providerA, jobs),
            abi.encodeWithSelector(IBatchEscrow.BatchNonceUsed.selector, consumer1, job.request.nonce)
        );
    }

    function test_attack_requestForAnotherProvider() public {
        IBatchEscrow.BatchJob[] memory jobs = _jobs(providerA, 1);
        _expectSettleRevert(
            providerB,
            jobs,
            _validProof(providerB, jobs),
            abi.encodeWithSelector(IBatchEscrow.BatchRequestNotForProvider.selector, 0, providerA)
        );
        // Rewriting the provider field to B breaks the consumer's signature.
        jobs[0].request.provider = providerB;
        _expectSettleRevert(
            providerB,
            jobs,
            _validProof(providerB, jobs),
            abi.encodeWithSelector(IBatchEscrow.BatchInvalidRequestSignature.selector, 0, consumer1)
        );
    }

    function test_attack_signedForAnotherChain() public {
        IBatchEscrow.BatchJob memory job = _job(_request(consumer1, providerA), KEY_C1);
        job.signature = _signDigest(KEY_C1, _digestFor(job.request, block.chainid + 1, address(escrow)));
        IBatchEscrow.BatchJob[] memory jobs = _one(job);
        _expectSettleRevert(
            providerA,
            jobs,
            _validProof(providerA, jobs),
            abi.encodeWithSelector(IBatchEscrow.BatchInvalidRequestSignature.selector, 0, consumer1)
        );
    }

    function test_attack_signedForAnotherEscrow() public {
        BatchEscrow other = new BatchEscrow(token, staking, reputation, policy, verifier, address(this));
        IBatchEscrow.BatchJob memory job = _job(_request(consumer1, providerA), KEY_C1);
        job.signature = _signDigest(KEY_C1, _digestFor(job.request, block.chainid, address(other)));
        IBatchEscrow.BatchJob[] memory jobs = _one(job);
        _expectSettleRevert(
            providerA,
            jobs,
            _validProof(providerA, jobs),
            abi.encodeWithSelector(IBatchEscrow.BatchInvalidRequestSignature.selector, 0, consumer1)
        );
    }

    /// Each field changed after signing: the signature no longer verifies (for the consumer field, it is
    /// checked against the new consumer, whose deposit would pay).
    function test_attack_tamperedFields() public {
        for (uint256 field = 0; field < 7; ++field) {
            IBatchEscrow.BatchJob memory job = _job(_request(consumer1, providerA), KEY_C1);
            address signer = consumer1;
            if (field == 0) job.request.pricePerToken = PRICE / 2;
            if (field == 1) job.request.maxTokens = MAX_TOKENS + 1;
            if (field == 2) job.request.modelDigest = OTHER_MODEL;
            if (field == 3) job.request.promptHash = keccak256("another prompt");
            if (field == 4) (job.request.consumer, signer) = (consumer2, consumer2);
            if (field == 5) job.request.deadline += 1 days;
            if (field == 6) job.request.nonce += 1_000;
            IBatchEscrow.BatchJob[] memory jobs = _one(job);
            _expectSettleRevert(
                providerA,
                jobs,
                _validProof(providerA, jobs),
                abi.encodeWithSelector(IBatchEscrow.BatchInvalidRequestSignature.selector, 0, signer)
            );
        }
    }

    function test_attack_expiredRequest() public {
        IBatchEscrow.BatchJob[] memory jobs = _jobs(providerA, 2);
        uint256 deadline = jobs[1].request.deadline;
        vm.warp(deadline + 1);
        _expectSettleRevert(
            providerA,
            jobs,
            _validProof(providerA, jobs),
            abi.encodeWithSelector(IBatchEscrow.BatchRequestExpired.selector, 0, deadline)
        );
        // At the deadline itself the request still settles.
        vm.warp(deadline);
        _settle(providerA, jobs);
    }

    function test_attack_strangersSignature() public {
        IBatchEscrow.BatchJob memory job = _job(_request(consumer1, providerA), KEY_STRANGER);
        IBatchEscrow.BatchJob[] memory jobs = _one(job);
        _expectSettleRevert(
            providerA,
            jobs,
            _validProof(providerA, jobs),
            abi.encodeWithSelector(IBatchEscrow.BatchInvalidRequestSignature.selector, 0, consumer1)
        );
        // The provider signing its own request for the consumer's deposit fails the same way.
        jobs[0] = _job(_request(consumer1, providerA), KEY_A);
        _expectSettleRevert(
            providerA,
            jobs,
            _validProof(providerA, jobs),
            abi.encodeWithSelector(IBatchEscrow.BatchInvalidRequestSignature.selector, 0, consumer1)
        );
        // Garbage and empty signatures.
        jobs[0].signature = hex"";
        _expectSettleRevert(
            providerA,
            jobs,
            _validProof(providerA, jobs),
            abi.encodeWithSelector(IBatchEscrow.BatchInvalidRequestSignature.selector, 0, consumer1)
        );
    }

    function test_erc1271Wallet_paysFromItsDeposit_andOnlyWithItsOwnersSignature() public {
        uint256 ownerKey = 0xD1;
        ERC1271WalletMock wallet = new ERC1271WalletMock(vm.addr(ownerKey));
        token.transfer(address(wallet), 100 ether);
        vm.startPrank(vm.addr(ownerKey));
        wallet.execute(address(token), abi.encodeCall(token.approve, (address(escrow), 100 ether)));
        wallet.execute(address(escrow), abi.encodeCall(escrow.deposit, (100 ether)));
        vm.stopPrank();
        vm.assertEq(escrow.depositOf(address(wallet)).balance, 100 ether, "wallet deposit");

        IBatchEscrow.BatchJob memory bad = _job(_request(address(wallet), providerA), KEY_C1);
        IBatchEscrow.BatchJob[] memory jobs = _one(bad);
        _expectSettleRevert(
            providerA,
            jobs,
            _validProof(providerA, jobs),
            abi.encodeWithSelector(IBatchEscrow.BatchInvalidRequestSignature.selector, 0, address(wallet))
        );
        jobs[0] = _job(_request(address(wallet), providerA), ownerKey);
        _settle(providerA, jobs);
        vm.assertEq(escrow.depositOf(address(wallet)).balance, 100 ether - FEE, "wallet debited");
    }

    function test_attack_depositTooLow() public {
        IBatchEscrow.BatchJob memory job = _job(_request(stranger, providerA), KEY_STRANGER);
        IBatchEscrow.BatchJob[] memory jobs = _one(job);
        _expectSettleRevert(
            providerA,
            jobs,
            _validProof(providerA, jobs),
            abi.encodeWithSelector(IBatchEscrow.BatchDepositTooLow.selector, stranger, 0, FEE)
        );
        // Two jobs where the deposit covers only the first.
        vm.prank(stranger);
        escrow.deposit(FEE + 1);
        jobs = new IBatchEscrow.BatchJob[](2);
        jobs[0] = job;
        jobs[1] = _job(_request(stranger, providerA), KEY_STRANGER);
        _expectSettleRevert(
            providerA,
            jobs,
            _validProof(providerA, jobs),
            abi.encodeWithSelector(IBatchEscrow.BatchDepositTooLow.selector, stranger, 1, FEE)
        );
    }

    function test_attack_tooManyTokens() public {
        IBatchEscrow.BatchJob memory job = _job(_request(consumer1, providerA), KEY_C1);
        job.tokenCount = MAX_TOKENS + 1;
        IBatchEscrow.BatchJob[] memory jobs = _one(job);
        _expectSettleRevert(
            providerA,
            jobs,
            _validProof(providerA, jobs),
            abi.encodeWithSelector(IBatchEscrow.BatchTooManyTokens.selector, 0, MAX_TOKENS + 1, MAX_TOKENS)
        );
    }

    function test_attack_invalidSizes() public {
        IBatchEscrow.BatchJob[] memory none = new IBatchEscrow.BatchJob[](0);
        uint256[8] memory proof;
        _expectSettleRevert(
            providerA,
            none,
            proof,
            abi.encodeWithSelector(IBatchEscrow.BatchInvalidSize.selector, 0, 256)
        );
        IBatchEscrow.BatchJob[] memory jobs = _jobs(providerA, 257);
        _expectSettleRevert(
            providerA,
            jobs,
            proof,
            abi.encodeWithSelector(IBatchEscrow.BatchInvalidSize.selector, 257, 256)
        );
    }

    function test_attack_ineligibleProviders() public {
        // A stranger (not registered) settling requests addressed to it.
        IBatchEscrow.BatchJob[] memory jobs = _one(_job(_request(consumer1, stranger), KEY_C1));
        uint256[8] memory proof;
        _expectSettleRevert(
            stranger,
            jobs,
            proof,
            abi.encodeWithSelector(IBatchEscrow.BatchProviderNotRegistered.selector, stranger)
        );
        // Stake below the minimum.
        staking.setMinStake(2_000 ether);
        jobs = _jobs(providerA, 1);
        _expectSettleRevert(
            providerA,
            jobs,
            _validProof(providerA, jobs),
            abi.encodeWithSelector(IBatchEscrow.BatchStakeTooLow.selector, providerA, 1_000 ether, 2_000 ether)
        );
        staking.setMinStake(1_000 ether);
        // A model the provider does not serve, also when it is not the first model of the batch.
        vm.prank(providerA);
        staking.setModelServing(OTHER_MODEL, false);
        jobs = _jobs(providerA, 3);
        jobs[2].request.modelDigest = OTHER_MODEL;
        jobs[2].signature = _signDigest(KEY_C1, _digest(jobs[2].request));
        _expectSettleRevert(
            providerA,
            jobs,
            _validProof(providerA, jobs),
            abi.encodeWithSelector(IBatchEscrow.BatchModelNotServed.selector, providerA, OTHER_MODEL)
        );
    }

    function test_attack_proofOfAnotherProviderRootOrCount() public {
        IBatchEscrow.BatchJob[] memory jobs = _jobs(providerA, 3);
        bytes32 root = _root(jobs);
        bytes memory err = abi.encodeWithSelector(IBatchEscrow.BatchInvalidProof.selector, root);
        // B's identity (B's own proof of these jobs' root, replayed by A).
        _expectSettleRevert(providerA, jobs, _proof(IDENTITY_B, providerB, root, 3), err);
        // A's identity but the commitment of another provider.
        _expectSettleRevert(providerA, jobs, _proof(IDENTITY_A, providerB, root, 3), err);
        // Another root (one output changed after proving).
        _expectSettleRevert(providerA, jobs, _proof(IDENTITY_A, providerA, keccak256("other root"), 3), err);
        // Another job count.
        _expectSettleRevert(providerA, jobs, _proof(IDENTITY_A, providerA, root, 2), err);
        // A proof made for these jobs, then an output changed: the root no longer matches.
        uint256[8] memory proof = _validProof(providerA, jobs);
        jobs[1].outputHash = keccak256("another output");
        _expectSettleRevert(
            providerA,
            jobs,
            proof,
            abi.encodeWithSelector(IBatchEscrow.BatchInvalidProof.selector, _root(jobs))
        );
        // The same with a lower token count.
        jobs = _jobs(providerA, 2);
        proof = _validProof(providerA, jobs);
        jobs[0].tokenCount = 1;
        _expectSettleRevert(
            providerA,
            jobs,
            proof,
            abi.encodeWithSelector(IBatchEscrow.BatchInvalidProof.selector, _root(jobs))
        );
    }

    // ------------------------------------------------------------ models with a proof of inference

    function test_inference_requiredCheckedAndBoundToTheRequest() public {
        BatchInferenceCheckerMock checker = new BatchInferenceCheckerMock(MODEL);
        policy.setModelVerification(MODEL, checker);
        IBatchEscrow.BatchJob[] memory jobs = _jobs(providerA, 2);
        _expectSettleRevert(
            providerA,
            jobs,
            _validProof(providerA, jobs),
            abi.encodeWithSelector(IBatchEscrow.BatchInferenceProofRequired.selector, 0, MODEL)
        );
        uint256 key0 = uint256(_digest(jobs[0].request)) >> 8;
        uint256 key1 = uint256(_digest(jobs[1].request)) >> 8;
        jobs[0].inference = abi.encode(key0, PROMPT, OUTPUT, uint256(TOKENS));
        // Job 1 carries job 0's evidence: bound to another job key.
        jobs[1].inference = jobs[0].inference;
        _expectSettleRevert(
            providerA,
            jobs,
            _validProof(providerA, jobs),
            abi.encodeWithSelector(IInferenceChecker.InferenceInvalidProof.selector, key1)
        );
        jobs[1].inference = abi.encode(key1, PROMPT, OUTPUT, uint256(TOKENS));
        _settle(providerA, jobs);
        // A model without a checker needs no evidence.
        IBatchEscrow.BatchJob[] memory other = _jobs(providerA, 1);
        other[0].request.modelDigest = OTHER_MODEL;
        other[0].signature = _signDigest(KEY_C1, _digest(other[0].request));
        _settle(providerA, other);
    }

    // ------------------------------------------------------------ disputes

    function test_dispute_holdsOneJobApart_finalizePaysTheRestAtOnce() public {
        (uint256 batchId, IBatchEscrow.BatchJob[] memory jobs) = _settled(5);
        uint256 watcherBefore = token.balanceOf(watcher);
        _disputeJob(batchId, jobs, 3, watcher);
        vm.assertEq(token.balanceOf(watcher), watcherBefore - 100 ether, "bond pulled");
        IBatchEscrow.JobDispute memory d = escrow.disputeOf(batchId, 3);
        vm.assertTrue(d.status == IBatchEscrow.DisputeStatus.Open, "open");
        vm.assertTrue(d.disputer == watcher && d.consumer == consumer1, "parties");
        vm.assertEq(d.bond, 100 ether, "bond");
        vm.assertEq(d.fee, FEE, "fee");
        vm.assertEq(d.revealDeadline, block.timestamp + 86_400, "reveal window of one day");
        IBatchEscrow.Batch memory batch = escrow.batchOf(batchId);
        vm.assertEq(batch.disputedCount, 1, "disputedCount");
        vm.assertEq(batch.disputedFee, FEE, "disputedFee");

        vm.warp(block.timestamp + 86_401);
        escrow.finalizeBatch(batchId);
        uint256 paid = 4 * FEE;
        vm.assertEq(escrow.withdrawable(providerA), paid - (paid * 250) / 10_000, "four jobs paid");
        int256[5] memory c = reputation.componentsOf(providerA);
        vm.assertTrue(c[uint8(IReputationRegistry.Component.Transactions)] == 20, "reputation of four jobs");
    }

    function test_dispute_attacks_invalidLeaf_double_closed_finalized() public {
        (uint256 batchId, IBatchEscrow.BatchJob[] memory jobs) = _settled(4);
        bytes32[] memory hashes = _leafHashes(jobs);
        // A leaf with a changed fee (or index) is not in the tree.
        IBatchEscrow.BatchLeaf memory leaf = _leaf(jobs[1], 1);
        bytes32[] memory proof = BatchMerkle.proofOf(hashes, 1);
        leaf.fee += 1;
        bytes32 before = _balances();
        vm.expectRevert(abi.encodeWithSelector(IBatchEscrow.BatchInvalidLeaf.selector, batchId, 1));
        vm.prank(watcher);
        escrow.disputeBatchJob(batchId, leaf, proof);
        leaf = _leaf(jobs[1], 2);
        vm.expectRevert(abi.encodeWithSelector(IBatchEscrow.BatchInvalidLeaf.selector, batchId, 2));
        vm.prank(watcher);
        escrow.disputeBatchJob(batchId, leaf, proof);
        vm.assertTrue(_balances() == before, "a balance moved");

        // Double dispute.
        _disputeJob(batchId, jobs, 1, watcher);
        before = _balances();
        leaf = _leaf(jobs[1], 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IBatchEscrow.BatchWrongDisputeStatus.selector,
                batchId,
                1,
                IBatchEscrow.DisputeStatus.Open
            )
        );
        vm.prank(consumer1);
        escrow.disputeBatchJob(batchId, leaf, proof);
        vm.assertTrue(_balances() == before, "a balance moved");

        // After the window, and on a finalized batch.
        uint256 ends = escrow.batchOf(batchId).challengeEnds;
        vm.warp(ends + 1);
        leaf = _leaf(jobs[0], 0);
        proof = BatchMerkle.proofOf(hashes, 0);
        vm.expectRevert(abi.encodeWithSelector(IBatchEscrow.BatchChallengeWindowClosed.selector, batchId, ends));
        vm.prank(watcher);
        escrow.disputeBatchJob(batchId, leaf, proof);
        escrow.finalizeBatch(batchId);
        before = _balances();
        vm.expectRevert(
            abi.encodeWithSelector(IBatchEscrow.BatchWrongStatus.selector, batchId, IBatchEscrow.BatchStatus.Finalized)
        );
        vm.prank(watcher);
        escrow.disputeBatchJob(batchId, leaf, proof);
        vm.assertTrue(_balances() == before, "a balance moved");
    }

    // One dispute's life from the wrong reveals to the arbiter's decision, in order.
    // solhint-disable-next-line function-max-lines
    function test_reveal_checksRequestPromptOutput_thenArbiterDecides() public {
        (uint256 batchId, IBatchEscrow.BatchJob[] memory jobs) = _settled(2);
        _disputeJob(batchId, jobs, 0, watcher);
        bytes memory prompt = "Explain zero-knowledge proofs in one sentence.";
        bytes memory output = "They prove a statement without revealing why it is true.";
        IBatchEscrow.BatchJobRequest memory request = jobs[0].request;
        bytes memory mismatch = abi.encodeWithSelector(IBatchEscrow.BatchRevealMismatch.selector, batchId, 0);
        bytes32 before = _balances();
        vm.expectRevert(mismatch);
        escrow.revealBatchJob(batchId, 0, request, "another prompt", output);
        vm.expectRevert(mismatch);
        escrow.revealBatchJob(batchId, 0, request, prompt, "another output");
        // Job 1's request (same prompt, other nonce) is not job 0's.
        IBatchEscrow.BatchJobRequest memory wrong = jobs[1].request;
        vm.expectRevert(mismatch);
        escrow.revealBatchJob(batchId, 0, wrong, prompt, output);
        // An undisputed job cannot be revealed.
        vm.expectRevert(
            abi.encodeWithSelector(
                IBatchEscrow.BatchWrongDisputeStatus.selector,
                batchId,
                1,
                IBatchEscrow.DisputeStatus.None
            )
        );
        escrow.revealBatchJob(batchId, 1, wrong, prompt, output);
        vm.assertTrue(_balances() == before, "a balance moved");

        vm.prank(consumer1);
        escrow.revealBatchJob(batchId, 0, request, prompt, output);
        vm.assertTrue(escrow.disputeOf(batchId, 0).status == IBatchEscrow.DisputeStatus.Revealed, "revealed");
        vm.expectRevert(
            abi.encodeWithSelector(
                IBatchEscrow.BatchWrongDisputeStatus.selector,
                batchId,
                0,
                IBatchEscrow.DisputeStatus.Revealed
            )
        );
        escrow.revealBatchJob(batchId, 0, request, prompt, output);
        // A revealed dispute cannot be claimed as withheld.
        vm.warp(block.timestamp + 2 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IBatchEscrow.BatchWrongDisputeStatus.selector,
                batchId,
                0,
                IBatchEscrow.DisputeStatus.Revealed
            )
        );
        escrow.claimWithheld(batchId, 0);

        // Not at fault: bond and fee (minus protocol fee) to the provider, +5 disputes.
        vm.prank(ARBITER);
        escrow.resolveBatchDispute(batchId, 0, false);
        vm.assertEq(escrow.withdrawable(providerA), 100 ether + FEE - (FEE * 250) / 10_000, "provider credited");
        vm.assertEq(escrow.withdrawable(TREASURY), (FEE * 250) / 10_000, "treasury fee");
        int256[5] memory c = reputation.componentsOf(providerA);
        vm.assertTrue(c[uint8(IReputationRegistry.Component.Disputes)] == 5, "+5 disputes");
        vm.expectRevert(
            abi.encodeWithSelector(
                IBatchEscrow.BatchWrongDisputeStatus.selector,
                batchId,
                0,
                IBatchEscrow.DisputeStatus.ProviderNotAtFault
            )
        );
        vm.prank(ARBITER);
        escrow.resolveBatchDispute(batchId, 0, true);
    }

    function test_claimWithheld_onlyAfterTheRevealWindow_thenProviderAtFault() public {
        (uint256 batchId, IBatchEscrow.BatchJob[] memory jobs) = _settled(2);
        _disputeJob(batchId, jobs, 1, watcher);
        uint256 deadline = escrow.disputeOf(batchId, 1).revealDeadline;
        vm.warp(deadline);
        bytes32 before = _balances();
        vm.expectRevert(abi.encodeWithSelector(IBatchEscrow.BatchRevealWindowOpen.selector, batchId, 1, deadline));
        vm.prank(stranger);
        escrow.claimWithheld(batchId, 1);
        vm.assertTrue(_balances() == before, "a balance moved");
        // A reveal after the window is refused.
        vm.warp(deadline + 1);
        IBatchEscrow.BatchJobRequest memory request = jobs[1].request;
        vm.expectRevert(abi.encodeWithSelector(IBatchEscrow.BatchRevealWindowClosed.selector, batchId, 1, deadline));
        vm.prank(providerA);
        escrow.revealBatchJob(
            batchId,
            1,
            request,
            "Explain zero-knowledge proofs in one sentence.",
            "They prove a statement without revealing why it is true."
        );

        uint256 depositBefore = escrow.depositOf(consumer1).balance;
        vm.prank(stranger);
        escrow.claimWithheld(batchId, 1);
        // 10% of A's 1,000 AITBC stake slashed; half to the disputer, half to the treasury.
        vm.assertEq(staking.stakeOf(providerA), 900 ether, "slashed 10%");
        vm.assertEq(escrow.withdrawable(watcher), 100 ether + 50 ether, "bond + half the slash");
        vm.assertEq(escrow.withdrawable(TREASURY), 50 ether, "half the slash");
        vm.assertEq(escrow.depositOf(consumer1).balance, depositBefore + FEE, "fee back to the deposit");
        int256[5] memory c = reputation.componentsOf(providerA);
        vm.assertTrue(c[uint8(IReputationRegistry.Component.Disputes)] == -25, "-25 disputes");
        vm.assertTrue(c[uint8(IReputationRegistry.Component.Transactions)] == -20, "-20 transactions");
        vm.assertTrue(escrow.disputeOf(batchId, 1).status == IBatchEscrow.DisputeStatus.ProviderAtFault, "at fault");
        // The batch's other job is paid at finalization.
        vm.warp(escrow.batchOf(batchId).challengeEnds + 1);
        escrow.finalizeBatch(batchId);
        vm.assertEq(escrow.withdrawable(providerA), FEE - (FEE * 250) / 10_000, "other job paid");
    }

    function test_resolve_onlyTheArbiter() public {
        (uint256 batchId, IBatchEscrow.BatchJob[] memory jobs) = _settled(1);
        _disputeJob(batchId, jobs, 0, watcher);
        address[5] memory callers = [stranger, consumer1, providerA, watcher, address(this)];
        bytes32 role = escrow.ARBITER_ROLE();
        for (uint256 i = 0; i < callers.length; ++i) {
            for (uint256 fault = 0; fault < 2; ++fault) {
                bytes32 before = _balances();
                vm.expectRevert(
                    abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], role)
                );
                vm.prank(callers[i]);
                escrow.resolveBatchDispute(batchId, 0, fault == 1);
                vm.assertTrue(_balances() == before, "a balance moved");
            }
        }
        // The arbiter resolves an open (unrevealed) dispute against the provider.
        vm.prank(ARBITER);
        escrow.resolveBatchDispute(batchId, 0, true);
        vm.assertEq(escrow.withdrawable(watcher), 150 ether, "bond + half the slash");
        // No dispute: nothing to resolve.
        vm.expectRevert(
            abi.encodeWithSelector(
                IBatchEscrow.BatchWrongDisputeStatus.selector,
                batchId,
                5,
                IBatchEscrow.DisputeStatus.None
            )
        );
        vm.prank(ARBITER);
        escrow.resolveBatchDispute(batchId, 5, true);
    }

    // ------------------------------------------------------------ deposits and payouts

    function test_deposit_withdrawalDelay() public {
        vm.expectRevert(abi.encodeWithSelector(IBatchEscrow.BatchZeroAmount.selector));
        vm.prank(consumer1);
        escrow.deposit(0);
        vm.expectRevert(abi.encodeWithSelector(IBatchEscrow.BatchZeroAmount.selector));
        vm.prank(consumer1);
        escrow.requestWithdrawal(0);
        // Nothing requested.
        bytes32 before = _balances();
        vm.expectRevert(abi.encodeWithSelector(IBatchEscrow.BatchWithdrawalLocked.selector, consumer1, 0));
        vm.prank(consumer1);
        escrow.withdrawDeposit();
        vm.assertTrue(_balances() == before, "a balance moved");

        vm.prank(consumer1);
        escrow.requestWithdrawal(400 ether);
        uint256 unlockAt = block.timestamp + 86_400;
        vm.assertEq(escrow.depositOf(consumer1).unlockAt, unlockAt, "unlock in a day");
        vm.warp(unlockAt - 1);
        before = _balances();
        vm.expectRevert(abi.encodeWithSelector(IBatchEscrow.BatchWithdrawalLocked.selector, consumer1, unlockAt));
        vm.prank(consumer1);
        escrow.withdrawDeposit();
        vm.assertTrue(_balances() == before, "a balance moved");

        // The deposit stays spendable during the delay.
        IBatchEscrow.BatchJob[] memory jobs = _jobs(providerA, 1);
        _settle(providerA, jobs);
        vm.warp(unlockAt);
        uint256 tokensBefore = token.balanceOf(consumer1);
        vm.prank(consumer1);
        escrow.withdrawDeposit();
        vm.assertEq(token.balanceOf(consumer1), tokensBefore + 400 ether, "withdrawn");
        vm.assertEq(escrow.depositOf(consumer1).balance, DEPOSIT - FEE - 400 ether, "rest stays");
        vm.assertEq(escrow.depositOf(consumer1).pendingWithdrawal, 0, "request consumed");

        // More than the balance: the whole balance is paid.
        vm.prank(consumer2);
        escrow.requestWithdrawal(5_000 ether);
        vm.warp(block.timestamp + 86_400);
        vm.prank(consumer2);
        vm.assertEq(escrow.withdrawDeposit(), DEPOSIT, "whole balance");
        vm.prank(consumer2);
        escrow.requestWithdrawal(1 ether);
        vm.warp(block.timestamp + 86_400);
        before = _balances();
        vm.expectRevert(abi.encodeWithSelector(IBatchEscrow.BatchNothingToWithdraw.selector, consumer2));
        vm.prank(consumer2);
        escrow.withdrawDeposit();
        vm.assertTrue(_balances() == before, "a balance moved");
    }

    function test_withdraw_nothingCredited() public {
        bytes32 before = _balances();
        vm.expectRevert(abi.encodeWithSelector(IBatchEscrow.BatchNothingToWithdraw.selector, stranger));
        vm.prank(stranger);
        escrow.withdraw();
        vm.expectRevert(abi.encodeWithSelector(IBatchEscrow.BatchNothingToWithdraw.selector, providerA));
        escrow.withdrawFor(providerA);
        vm.assertTrue(_balances() == before, "a balance moved");
    }

    /// Fuzz: any batch of 1..24 jobs from two consumers with any token counts settles, debits exactly
    /// Σ tokenCount × price, and every leaf can be disputed with its Merkle proof.
    function testFuzz_settleThenDisputeAnyLeaf(uint8 size, uint256 seed, uint8 pick) public {
        uint256 count = 1 + (uint256(size) % 24);
        IBatchEscrow.BatchJob[] memory jobs = new IBatchEscrow.BatchJob[](count);
        uint256 total;
        for (uint256 i = 0; i < count; ++i) {
            bool first = uint256(keccak256(abi.encode(seed, i))) % 2 == 0;
            IBatchEscrow.BatchJobRequest memory request = _request(first ? consumer1 : consumer2, providerA);
            jobs[i] = _job(request, first ? KEY_C1 : KEY_C2);
            jobs[i].tokenCount = uint32(uint256(keccak256(abi.encode(seed, i, "t"))) % (MAX_TOKENS + 1));
            total += uint256(jobs[i].tokenCount) * PRICE;
        }
        uint256 batchId = _settle(providerA, jobs);
        vm.assertEq(escrow.batchOf(batchId).totalFee, total, "total fee");
        vm.assertEq(
            escrow.depositOf(consumer1).balance + escrow.depositOf(consumer2).balance,
            2 * DEPOSIT - total,
            "deposits debited exactly"
        );
        uint256 index = uint256(pick) % count;
        _disputeJob(batchId, jobs, index, watcher);
        vm.assertEq(escrow.batchOf(batchId).disputedFee, uint256(jobs[index].tokenCount) * PRICE, "disputed fee");
    }
}
