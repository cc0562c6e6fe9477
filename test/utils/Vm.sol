// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title Vm
 * @notice The subset of Hardhat 3's Solidity-test cheatcodes (the Foundry cheatcode ABI) used by this
 * repository's tests. forge-std cannot be installed here (its only distribution is a Git repository;
 * the npm package named forge-std is an outdated unofficial copy), so the interface is declared
 * directly: the signatures are the standard ones documented at hardhat.org/docs/reference/cheatcodes.
 */
// The cheatcode interface is called Vm everywhere (Foundry, Hardhat docs).
// solhint-disable-next-line interface-starts-with-i
interface Vm {
    function warp(uint256 newTimestamp) external;
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;
    function assume(bool condition) external pure;
    function expectRevert(bytes calldata revertData) external;
    function assertEq(uint256 left, uint256 right, string calldata error) external pure;
    function assertLe(uint256 left, uint256 right, string calldata error) external pure;
    function assertTrue(bool condition, string calldata error) external pure;
    function label(address account, string calldata newLabel) external;
    function addr(uint256 privateKey) external pure returns (address keyAddr);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
}

/// @dev The cheatcode address: address(uint160(uint256(keccak256("hevm cheat code")))).
Vm constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
