// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";

/**
 * @title FlashVoteBorrowerMock
 * @notice TEST ONLY. The attacker of a flash-loan governance attack: borrows votes tokens,
 * self-delegates, reads its voting weight inside the loan, and repays, all in one transaction.
 */
contract FlashVoteBorrowerMock is IERC3156FlashBorrower {
    /// @notice Delegated votes seen inside the last loan (wei).
    uint256 public votesDuringLoan;

    /// @notice Emitted inside the loan with the votes the borrower had then (wei).
    event VotesDuringLoan(uint256 votes);

    /**
     * @notice Borrows `amount` of `token` from `lender`, delegates it to itself, records its votes
     * and repays.
     */
    function attack(IERC3156FlashLender lender, address token, uint256 amount) external {
        lender.flashLoan(this, token, amount, "");
    }

    /// @inheritdoc IERC3156FlashBorrower
    function onFlashLoan(
        address,
        address token,
        uint256 amount,
        uint256 fee,
        bytes calldata
    ) external returns (bytes32) {
        IVotes(token).delegate(address(this));
        votesDuringLoan = IVotes(token).getVotes(address(this));
        emit VotesDuringLoan(votesDuringLoan);
        IERC20(token).approve(msg.sender, amount + fee);
        return keccak256("ERC3156FlashBorrower.onFlashLoan");
    }
}
