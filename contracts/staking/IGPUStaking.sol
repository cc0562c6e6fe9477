// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Tiers} from "../reputation/Tiers.sol";

/// @title IGPUStaking
/// @notice Staking of AITBC by GPU providers of the AITBC inference market.
/// @dev A provider registers its GPU, the model digests it serves and the identity commitment of
/// the receipt circuit (`Poseidon(secret)`), then stakes AITBC under a lock option (duration,
/// reward multiplier). Rewards stream from funded tokens at `rewardRate` (wei per second), shared
/// pro rata to the effective weight `stake × lockMultiplier × tierMultiplier` (both in basis points)
/// through a reward-per-weight accumulator: constant gas per action, no loops over providers. A
/// provider's weight is recomputed (after settling its pending rewards, so changes apply to the
/// future only) whenever it stakes, unbonds, claims, is slashed or anyone calls `syncTier`; an
/// expired lock falls back to x1.0 at that point. Unbonding stake stays slashable until withdrawn.
/// Only `ESCROW_ROLE` (the JobEscrow) slashes, at most `maxSlashBps` of the provider's slashable
/// balance per call, and receives the slashed tokens (the escrow splits them). Parameters are set
/// by `DEFAULT_ADMIN_ROLE` (the timelock) within the bounds documented on each setter.
/// Tokens held here never vote (the contract never delegates).
interface IGPUStaking {
    /// @notice The GPU a provider declares.
    /// @param model Marketing name, e.g. "NVIDIA RTX 4090" (at most 64 bytes).
    /// @param vramGb Memory, GB.
    /// @param throughput Declared throughput, tokens per second on the provider's reference model.
    struct GpuSpec {
        string model;
        uint32 vramGb;
        uint32 throughput;
    }

    /// @notice A lock option: stake locked for `duration` seconds earns `multiplierBps`.
    struct LockOption {
        uint64 duration;
        uint32 multiplierBps;
    }

    /// @notice A provider's staking state.
    struct ProviderView {
        bool registered;
        uint256 identityCommitment;
        uint256 staked;
        uint256 unbonding;
        uint256 unbondingEnds;
        uint256 lockedUntil;
        uint256 lockMultiplierBps;
        uint256 tierMultiplierBps;
        uint256 weight;
        uint256 pendingRewards;
    }

    /// @notice A provider registered.
    event ProviderRegistered(address indexed provider, uint256 identityCommitment, GpuSpec gpu);
    /// @notice A provider changed its declared GPU.
    event GpuUpdated(address indexed provider, GpuSpec gpu);
    /// @notice A provider started or stopped serving a model.
    event ModelServingSet(address indexed provider, bytes32 indexed modelDigest, bool serving);
    /// @notice Tokens were staked (wei); the whole stake is locked until `lockedUntil` (unix seconds).
    event Staked(address indexed provider, uint256 amount, uint256 lockOption, uint256 lockedUntil);
    /// @notice Stake moved to unbonding (wei), withdrawable from `unbondingEnds` (unix seconds).
    event UnbondingStarted(address indexed provider, uint256 amount, uint256 unbondingEnds);
    /// @notice Unbonded tokens were withdrawn (wei).
    event Withdrawn(address indexed provider, uint256 amount);
    /// @notice Stake was slashed (wei) and sent to `by` (the escrow).
    event Slashed(address indexed provider, uint256 amount, uint256 bps, address indexed by);
    /// @notice Reward tokens were added (wei).
    event RewardsFunded(address indexed funder, uint256 amount);
    /// @notice Rewards were paid (wei).
    event RewardsClaimed(address indexed provider, uint256 amount);
    /// @notice A provider's effective weight changed.
    event WeightUpdated(
        address indexed provider,
        uint256 oldWeight,
        uint256 newWeight,
        uint256 lockMultiplierBps,
        uint256 tierMultiplierBps
    );
    /// @notice `rewardRate` changed (wei per second).
    event RewardRateSet(uint256 oldRate, uint256 newRate);
    /// @notice `minStake` changed (wei).
    event MinStakeSet(uint256 oldMinStake, uint256 newMinStake);
    /// @notice `unbondingPeriod` changed (seconds).
    event UnbondingPeriodSet(uint256 oldPeriod, uint256 newPeriod);
    /// @notice `maxSlashBps` changed.
    event MaxSlashBpsSet(uint256 oldBps, uint256 newBps);
    /// @notice A lock option changed.
    event LockOptionSet(uint256 indexed index, LockOption oldOption, LockOption newOption);

