// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IReputationRegistry} from "../reputation/IReputationRegistry.sol";
import {Tiers} from "../reputation/Tiers.sol";
import {IGPUStaking} from "./IGPUStaking.sol";

/// @title GPUStaking
/// @notice AITBC staking of GPU providers with lock and reputation-tier reward multipliers.
/// See {IGPUStaking} for the rules.
/// @dev Token accounting (exact unless someone sends tokens without calling this contract):
/// `token.balanceOf(this) == totalStaked + totalUnbonding + rewardReserve`, and the sum of every
/// provider's pending rewards is at most `rewardReserve` (providers' shares round down, the
/// streamed amount rounds up). Checked by test/market/MarketInvariants.t.sol.
contract GPUStaking is IGPUStaking, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc IGPUStaking
    bytes32 public constant ESCROW_ROLE = keccak256("ESCROW_ROLE");

    uint256 private constant BPS = 10_000;
    uint256 private constant PRECISION = 1e18;
    uint256 private constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 private constant MAX_MODELS_PER_CALL = 32;
    uint256 private constant MAX_GPU_NAME = 64;
    uint256 private constant MAX_LOCK_OPTIONS = 8;
    uint256 private constant MAX_REWARD_RATE = 100 ether;
    uint256 private constant MIN_MIN_STAKE = 1 ether;
    uint256 private constant MAX_MIN_STAKE = 10_000_000 ether;
    uint256 private constant MIN_UNBONDING = 7 days;
    uint256 private constant MAX_UNBONDING = 90 days;
    uint256 private constant MIN_SLASH_CAP = 100;
    uint256 private constant MAX_SLASH_CAP = 5_000;
    uint256 private constant MIN_LOCK = 1 days;
    uint256 private constant MAX_LOCK = 730 days;
    uint256 private constant MIN_LOCK_MULTIPLIER = 10_000;
    uint256 private constant MAX_LOCK_MULTIPLIER = 30_000;

    struct Accumulator {
        uint192 rewardPerWeight;
        uint64 lastUpdate;
    }

    struct Provider {
        uint128 staked;
        uint128 unbonding;
        uint64 lockedUntil;
        uint64 unbondingEnds;
        uint32 lockMultiplierBps;
        uint32 tierMultiplierBps;
        bool registered;
        uint256 weight;
        uint256 rewardPerWeightPaid;
        uint256 rewards;
        uint256 identityCommitment;
    }

    /// @notice The AITBC token.
    IERC20 public immutable token;
    /// @notice The reputation registry the tiers are read from.
    IReputationRegistry public immutable reputation;

    /// @inheritdoc IGPUStaking
    uint256 public rewardRate;
    /// @inheritdoc IGPUStaking
    uint256 public minStake = 1_000 ether;
    /// @inheritdoc IGPUStaking
    uint256 public unbondingPeriod = 14 days;
    /// @inheritdoc IGPUStaking
    uint256 public maxSlashBps = 2_000;

    /// @inheritdoc IGPUStaking
    uint256 public totalStaked;
    /// @inheritdoc IGPUStaking
    uint256 public totalUnbonding;
    /// @inheritdoc IGPUStaking
    uint256 public totalWeight;
    /// @inheritdoc IGPUStaking
    uint256 public rewardReserve;
    /// @inheritdoc IGPUStaking
    uint256 public unallocatedRewards;
    /// @dev Rewards per unit of weight (scaled by 1e18; below 2^192 since all rewards ever funded
    /// are below 2^88 wei) and when it was last brought up to date (unix seconds), in one slot.
    Accumulator private _accumulator;

    mapping(address provider => Provider) private _providers;
    mapping(address provider => GpuSpec) private _gpus;
    mapping(address provider => mapping(bytes32 modelDigest => bool)) private _serves;
    mapping(uint256 identityCommitment => address provider) private _identityOwner;
    LockOption[MAX_LOCK_OPTIONS] private _lockOptions;

    /// @param token_ The AITBC token.
    /// @param reputation_ The reputation registry.
    /// @param admin Holder of `DEFAULT_ADMIN_ROLE` (the timelock, after deployment wiring).
    /// @dev Default lock options: 30 days x1.0, 90 days x1.2, 180 days x1.5, 365 days x2.0.
    constructor(IERC20 token_, IReputationRegistry reputation_, address admin) {
        token = token_;
        reputation = reputation_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _lockOptions[0] = LockOption(30 days, 10_000);
        _lockOptions[1] = LockOption(90 days, 12_000);
        _lockOptions[2] = LockOption(180 days, 15_000);
        _lockOptions[3] = LockOption(365 days, 20_000);
        _accumulator.lastUpdate = uint64(block.timestamp);
    }

    // ---------------------------------------------------------------- providers

    /// @inheritdoc IGPUStaking
    function register(uint256 identityCommitment, GpuSpec calldata gpu, bytes32[] calldata modelDigests) external {
        Provider storage p = _providers[msg.sender];
        if (p.registered) revert StakingAlreadyRegistered(msg.sender);
        if (identityCommitment == 0 || identityCommitment >= SNARK_SCALAR_FIELD) {
            revert StakingInvalidIdentity(identityCommitment);
        }
        address owner = _identityOwner[identityCommitment];
        if (owner != address(0)) revert StakingIdentityTaken(identityCommitment, owner);
        if (modelDigests.length > MAX_MODELS_PER_CALL) {
            revert StakingInputTooLong(modelDigests.length, MAX_MODELS_PER_CALL);
        }
        _checkGpu(gpu);
        p.registered = true;
        p.identityCommitment = identityCommitment;
        p.lockMultiplierBps = uint32(BPS);
        p.tierMultiplierBps = uint32(BPS);
        _identityOwner[identityCommitment] = msg.sender;
        _gpus[msg.sender] = gpu;
        emit ProviderRegistered(msg.sender, identityCommitment, gpu);
        for (uint256 i = 0; i < modelDigests.length; ++i) {
            _serves[msg.sender][modelDigests[i]] = true;
            emit ModelServingSet(msg.sender, modelDigests[i], true);
        }
    }

    /// @inheritdoc IGPUStaking
    function updateGpu(GpuSpec calldata gpu) external {
        _requireRegistered(msg.sender);
        _checkGpu(gpu);
        _gpus[msg.sender] = gpu;
        emit GpuUpdated(msg.sender, gpu);
    }

    /// @inheritdoc IGPUStaking
    function setModelServing(bytes32 modelDigest, bool serving) external {
        _requireRegistered(msg.sender);
        _serves[msg.sender][modelDigest] = serving;
        emit ModelServingSet(msg.sender, modelDigest, serving);
    }

    // ---------------------------------------------------------------- staking

    /// @inheritdoc IGPUStaking
    function stake(uint256 amount, uint256 lockOptionIndex) external nonReentrant {
        Provider storage p = _requireRegistered(msg.sender);
        if (amount == 0) revert StakingZeroAmount();
        if (lockOptionIndex >= MAX_LOCK_OPTIONS || _lockOptions[lockOptionIndex].duration == 0) {
            revert StakingInvalidLockOption(lockOptionIndex);
        }
        LockOption memory option = _lockOptions[lockOptionIndex];
        uint256 newLockedUntil = block.timestamp + option.duration;
        if (newLockedUntil < p.lockedUntil) revert StakingLockShortened(p.lockedUntil, newLockedUntil);

        _settle(p);
        p.staked += uint128(amount);
        p.lockedUntil = uint64(newLockedUntil);
        p.lockMultiplierBps = option.multiplierBps;
        totalStaked += amount;
        _refreshWeight(msg.sender, p);
        emit Staked(msg.sender, amount, lockOptionIndex, newLockedUntil);

        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IGPUStaking
    function requestUnbond(uint256 amount) external {
        Provider storage p = _providers[msg.sender];
        if (amount == 0) revert StakingZeroAmount();
        if (block.timestamp < p.lockedUntil) revert StakingLocked(p.lockedUntil);
        if (amount > p.staked) revert StakingInsufficientStake(amount, p.staked);

        _settle(p);
        p.staked -= uint128(amount);
        p.unbonding += uint128(amount);
        uint256 ends = block.timestamp + unbondingPeriod;
        p.unbondingEnds = uint64(ends);
        totalStaked -= amount;
        totalUnbonding += amount;
        _refreshWeight(msg.sender, p);
        emit UnbondingStarted(msg.sender, amount, ends);
    }

    /// @inheritdoc IGPUStaking
    function withdraw() external nonReentrant {
        Provider storage p = _providers[msg.sender];
        uint256 amount = p.unbonding;
        if (amount == 0 || block.timestamp < p.unbondingEnds) {
            revert StakingNotWithdrawable(amount, p.unbondingEnds);
        }
        p.unbonding = 0;
        totalUnbonding -= amount;
        emit Withdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IGPUStaking
    function slash(address provider, uint256 bps) external onlyRole(ESCROW_ROLE) nonReentrant returns (uint256 amount) {
        Provider storage p = _providers[provider];
        bps = Math.min(bps, maxSlashBps);
        amount = ((uint256(p.staked) + p.unbonding) * bps) / BPS;
        if (amount == 0) return 0;
        _settle(p);
        uint256 fromStake = Math.min(amount, p.staked);
        uint256 fromUnbonding = amount - fromStake;
        p.staked -= uint128(fromStake);
        p.unbonding -= uint128(fromUnbonding);
        totalStaked -= fromStake;
        totalUnbonding -= fromUnbonding;
        _refreshWeight(provider, p);
        emit Slashed(provider, amount, bps, msg.sender);
        token.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- rewards

    /// @inheritdoc IGPUStaking
    function fundRewards(uint256 amount) external nonReentrant {
        if (amount == 0) revert StakingZeroAmount();
        _updateRewards();
        unallocatedRewards += amount;
        rewardReserve += amount;
        emit RewardsFunded(msg.sender, amount);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IGPUStaking
    function claimRewards() external nonReentrant returns (uint256 amount) {
        Provider storage p = _providers[msg.sender];
        _settle(p);
        amount = p.rewards;
        if (amount == 0) revert StakingNoRewards(msg.sender);
        p.rewards = 0;
        rewardReserve -= amount;
        if (p.registered) _refreshWeight(msg.sender, p);
        emit RewardsClaimed(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IGPUStaking
    function syncTier(address provider) external {
        Provider storage p = _requireRegistered(provider);
        _settle(p);
        _refreshWeight(provider, p);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IGPUStaking
    function setRewardRate(uint256 newRate) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds(newRate, 0, MAX_REWARD_RATE);
        _updateRewards(); // the old rate applies up to now
        emit RewardRateSet(rewardRate, newRate);
        rewardRate = newRate;
    }

    /// @inheritdoc IGPUStaking
    function setMinStake(uint256 newMinStake) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds(newMinStake, MIN_MIN_STAKE, MAX_MIN_STAKE);
        emit MinStakeSet(minStake, newMinStake);
        minStake = newMinStake;
    }

    /// @inheritdoc IGPUStaking
    function setUnbondingPeriod(uint256 newPeriod) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds(newPeriod, MIN_UNBONDING, MAX_UNBONDING);
        emit UnbondingPeriodSet(unbondingPeriod, newPeriod);
        unbondingPeriod = newPeriod;
    }

    /// @inheritdoc IGPUStaking
    function setMaxSlashBps(uint256 newBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds(newBps, MIN_SLASH_CAP, MAX_SLASH_CAP);
        emit MaxSlashBpsSet(maxSlashBps, newBps);
        maxSlashBps = newBps;
    }

    /// @inheritdoc IGPUStaking
    function setLockOption(uint256 index, uint64 duration, uint32 multiplierBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (index >= MAX_LOCK_OPTIONS) revert StakingInvalidLockOption(index);
        _checkBounds(duration, MIN_LOCK, MAX_LOCK);
        _checkBounds(multiplierBps, MIN_LOCK_MULTIPLIER, MAX_LOCK_MULTIPLIER);
        LockOption memory newOption = LockOption(duration, multiplierBps);
        emit LockOptionSet(index, _lockOptions[index], newOption);
        _lockOptions[index] = newOption;
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IGPUStaking
    function lockOption(uint256 index) external view returns (LockOption memory) {
        if (index >= MAX_LOCK_OPTIONS) revert StakingInvalidLockOption(index);
        return _lockOptions[index];
    }

    /// @notice The reward accumulator: rewards per unit of weight (scaled by 1e18) as of now.
    /// @return rewardPerWeight The accumulator value including what has streamed since the last update.
    function rewardPerWeight() external view returns (uint256) {
        (uint256 rpw, ) = _accumulated();
        return rpw;
    }

    /// @inheritdoc IGPUStaking
    function providerOf(address provider) external view returns (ProviderView memory v) {
        Provider storage p = _providers[provider];
        v.registered = p.registered;
        v.identityCommitment = p.identityCommitment;
        v.staked = p.staked;
        v.unbonding = p.unbonding;
        v.unbondingEnds = p.unbondingEnds;
        v.lockedUntil = p.lockedUntil;
        v.lockMultiplierBps = p.lockMultiplierBps;
        v.tierMultiplierBps = p.tierMultiplierBps;
        v.weight = p.weight;
        v.pendingRewards = pendingRewards(provider);
    }

    /// @inheritdoc IGPUStaking
    function pendingRewards(address provider) public view returns (uint256) {
        Provider storage p = _providers[provider];
        (uint256 rpw, ) = _accumulated();
        return p.rewards + (p.weight * (rpw - p.rewardPerWeightPaid)) / PRECISION;
    }

    /// @inheritdoc IGPUStaking
    function identityCommitmentOf(address provider) external view returns (uint256) {
        return _providers[provider].identityCommitment;
    }

    /// @inheritdoc IGPUStaking
    function stakeOf(address provider) external view returns (uint256) {
        return _providers[provider].staked;
    }

    /// @inheritdoc IGPUStaking
    function servesModel(address provider, bytes32 modelDigest) external view returns (bool) {
        return _serves[provider][modelDigest];
    }

    /// @inheritdoc IGPUStaking
    function gpuOf(address provider) external view returns (GpuSpec memory) {
        return _gpus[provider];
    }

    /// @inheritdoc IGPUStaking
    function tierOf(address provider) public view returns (Tiers.Tier) {
        return reputation.tierOf(provider);
    }

    // ---------------------------------------------------------------- internals

    /// @dev The accumulator as of now, and the rewards it would stream since the last update.
    function _accumulated() private view returns (uint256 rpw, uint256 streamed) {
        Accumulator memory acc = _accumulator;
        rpw = acc.rewardPerWeight;
        uint256 weight = totalWeight;
        if (weight == 0) return (rpw, 0);
        uint256 due = Math.min((block.timestamp - acc.lastUpdate) * rewardRate, unallocatedRewards);
        uint256 increment = (due * PRECISION) / weight;
        // Only what the rounded-down increment actually hands out leaves the unallocated pool.
        // Rounded up so that the providers' rounded-down shares never add up to more than streamed.
        streamed = Math.mulDiv(increment, weight, PRECISION, Math.Rounding.Ceil);
        rpw += increment;
    }

    function _updateRewards() private {
        (uint256 rpw, uint256 streamed) = _accumulated();
        _accumulator = Accumulator(uint192(rpw), uint64(block.timestamp));
        if (streamed != 0) unallocatedRewards -= streamed;
    }

    /// @dev Brings the accumulator up to date and credits `p` what its current weight earned.
    function _settle(Provider storage p) private {
        _updateRewards();
        uint256 rpw = _accumulator.rewardPerWeight;
        p.rewards += (p.weight * (rpw - p.rewardPerWeightPaid)) / PRECISION;
        p.rewardPerWeightPaid = rpw;
    }

    /// @dev Recomputes the weight from the stake, the lock (x1.0 once expired) and the current tier.
    function _refreshWeight(address provider, Provider storage p) private {
        uint256 lockBps = block.timestamp < p.lockedUntil ? p.lockMultiplierBps : BPS;
        uint256 tierBps = Tiers.multiplierBps(reputation.tierOf(provider));
        uint256 oldWeight = p.weight;
        uint256 newWeight = (uint256(p.staked) * lockBps * tierBps) / (BPS * BPS);
        p.lockMultiplierBps = uint32(lockBps);
        p.tierMultiplierBps = uint32(tierBps);
        p.weight = newWeight;
        totalWeight = totalWeight - oldWeight + newWeight;
        emit WeightUpdated(provider, oldWeight, newWeight, lockBps, tierBps);
    }

    function _requireRegistered(address provider) private view returns (Provider storage p) {
        p = _providers[provider];
        if (!p.registered) revert StakingNotRegistered(provider);
    }

    function _checkGpu(GpuSpec calldata gpu) private pure {
        if (bytes(gpu.model).length > MAX_GPU_NAME) revert StakingInputTooLong(bytes(gpu.model).length, MAX_GPU_NAME);
    }

    function _checkBounds(uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert StakingParameterOutOfBounds(value, min, max);
    }
}
