// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

import {IMilestoneGrants} from "../grants/IMilestoneGrants.sol";

/// @notice TEST ONLY. What {HookTokenMock} calls on a recipient contract after each transfer to it.
interface ITokenReceivedHook {
    function tokensReceived(address from, uint256 amount) external;
}

/**
 * @title HookTokenMock
 * @notice TEST ONLY. An ERC-20 that calls {ITokenReceivedHook-tokensReceived} on every recipient that
 * registered for it (as ERC-777 tokens do), so a hostile grantee can re-enter the grants escrow while
 * it pays out.
 */
contract HookTokenMock is ERC20 {
    mapping(address account => bool) public hooked;

    constructor(address holder, uint256 supply) ERC20("Hook Token", "HOOK") {
        _mint(holder, supply);
    }

    /// @notice Registers the caller for the transfer hook.
    function registerHook() external {
        hooked[msg.sender] = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from != address(0) && hooked[to]) ITokenReceivedHook(to).tokensReceived(from, value);
    }
}

/**
 * @title GrantReentrancyAttackerMock
 * @notice TEST ONLY. A grantee contract that, when paid, re-enters {IMilestoneGrants-claimMilestone}
 * (or {IMilestoneGrants-cancelMilestone}) for the milestone it is being paid for; the inner revert
 * bubbles up.
 */
contract GrantReentrancyAttackerMock is ITokenReceivedHook {
    IMilestoneGrants public immutable grants;
    uint256 public grantId;
    uint256 public index;
    /// 0 none, 1 claim again, 2 cancel
    uint8 public mode;

    constructor(IMilestoneGrants grants_) {
        grants = grants_;
        HookTokenMock(grants_.token()).registerHook();
    }

    function arm(uint256 grantId_, uint256 index_, uint8 mode_) external {
        grantId = grantId_;
        index = index_;
        mode = mode_;
    }

    function submit(uint256 grantId_, uint256 index_, bytes32 deliverableHash) external {
        grants.submitMilestone(grantId_, index_, deliverableHash);
    }

    function claim(uint256 grantId_, uint256 index_) external {
        grants.claimMilestone(grantId_, index_);
    }

    function tokensReceived(address, uint256) external {
        uint8 current = mode;
        if (current == 0 || msg.sender != address(grants.token())) return;
        mode = 0;
        if (current == 1) grants.claimMilestone(grantId, index);
        else grants.cancelMilestone(grantId, index);
    }
}
