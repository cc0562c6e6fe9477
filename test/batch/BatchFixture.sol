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

/// @dev Shared set-up of the BatchEscrow Solidity tests: the real token, reputation registry and staking,
/// the real MarketPolicy (its defaults; this test contract is its admin) and the binding mock verifier (a
/// "proof" is keccak256 of its two public signals, so a proof for another provider, root or job count fails
/// as a real one would).
/// Providers A and B are registered (identity commitments 11 and 22), staked 1,000 AITBC, serving MODEL
/// and OTHER_MODEL. Consumers sign requests with their keys and have 1,000 AITBC deposited.
/// The EIP-712 digest and the Merkle leaf are computed here independently of the escrow's own code.
abstract contract BatchFixture {
    bytes32 internal constant MODEL = keccak256("llama3.2:1b@sha256:0b1c");
    bytes32 internal constant OTHER_MODEL = keccak256("mistral:7b@sha256:77aa");
    bytes32 internal constant PROMPT = keccak256("Explain zero-knowledge proofs in one sentence.");
    bytes32 internal constant OUTPUT = keccak256("They prove a statement without revealing why it is true.");
    uint128 internal constant PRICE = 2e15; // wei per token
    uint32 internal constant MAX_TOKENS = 100;
    uint32 internal constant TOKENS = 37;
    uint256 internal constant FEE = 37 * 2e15; // TOKENS × PRICE, wei
    uint256 internal constant IDENTITY_A = 11;
    uint256 internal constant IDENTITY_B = 22;
    uint256 internal constant DEPOSIT = 1_000 ether;
    address internal constant TREASURY = address(0x7EA5);
    address internal constant ARBITER = address(0xA4B1);

    uint256 internal constant KEY_A = 0xA1;
    uint256 internal constant KEY_B = 0xB1;
    uint256 internal constant KEY_C1 = 0xC1;
    uint256 internal constant KEY_C2 = 0xC2;
    uint256 internal constant KEY_STRANGER = 0xE1;

    AITBCToken internal token;
    ReputationRegistry internal reputation;
    GPUStaking internal staking;
    MarketPolicy internal policy;
    BatchReceiptVerifierMock internal verifier;
    BatchEscrow internal escrow;

    address internal providerA;
    address internal providerB;
    address internal consumer1;
    address internal consumer2;
    address internal stranger;
    address internal watcher = address(0x3A7C);

    uint256 private _nextNonce = 1;

    function setUp() public virtual {
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
        reputation = new ReputationRegistry(address(this));
        staking = new GPUStaking(token, reputation, address(this));
        policy = new MarketPolicy(address(this), TREASURY);
        verifier = new BatchReceiptVerifierMock();
        escrow = new BatchEscrow(token, staking, reputation, policy, verifier, address(this));
        reputation.grantRole(reputation.ESCROW_ROLE(), address(escrow));
        staking.grantRole(staking.ESCROW_ROLE(), address(escrow));
        escrow.grantRole(escrow.ARBITER_ROLE(), ARBITER);

        providerA = vm.addr(KEY_A);
        providerB = vm.addr(KEY_B);
        consumer1 = vm.addr(KEY_C1);
        consumer2 = vm.addr(KEY_C2);
        stranger = vm.addr(KEY_STRANGER);
        _registerProvider(providerA, IDENTITY_A);
        _registerProvider(providerB, IDENTITY_B);
        _fundDeposit(consumer1, DEPOSIT);
        _fundDeposit(consumer2, DEPOSIT);
        for (uint256 i = 0; i < 2; ++i) {
            address account = i == 0 ? watcher : stranger;
            token.transfer(account, 10_000 ether);
            vm.prank(account);
            token.approve(address(escrow), type(uint256).max);
        }
    }

    function _registerProvider(address provider, uint256 identity) internal {
        token.transfer(provider, 10_000 ether);
        bytes32[] memory models = new bytes32[](2);
        models[0] = MODEL;
        models[1] = OTHER_MODEL;
        vm.startPrank(provider);
        token.approve(address(staking), type(uint256).max);
        staking.register(identity, IGPUStaking.GpuSpec("RTX 4090", 24, 120), models);
        staking.stake(1_000 ether, 0);
        token.approve(address(escrow), type(uint256).max);
        vm.stopPrank();
    }

    function _fundDeposit(address account, uint256 amount) internal {
        token.transfer(account, amount);
        vm.startPrank(account);
        token.approve(address(escrow), amount);
        escrow.deposit(amount);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ requests and signatures

    /// @dev A request of `consumer` for `provider` with the defaults and a fresh nonce, valid for an hour.
    function _request(address consumer, address provider) internal returns (IBatchEscrow.BatchJobRequest memory) {
        return
            IBatchEscrow.BatchJobRequest({
                consumer: consumer,
                provider: provider,
                modelDigest: MODEL,
                promptHash: PROMPT,
                pricePerToken: PRICE,
                maxTokens: MAX_TOKENS,
                deadline: uint40(block.timestamp + 1 hours),
                nonce: _nextNonce++
            });
    }

    /// @dev EIP-712 digest of `request` for the domain ("AITBC BatchEscrow", "1", chainId, verifyingContract),
    /// computed from the standard's definition (not by the escrow).
    function _digestFor(
        IBatchEscrow.BatchJobRequest memory request,
        uint256 chainId,
        address verifyingContract
    ) internal pure returns (bytes32) {
        bytes32 domainSeparator = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("AITBC BatchEscrow"),
                keccak256("1"),
                chainId,
                verifyingContract
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "BatchJobRequest(address consumer,address provider,bytes32 modelDigest,bytes32 promptHash,"
                    "uint128 pricePerToken,uint32 maxTokens,uint40 deadline,uint256 nonce)"
                ),
                request
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    function _digest(IBatchEscrow.BatchJobRequest memory request) internal view returns (bytes32) {
        return _digestFor(request, block.chainid, address(escrow));
    }

    function _signDigest(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev A job answering `request`, signed by `key` for this escrow, producing OUTPUT in TOKENS tokens.
    function _job(
        IBatchEscrow.BatchJobRequest memory request,
        uint256 key
    ) internal view returns (IBatchEscrow.BatchJob memory) {
        return
            IBatchEscrow.BatchJob({
                request: request,
                signature: _signDigest(key, _digest(request)),
                outputHash: OUTPUT,
                tokenCount: TOKENS,
                inference: ""
            });
    }

    /// @dev `count` jobs of consumer1 (key KEY_C1) for `provider`.
    function _jobs(address provider, uint256 count) internal returns (IBatchEscrow.BatchJob[] memory jobs) {
        jobs = new IBatchEscrow.BatchJob[](count);
        for (uint256 i = 0; i < count; ++i) jobs[i] = _job(_request(consumer1, provider), KEY_C1);
    }

    function _one(IBatchEscrow.BatchJob memory job) internal pure returns (IBatchEscrow.BatchJob[] memory jobs) {
        jobs = new IBatchEscrow.BatchJob[](1);
        jobs[0] = job;
    }

    // ------------------------------------------------------------ leaves, roots, proofs

    function _leaf(
        IBatchEscrow.BatchJob memory job,
        uint256 index
    ) internal view returns (IBatchEscrow.BatchLeaf memory) {
        return
            IBatchEscrow.BatchLeaf({
                index: index,
                requestDigest: _digest(job.request),
                consumer: job.request.consumer,
                outputHash: job.outputHash,
                tokenCount: job.tokenCount,
                fee: uint256(job.tokenCount) * job.request.pricePerToken
            });
    }

    function _leafHashes(IBatchEscrow.BatchJob[] memory jobs) internal view returns (bytes32[] memory hashes) {
        hashes = new bytes32[](jobs.length);
        for (uint256 i = 0; i < jobs.length; ++i) hashes[i] = keccak256(abi.encode(_leaf(jobs[i], i)));
    }

    function _root(IBatchEscrow.BatchJob[] memory jobs) internal view returns (bytes32) {
        return BatchMerkle.root(_leafHashes(jobs));
    }

    /// @dev The commitment as the design defines it (computed here, not by the escrow).
    function _commitment(address provider, bytes32 root, uint256 count) internal view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(escrow), provider, root, count))) >> 8;
    }

    /// @dev The mock proof for (identity, commitment(provider, root, count)).
    function _proof(
        uint256 identity,
        address provider,
        bytes32 root,
        uint256 count
    ) internal view returns (uint256[8] memory) {
        return verifier.proofFor([identity, _commitment(provider, root, count)]);
    }

    function _identityOf(address provider) internal view returns (uint256) {
        return provider == providerA ? IDENTITY_A : IDENTITY_B;
    }

    /// @dev The valid proof of `jobs` settled by `provider`.
    function _validProof(
        address provider,
        IBatchEscrow.BatchJob[] memory jobs
    ) internal view returns (uint256[8] memory) {
        return _proof(_identityOf(provider), provider, _root(jobs), jobs.length);
    }

    function _settle(address provider, IBatchEscrow.BatchJob[] memory jobs) internal returns (uint256 batchId) {
        uint256[8] memory proof = _validProof(provider, jobs);
        vm.prank(provider);
        batchId = escrow.settleBatch(jobs, proof);
    }

    // ------------------------------------------------------------ balances

    /// @dev Every balance an attack could move: token balances of the escrow and the actors, deposits and
    /// credits of the actors, the providers' stakes.
    function _balances() internal view returns (bytes32) {
        address[7] memory accounts = [providerA, providerB, consumer1, consumer2, stranger, watcher, TREASURY];
        bytes memory packed = abi.encode(token.balanceOf(address(escrow)), token.balanceOf(address(staking)));
        for (uint256 i = 0; i < accounts.length; ++i) {
            address a = accounts[i];
            IBatchEscrow.Deposit memory d = escrow.depositOf(a);
            packed = abi.encode(packed, token.balanceOf(a), d.balance, d.pendingWithdrawal, escrow.withdrawable(a));
            packed = abi.encode(packed, staking.stakeOf(a));
        }
        return keccak256(packed);
    }
}
