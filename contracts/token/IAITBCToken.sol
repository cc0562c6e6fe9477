// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";

import {IERC3009} from "./IERC3009.sol";

/**
 * @title IAITBCToken
 * @notice The AITBC token: ERC-20 with ERC-2612 permit and ERC-5805 votes on a timestamp clock
 * (ERC-6372 `mode=timestamp`, so every timepoint is a Unix time in seconds), a fixed supply of
 * 1,000,000,000 AITBC (18 decimals) minted once at deployment, and **counted voting power** that
 * flash loans and quick trades cannot move.
 *
 * Counted voting power of `account` at a past timepoint `t` (all amounts in wei of AITBC):
 *
 *     power(t) = min( votes(t), average(t, short), average(t, long), cap(t) )
 *     average(t, w) = (1 / w) × ∫_{t-w}^{t} votes(s) ds        (floor division)
 *     cap(t) = totalSupply(t) × capBps / 10,000
 *
 * where `votes` are the ERC-5805 delegated votes and `short` ({SHORT_AVERAGE_WINDOW}), `long`
 * ({MAX_AVERAGE_WINDOW}) and `capBps` ({VOTING_POWER_CAP_BPS}) are fixed at deployment
 * ({VotingPowerParameters}; the design: 24 hours, 7 days, 500 = 5% of supply). The 7-day average makes
 * newly acquired or newly delegated votes vest linearly over 7 days (votes held for d < 7 days count
 * d/7 of themselves); the 24-hour average makes votes that left recently and came back count little;
 * votes that exist only inside one block (a flash loan) count nothing. Source: shared/DESIGN.md,
 * "flash-loan defence" and "cap"; seed 000 ("snapshot voting, TWAS").
 *
 * Payments: EIP-3009 {IERC3009-transferWithAuthorization} in the ERC-2612 domain (name "AITBC", version "1", the
 * chain id, the token's address), so an x402 facilitator can settle a signed payment and the payer pays no gas.
 */
interface IAITBCToken is IERC20, IERC5805, IERC3009 {
    /**
     * @notice The counted-power parameters, given to the constructor and fixed for the token's life (a
     * what-if deployment changes them; the design's values are the defaults of deploy/modules/openclaw.ts).
     * Bounds (contracts/governance/README.md, "Parameter bounds"):
     * - `votingPowerCapBps` in [{MIN_VOTING_POWER_CAP_BPS}, {MAX_VOTING_POWER_CAP_BPS}] = [100, 2,000];
     * - `shortAverageWindow` in [{MIN_SHORT_AVERAGE_WINDOW}, `longAverageWindow`] = [1 hour, long];
     * - `longAverageWindow` in [`shortAverageWindow`, {MAX_LONG_AVERAGE_WINDOW}] = [short, 30 days]
     *   (the 112-bit integral stays exact: 1e27 wei × 30 days ≈ 2.6e33 < 2^112 ≈ 5.2e33).
     */
    struct VotingPowerParameters {
        /// Cap on any account's counted power, basis points of total supply (design: 500 = 5%).
        uint256 votingPowerCapBps;
        /// Short averaging window, seconds (design: 86,400 = 24 hours).
        uint256 shortAverageWindow;
        /// Long averaging (vesting) window, seconds (design: 604,800 = 7 days).
        uint256 longAverageWindow;
    }

    /// @notice The parts of an account's counted voting power at a timepoint, all in wei of AITBC.
    struct VotingPowerBreakdown {
        /// Delegated votes at the end of the timepoint (ERC-5805 `getPastVotes`).
        uint256 votes;
        /// Time-weighted average of the delegated votes over the {SHORT_AVERAGE_WINDOW} (24 hours in the
        /// design) ending at the timepoint.
        uint256 average24h;
        /// Time-weighted average over the {MAX_AVERAGE_WINDOW} (7 days in the design) ending at the
        /// timepoint: the vested votes.
        uint256 average7d;
        /// {VOTING_POWER_CAP_BPS} of the total supply at the timepoint (5% in the design).
        uint256 cap;
        /// The counted voting power: the minimum of the four above.
        uint256 power;
    }

    /// @notice A genesis recipient is the zero address. `index`: 0 community treasury,
    /// 1 ecosystem rewards, 2 development fund, 3 liquidity, 4 + i early contributor i.
    error TokenGenesisZeroRecipient(uint256 index);

    /// @notice The early-contributor recipients and amounts have different lengths.
    error TokenGenesisLengthMismatch(uint256 recipients, uint256 amounts);

    /// @notice The early-contributor amounts do not add up to their 10% allocation (wei).
    error TokenGenesisAllocationMismatch(uint256 expected, uint256 actual);

    /// @notice The constructor's cap is outside `[min, max]` (basis points of total supply).
    error TokenVotingPowerCapOutOfBounds(uint256 capBps, uint256 min, uint256 max);

