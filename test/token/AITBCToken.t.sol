// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AITBCToken} from "../../contracts/token/AITBCToken.sol";
import {IAITBCToken} from "../../contracts/token/IAITBCToken.sol";
import {ERC3156FlashLenderMock} from "../../contracts/mocks/ERC3156FlashLenderMock.sol";
import {FlashVoteBorrowerMock} from "../../contracts/mocks/FlashVoteBorrowerMock.sol";
import {vm} from "../utils/Vm.sol";

/// @dev Deploys a token whose non-treasury shares sit with this test contract, ready to distribute.
abstract contract TokenFixture {
    uint256 internal constant SUPPLY = 1_000_000_000 ether;
    uint256 internal constant START = 1_800_000_000; // a Unix time in 2027, seconds

    AITBCToken internal token;

    function _deployToken() internal {
        vm.warp(START);
        address[] memory contributors = new address[](1);
        contributors[0] = address(0xC0);
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = 100_000_000 ether;
        token = new AITBCToken(
            address(0x7EA5),
            address(this),
            address(this),
            address(this),
            contributors,
            amounts,
            IAITBCToken.VotingPowerParameters(500, 1 days, 7 days)
        );
    }
}

/// @notice Fuzz tests of counted voting power: vesting, flash loans and the cap.
contract AITBCTokenFuzzTest is TokenFixture {
    address internal constant HOLDER = address(0xA11CE);

    function setUp() public {
        _deployToken();
    }

    /// Votes acquired `elapsed` seconds before the snapshot count at most elapsed / 7 days of themselves,
    /// and exactly that share once the 24-hour average has filled.
    function testFuzz_getPastVotingPower_vestsLinearlyOverSevenDays(uint256 amount, uint256 elapsed) public {
        amount = 1 + (amount % (40_000_000 ether)); // below the 5% cap, so vesting alone limits power
        elapsed = 1 + (elapsed % (10 days));
        token.transfer(HOLDER, amount);
        vm.prank(HOLDER);
        token.delegate(HOLDER);
        uint256 acquiredAt = block.timestamp;

        vm.warp(acquiredAt + elapsed + 1);
        uint256 power = token.getPastVotingPower(HOLDER, acquiredAt + elapsed);
        uint256 vested = elapsed >= 7 days ? amount : (amount * elapsed) / 7 days;
        vm.assertLe(power, vested, "power above the vested share");
        if (elapsed >= 1 days) vm.assertEq(power, vested, "power differs from the vested share");
    }

    /// A flash loan of any size yields zero counted power at the loan's timepoint and after it.
    function testFuzz_getPastVotingPower_flashLoanCountsNothing(uint256 amount, uint256 later) public {
        amount = 1 + (amount % (250_000_000 ether));
        later = later % (30 days);
        ERC3156FlashLenderMock lender = new ERC3156FlashLenderMock();
        FlashVoteBorrowerMock borrower = new FlashVoteBorrowerMock();
        token.transfer(address(lender), amount);

        borrower.attack(lender, address(token), amount);
        vm.assertEq(borrower.votesDuringLoan(), amount, "the loan did carry votes inside the transaction");
        uint256 loanAt = block.timestamp;

        vm.warp(loanAt + later + 1);
        vm.assertEq(token.getPastVotingPower(address(borrower), loanAt + later), 0, "flash-loaned power counted");
        vm.assertEq(token.getPastVotes(address(borrower), loanAt), 0, "flash-loaned votes at the snapshot");
    }

    /// No holding, however large and however long held, counts above 5% of the supply.
    function testFuzz_getPastVotingPower_neverExceedsCap(uint256 amount, uint256 held) public {
        amount = 1 + (amount % (250_000_000 ether));
        held = 1 + (held % (60 days));
        token.transfer(HOLDER, amount);
        vm.prank(HOLDER);
        token.delegate(HOLDER);
        vm.warp(block.timestamp + held);
        uint256 power = token.getPastVotingPower(HOLDER, block.timestamp - 1);
        vm.assertLe(power, (SUPPLY * 500) / 10_000, "power above the 5% cap");
        if (held > 7 days && amount >= (SUPPLY * 500) / 10_000) {
            vm.assertEq(power, (SUPPLY * 500) / 10_000, "a long-held whale is not exactly at the cap");
        }
    }

    /// Selling before the snapshot and re-buying within the last hour does not restore the old power.
    function testFuzz_getPastVotingPower_rebuyShortlyBeforeSnapshotStaysSmall(uint256 amount, uint256 gap) public {
        amount = 24 + (amount % (40_000_000 ether));
        gap = 1 + (gap % 1 hours); // re-bought `gap` seconds before the snapshot
        token.transfer(HOLDER, amount);
        vm.prank(HOLDER);
        token.delegate(HOLDER);
        vm.warp(block.timestamp + 30 days);
        vm.prank(HOLDER);
        token.transfer(address(this), amount); // sold two days before the snapshot
        vm.warp(block.timestamp + 2 days - gap);
        token.transfer(HOLDER, amount); // re-bought
        uint256 snapshot = block.timestamp + gap;
        vm.warp(snapshot + 1);
        vm.assertLe(token.getPastVotingPower(HOLDER, snapshot), (amount * gap) / 1 days, "re-bought power counted");
    }
}

