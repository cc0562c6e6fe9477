/**
 * Provider matcher: ranks offers by price, trust score and capacity (the seed's "top 5 matches").
 *
 * Each criterion is normalised to [0, 1] over the candidate set — price: cheapest 1, dearest 0;
 * trust: score / 1000; capacity: capacity / largest capacity — and combined with weights
 * (default price 0.5, trust 0.3, capacity 0.2). Ties break on lower price, then address.
 */
import type { Address, Hex } from "viem";

import { InvalidParameterError } from "../errors/validation.js";
import { assertAddress, assertAmount } from "../utils/validate.js";

/** A provider's offer. */
export interface ProviderOffer {
  /** The provider. */
  provider: Address;
  /** Asked price, wei of AITBC per token. */
  pricePerToken: bigint;
  /** Trust score 0–1000 (from `getTrustScore`). */
  trustScore: bigint | number;
  /** Spare capacity, e.g. tokens per second or free job slots (any consistent unit). */
  capacity: number;
  /** The model offered (optional; filtered with `modelDigest`). */
  modelDigest?: Hex;
}

/** Options of {@link rankOffers}. */
export interface RankOffersOptions {
  /** How many to return (default 5). */
  limit?: number;
  /** Criterion weights (normalised to sum 1; default price 0.5, trust 0.3, capacity 0.2). */
  weights?: { price?: number; trust?: number; capacity?: number };
  /** Drop offers above this price, wei per token. */
  maxPricePerToken?: bigint;
  /** Drop offers with a lower trust score. */
  minTrustScore?: number;
  /** Keep only offers for this model. */
  modelDigest?: Hex;
}

/** An offer with its ranking score and the normalised parts. */
export interface RankedOffer extends ProviderOffer {
  /** Combined score in [0, 1]. */
  score: number;
  /** Normalised criteria in [0, 1]. */
  parts: { price: number; trust: number; capacity: number };
}

/**
 * Ranks provider offers and returns the best `limit` (default 5).
 *
 * @param offers The candidates.
 * @param options See {@link RankOffersOptions}.
 * @returns Offers sorted by descending score.
 * @throws {InvalidAddressError} | {InvalidAmountError} | {InvalidParameterError} on malformed offers or weights.
 * @example
 * ```ts
 * const [best] = rankOffers(offers, { limit: 5, weights: { price: 0.6, trust: 0.4, capacity: 0 } });
 * ```
 */
export function rankOffers(offers: readonly ProviderOffer[], options: RankOffersOptions = {}): RankedOffer[] {
  const limit = options.limit ?? 5;
  if (!Number.isInteger(limit) || limit < 0)
    throw new InvalidParameterError({ what: "limit", reason: "expected an integer ≥ 0" });
  const w = {
    price: options.weights?.price ?? 0.5,
    trust: options.weights?.trust ?? 0.3,
    capacity: options.weights?.capacity ?? 0.2,
  };
  const total = w.price + w.trust + w.capacity;
  if (!(total > 0) || Object.values(w).some((x) => x < 0)) {
    throw new InvalidParameterError({ what: "weights", reason: "weights must be ≥ 0 and not all zero" });
  }
  const candidates = offers.filter((o, i) => {
    assertAddress(o.provider, `offers[${i}].provider`);
    assertAmount(o.pricePerToken, `offers[${i}].pricePerToken (wei)`);
    if (options.maxPricePerToken !== undefined && o.pricePerToken > options.maxPricePerToken) return false;
    if (options.minTrustScore !== undefined && Number(o.trustScore) < options.minTrustScore) return false;
    if (
      options.modelDigest !== undefined &&
      o.modelDigest?.toLowerCase() !== options.modelDigest.toLowerCase()
    )
      return false;
    return true;
  });
  if (candidates.length === 0) return [];
  const prices = candidates.map((o) => o.pricePerToken);
  const minPrice = prices.reduce((a, b) => (b < a ? b : a));
  const maxPrice = prices.reduce((a, b) => (b > a ? b : a));
  const maxCapacity = Math.max(...candidates.map((o) => o.capacity));
  const ranked = candidates.map((o) => {
    const price =
      maxPrice === minPrice ? 1 : Number(maxPrice - o.pricePerToken) / Number(maxPrice - minPrice);
    const trust = Math.min(1, Math.max(0, Number(o.trustScore) / 1000));
    const capacity = maxCapacity > 0 ? Math.max(0, o.capacity) / maxCapacity : 0;
    const score = (w.price * price + w.trust * trust + w.capacity * capacity) / total;
    return { ...o, score, parts: { price, trust, capacity } };
  });
  ranked.sort(
    (a, b) =>
      b.score - a.score ||
      (a.pricePerToken < b.pricePerToken ? -1 : a.pricePerToken > b.pricePerToken ? 1 : 0) ||
      a.provider.toLowerCase().localeCompare(b.provider.toLowerCase()),
  );
  return ranked.slice(0, limit);
}

