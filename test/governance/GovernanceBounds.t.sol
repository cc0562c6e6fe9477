// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AITBCToken} from "../../contracts/token/AITBCToken.sol";
import {IAITBCToken} from "../../contracts/token/IAITBCToken.sol";
import {OpenClawGovernor} from "../../contracts/governance/OpenClawGovernor.sol";
import {IOpenClawGovernor} from "../../contracts/governance/IOpenClawGovernor.sol";
import {OpenClawTimelock} from "../../contracts/governance/OpenClawTimelock.sol";
import {IOpenClawTimelock} from "../../contracts/governance/IOpenClawTimelock.sol";
import {ProposalBondEscrow} from "../../contracts/governance/ProposalBondEscrow.sol";
import {IProposalBondEscrow} from "../../contracts/governance/IProposalBondEscrow.sol";

/// @dev The few Hardhat/Foundry cheatcodes used here (forge-std is not available).
interface IVm {
    function prank(address sender) external;

    function expectRevert(bytes calldata revertData) external;

    function assume(bool condition) external;
}

/**
 * @title GovernanceBoundsTest
 * @notice Fuzz tests: every governable parameter is accepted exactly inside its documented bounds,
 * and a Community/Resource proposal is critical unless its call is an allowlisted pair without ether.
 */
contract GovernanceBoundsTest {
    IVm private constant VM = IVm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    address private constant COUNCIL = address(0xC0FFEE);
    address private constant ALLOWED_TARGET = address(0xA11CE);
    bytes4 private constant ALLOWED_SELECTOR = 0x12345678;

    OpenClawTimelock private timelock;
    AITBCToken private token;
    OpenClawGovernor private governor;
    ProposalBondEscrow private escrow;

    error AssertionFailed(uint256 actual, uint256 expected);

    function setUp() public {
        timelock = new OpenClawTimelock(2 days, 6 hours, new address[](0), new address[](0), address(this));
        address[] memory contributors = new address[](1);
        contributors[0] = address(this);
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = 100_000_000 ether;
        token = new AITBCToken(address(timelock), address(this), address(this), address(this), contributors, amounts);
        IOpenClawGovernor.AllowedCall[] memory allowlist = new IOpenClawGovernor.AllowedCall[](1);
        allowlist[0] = IOpenClawGovernor.AllowedCall(ALLOWED_TARGET, ALLOWED_SELECTOR);
        governor = new OpenClawGovernor(
            IAITBCToken(address(token)),
            timelock,
            COUNCIL,
            100 ether,
            10,
            1_000 ether,
            1_000 ether,
            allowlist,
            new IOpenClawGovernor.AllowedCall[](0)
        );
        escrow = ProposalBondEscrow(governor.bondEscrow());
    }

    function testFuzz_timelockDelayAcceptedExactlyWithinBounds(uint256 delay) public {
        bool inBounds = delay >= 1 days && delay <= 30 days;
        VM.prank(address(timelock));
        if (!inBounds) {
            VM.expectRevert(
                abi.encodeWithSelector(IOpenClawTimelock.TimelockDelayOutOfBounds.selector, delay, 1 days, 30 days)
            );
        }
        timelock.updateDelay(delay);
        _assertEq(timelock.getMinDelay(), inBounds ? delay : 2 days);
    }

    function testFuzz_emergencyDelayAcceptedExactlyWithinBounds(uint256 delay) public {
        bool inBounds = delay >= 1 hours && delay <= 1 days;
        VM.prank(address(timelock));
        if (!inBounds) {
            VM.expectRevert(
                abi.encodeWithSelector(IOpenClawTimelock.TimelockDelayOutOfBounds.selector, delay, 1 hours, 1 days)
            );
        }
        timelock.updateEmergencyDelay(delay);
        _assertEq(timelock.emergencyDelay(), inBounds ? delay : 6 hours);
    }

    function testFuzz_bondsAcceptedExactlyWithinBounds(uint256 amount) public {
        bool inBounds = amount >= 10 ether && amount <= 100_000 ether;
        bytes memory outOfBounds = abi.encodeWithSelector(
            IProposalBondEscrow.BondAmountOutOfBounds.selector,
            amount,
            10 ether,
            100_000 ether
        );
        VM.prank(address(timelock));
        if (!inBounds) VM.expectRevert(outOfBounds);
        escrow.setProposalBond(amount);
        VM.prank(address(timelock));
        if (!inBounds) VM.expectRevert(outOfBounds);
        escrow.setChallengeBond(amount);
        _assertEq(escrow.proposalBond(), inBounds ? amount : 1_000 ether);
        _assertEq(escrow.challengeBond(), inBounds ? amount : 1_000 ether);
    }

    function testFuzz_constructorBoundsOfThresholdAndQuorum(uint256 threshold, uint8 quorumPercent) public {
        bool thresholdOk = threshold >= 1 ether && threshold <= 10_000 ether;
        bool quorumOk = quorumPercent >= 1 && quorumPercent <= 50;
        // The quorum is checked first: GovernorVotesQuorumFraction's constructor runs before the governor's body.
        if (!quorumOk) {
            VM.expectRevert(
                abi.encodeWithSelector(IOpenClawGovernor.GovernanceQuorumOutOfBounds.selector, quorumPercent, 1, 50)
            );
        } else if (!thresholdOk) {
            VM.expectRevert(
                abi.encodeWithSelector(
                    IOpenClawGovernor.GovernanceThresholdOutOfBounds.selector,
                    threshold,
                    1 ether,
                    10_000 ether
                )
            );
        }
        OpenClawGovernor deployed = new OpenClawGovernor(
            IAITBCToken(address(token)),
            timelock,
            COUNCIL,
            threshold,
            quorumPercent,
            1_000 ether,
            1_000 ether,
            new IOpenClawGovernor.AllowedCall[](0),
            new IOpenClawGovernor.AllowedCall[](0)
        );
        if (thresholdOk && quorumOk) _assertEq(deployed.proposalThreshold(), threshold);
    }

    function testFuzz_communityProposalCriticalUnlessAllowlisted(
        address target,
        bytes4 selector,
        uint256 value,
        bool useAllowedPair
    ) public view {
        if (useAllowedPair) (target, selector) = (ALLOWED_TARGET, ALLOWED_SELECTOR);
        address[] memory targets = new address[](1);
        targets[0] = target;
        uint256[] memory values = new uint256[](1);
        values[0] = value;
        bytes[] memory calldatas = new bytes[](1);
        calldatas[0] = abi.encodePacked(selector, uint256(1), uint256(2));
        bool expected = value != 0 || target != ALLOWED_TARGET || selector != ALLOWED_SELECTOR;
        IOpenClawGovernor.ProposalType community = IOpenClawGovernor.ProposalType.Community;
        IOpenClawGovernor.ProposalType resource = IOpenClawGovernor.ProposalType.Resource;
        _assertEq(_toUint(governor.isCritical(targets, values, calldatas, community)), _toUint(expected));
        // A declared Resource (or Protocol) type is always critical.
        _assertEq(_toUint(governor.isCritical(targets, values, calldatas, resource)), 1);
        _assertEq(_toUint(governor.isCritical(targets, values, calldatas, IOpenClawGovernor.ProposalType.Protocol)), 1);
        // The same call to a protocol contract is always critical.
        address[4] memory protocol = [address(escrow), address(token), address(timelock), address(governor)];
        for (uint256 i = 0; i < protocol.length; ++i) {
            targets[0] = protocol[i];
            _assertEq(_toUint(governor.isCritical(targets, values, calldatas, community)), 1);
        }
        // An allowlisted pair followed by any other call is critical.
        address[] memory two = new address[](2);
        (two[0], two[1]) = (ALLOWED_TARGET, target);
        uint256[] memory zeros = new uint256[](2);
        bytes[] memory datas = new bytes[](2);
        (datas[0], datas[1]) = (abi.encodePacked(ALLOWED_SELECTOR), calldatas[0]);
        if (target != ALLOWED_TARGET || selector != ALLOWED_SELECTOR) {
            _assertEq(_toUint(governor.isCritical(two, zeros, datas, community)), 1);
        }
    }

    /// Derived types: Community only for the allowlisted pair without ether; never Emergency; any call
    /// to the governor, timelock or escrow is Protocol; the type is never less severe than any call's.
    function testFuzz_derivedTypeNeverLowersCriticality(
        address target,
        bytes4 selector,
        uint256 value,
        bytes calldata tail
    ) public view {
        address[] memory targets = new address[](2);
        (targets[0], targets[1]) = (ALLOWED_TARGET, target);
        uint256[] memory values = new uint256[](2);
        values[1] = value;
        bytes[] memory calldatas = new bytes[](2);
        (calldatas[0], calldatas[1]) = (abi.encodePacked(ALLOWED_SELECTOR), abi.encodePacked(selector, tail));
        uint256 derived = uint256(governor.deriveProposalType(targets, values, calldatas));
        _assertEq(_toUint(derived == uint256(IOpenClawGovernor.ProposalType.Emergency)), 0);
        bool allowedPair = value == 0 && target == ALLOWED_TARGET && selector == ALLOWED_SELECTOR;
        _assertEq(_toUint(derived == uint256(IOpenClawGovernor.ProposalType.Community)), _toUint(allowedPair));
        address[3] memory core = [address(governor), address(timelock), address(escrow)];
        for (uint256 i = 0; i < core.length; ++i) {
            targets[1] = core[i];
            _assertEq(
                uint256(governor.deriveProposalType(targets, values, calldatas)),
                uint256(IOpenClawGovernor.ProposalType.Protocol)
            );
        }
    }

    function _assertEq(uint256 actual, uint256 expected) private pure {
        if (actual != expected) revert AssertionFailed(actual, expected);
    }

    function _toUint(bool flag) private pure returns (uint256) {
        return flag ? 1 : 0;
    }
}