/// @dev Drives random transfers, delegations and time jumps among a fixed set of actors.
contract TokenHandler {
    AITBCToken public immutable token;
    address[] public actors;
    uint256[] public snapshots;

    constructor(AITBCToken token_, address[] memory actors_) {
        token = token_;
        actors = actors_;
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = _actor(fromSeed);
        uint256 balance = token.balanceOf(from);
        if (balance == 0) return;
        vm.prank(from);
        token.transfer(_actor(toSeed), amount % (balance + 1));
    }

    function delegate(uint256 fromSeed, uint256 toSeed) external {
        vm.prank(_actor(fromSeed));
        token.delegate(_actor(toSeed));
    }

    function warp(uint256 seconds_) external {
        snapshots.push(block.timestamp);
        vm.warp(block.timestamp + 1 + (seconds_ % (3 days)));
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function snapshotCount() external view returns (uint256) {
        return snapshots.length;
    }

    function _actor(uint256 seed) private view returns (address) {
        return actors[seed % actors.length];
    }
}

/// @notice Invariants over random sequences of transfers, delegations and time jumps.
contract AITBCTokenInvariantTest is TokenFixture {
    TokenHandler internal handler;

    function setUp() public {
        _deployToken();
        address[] memory actors = new address[](5);
        for (uint256 i = 0; i < actors.length; ++i) {
            actors[i] = address(uint160(0x1000 + i));
            token.transfer(actors[i], (i + 1) * 30_000_000 ether); // 3% .. 15% of supply
        }
        // Test set-up: the token is ours and has no transfer hooks.
        // solhint-disable-next-line reentrancy
        handler = new TokenHandler(token, actors);
    }

    /// @dev Read by the invariant runner: only the handler is called with random inputs.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Counted power at every past snapshot is at most the votes then and at most the 5% cap.
    function invariant_countedPowerBoundedByVotesAndCap() public view {
        uint256 count = handler.snapshotCount();
        uint256 actorCount = handler.actorCount();
        for (uint256 s = count > 8 ? count - 8 : 0; s < count; ++s) {
            uint256 timepoint = handler.snapshots(s);
            for (uint256 i = 0; i < actorCount; ++i) {
                address actor = handler.actors(i);
                IAITBCToken.VotingPowerBreakdown memory b = token.getPastVotingPowerBreakdown(actor, timepoint);
                vm.assertLe(b.power, b.votes, "power above votes");
                vm.assertLe(b.power, (SUPPLY * 500) / 10_000, "power above cap");
                vm.assertEq(b.votes, token.getPastVotes(actor, timepoint), "time-weighted votes != ERC20Votes");
            }
        }
    }

    /// The actors' votes add up to the balances of the actors that delegated (all delegate among actors).
    function invariant_votesEqualDelegatedSupply() public view {
        uint256 actorCount = handler.actorCount();
        uint256 votes;
        uint256 delegated;
        for (uint256 i = 0; i < actorCount; ++i) {
            address actor = handler.actors(i);
            votes += token.getVotes(actor);
            if (token.delegates(actor) != address(0)) delegated += token.balanceOf(actor);
        }
        vm.assertEq(votes, delegated, "sum of votes != delegated supply");
        vm.assertEq(token.totalSupply(), SUPPLY, "supply changed");
    }
}
