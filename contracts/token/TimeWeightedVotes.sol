// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title TimeWeightedVotes
 * @notice Cumulative (votes × seconds) checkpoints of one account's delegated votes, so that the
 * time-weighted average of its votes over any window ending at a past timepoint is two lookups:
 * `average = (C(t) - C(t - window)) / window`, where `C(t)` is the integral of the votes from the
 * first checkpoint up to `t`. Each lookup is a binary search: O(log n) gas in the number of
 * checkpoints, no loop over history.
 *
 * Storage: one 256-bit slot per checkpoint `{uint48 timepoint, uint96 votes, uint112 cumulative}`.
 * `cumulative` is kept modulo 2^112 (the technique of Uniswap v3's tick cumulatives): only
 * differences over a window are ever used, and a difference is exact as long as it stays below
 * 2^112 ≈ 5.19e33. The largest window the token accepts is 30 days (its `MAX_LONG_AVERAGE_WINDOW`; the
 * design uses 7); with the whole fixed supply (1e27 wei) that is 1e27 × 2,592,000 s ≈ 2.59e33 < 2^112,
 * so no average can be corrupted by the wrap-around.
 *
 * `votes` in wei of the token (at most 2^96 − 1 ≈ 7.9e28, above the 1e27 supply); timepoints in
 * seconds (ERC-6372 `mode=timestamp`).
 */
library TimeWeightedVotes {
    /// @notice One checkpoint: from `timepoint` on, the account had `votes`; `cumulative` is the
    /// integral of its votes up to `timepoint`, modulo 2^112.
    struct Observation {
        uint48 timepoint;
        uint96 votes;
        uint112 cumulative;
    }

    /// @notice An account's checkpoints, ordered by strictly increasing timepoint.
    struct History {
        Observation[] observations;
    }

    /// @notice A checkpoint's timepoint went backwards (`timepoint` < the last one's).
    error TimeWeightedVotesUnorderedTimepoint(uint48 last, uint48 timepoint);

    /**
     * @notice Records that, from `timepoint` on, the account has `votes`.
     * @dev Writes nothing when the votes did not change; overwrites the last checkpoint when it is
     * at the same timepoint (votes that rise and fall within one block, like a flash loan, leave
     * no trace in the integral).
     * Reverts with {TimeWeightedVotesUnorderedTimepoint} if `timepoint` is before the last checkpoint.
     */
    function record(History storage self, uint48 timepoint, uint96 votes) internal {
        uint256 count = self.observations.length;
        if (count == 0) {
            if (votes != 0) self.observations.push(Observation(timepoint, votes, 0));
            return;
        }
        Observation storage last = self.observations[count - 1];
        Observation memory lastValue = last;
        if (lastValue.votes == votes) return;
        if (timepoint == lastValue.timepoint) {
            last.votes = votes;
        } else if (timepoint > lastValue.timepoint) {
            self.observations.push(Observation(timepoint, votes, _accumulate(lastValue, timepoint)));
        } else {
            revert TimeWeightedVotesUnorderedTimepoint(lastValue.timepoint, timepoint);
        }
    }

    /**
     * @notice Votes and cumulative integral at `timepoint`, searching checkpoints `[0, high)`.
     * @param high upper bound (exclusive) of the search, at most the number of checkpoints; pass
     * the index found for a later timepoint to narrow the search.
     * @return votes the votes in effect at the end of `timepoint` (0 before the first checkpoint)
     * @return cumulative the integral of votes up to `timepoint`, modulo 2^112
     * @return index one past the index of the checkpoint in effect (0 when none is)
     */
    function lookup(
        History storage self,
        uint48 timepoint,
        uint256 high
    ) internal view returns (uint96 votes, uint112 cumulative, uint256 index) {
        index = _upperBound(self.observations, timepoint, high);
        if (index == 0) return (0, 0, 0);
        Observation memory observation = self.observations[index - 1];
        return (observation.votes, _accumulate(observation, timepoint), index);
    }

    /// @notice Number of checkpoints.
    function length(History storage self) internal view returns (uint256) {
        return self.observations.length;
    }

    /// @notice The checkpoint at position `index` (reverts with a Panic when out of bounds).
    function at(History storage self, uint256 index) internal view returns (Observation memory) {
        return self.observations[index];
    }

    /// @dev The integral up to `timepoint` (>= observation.timepoint), modulo 2^112.
    function _accumulate(Observation memory observation, uint48 timepoint) private pure returns (uint112) {
        unchecked {
            // Truncation to 112 bits is the intended modular arithmetic (see the library NatSpec).
            return
                uint112(
                    uint256(observation.cumulative) +
                        uint256(observation.votes) * uint256(timepoint - observation.timepoint)
                );
        }
    }

    /**
     * @dev Index one past the last checkpoint with `timepoint <= target` among `[0, high)`.
     * Checks the newest candidate first: for an account whose votes did not move between the
     * target and the previous lookup (a steady holder) that answers with one warm read.
     */
    function _upperBound(
        Observation[] storage observations,
        uint48 target,
        uint256 high
    ) private view returns (uint256) {
        if (high == 0) return 0;
        if (observations[high - 1].timepoint <= target) return high;
        uint256 low = 0;
        high -= 1;
        while (low < high) {
            uint256 mid = (low + high) >> 1;
            if (observations[mid].timepoint > target) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return high;
    }
}
