// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/**
 * @title JobEscrowPullMock
 * @notice TEST ONLY. Stands in for the JobEscrow of a later issue: `openJob` pulls the payment from the caller
 * with `transferFrom` (the caller approved it first), as an escrow does.
 */
contract JobEscrowPullMock {
    using SafeERC20 for IERC20;

    /// @notice Payment held per job id (token units).
    mapping(bytes32 jobId => uint256) public paid;
    /// @notice Who opened each job.
    mapping(bytes32 jobId => address) public payer;

    /// @notice Emitted when a job is opened and paid for.
    event JobOpened(bytes32 indexed jobId, address indexed payer, address token, uint256 amount);

    /// @notice Pulls `amount` of `token` from the caller and records the job.
    function openJob(bytes32 jobId, IERC20 token, uint256 amount) external {
        paid[jobId] += amount;
        payer[jobId] = msg.sender;
        emit JobOpened(jobId, msg.sender, address(token), amount);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }
}
