// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IJobEscrow} from "../escrow/IJobEscrow.sol";
import {IGPUStaking} from "../staking/IGPUStaking.sol";
import {Tiers} from "../reputation/Tiers.sol";

/**
 * @title IndexerLoadDriver
 * @notice BENCHMARK ONLY (`npm run bench:indexer`). Calls the real, deployed JobEscrow and GPUStaking many
 * times per transaction, so a simulated history of many real protocol events (emitted by the real contracts
 * at their deployed addresses, with their real signatures) costs few transactions: `openJobs` emits
 * `JobOpened`, `cancelJobs` emits `JobCancelled`, `stakeMany` emits `WeightUpdated` and `Staked` per stake.
 * It is the consumer of its jobs and a registered provider; it pays 1 wei per job and stakes 1 wei a time.
 */
contract IndexerLoadDriver {
    /// @notice The AITBC token (paid into the escrow and the staking contract).
    IERC20 public immutable token;
    /// @notice The JobEscrow whose jobs this opens and cancels.
    IJobEscrow public immutable escrow;
    /// @notice The GPUStaking this stakes into.
    IGPUStaking public immutable staking;
    /// @notice Jobs opened so far (makes every prompt hash distinct).
    uint256 public opened;

    /// @param token_ The AITBC token.
    /// @param escrow_ The deployed JobEscrow.
    /// @param staking_ The deployed GPUStaking.
    constructor(IERC20 token_, IJobEscrow escrow_, IGPUStaking staking_) {
        token = token_;
        escrow = escrow_;
        staking = staking_;
        token_.approve(address(escrow_), type(uint256).max);
        token_.approve(address(staking_), type(uint256).max);
    }

    /// @notice Opens `count` jobs of 1 token at 1 wei per token (1 wei escrowed each), for any miner to claim.
    /// @param modelDigest The jobs' model.
    /// @param deadline The jobs' deadline, seconds since the epoch (within the escrow's longest job duration).
    /// @return firstJobId The first opened job's id (the others follow it).
    function openJobs(uint256 count, bytes32 modelDigest, uint40 deadline) external returns (uint256 firstJobId) {
        uint256 n = opened;
        for (uint256 i = 0; i < count; ++i) {
            uint256 id = escrow.openJob(
                IJobEscrow.JobRequest({
                    modelDigest: modelDigest,
                    promptHash: keccak256(abi.encode(address(this), n + i)),
                    maxTokens: 1,
                    pricePerToken: 1,
                    deadline: deadline,
                    minTier: Tiers.Tier.Bronze
                })
            );
            if (i == 0) firstJobId = id;
        }
        opened = n + count;
    }

    /// @notice Cancels the open jobs `firstJobId` … `firstJobId + count - 1` (this driver's own).
    function cancelJobs(uint256 firstJobId, uint256 count) external {
        for (uint256 i = 0; i < count; ++i) escrow.cancelJob(firstJobId + i);
    }

    /// @notice Registers this driver as a provider (once, before `stakeMany`).
    /// @param identityCommitment A non-zero field element no other provider uses.
    function register(uint256 identityCommitment) external {
        staking.register(identityCommitment, IGPUStaking.GpuSpec("bench driver", 24, 1), new bytes32[](0));
    }

    /// @notice Stakes 1 wei `count` times with lock option 0.
    function stakeMany(uint256 count) external {
        for (uint256 i = 0; i < count; ++i) staking.stake(1, 0);
    }
}
