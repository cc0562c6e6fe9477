// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/**
 * @title IEcosystemPool
 * @notice Holder of the 25% "agent ecosystem" genesis share (250,000,000 AITBC). It streams the
 * protocol's rewards to recipient contracts (GPUStaking, ParticipationRewards, ProposalRewards), each
 * at a rate in wei of AITBC per second that governance (the owner, the timelock) sets within on-chain
 * bounds. Anyone may release what a stream has accrued; the pool then calls the recipient's
 * `fundRewards` (see {IRewardsReceiver}), so recipients never depend on a keeper.
 *
 * Bounds: the sum of all stream rates is at most {MAX_TOTAL_RATE} = 1.5 AITBC/s, so the 250,000,000
 * AITBC genesis share lasts at least 250,000,000 / 1.5 s = 5.28 years even at the maximum rates
 * (the design's rewards must outlast the phase-2 roadmap); at most {MAX_STREAMS} = 8 streams exist,
 * which bounds {releaseAll}. A stream never pays more than the pool holds.
 */
interface IEcosystemPool {
    /// @notice A reward stream: `rate` wei per second since `lastRelease` (Unix seconds).
    struct Stream {
        uint128 rate;
        uint64 lastRelease;
    }

    /// @notice The token and the default streams were set, once, by the deploying account.
    event PoolInitialized(address indexed token, address indexed initializer);
    /// @notice Governance set a stream's rate (wei per second; 0 removed the stream).
    event StreamRateSet(address indexed recipient, uint256 oldRate, uint256 newRate);
    /// @notice A stream's accrual was paid to its recipient through `fundRewards` (wei).
    event StreamReleased(address indexed recipient, address indexed caller, uint256 amount);

    /// @notice Only the deploying account may initialize, and only once.
    error PoolNotInitializer(address caller);
    /// @notice The pool was initialized already.
    error PoolAlreadyInitialized();
    /// @notice The pool has no token yet ({initialize} not called).
    error PoolNotInitialized();
    /// @notice Recipients and rates differ in length.
    error PoolLengthMismatch(uint256 recipients, uint256 rates);
    /// @notice A recipient must be a contract (it implements `fundRewards`), and not the pool or the token.
    error PoolInvalidRecipient(address recipient);
    /// @notice The sum of stream rates would exceed `max` (wei per second).
    error PoolRateOutOfBounds(uint256 totalRate, uint256 max);
    /// @notice More than {MAX_STREAMS} streams.
    error PoolTooManyStreams(uint256 max);
    /// @notice The address has no stream.
    error PoolNoStream(address recipient);
    /// @notice Nothing accrued (or the pool is empty).
    error PoolNothingToRelease(address recipient);

    /**
     * @notice Deploying account, once: binds the token (the pool exists before the token, which mints
     * the genesis share to it) and sets the default streams. Afterwards only the owner sets rates.
     * @param token_ the AITBC token
     * @param recipients stream recipients (each implements {IRewardsReceiver})
     * @param rates wei per second, one per recipient
     * @dev Emits {PoolInitialized} and {StreamRateSet} per stream. Reverts with {PoolNotInitializer},
     * {PoolAlreadyInitialized}, {PoolLengthMismatch}, {PoolInvalidRecipient}, {PoolRateOutOfBounds},
     * {PoolTooManyStreams}.
     */
    function initialize(IERC20 token_, address[] calldata recipients, uint256[] calldata rates) external;

    /**
     * @notice Owner (the timelock): sets `recipient`'s rate, wei per second, after releasing what it
     * accrued at the old rate (so a change applies to the future only). Rate 0 removes the stream
     * without releasing (its accrual stays in the pool, so a recipient that reverts can still be removed).
     * @dev Emits {StreamRateSet} (and {StreamReleased} when something accrued). Reverts with
     * `OwnableUnauthorizedAccount`, {PoolNotInitialized}, {PoolInvalidRecipient}, {PoolRateOutOfBounds},
     * {PoolTooManyStreams}, {PoolNoStream} when removing a missing stream.
     */
    function setStreamRate(address recipient, uint256 rate) external;

    /**
     * @notice Anyone: pays `recipient`'s accrual `(now - lastRelease) × rate`, capped at the pool's
     * balance, through the recipient's `fundRewards`.
     * @return amount wei released
     * @dev Emits {StreamReleased}. Reverts with {PoolNoStream}, {PoolNothingToRelease}.
     */
    function release(address recipient) external returns (uint256 amount);

    /**
     * @notice Anyone: releases every stream with a nonzero accrual (at most {MAX_STREAMS}).
     * @return total wei released
     * @dev Emits {StreamReleased} per stream paid. Never reverts for an empty accrual.
     */
    function releaseAll() external returns (uint256 total);

    /// @notice The AITBC token (zero before {initialize}).
    function token() external view returns (IERC20);

    /// @notice The account allowed to {initialize} (the deployer; zero once initialized).
    function initializer() external view returns (address);

    /// @notice `recipient`'s stream (rate 0 when none).
    function streamOf(address recipient) external view returns (Stream memory);

    /// @notice All stream recipients, in creation order (swap-and-pop on removal).
    function recipients() external view returns (address[] memory);

    /// @notice Sum of all stream rates, wei per second.
    function totalRate() external view returns (uint256);

    /// @notice What {release} would pay `recipient` now, wei (capped at the pool's balance).
    function releasable(address recipient) external view returns (uint256);

    /// @notice Highest sum of stream rates: 1.5 AITBC per second, in wei per second.
    function MAX_TOTAL_RATE() external view returns (uint256);

    /// @notice Highest number of streams: 8.
    function MAX_STREAMS() external view returns (uint256);
}