    /// @notice The constructor's short averaging window is outside `[min, max]` (seconds; `max` is the
    /// long window given with it).
    error TokenShortAverageWindowOutOfBounds(uint256 window, uint256 min, uint256 max);

    /// @notice The constructor's long averaging window is outside `[min, max]` (seconds; `min` is the
    /// short window given with it).
    error TokenLongAverageWindowOutOfBounds(uint256 window, uint256 min, uint256 max);

    /**
     * @notice Emitted once, at deployment, for each genesis allocation.
     * @param recipient the address that received the tokens
     * @param category 0 community treasury, 1 agent ecosystem rewards, 2 development fund,
     * 3 liquidity, 4 early contributor
     * @param amount wei of AITBC
     */
    event GenesisAllocated(address indexed recipient, uint8 indexed category, uint256 amount);

    /**
     * @notice Counted voting power of `account` at the past `timepoint` (see the contract NatSpec).
     * @param account any address; one with no delegated votes ever has 0
     * @param timepoint Unix time in seconds, strictly before the current block's timestamp
     * @return power wei of AITBC
     * @dev Reverts with `ERC5805FutureLookup(timepoint, clock)` (ERC-5805's error, as `getPastVotes`)
     * when `timepoint >= clock()`. Gas: O(log n) in the number of the account's checkpoints.
     */
    function getPastVotingPower(address account, uint256 timepoint) external view returns (uint256 power);

    /**
     * @notice The parts of {getPastVotingPower}: votes, 24-hour average, 7-day average, cap, power.
     * @dev Same rules and errors as {getPastVotingPower}.
     */
    function getPastVotingPowerBreakdown(
        address account,
        uint256 timepoint
    ) external view returns (VotingPowerBreakdown memory breakdown);

    /**
     * @notice Time-weighted average of `account`'s delegated votes over the `window` seconds ending
     * at the past `timepoint` (wei of AITBC; votes before the account's first checkpoint count as 0).
     * @param window seconds, 1 to {MAX_AVERAGE_WINDOW} (7 days in the design; the integral's 112 bits hold
     * at most {MAX_LONG_AVERAGE_WINDOW}, see {VotingPowerParameters}).
     * @dev Reverts with {TokenAverageWindowOutOfRange} or `ERC5805FutureLookup(timepoint, clock)`.
     */
    function getPastAverageVotes(address account, uint256 timepoint, uint256 window) external view returns (uint256);

    /// @notice `window` is 0 or longer than {MAX_AVERAGE_WINDOW} (seconds).
    error TokenAverageWindowOutOfRange(uint256 window, uint256 max);

    /// @notice Number of time-weighted checkpoints of `account` (one per second in which its
    /// delegated votes changed).
    function numVotingPowerCheckpoints(address account) external view returns (uint256);

    /**
     * @notice The `index`-th time-weighted checkpoint of `account`.
     * @return timepoint seconds; from then on the account had `votes`
     * @return votes wei of AITBC
     * @return cumulative integral of votes up to `timepoint`, in wei × seconds, modulo 2^112
     */
    function votingPowerCheckpointAt(
        address account,
        uint256 index
    ) external view returns (uint48 timepoint, uint96 votes, uint112 cumulative);

    /// @notice Total supply, fixed at deployment: 1,000,000,000 AITBC = 1e27 wei.
    function TOTAL_SUPPLY() external view returns (uint256);

    /// @notice Cap on any account's counted voting power, in basis points of total supply, fixed at
    /// deployment (design: 500 = 5%; shared/DESIGN.md, "cap").
    function VOTING_POWER_CAP_BPS() external view returns (uint256);

    /// @notice Short averaging window of counted power, in seconds, fixed at deployment (design: 86,400 =
    /// 24 hours; shared/DESIGN.md, "flash-loan defence").
    function SHORT_AVERAGE_WINDOW() external view returns (uint256);

    /// @notice Long averaging (vesting) window of counted power, in seconds, fixed at deployment (design:
    /// 604,800 = 7 days; shared/DESIGN.md, "flash-loan defence"); also the longest {getPastAverageVotes} window.
    function MAX_AVERAGE_WINDOW() external view returns (uint256);

    /// @notice Lowest cap the constructor accepts: 100 basis points (1% of supply).
    function MIN_VOTING_POWER_CAP_BPS() external view returns (uint256);

    /// @notice Highest cap the constructor accepts: 2,000 basis points (20% of supply).
    function MAX_VOTING_POWER_CAP_BPS() external view returns (uint256);

    /// @notice Shortest short averaging window the constructor accepts: 1 hour, in seconds.
    function MIN_SHORT_AVERAGE_WINDOW() external view returns (uint256);

    /// @notice Longest long averaging window the constructor accepts: 30 days, in seconds.
    function MAX_LONG_AVERAGE_WINDOW() external view returns (uint256);
}
