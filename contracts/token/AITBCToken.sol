// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Votes} from "@openzeppelin/contracts/governance/utils/Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";

import {IAITBCToken} from "./IAITBCToken.sol";
import {TimeWeightedVotes} from "./TimeWeightedVotes.sol";
import {ERC3009} from "./ERC3009.sol";

/**
 * @title AITBCToken
 * @notice The AITBC token with flash-loan-proof counted voting power. See {IAITBCToken}.
 * @dev OpenZeppelin `ERC20Votes` keeps the ERC-5805 delegated votes; this contract adds, from the
 * votes-moving hooks (`_delegate`, `_transferVotingUnits`), a {TimeWeightedVotes} history per
 * delegate so averages are O(log n) lookups. No owner, no mint after the constructor, no pause:
 * nothing in this contract can be changed by anyone after deployment. {ERC3009} adds EIP-3009 transfers with
 * authorization (gasless for the payer: the x402 "exact" EVM scheme) in the ERC-2612 permit domain
 * (name "AITBC", version "1"), with the payer hook smart wallets use to bound them; ERC-165 answers for IERC165
 * and IERC3009.
 */
contract AITBCToken is ERC20, ERC20Permit, ERC20Votes, ERC3009, IAITBCToken {
    using TimeWeightedVotes for TimeWeightedVotes.History;

    /// @inheritdoc IAITBCToken
    uint256 public constant TOTAL_SUPPLY = 1_000_000_000 ether;
    /// @inheritdoc IAITBCToken
    uint256 public immutable VOTING_POWER_CAP_BPS;
    /// @inheritdoc IAITBCToken
    uint256 public immutable SHORT_AVERAGE_WINDOW;
    /// @inheritdoc IAITBCToken
    uint256 public immutable MAX_AVERAGE_WINDOW;
    /// @inheritdoc IAITBCToken
    uint256 public constant MIN_VOTING_POWER_CAP_BPS = 100;
    /// @inheritdoc IAITBCToken
    uint256 public constant MAX_VOTING_POWER_CAP_BPS = 2_000;
    /// @inheritdoc IAITBCToken
    uint256 public constant MIN_SHORT_AVERAGE_WINDOW = 1 hours;
    /// @inheritdoc IAITBCToken
    uint256 public constant MAX_LONG_AVERAGE_WINDOW = 30 days;

    uint256 private constant _BPS = 10_000;
    // Genesis split in basis points of TOTAL_SUPPLY (shared/DESIGN.md, "genesis split").
    uint256 private constant _COMMUNITY_TREASURY_BPS = 4_000;
    uint256 private constant _ECOSYSTEM_REWARDS_BPS = 2_500;
    uint256 private constant _DEVELOPMENT_FUND_BPS = 2_000;
    uint256 private constant _EARLY_CONTRIBUTORS_BPS = 1_000;
    uint256 private constant _LIQUIDITY_BPS = 500;

    mapping(address account => TimeWeightedVotes.History) private _timeWeighted;

    /**
     * @notice Mints the whole fixed supply once, split 40/25/20/10/5 (see shared/DESIGN.md).
     * @param communityTreasury receives 40% (the DAO's TimelockController in a full deployment)
     * @param ecosystemRewards receives 25% (the agent-ecosystem rewards pool)
     * @param developmentFund receives 20%
     * @param liquidity receives 5%
     * @param earlyContributors receive 10% together, typically OpenZeppelin `VestingWallet`s
     * @param earlyContributorAmounts wei of AITBC for each early contributor; must add up to exactly
     * 100,000,000 AITBC
     * @param votingPower the counted-power parameters, fixed for the token's life: the cap (basis points,
     * 500 in the design) and the short and long averaging windows (seconds, 24 hours and 7 days in the
     * design); see {IAITBCToken-VotingPowerParameters} for their bounds
     * @dev Reverts with {TokenVotingPowerCapOutOfBounds}, {TokenShortAverageWindowOutOfBounds},
     * {TokenLongAverageWindowOutOfBounds}, {TokenGenesisZeroRecipient}, {TokenGenesisLengthMismatch} or
     * {TokenGenesisAllocationMismatch}. Emits {GenesisAllocated} for each recipient.
     */
    constructor(
        address communityTreasury,
        address ecosystemRewards,
        address developmentFund,
        address liquidity,
        address[] memory earlyContributors,
        uint256[] memory earlyContributorAmounts,
        VotingPowerParameters memory votingPower
    ) ERC20("AITBC", "AITBC") ERC20Permit("AITBC") {
        uint256 capBps = votingPower.votingPowerCapBps;
        if (capBps < MIN_VOTING_POWER_CAP_BPS || capBps > MAX_VOTING_POWER_CAP_BPS) {
            revert TokenVotingPowerCapOutOfBounds(capBps, MIN_VOTING_POWER_CAP_BPS, MAX_VOTING_POWER_CAP_BPS);
        }
        uint256 shortWindow = votingPower.shortAverageWindow;
        uint256 longWindow = votingPower.longAverageWindow;
        if (shortWindow < MIN_SHORT_AVERAGE_WINDOW || shortWindow > longWindow) {
            revert TokenShortAverageWindowOutOfBounds(shortWindow, MIN_SHORT_AVERAGE_WINDOW, longWindow);
        }
        if (longWindow > MAX_LONG_AVERAGE_WINDOW) {
            revert TokenLongAverageWindowOutOfBounds(longWindow, shortWindow, MAX_LONG_AVERAGE_WINDOW);
        }
        VOTING_POWER_CAP_BPS = capBps;
        SHORT_AVERAGE_WINDOW = shortWindow;
        MAX_AVERAGE_WINDOW = longWindow;
        if (earlyContributors.length != earlyContributorAmounts.length) {
            revert TokenGenesisLengthMismatch(earlyContributors.length, earlyContributorAmounts.length);
        }
        _allocate(communityTreasury, 0, 0, (TOTAL_SUPPLY * _COMMUNITY_TREASURY_BPS) / _BPS);
        _allocate(ecosystemRewards, 1, 1, (TOTAL_SUPPLY * _ECOSYSTEM_REWARDS_BPS) / _BPS);
        _allocate(developmentFund, 2, 2, (TOTAL_SUPPLY * _DEVELOPMENT_FUND_BPS) / _BPS);
        _allocate(liquidity, 3, 3, (TOTAL_SUPPLY * _LIQUIDITY_BPS) / _BPS);
        uint256 contributorsTotal;
        for (uint256 i = 0; i < earlyContributors.length; ++i) {
            contributorsTotal += earlyContributorAmounts[i];
            _allocate(earlyContributors[i], 4 + i, 4, earlyContributorAmounts[i]);
        }
        uint256 expected = (TOTAL_SUPPLY * _EARLY_CONTRIBUTORS_BPS) / _BPS;
        if (contributorsTotal != expected) revert TokenGenesisAllocationMismatch(expected, contributorsTotal);
        // The five shares are exact in wei, so the sum is exact too; kept as a guard for edits.
        assert(totalSupply() == TOTAL_SUPPLY);
    }

    // ---------------------------------------------------------------- ERC-6372 clock: timestamps

    /// @notice The current timepoint: `block.timestamp` in seconds (ERC-6372).
    function clock() public view override(Votes, IERC6372) returns (uint48) {
        return Time.timestamp();
    }

    /// @notice ERC-6372 clock description: `mode=timestamp`.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override(Votes, IERC6372) returns (string memory) {
        return "mode=timestamp";
    }

    // ---------------------------------------------------------------- counted voting power

    /// @inheritdoc IAITBCToken
    function getPastVotingPower(address account, uint256 timepoint) external view returns (uint256) {
        return getPastVotingPowerBreakdown(account, timepoint).power;
    }

    /// @inheritdoc IAITBCToken
    function getPastVotingPowerBreakdown(
        address account,
        uint256 timepoint
    ) public view returns (VotingPowerBreakdown memory breakdown) {
        uint48 t = _validatePastTimepoint(timepoint);
        TimeWeightedVotes.History storage history = _timeWeighted[account];
        (uint96 votes, uint112 cumulative, uint256 index) = history.lookup(t, history.length());
        breakdown.votes = votes;
        breakdown.average24h = _average(history, t, cumulative, index, SHORT_AVERAGE_WINDOW);
        breakdown.average7d = _average(history, t, cumulative, index, MAX_AVERAGE_WINDOW);
        breakdown.cap = (getPastTotalSupply(timepoint) * VOTING_POWER_CAP_BPS) / _BPS;
        breakdown.power = Math.min(
            Math.min(breakdown.votes, breakdown.average24h),
            Math.min(breakdown.average7d, breakdown.cap)
        );
    }

    /// @inheritdoc IAITBCToken
    function getPastAverageVotes(address account, uint256 timepoint, uint256 window) external view returns (uint256) {
        if (window == 0 || window > MAX_AVERAGE_WINDOW) {
            revert TokenAverageWindowOutOfRange(window, MAX_AVERAGE_WINDOW);
        }
        uint48 t = _validatePastTimepoint(timepoint);
        TimeWeightedVotes.History storage history = _timeWeighted[account];
        (, uint112 cumulative, uint256 index) = history.lookup(t, history.length());
        return _average(history, t, cumulative, index, window);
    }

    /// @inheritdoc IAITBCToken
    function numVotingPowerCheckpoints(address account) external view returns (uint256) {
        return _timeWeighted[account].length();
    }

    /// @inheritdoc IAITBCToken
    function votingPowerCheckpointAt(
        address account,
        uint256 index
    ) external view returns (uint48 timepoint, uint96 votes, uint112 cumulative) {
        TimeWeightedVotes.Observation memory observation = _timeWeighted[account].at(index);
        return (observation.timepoint, observation.votes, observation.cumulative);
    }

    // ---------------------------------------------------------------- overrides

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @dev Moves balances and (through ERC20Votes) delegated votes.
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    /// @dev Records the time-weighted history of both delegates after delegated votes moved.
    function _transferVotingUnits(address from, address to, uint256 amount) internal override {
        super._transferVotingUnits(from, to, amount);
        _recordVotes(delegates(from));
        _recordVotes(delegates(to));
    }

    /// @dev Records the time-weighted history of the old and new delegate after a delegation.
    function _delegate(address account, address delegatee) internal override {
        address oldDelegate = delegates(account);
        super._delegate(account, delegatee);
        _recordVotes(oldDelegate);
        _recordVotes(delegatee);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Gives `account`'s history a checkpoint with its current delegated votes (no-op if unchanged).
    function _recordVotes(address account) private {
        if (account == address(0)) return;
        _timeWeighted[account].record(clock(), SafeCast.toUint96(getVotes(account)));
    }

    /// @dev Average over `[t - window, t]` given the integral and index found for `t`.
    function _average(
        TimeWeightedVotes.History storage history,
        uint48 t,
        uint112 cumulativeAtT,
        uint256 indexAtT,
        uint256 window
    ) private view returns (uint256) {
        if (indexAtT == 0) return 0;
        uint112 cumulativeAtStart = 0;
        if (t > window) {
            (, cumulativeAtStart, ) = history.lookup(t - uint48(window), indexAtT);
        }
        unchecked {
            // Modular difference: exact because the true difference is < 2^112 (see TimeWeightedVotes).
            return uint112(cumulativeAtT - cumulativeAtStart) / window;
        }
    }

    /// @dev Reverts with `ERC5805FutureLookup` unless `timepoint` is strictly in the past.
    function _validatePastTimepoint(uint256 timepoint) private view returns (uint48) {
        uint48 currentTimepoint = clock();
        if (timepoint >= currentTimepoint) revert ERC5805FutureLookup(timepoint, currentTimepoint);
        return uint48(timepoint);
    }

    /// @dev Mints one genesis allocation, refusing the zero address with its position.
    function _allocate(address recipient, uint256 index, uint8 category, uint256 amount) private {
        if (recipient == address(0)) revert TokenGenesisZeroRecipient(index);
        _mint(recipient, amount);
        emit GenesisAllocated(recipient, category, amount);
    }
}
