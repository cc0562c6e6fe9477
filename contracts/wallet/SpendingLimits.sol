// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title SpendingLimits
 * @notice Per-period spending accounting with a fixed period start: period `i` covers
 * `[start + i * period, start + (i + 1) * period)` (unix seconds), so counters reset exactly when a new
 * period begins, whatever the time of the last spend. Amounts are in token units (wei for ether).
 */
library SpendingLimits {
    /// @notice One limit and its counter (two storage slots).
    struct Limit {
        /// Most that may be spent per period (token units).
        uint128 amount;
        /// Period length in seconds; 0 = not configured (nothing may be spent).
        uint48 period;
        /// Start of period 0 (unix seconds).
        uint48 start;
        /// Spent in period `index`.
        uint128 spent;
        /// The period that `spent` belongs to.
        uint48 index;
    }

    /// @notice Whether `amount` and `period` can be stored (period 0 is allowed and means "remove").
    function fits(uint256 amount, uint256 period) internal pure returns (bool) {
        return amount <= type(uint128).max && period <= type(uint48).max;
    }

    /**
     * @notice Configures `self`: a new period length (or a first configuration) restarts the counter with
     * period 0 starting now; the same period length keeps the current period and what was spent in it.
     * `period` 0 deletes the limit. The caller checks {fits} first.
     * @return oldAmount the previous limit amount
     */
    function configure(Limit storage self, uint256 amount, uint256 period) internal returns (uint256 oldAmount) {
        oldAmount = self.amount;
        if (period == 0) {
            delete self.amount;
            delete self.period;
            delete self.start;
            delete self.spent;
            delete self.index;
            return oldAmount;
        }
        if (self.period != period) {
            self.period = uint48(period);
            self.start = uint48(block.timestamp);
            self.spent = 0;
            self.index = 0;
        }
        self.amount = uint128(amount);
    }

    /// @notice The current period's index, start and end (unix seconds; end exclusive). All zero if unconfigured.
    function currentPeriod(Limit storage self) internal view returns (uint256 index, uint256 start, uint256 end) {
        index = currentIndex(self);
        (start, end) = periodBounds(self, index);
    }

    /// @notice What was spent in the current period.
    function spentNow(Limit storage self) internal view returns (uint256) {
        if (self.period == 0) return 0;
        (uint256 index, , ) = currentPeriod(self);
        return index == self.index ? self.spent : 0;
    }

    /// @notice The index of the current period (0 if unconfigured).
    function currentIndex(Limit storage self) internal view returns (uint256) {
        uint256 period = self.period;
        return period == 0 ? 0 : (block.timestamp - self.start) / period;
    }

    /// @notice Start and end (unix seconds; end exclusive) of period `index`. Both zero if unconfigured.
    function periodBounds(Limit storage self, uint256 index) internal view returns (uint256 start, uint256 end) {
        uint256 period = self.period;
        if (period == 0) return (0, 0);
        start = self.start + index * period;
        end = start + period;
    }

    /**
     * @notice Counts `amount` against the limit if it fits in what is left of the current period.
     * @return ok whether it fit (if not, nothing was recorded)
     * @return spentAfter what the current period's spending is (or would be) with `amount`, saturating
     * @return limit the per-period amount (0 if unconfigured)
     */
    function tryConsume(
        Limit storage self,
        uint256 amount
    ) internal returns (bool ok, uint256 spentAfter, uint256 limit) {
        return tryConsumeInPeriod(self, currentIndex(self), amount);
    }

    /**
     * @notice Counts `amount` against period `index` without reading the clock (for ERC-4337 validation, where
     * `TIMESTAMP` is banned: the caller must make sure, e.g. with `validAfter`/`validUntil`, that the counted
     * action happens within that period). Periods older than the last recorded one are refused.
     * @return ok whether it fit (if not, nothing was recorded)
     * @return spentAfter the period's spending with `amount`, saturating
     * @return limit the per-period amount (0 if unconfigured)
     */
    function tryConsumeInPeriod(
        Limit storage self,
        uint256 index,
        uint256 amount
    ) internal returns (bool ok, uint256 spentAfter, uint256 limit) {
        limit = self.amount;
        if (self.period == 0) return (amount == 0, amount, 0);
        if (index < self.index || index > type(uint48).max) return (false, amount, limit);
        uint256 spent = index == self.index ? self.spent : 0;
        spentAfter = amount > type(uint256).max - spent ? type(uint256).max : spent + amount;
        if (spentAfter > limit) return (false, spentAfter, limit);
        // spentAfter <= limit < 2^128 and index < 2^48.
        self.spent = uint128(spentAfter);
        self.index = uint48(index);
        return (true, spentAfter, limit);
    }
}