    /// @notice An amount of zero.
    error StakingZeroAmount();
    /// @notice The provider has registered already.
    error StakingAlreadyRegistered(address provider);
    /// @notice The provider has not registered.
    error StakingNotRegistered(address provider);
    /// @notice The identity commitment is zero or not a BN254 field element.
    error StakingInvalidIdentity(uint256 identityCommitment);
    /// @notice Another provider registered this identity commitment.
    error StakingIdentityTaken(uint256 identityCommitment, address owner);
    /// @notice Too many model digests in one call, or a GPU model name longer than 64 bytes.
    error StakingInputTooLong(uint256 length, uint256 max);
    /// @notice No lock option at this index.
    error StakingInvalidLockOption(uint256 index);
    /// @notice The chosen lock would end before the current one.
    error StakingLockShortened(uint256 lockedUntil, uint256 newLockedUntil);
    /// @notice The stake is locked until `lockedUntil`.
    error StakingLocked(uint256 lockedUntil);
    /// @notice More than the staked amount requested.
    error StakingInsufficientStake(uint256 requested, uint256 staked);
    /// @notice Nothing is unbonding, or the unbonding period is not over.
    error StakingNotWithdrawable(uint256 unbonding, uint256 unbondingEnds);
    /// @notice No rewards to claim.
    error StakingNoRewards(address provider);
    /// @notice A parameter outside its bounds.
    error StakingParameterOutOfBounds(uint256 value, uint256 min, uint256 max);

    /// @notice Role allowed to slash (the JobEscrow).
    function ESCROW_ROLE() external view returns (bytes32);

    /// @notice Registers the caller as a provider.
    /// @param identityCommitment `Poseidon(secret)` of the receipt circuit; a nonzero field
    /// element, unique, fixed for the provider's lifetime (receipts are bound to it).
    /// @param gpu The declared GPU.
    /// @param modelDigests Models served (at most 32 per call).
    /// Emits `ProviderRegistered`, `ModelServingSet`. Reverts with `StakingAlreadyRegistered`,
    /// `StakingInvalidIdentity`, `StakingIdentityTaken`, `StakingInputTooLong`.
    function register(uint256 identityCommitment, GpuSpec calldata gpu, bytes32[] calldata modelDigests) external;

    /// @notice Updates the caller's declared GPU. Emits `GpuUpdated`.
    /// Reverts with `StakingNotRegistered`, `StakingInputTooLong`.
    function updateGpu(GpuSpec calldata gpu) external;

    /// @notice Starts or stops serving a model. Emits `ModelServingSet`. Reverts with `StakingNotRegistered`.
    function setModelServing(bytes32 modelDigest, bool serving) external;

    /// @notice Stakes `amount` wei (pulled with `transferFrom`) and locks the whole stake for the
    /// chosen option's duration from now, at its multiplier.
    /// @param amount Wei of AITBC.
    /// @param lockOption Index of the lock option.
    /// Emits `Staked`, `WeightUpdated`. Reverts with `StakingNotRegistered`, `StakingZeroAmount`,
    /// `StakingInvalidLockOption`, `StakingLockShortened`.
    function stake(uint256 amount, uint256 lockOption) external;

    /// @notice Moves `amount` of an unlocked stake to unbonding (restarting the unbonding period
    /// for everything unbonding). Emits `UnbondingStarted`, `WeightUpdated`.
    /// Reverts with `StakingZeroAmount`, `StakingLocked`, `StakingInsufficientStake`.
    function requestUnbond(uint256 amount) external;

    /// @notice Withdraws everything unbonded once the unbonding period is over. Emits `Withdrawn`.
    /// Reverts with `StakingNotWithdrawable`.
    function withdraw() external;

    /// @notice Pays the caller's rewards. Emits `RewardsClaimed`. Reverts with `StakingNoRewards`.
    /// @return amount Wei paid.
    function claimRewards() external returns (uint256 amount);

