// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {ERC3156FlashLenderMock} from "./ERC3156FlashLenderMock.sol";

/**
 * @title ReclaimableFlashLenderMock
 * @notice TEST ONLY. The {ERC3156FlashLenderMock} pool (lends what it holds, fee 0) whose deployer can
 * take the pool back, so the governance digital twin's flash-loan scenario returns the tokens it lent
 * to the world's funder after the attack.
 */
contract ReclaimableFlashLenderMock is ERC3156FlashLenderMock {
    using SafeERC20 for IERC20;

    /// @notice The deployer: the only account that may reclaim the pool.
    address public immutable owner;

    /// @notice `caller` is not the owner.
    error FlashLenderNotOwner(address caller);

    /// @notice Emitted when the owner took the pool back (wei).
    event PoolReclaimed(address indexed token, address indexed to, uint256 amount);

    constructor() {
        owner = msg.sender;
    }

    /**
     * @notice Sends the whole balance of `token` to `to`.
     * @dev Reverts with {FlashLenderNotOwner} for anyone but the owner. Emits {PoolReclaimed}.
     */
    function reclaim(address token, address to) external {
        if (msg.sender != owner) revert FlashLenderNotOwner(msg.sender);
        uint256 amount = IERC20(token).balanceOf(address(this));
        emit PoolReclaimed(token, to, amount);
        IERC20(token).safeTransfer(to, amount);
    }
}
