// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Tiers
/// @notice Reputation tiers of the AITBC market and their reward multipliers (shared/DESIGN.md):
/// bronze from score 0 (x1.0), silver from 600 (x1.2), gold from 750 (x1.5), platinum from 900 (x2.0).
/// Shared by the ReputationRegistry (score to tier) and GPUStaking (tier to reward weight).
library Tiers {
    /// @notice A reputation tier, ordered from lowest to highest.
    enum Tier {
        Bronze,
        Silver,
        Gold,
        Platinum
    }

    /// @notice Lowest trust score of the silver tier.
    uint256 internal constant SILVER_MIN_SCORE = 600;
    /// @notice Lowest trust score of the gold tier.
    uint256 internal constant GOLD_MIN_SCORE = 750;
    /// @notice Lowest trust score of the platinum tier.
    uint256 internal constant PLATINUM_MIN_SCORE = 900;

    /// @notice Basis points of 1.0.
    uint256 internal constant BPS = 10_000;

    /// @notice The tier of a trust score (0–1000).
    /// @param score The trust score.
    /// @return The tier.
    function tierOf(uint256 score) internal pure returns (Tier) {
        if (score >= PLATINUM_MIN_SCORE) return Tier.Platinum;
        if (score >= GOLD_MIN_SCORE) return Tier.Gold;
        if (score >= SILVER_MIN_SCORE) return Tier.Silver;
        return Tier.Bronze;
    }

    /// @notice The reward multiplier of a tier, in basis points (10,000 = x1.0).
    /// @param tier The tier.
    /// @return The multiplier: 10,000 / 12,000 / 15,000 / 20,000.
    function multiplierBps(Tier tier) internal pure returns (uint256) {
        if (tier == Tier.Platinum) return 20_000;
        if (tier == Tier.Gold) return 15_000;
        if (tier == Tier.Silver) return 12_000;
        return BPS;
    }
}
