// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AITBCToken} from "../../contracts/token/AITBCToken.sol";
import {IAITBCToken} from "../../contracts/token/IAITBCToken.sol";
import {ReputationRegistry} from "../../contracts/reputation/ReputationRegistry.sol";
import {IReputationRegistry} from "../../contracts/reputation/IReputationRegistry.sol";
import {Tiers} from "../../contracts/reputation/Tiers.sol";
import {GPUStaking} from "../../contracts/staking/GPUStaking.sol";
import {IGPUStaking} from "../../contracts/staking/IGPUStaking.sol";
import {JobEscrow} from "../../contracts/escrow/JobEscrow.sol";
import {IJobEscrow} from "../../contracts/escrow/IJobEscrow.sol";
import {MarketPolicy} from "../../contracts/escrow/MarketPolicy.sol";
import {IReceiptVerifier} from "../../contracts/escrow/IReceiptVerifier.sol";
import {AcceptingReceiptVerifierMock} from "../../contracts/mocks/AcceptingReceiptVerifierMock.sol";
import {vm} from "../utils/Vm.sol";

/// @dev Drives random sequences over the whole market: staking (stake, unbond, withdraw, fund,
/// rate changes, claims, syncs), reputation writes by every role, and jobs through every path of
/// the escrow (open, open by a provider's signed quote, claim, submit, finalize, dispute, resolve
/// either way, reclaim, cancel, withdraw), plus calls with arbitrary calldata from any actor
/// (`rawEscrowCall`, whose reverts are ignored). Every action checks its preconditions first, so no
/// call reverts (failOnRevert). `reclaim` also checks that a provider is slashed only when it had
/// its agreed time and at least `minPenaltyWindow` from its assignment to the deadline.
/// The receipt verifier is AcceptingReceiptVerifierMock: Solidity tests cannot run the snarkjs
/// prover, and the real proof path is covered by the mocha tests.
contract MarketHandler {
    bytes32 private constant MODEL = keccak256("model");
    uint256 private constant BPS_LIMIT = 10_000;

    AITBCToken public immutable token;
    ReputationRegistry public immutable reputation;
    GPUStaking public immutable staking;
    JobEscrow public immutable escrow;
    address public immutable treasury;

    address[] public providers;
    /// @dev Private keys of `providers` (they sign quotes with `vm.sign`).
    uint256[] private _providerKeys;
    address[] public consumers;
    uint256[] public jobIds;
    /// @dev Per job: when a provider was assigned and the duration it agreed to by quote (seconds).
    mapping(uint256 jobId => uint256) private _assignedAt;
    mapping(uint256 jobId => uint256) private _agreedDuration;
    /// @dev Per job: the policy's minPenaltyWindow when it was assigned (governance may change it later).
    mapping(uint256 jobId => uint256) private _penaltyWindowAt;
    uint256 private _quoteNonce;
    uint256 private _nullifier = 1;
    /// @notice How many calls of each kind went through (to see the runs reach every path).
    mapping(bytes32 action => uint256) public calls;

    constructor(
        AITBCToken token_,
        ReputationRegistry reputation_,
        GPUStaking staking_,
        JobEscrow escrow_,
        address treasury_,
        uint256[] memory providerKeys_,
        address[] memory consumers_
    ) {
        token = token_;
        reputation = reputation_;
        staking = staking_;
        escrow = escrow_;
        treasury = treasury_;
        _providerKeys = providerKeys_;
        for (uint256 i = 0; i < providerKeys_.length; ++i) providers.push(vm.addr(providerKeys_[i]));
        consumers = consumers_;
    }

    // ------------------------------------------------------------ staking

    function stake(uint256 providerSeed, uint256 amount, uint256 lockSeed) external {
        address provider = _provider(providerSeed);
        uint256 index = lockSeed % 4;
        IGPUStaking.ProviderView memory p = staking.providerOf(provider);
        if (block.timestamp + staking.lockOption(index).duration < p.lockedUntil) index = 3;
        if (block.timestamp + staking.lockOption(index).duration < p.lockedUntil) return;
        vm.prank(provider);
        staking.stake(1 + (amount % 10_000 ether), index);
    }

    function requestUnbond(uint256 providerSeed, uint256 amount) external {
        address provider = _provider(providerSeed);
        IGPUStaking.ProviderView memory p = staking.providerOf(provider);
        if (block.timestamp < p.lockedUntil || p.staked == 0) return;
        vm.prank(provider);
        staking.requestUnbond(1 + (amount % p.staked));
    }

    function withdrawStake(uint256 providerSeed) external {
        address provider = _provider(providerSeed);
        IGPUStaking.ProviderView memory p = staking.providerOf(provider);
        if (p.unbonding == 0 || block.timestamp < p.unbondingEnds) return;
        vm.prank(provider);
        ++calls["withdrawStake"];
        staking.withdraw();
    }

    function fundRewards(uint256 amount) external {
        staking.fundRewards(1 + (amount % 100_000 ether));
    }

    function setRewardRate(uint256 rate) external {
        staking.setRewardRate(rate % (100 ether + 1));
    }

    function claimRewards(uint256 providerSeed) external {
        address provider = _provider(providerSeed);
        if (staking.pendingRewards(provider) == 0) return;
        vm.prank(provider);
        ++calls["claimRewards"];
        staking.claimRewards();
    }

    function syncTier(uint256 providerSeed) external {
        staking.syncTier(_provider(providerSeed));
    }

    // ------------------------------------------------------------ reputation

    function adjustReputation(uint256 agentSeed, uint256 componentSeed, int256 delta) external {
        address agent = agentSeed % 2 == 0 ? _provider(agentSeed / 2) : _consumer(agentSeed / 2);
        reputation.adjustComponent(agent, IReputationRegistry.Component(componentSeed % 5), delta);
    }

    // ------------------------------------------------------------ escrow

    function openJob(uint256 consumerSeed, uint256 maxTokens, uint256 price, uint256 duration) external {
        address consumer = _consumer(consumerSeed);
        IJobEscrow.JobRequest memory request = IJobEscrow.JobRequest({
            modelDigest: MODEL,
            promptHash: keccak256(abi.encode(jobIds.length)),
            maxTokens: uint32(1 + (maxTokens % 1_000)),
            pricePerToken: uint128(1 + (price % 1 ether)),
            deadline: uint40(block.timestamp + 1 hours + (duration % 29 days)),
            minTier: Tiers.Tier.Bronze
        });
        vm.prank(consumer);
        jobIds.push(escrow.openJob(request));
    }

    /// @dev A provider signs a quote for a consumer (EIP-712 through `quoteDigest`, signed with
    /// `vm.sign`); the consumer opens it with a deadline at least the agreed `minDuration` away.
    function openJobWithQuote(
        uint256 providerSeed,
        uint256 consumerSeed,
        uint256 maxTokens,
        uint256 price,
        uint256 minDuration,
        uint256 extra
    ) external {
        uint256 index = providerSeed % providers.length;
        address provider = providers[index];
        if (staking.stakeOf(provider) < staking.minStake()) return;
        address consumer = _consumer(consumerSeed);
        IJobEscrow.Quote memory quote = IJobEscrow.Quote({
            provider: provider,
            consumer: consumer,
            modelDigest: MODEL,
            promptHash: keccak256(abi.encode("quoted", jobIds.length)),
            pricePerToken: uint128(1 + (price % 1 ether)),
            maxTokens: uint32(1 + (maxTokens % 1_000)),
            minDuration: uint32(minDuration % 7 days),
            expiry: uint40(block.timestamp + 10 minutes),
            nonce: ++_quoteNonce
        });
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_providerKeys[index], escrow.quoteDigest(quote));
        uint256 deadline = block.timestamp + 1 + quote.minDuration + (extra % 7 days);
        vm.prank(consumer);
        uint256 jobId = escrow.openJobWithQuote(quote, abi.encodePacked(r, s, v), uint40(deadline));
        jobIds.push(jobId);
        _assignedAt[jobId] = block.timestamp;
        _penaltyWindowAt[jobId] = escrow.policy().parameters().minPenaltyWindow;
        _agreedDuration[jobId] = quote.minDuration;
        ++calls["openJobWithQuote"];
    }

    function claim(uint256 jobSeed, uint256 providerSeed) external {
        (uint256 jobId, IJobEscrow.Job memory job) = _job(jobSeed);
        address provider = _provider(providerSeed);
        if (job.status != IJobEscrow.JobStatus.Open || block.timestamp > job.deadline) return;
        if (staking.stakeOf(provider) < staking.minStake()) return;
        vm.prank(provider);
        ++calls["claim"];
        escrow.claim(jobId);
        _assignedAt[jobId] = block.timestamp;
        _penaltyWindowAt[jobId] = escrow.policy().parameters().minPenaltyWindow;
    }

    function submit(uint256 jobSeed, uint256 tokens) external {
        (uint256 jobId, IJobEscrow.Job memory job) = _job(jobSeed);
        if (job.status != IJobEscrow.JobStatus.Claimed || block.timestamp > job.deadline) return;
        IJobEscrow.Groth16Proof memory proof;
        proof.a[0] = 1; // accepted by the mock verifier
        vm.prank(job.provider);
        ++calls["submit"];
        escrow.submitResult(jobId, keccak256("output"), tokens % (uint256(job.maxTokens) + 1), _nullifier++, proof);
    }

    function finalize(uint256 jobSeed) external {
        (uint256 jobId, IJobEscrow.Job memory job) = _job(jobSeed);
        if (job.status != IJobEscrow.JobStatus.Submitted || block.timestamp <= job.challengeEnds) return;
        ++calls["finalize"];
        escrow.finalize(jobId);
    }

    function dispute(uint256 jobSeed, uint256 challengerSeed) external {
        (uint256 jobId, IJobEscrow.Job memory job) = _job(jobSeed);
        if (job.status != IJobEscrow.JobStatus.Submitted || block.timestamp > job.challengeEnds) return;
        vm.prank(_consumer(challengerSeed));
        ++calls["dispute"];
        escrow.dispute(jobId);
    }

    function resolve(uint256 jobSeed, bool providerAtFault) external {
        (uint256 jobId, IJobEscrow.Job memory job) = _job(jobSeed);
        if (job.status != IJobEscrow.JobStatus.Disputed) return;
        ++calls["resolve"];
        escrow.resolveDispute(jobId, providerAtFault); // the handler is the arbiter
    }

    function reclaim(uint256 jobSeed) external {
        (uint256 jobId, IJobEscrow.Job memory job) = _job(jobSeed);
        bool assignable = job.status == IJobEscrow.JobStatus.Open || job.status == IJobEscrow.JobStatus.Claimed;
        if (!assignable || block.timestamp <= job.deadline) return;
        ++calls["reclaim"];
        uint256 stakeBefore = job.provider == address(0) ? 0 : staking.stakeOf(job.provider);
        escrow.reclaim(jobId);
        if (job.status != IJobEscrow.JobStatus.Claimed) return;
        if (staking.stakeOf(job.provider) < stakeBefore) {
            // slashed: the provider had its agreed time and at least the penalty window
            uint256 given = job.deadline - _assignedAt[jobId];
            vm.assertTrue(given >= _agreedDuration[jobId], "slashed with less than the agreed duration");
            vm.assertTrue(given >= _penaltyWindowAt[jobId], "slashed with less than minPenaltyWindow");
            ++calls["reclaimSlashed"];
        }
    }

    /// @dev Arbitrary calldata to the escrow from any actor, after one of its selectors (or raw
    /// bytes); reverts are expected and ignored. Jobs it opens are tracked like the others.
    function rawEscrowCall(uint256 actorSeed, uint256 selectorSeed, bytes calldata args) external {
        bytes4[12] memory selectors = [
            IJobEscrow.openJob.selector,
            IJobEscrow.openJobWithQuote.selector,
            IJobEscrow.claim.selector,
            IJobEscrow.cancelJob.selector,
            IJobEscrow.cancelQuote.selector,
            IJobEscrow.submitResult.selector,
            IJobEscrow.finalize.selector,
            IJobEscrow.dispute.selector,
            IJobEscrow.reclaim.selector,
            IJobEscrow.withdraw.selector,
            IJobEscrow.submitInferenceResult.selector,
            bytes4(0)
        ];
        bytes4 selector = selectors[selectorSeed % selectors.length];
        bytes memory data = selector == bytes4(0) ? args : abi.encodePacked(selector, args);
        uint256 count = providers.length + consumers.length;
        uint256 pick = actorSeed % count;
        address actor = pick < providers.length ? providers[pick] : consumers[pick - providers.length];
        vm.prank(actor);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, ) = address(escrow).call(data); // arbitrary calldata is the point
        if (ok) ++calls["rawEscrowCallOk"];
        for (uint256 id = jobIds.length == 0 ? 1 : jobIds[jobIds.length - 1] + 1; id <= escrow.lastJobId(); ++id) {
            jobIds.push(id);
        }
    }

    function cancel(uint256 jobSeed) external {
        (uint256 jobId, IJobEscrow.Job memory job) = _job(jobSeed);
        if (job.status != IJobEscrow.JobStatus.Open) return;
        vm.prank(job.consumer);
        escrow.cancelJob(jobId);
    }

    function withdrawCredit(uint256 accountSeed) external {
        uint256 count = accountCount();
        address payee = this.account(accountSeed % count);
        if (escrow.withdrawable(payee) == 0) return;
        escrow.withdrawFor(payee);
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + 1 + (seconds_ % 3 days));
    }

    /// @dev Long jumps, so that locks (30+ days) and unbonding (14 days) end within a run.
    function warpLong(uint256 seconds_) external {
        vm.warp(block.timestamp + 1 + (seconds_ % 40 days));
    }

    // ------------------------------------------------------------ governance of the policy

    /// @dev The timelock's role: sets one of the eight numeric parameters of the policy to a value
    /// within its bounds, mid-sequence (the escrow reads each when it applies). The treasury stays
    /// (the invariants enumerate the accounts that can be credited).
    function governPolicy(uint256 which, uint256 value) external {
        MarketPolicy policy = MarketPolicy(address(escrow.policy()));
        uint256 w = which % 8;
        ++calls["governPolicy"];
        if (w == 0) policy.setProtocolFeeBps(uint16(value % 1_001));
        else if (w == 1) policy.setChallengeWindow(uint32(1 hours + (value % (7 days - 1 hours + 1))));
        else if (w == 2) policy.setDisputeBond(uint96(1 ether + (value % 1_000 ether)));
        else if (w == 3) policy.setDisputeSlashBps(uint16(100 + (value % 4_901)));
        else if (w == 4) policy.setDeadlineSlashBps(uint16(value % 1_001));
        else if (w == 5) policy.setSlashRewardBps(uint16(value % 9_001));
        else if (w == 6) policy.setMinPenaltyWindow(uint32(1 minutes + (value % (1 days - 1 minutes + 1))));
        else policy.setRevealWindow(uint32(1 hours + (value % (7 days - 1 hours + 1))));
    }

    // ------------------------------------------------------------ views for the invariants

    function jobCount() external view returns (uint256) {
        return jobIds.length;
    }

    function providerCount() external view returns (uint256) {
        return providers.length;
    }

    /// @dev Every account the escrow can credit: providers, consumers (also the challengers), treasury.
    function accountCount() public view returns (uint256) {
        return providers.length + consumers.length + 1;
    }

    function account(uint256 index) external view returns (address) {
        if (index < providers.length) return providers[index];
        index -= providers.length;
        if (index < consumers.length) return consumers[index];
        return treasury;
    }

    function _job(uint256 seed) private view returns (uint256 jobId, IJobEscrow.Job memory job) {
        if (jobIds.length == 0) return (0, job);
        jobId = jobIds[seed % jobIds.length];
        job = escrow.jobOf(jobId);
    }

    function _provider(uint256 seed) private view returns (address) {
        return providers[seed % providers.length];
    }

    function _consumer(uint256 seed) private view returns (address) {
        return consumers[seed % consumers.length];
    }
}