    /// @notice Adds reward tokens (pulled from the caller with `transferFrom`; anyone may fund).
    /// Emits `RewardsFunded`. Reverts with `StakingZeroAmount`.
    function fundRewards(uint256 amount) external;

    /// @notice Settles and recomputes a provider's weight from its current tier and lock (permissionless).
    /// Emits `WeightUpdated`. Reverts with `StakingNotRegistered`.
    function syncTier(address provider) external;

    /// @notice Slashes `bps` (capped at `maxSlashBps`) of the provider's staked plus unbonding
    /// balance, taking from the stake first, and sends the tokens to the caller. Role: escrow.
    /// @return amount Wei slashed.
    /// Emits `Slashed`, `WeightUpdated`.
    function slash(address provider, uint256 bps) external returns (uint256 amount);

    /// @notice Sets `rewardRate`, wei per second, within [0, 100 AITBC/s] (so even a misconfigured
    /// rate needs ~29 days to stream the 250M ecosystem pool). Role: admin. Emits `RewardRateSet`.
    function setRewardRate(uint256 newRate) external;

    /// @notice Sets `minStake`, wei, within [1 AITBC, 10,000,000 AITBC]. Role: admin. Emits `MinStakeSet`.
    function setMinStake(uint256 newMinStake) external;

    /// @notice Sets `unbondingPeriod`, seconds, within [7 days, 90 days]: at least the escrow's
    /// longest challenge window (7 days), so stake behind a submitted result cannot leave before
    /// its window closes. Role: admin. Emits `UnbondingPeriodSet`.
    function setUnbondingPeriod(uint256 newPeriod) external;

    /// @notice Sets `maxSlashBps`, within [100, 5,000] (one incident never takes more than half).
    /// Role: admin. Emits `MaxSlashBpsSet`.
    function setMaxSlashBps(uint256 newBps) external;

    /// @notice Sets lock option `index` (< 8): duration within [1 day, 730 days], multiplier within
    /// [10,000, 30,000] bps. Applies to future stakes only. Role: admin. Emits `LockOptionSet`.
    function setLockOption(uint256 index, uint64 duration, uint32 multiplierBps) external;

    /// @notice Wei of rewards streamed per second while any weight is staked and funds remain.
    function rewardRate() external view returns (uint256);

    /// @notice Minimum stake (wei) to serve jobs.
    function minStake() external view returns (uint256);

    /// @notice Unbonding period, seconds.
    function unbondingPeriod() external view returns (uint256);

    /// @notice Largest share slashed per incident, basis points.
    function maxSlashBps() external view returns (uint256);

    /// @notice Lock option `index` (duration 0 = unset).
    function lockOption(uint256 index) external view returns (LockOption memory);

    /// @notice Sum of all stakes (wei), excluding unbonding.
    function totalStaked() external view returns (uint256);

    /// @notice Sum of all unbonding balances (wei).
    function totalUnbonding() external view returns (uint256);

    /// @notice Sum of all effective weights.
    function totalWeight() external view returns (uint256);

    /// @notice Reward tokens held (wei): funded minus claimed. Covers every provider's pending rewards.
    function rewardReserve() external view returns (uint256);

    /// @notice Funded reward tokens not yet streamed (wei).
    function unallocatedRewards() external view returns (uint256);

    /// @notice A provider's state, with pending rewards as of now.
    function providerOf(address provider) external view returns (ProviderView memory);

    /// @notice A provider's rewards as of now (wei).
    function pendingRewards(address provider) external view returns (uint256);

    /// @notice The provider's identity commitment (0 if unregistered).
    function identityCommitmentOf(address provider) external view returns (uint256);

    /// @notice The provider's stake (wei, excluding unbonding).
    function stakeOf(address provider) external view returns (uint256);

    /// @notice Whether the provider serves the model.
    function servesModel(address provider, bytes32 modelDigest) external view returns (bool);

    /// @notice The provider's declared GPU.
    function gpuOf(address provider) external view returns (GpuSpec memory);

    /// @notice The current tier of a provider (read from the reputation registry).
    function tierOf(address provider) external view returns (Tiers.Tier);
}
