// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";

/**
 * @title FlashGovernanceAttackerMock
 * @notice TEST ONLY. A flash-loan governance attacker (the Beanstalk pattern): borrows votes tokens,
 * self-delegates, then proposes or votes inside the loan, and repays, all in one transaction.
 */
contract FlashGovernanceAttackerMock is IERC3156FlashBorrower {
    enum Mode {
        Propose,
        Vote
    }

    /// @notice The governor under attack.
    IGovernor public immutable governor;
    Mode private _mode;
    uint256 private _proposalId;

    /// @notice Vote weight the governor counted for the attacker's vote (wei).
    uint256 public countedWeight;

    constructor(IGovernor governor_) {
        governor = governor_;
    }

    /// @notice Borrows `amount`, delegates it to itself and proposes a 1-action proposal inside the loan.
    function attackPropose(IERC3156FlashLender lender, address token, uint256 amount) external {
        _mode = Mode.Propose;
        lender.flashLoan(this, token, amount, "");
    }

    /// @notice Borrows `amount`, delegates it to itself and votes For `proposalId` inside the loan.
    function attackVote(IERC3156FlashLender lender, address token, uint256 amount, uint256 proposalId) external {
        _mode = Mode.Vote;
        _proposalId = proposalId;
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
        if (_mode == Mode.Propose) {
            address[] memory targets = new address[](1);
            targets[0] = token;
            uint256[] memory values = new uint256[](1);
            bytes[] memory calldatas = new bytes[](1);
            calldatas[0] = abi.encodeCall(IERC20.transfer, (address(this), amount));
            governor.propose(targets, values, calldatas, "Send the treasury to the attacker");
        } else {
            // solhint-disable-next-line reentrancy
            countedWeight = governor.castVote(_proposalId, 1);
        }
        IERC20(token).approve(msg.sender, amount + fee);
        return keccak256("ERC3156FlashBorrower.onFlashLoan");
    }
}
