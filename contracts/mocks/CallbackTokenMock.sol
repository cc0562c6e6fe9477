// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title CallbackTokenMock
 * @notice TEST ONLY. An attacker's "token" for the nested-call attack through an allowlisted target: when
 * something calls its `transfer` (e.g. OpenZeppelin `VestingWallet.release(token)` paying the beneficiary),
 * it makes the call it was armed with (e.g. `timelock.grantRole(...)`) and records who called `transfer`,
 * whether the nested call succeeded and what it returned, then reports the transfer as done.
 */
contract CallbackTokenMock {
    /// @notice The call made inside `transfer`: its target and calldata.
    address public callTarget;
    bytes public callData;

    /// @notice What the last `transfer` saw: its caller, and the nested call's success and return (or revert) data.
    address public lastCaller;
    bool public lastCallSucceeded;
    bytes public lastReturnData;
    /// @notice Number of `transfer` calls seen.
    uint256 public transfers;

    /// @notice Emitted inside `transfer` after the nested call.
    event NestedCallMade(address indexed caller, address indexed target, bool success, bytes returnData);

    /// @notice Sets the call `transfer` makes.
    function arm(address target_, bytes calldata data_) external {
        callTarget = target_;
        callData = data_;
    }

    /// @notice A balance of 1 wei for everyone, so a vesting wallet finds something to release.
    function balanceOf(address) external pure returns (uint256) {
        return 1;
    }

    /// @notice Makes the armed call, records it, returns true.
    function transfer(address, uint256) external returns (bool) {
        // solhint-disable-next-line avoid-low-level-calls
        (bool success, bytes memory returnData) = callTarget.call(callData);
        lastCaller = msg.sender;
        lastCallSucceeded = success;
        lastReturnData = returnData;
        transfers += 1;
        emit NestedCallMade(msg.sender, callTarget, success, returnData);
        return true;
    }
}
