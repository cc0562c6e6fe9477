// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

/**
 * @title PlainVotesToken
 * @notice BENCHMARK ANCHOR. Plain OpenZeppelin ERC20 + ERC20Permit + ERC20Votes on the same
 * timestamp clock as AITBCToken, with the same supply minted to the deployer. Gas of AITBCToken's
 * operations is reported as a ratio against this contract, measured in the same run.
 */
contract PlainVotesToken is ERC20, ERC20Permit, ERC20Votes {
    constructor() ERC20("Plain Votes", "PLAIN") ERC20Permit("Plain Votes") {
        _mint(msg.sender, 1_000_000_000 ether);
    }

    /// @notice `block.timestamp` (ERC-6372).
    function clock() public view override returns (uint48) {
        return Time.timestamp();
    }

    /// @notice `mode=timestamp` (ERC-6372).
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
