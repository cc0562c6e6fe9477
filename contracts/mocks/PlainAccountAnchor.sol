// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Account} from "@openzeppelin/contracts/account/Account.sol";
import {IEntryPoint} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {SignerECDSA} from "@openzeppelin/contracts/utils/cryptography/signers/SignerECDSA.sol";

/**
 * @title PlainAccountAnchor
 * @notice BENCH/TEST ONLY. The plainest OpenZeppelin ERC-4337 account (`Account` + `SignerECDSA`, one key, an
 * `execute` for the EntryPoint) used as the gas anchor for AgentWallet UserOperations in the same run.
 */
contract PlainAccountAnchor is Account, SignerECDSA {
    IEntryPoint private immutable _entryPoint;

    constructor(IEntryPoint entryPoint_, address signerAddr) SignerECDSA(signerAddr) {
        _entryPoint = entryPoint_;
    }

    /// @notice The EntryPoint this account trusts.
    function entryPoint() public view override returns (IEntryPoint) {
        return _entryPoint;
    }

    /// @notice EntryPoint or self: calls `target` with `value` wei and `data`.
    function execute(address target, uint256 value, bytes calldata data) external onlyEntryPointOrSelf {
        Address.functionCallWithValue(target, data, value);
    }
}