/** A seller of one skill, with its trust (from `findAgentsWithSkill` + `getAgentSummary`). */
export interface SkillSeller {
  /** The seller's agent id in the `AgentIdentityRegistry`. */
  agentId: bigint;
  /** Price per call, wei of AITBC. */
  priceWei: bigint;
  /** Trust score 0–1000 of the agent's proven wallet (0 if it has none). */
  trustScore: bigint;
  /** Tier of that score. */
  tier: "Bronze" | "Silver" | "Gold" | "Platinum";
  /** HTTP endpoint of the skill. */
  endpoint: string;
}

/** Options of {@link rankSkillSellers}. */
export interface RankSkillSellersOptions {
  /** Drop sellers asking more than this per call, wei of AITBC. */
  maxPriceWei?: bigint;
  /** Drop sellers with a lower trust score (default 0: keep all). */
  minTrustScore?: bigint;
  /** Drop sellers below this tier (Bronze < Silver < Gold < Platinum). */
  minTier?: SkillSeller["tier"];
  /** How many to return (default all). */
  limit?: number;
}

const TIER_ORDER = ["Bronze", "Silver", "Gold", "Platinum"] as const;

/**
 * Ranks the sellers of a skill by trust. Rule: drop sellers above `maxPriceWei`, below
 * `minTrustScore` or below `minTier`; then order by trust score (highest first — the score is
 * written only by the escrows, oracle and timelock from settled, paid work, so it is the hard-to-fake
 * signal), then by price (cheapest first), then by agent id (oldest first). Trust leads price
 * because a buyer pays per call up front (x402) and has no dispute path for a bad answer; a buyer
 * who wants the cheapest acceptable seller sets `minTrustScore` / `minTier` and picks by price.
 *
 * @param sellers The candidates.
 * @param options See {@link RankSkillSellersOptions}.
 * @returns The kept sellers in rank order (at most `limit`).
 * @throws {InvalidAmountError} for a negative price or score; {InvalidParameterError} for a bad limit or tier.
 * @example
 * ```ts
 * const [best] = rankSkillSellers(sellers, { maxPriceWei: 10n ** 15n, minTier: "Silver" });
 * ```
 */
export function rankSkillSellers(
  sellers: readonly SkillSeller[],
  options: RankSkillSellersOptions = {},
): SkillSeller[] {
  const limit = options.limit ?? sellers.length;
  if (!Number.isInteger(limit) || limit < 0)
    throw new InvalidParameterError({ what: "limit", reason: "expected an integer ≥ 0" });
  const minTier = options.minTier === undefined ? 0 : TIER_ORDER.indexOf(options.minTier);
  if (minTier < 0) throw new InvalidParameterError({ what: "minTier", reason: "expected Bronze, Silver, Gold or Platinum" }); // prettier-ignore
  const kept = sellers.filter((s, i) => {
    assertAmount(s.priceWei, `sellers[${i}].priceWei (wei)`);
    assertAmount(s.trustScore, `sellers[${i}].trustScore`);
    if (options.maxPriceWei !== undefined && s.priceWei > options.maxPriceWei) return false;
    if (options.minTrustScore !== undefined && s.trustScore < options.minTrustScore) return false;
    return TIER_ORDER.indexOf(s.tier) >= minTier;
  });
  const cmp = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
  kept.sort(
    (a, b) => cmp(b.trustScore, a.trustScore) || cmp(a.priceWei, b.priceWei) || cmp(a.agentId, b.agentId),
  );
  return kept.slice(0, limit);
}
