// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {EcosystemPool} from "../../contracts/rewards/EcosystemPool.sol";
import {IEcosystemPool} from "../../contracts/rewards/IEcosystemPool.sol";
import {IRewardsReceiver} from "../../contracts/rewards/IRewardsReceiver.sol";

/// @dev The few Hardhat/Foundry cheatcodes used here (forge-std is not available).
interface IVm {
    function warp(uint256 timestamp) external;

    function expectRevert(bytes calldata revertData) external;
}

/// @dev A plain ERC-20 that mints its whole supply to the deployer.
contract PoolTestToken is ERC20 {
    constructor(uint256 supply) ERC20("Test", "TST") {
        _mint(msg.sender, supply);
    }
}

/// @dev A stream recipient that pulls what it is funded with.
contract PullingReceiver is IRewardsReceiver {
    IERC20 private immutable _token;

    constructor(IERC20 token_) {
        _token = token_;
    }

    function fundRewards(uint256 amount) external {
        _token.transferFrom(msg.sender, address(this), amount);
    }
}

/**
 * @title EcosystemPoolFuzzTest
 * @notice Fuzz: a release pays exactly min(rate × elapsed, balance), never more than the pool holds,
 * leaves no allowance behind, and the sum of rates never exceeds 1.5 AITBC/s.
 */
contract EcosystemPoolFuzzTest {
    IVm private constant VM = IVm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    uint256 private constant MAX_TOTAL_RATE = 1.5 ether; // literal from contracts/rewards/README.md

    error AssertionFailed(uint256 actual, uint256 expected);

    function _eq(uint256 actual, uint256 expected) private pure {
        if (actual != expected) revert AssertionFailed(actual, expected);
    }

    function testFuzzReleaseNeverPaysMoreThanHeld(uint128 balance, uint256 rate, uint32 elapsed) public {
        rate = (rate % MAX_TOTAL_RATE) + 1;
        PoolTestToken token = new PoolTestToken(uint256(balance));
        EcosystemPool pool = new EcosystemPool(address(this), address(this));
        PullingReceiver receiver = new PullingReceiver(IERC20(address(token)));
        address[] memory recipients = new address[](1);
        recipients[0] = address(receiver);
        uint256[] memory rates = new uint256[](1);
        rates[0] = rate;
        pool.initialize(IERC20(address(token)), recipients, rates);
        token.transfer(address(pool), balance);

        VM.warp(block.timestamp + elapsed);
        uint256 due = uint256(elapsed) * rate;
        uint256 expected = due < balance ? due : balance;
        _eq(pool.releasable(address(receiver)), expected);
        uint256 paid = pool.releaseAll();
        _eq(paid, expected);
        _eq(token.balanceOf(address(receiver)), expected);
        _eq(token.balanceOf(address(pool)), uint256(balance) - expected);
        _eq(token.allowance(address(pool), address(receiver)), 0);
        // Nothing more in the same second.
        _eq(pool.releasable(address(receiver)), 0);
    }

    function testFuzzTotalRateBounded(uint256 first, uint256 second) public {
        first = first % (MAX_TOTAL_RATE + 1);
        if (first == 0) first = 1;
        second = (second % MAX_TOTAL_RATE) + 1;
        PoolTestToken token = new PoolTestToken(1 ether);
        EcosystemPool pool = new EcosystemPool(address(this), address(this));
        pool.initialize(IERC20(address(token)), new address[](0), new uint256[](0));
        address a = address(new PullingReceiver(IERC20(address(token))));
        address b = address(new PullingReceiver(IERC20(address(token))));
        pool.setStreamRate(a, first);
        if (first + second > MAX_TOTAL_RATE) {
            VM.expectRevert(
                abi.encodeWithSelector(IEcosystemPool.PoolRateOutOfBounds.selector, first + second, MAX_TOTAL_RATE)
            );
            pool.setStreamRate(b, second);
        } else {
            pool.setStreamRate(b, second);
            _eq(pool.totalRate(), first + second);
        }
    }
}
