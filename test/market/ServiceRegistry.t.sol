// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGPUStaking} from "../../contracts/staking/IGPUStaking.sol";
import {IServiceRegistry} from "../../contracts/staking/IServiceRegistry.sol";
import {ServiceRegistry} from "../../contracts/staking/ServiceRegistry.sol";
import {vm} from "../utils/Vm.sol";

/// @dev Stands in for GPUStaking: the registry reads only `identityCommitmentOf` (nonzero = registered).
contract StakingIdentityStub {
    mapping(address provider => uint256 commitment) public identityCommitmentOf;

    function setIdentity(address provider, uint256 commitment) external {
        identityCommitmentOf[provider] = commitment;
    }
}

/**
 * @title ServiceRegistryTest
 * @notice ServiceRegistry, fuzzed: the length bound at every length up to 1,024 bytes (accepted iff
 * ≤ 256, else the exact `ServiceRegistryURITooLong(length, 256)`), any unregistered caller refused
 * with `ServiceRegistryNotProvider(caller)` whatever the URI, the latest write wins, and one
 * provider's write never changes another's entry. The mocha test (service-registry.ts) runs it on
 * the real GPUStaking.
 */
contract ServiceRegistryTest {
    address private constant PROVIDER = address(0xA11CE);
    address private constant OTHER_PROVIDER = address(0xB0B);

    StakingIdentityStub private staking;
    ServiceRegistry private registry;

    function setUp() public {
        staking = new StakingIdentityStub();
        registry = new ServiceRegistry(IGPUStaking(address(staking)));
        staking.setIdentity(PROVIDER, 1);
        staking.setIdentity(OTHER_PROVIDER, 2);
    }

    function _uri(uint256 length, bytes1 fill) private pure returns (string memory) {
        bytes memory b = new bytes(length);
        for (uint256 i = 0; i < length; ++i) b[i] = fill;
        return string(b);
    }

    function testFuzz_lengthBound(uint16 rawLength) public {
        uint256 length = uint256(rawLength) % 1_025;
        string memory uri = _uri(length, "u");
        vm.prank(PROVIDER);
        if (length > 256) {
            vm.expectRevert(abi.encodeWithSelector(IServiceRegistry.ServiceRegistryURITooLong.selector, length, 256));
            registry.setServiceURI(uri);
            vm.assertEq(bytes(registry.getServiceURI(PROVIDER)).length, 0, "nothing stored");
        } else {
            registry.setServiceURI(uri);
            vm.assertTrue(keccak256(bytes(registry.getServiceURI(PROVIDER))) == keccak256(bytes(uri)), "stored");
        }
    }

    function testFuzz_unregisteredCallerRefused(address caller, uint8 length) public {
        vm.assume(caller != PROVIDER && caller != OTHER_PROVIDER);
        vm.prank(caller);
        vm.expectRevert(abi.encodeWithSelector(IServiceRegistry.ServiceRegistryNotProvider.selector, caller));
        registry.setServiceURI(_uri(length, "x"));
    }

    function testFuzz_latestWinsAndEntriesAreSeparate(uint8 a, uint8 b, uint8 c) public {
        vm.prank(OTHER_PROVIDER);
        registry.setServiceURI(_uri(c, "o"));
        vm.startPrank(PROVIDER);
        registry.setServiceURI(_uri(a, "a"));
        registry.setServiceURI(_uri(b, "b"));
        vm.stopPrank();
        vm.assertTrue(keccak256(bytes(registry.getServiceURI(PROVIDER))) == keccak256(bytes(_uri(b, "b"))), "latest");
        vm.assertTrue(
            keccak256(bytes(registry.getServiceURI(OTHER_PROVIDER))) == keccak256(bytes(_uri(c, "o"))),
            "the other provider's entry is untouched"
        );
    }

    function test_stakingIsFixed() public view {
        vm.assertTrue(registry.staking() == address(staking), "staking address");
        vm.assertEq(registry.MAX_URI_LENGTH(), 256, "max length");
    }
}