/// @notice Invariants of the market over random sequences of MarketHandler actions.
contract MarketInvariantTest {
    address private constant TREASURY = address(0x7EA5);

    AITBCToken internal token;
    ReputationRegistry internal reputation;
    GPUStaking internal staking;
    JobEscrow internal escrow;
    MarketHandler internal handler;

    function setUp() public {
        token = _newToken(address(this));
        reputation = new ReputationRegistry(address(this));
        staking = new GPUStaking(token, reputation, address(this));
        IReceiptVerifier verifier = new AcceptingReceiptVerifierMock();
        MarketPolicy policy = new MarketPolicy(address(this), TREASURY);
        escrow = new JobEscrow(token, staking, reputation, policy, verifier, address(this));

        address[] memory providers = new address[](3);
        uint256[] memory providerKeys = new uint256[](3);
        address[] memory consumers = new address[](3);
        for (uint256 i = 0; i < 3; ++i) {
            providerKeys[i] = 0xA000 + i;
            providers[i] = vm.addr(providerKeys[i]);
            consumers[i] = address(uint160(0xC000 + i));
        }
        handler = new MarketHandler(token, reputation, staking, escrow, TREASURY, providerKeys, consumers);

        reputation.grantRole(reputation.ESCROW_ROLE(), address(escrow));
        reputation.grantRole(reputation.ESCROW_ROLE(), address(handler));
        reputation.grantRole(reputation.ORACLE_ROLE(), address(handler));
        reputation.grantRole(reputation.DEFAULT_ADMIN_ROLE(), address(handler));
        staking.grantRole(staking.ESCROW_ROLE(), address(escrow));
        staking.grantRole(staking.DEFAULT_ADMIN_ROLE(), address(handler));
        escrow.grantRole(escrow.ARBITER_ROLE(), address(handler));
        policy.grantRole(policy.DEFAULT_ADMIN_ROLE(), address(handler));

        token.transfer(address(handler), 50_000_000 ether);
        vm.prank(address(handler));
        token.approve(address(staking), type(uint256).max);
        IGPUStaking.GpuSpec memory gpu = IGPUStaking.GpuSpec("RTX 4090", 24, 120);
        bytes32[] memory models = new bytes32[](1);
        models[0] = keccak256("model");
        for (uint256 i = 0; i < 3; ++i) {
            token.transfer(providers[i], 1_000_000 ether);
            token.transfer(consumers[i], 1_000_000 ether);
            vm.startPrank(providers[i]);
            token.approve(address(staking), type(uint256).max);
            staking.register(i + 1, gpu, models);
            staking.stake(1_000 ether, 0);
            vm.stopPrank();
            vm.prank(consumers[i]);
            token.approve(address(escrow), type(uint256).max);
        }
    }

    /// @dev Read by the invariant runner: only the handler is called with random inputs.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// The escrow holds exactly: the escrow of every job still Open/Claimed/Submitted/Disputed,
    /// plus the bond of every Disputed job, plus every credited, unwithdrawn balance.
    function invariant_escrowBalanceEqualsOpenObligations() public view {
        uint256 owed;
        uint256 jobs = handler.jobCount();
        for (uint256 i = 0; i < jobs; ++i) {
            uint256 jobId = handler.jobIds(i);
            IJobEscrow.Job memory job = escrow.jobOf(jobId);
            IJobEscrow.JobStatus s = job.status;
            if (s == IJobEscrow.JobStatus.Settled || s == IJobEscrow.JobStatus.Refunded) continue;
            owed += job.escrowed;
            if (s == IJobEscrow.JobStatus.Disputed) {
                (, uint256 bond) = escrow.disputeOf(jobId);
                owed += bond;
            }
        }
        uint256 accounts = handler.accountCount();
        for (uint256 i = 0; i < accounts; ++i) owed += escrow.withdrawable(handler.account(i));
        vm.assertEq(token.balanceOf(address(escrow)), owed, "escrow balance != open obligations + credits");
    }

    /// Staking holds exactly all stakes, all unbonding balances and the reward reserve; the reserve
    /// covers every provider's pending rewards; totals match the per-provider sums.
    function invariant_stakingCoversStakesAndRewards() public view {
        vm.assertEq(
            token.balanceOf(address(staking)),
            staking.totalStaked() + staking.totalUnbonding() + staking.rewardReserve(),
            "staking balance != stakes + unbonding + reward reserve"
        );
        uint256 staked;
        uint256 unbonding;
        uint256 weight;
        uint256 pending;
        uint256 count = handler.providerCount();
        for (uint256 i = 0; i < count; ++i) {
            IGPUStaking.ProviderView memory p = staking.providerOf(handler.providers(i));
            staked += p.staked;
            unbonding += p.unbonding;
            weight += p.weight;
            pending += p.pendingRewards;
        }
        vm.assertEq(staked, staking.totalStaked(), "sum of stakes != totalStaked");
        vm.assertEq(unbonding, staking.totalUnbonding(), "sum of unbonding != totalUnbonding");
        vm.assertEq(weight, staking.totalWeight(), "sum of weights != totalWeight");
        vm.assertLe(pending, staking.rewardReserve(), "pending rewards above the reward reserve");
    }

    /// No trust score leaves 0–1000 and no component leaves its range.
    function invariant_trustScoresInRange() public view {
        uint256 accounts = handler.accountCount();
        for (uint256 i = 0; i < accounts; ++i) {
            address agent = handler.account(i);
            vm.assertLe(reputation.trustScore(agent), 1000, "score above 1000");
            int256[5] memory values = reputation.componentsOf(agent);
            for (uint256 c = 0; c < 5; ++c) {
                int256 bound = reputation.componentBound(IReputationRegistry.Component(c));
                vm.assertTrue(values[c] <= bound && values[c] >= -bound, "component out of range");
            }
        }
    }

    /// @dev The AITBC token with the design's counted-power parameters; the 40% share to `treasury`, the rest here.
    function _newToken(address treasury) private returns (AITBCToken) {
        address[] memory contributors = new address[](1);
        contributors[0] = address(this);
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = 100_000_000 ether;
        IAITBCToken.VotingPowerParameters memory design = IAITBCToken.VotingPowerParameters(500, 1 days, 7 days);
        return new AITBCToken(treasury, address(this), address(this), address(this), contributors, amounts, design);
    }
}
