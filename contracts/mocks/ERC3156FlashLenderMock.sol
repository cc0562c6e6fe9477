// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";

/**
 * @title ERC3156FlashLenderMock
 * @notice TEST ONLY. An ERC-3156 lender that lends the tokens it holds for a fee of zero, like a
 * liquidity pool would; used to show that flash-borrowed AITBC yields no counted voting power.
 */
contract ERC3156FlashLenderMock is IERC3156FlashLender {
    using SafeERC20 for IERC20;

    bytes32 private constant _CALLBACK_SUCCESS = keccak256("ERC3156FlashBorrower.onFlashLoan");

    /// @notice The borrower's callback did not return the ERC-3156 success value.
    error FlashLenderCallbackFailed(address receiver);

    /// @notice The loan was not repaid in full (wei).
    error FlashLenderNotRepaid(uint256 expected, uint256 actual);

    /// @inheritdoc IERC3156FlashLender
    function maxFlashLoan(address token) public view returns (uint256) {
        return IERC20(token).balanceOf(address(this));
    }

    /// @inheritdoc IERC3156FlashLender
    function flashFee(address, uint256) public pure returns (uint256) {
        return 0;
    }

    /// @inheritdoc IERC3156FlashLender
    function flashLoan(
        IERC3156FlashBorrower receiver,
        address token,
        uint256 amount,
        bytes calldata data
    ) external returns (bool) {
        uint256 balanceBefore = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransfer(address(receiver), amount);
        if (receiver.onFlashLoan(msg.sender, token, amount, 0, data) != _CALLBACK_SUCCESS) {
            revert FlashLenderCallbackFailed(address(receiver));
        }
        IERC20(token).safeTransferFrom(address(receiver), address(this), amount);
        uint256 balanceAfter = IERC20(token).balanceOf(address(this));
        if (balanceAfter < balanceBefore) revert FlashLenderNotRepaid(balanceBefore, balanceAfter);
        return true;
    }
}
