/**
 * The coordinator's hint to gateways: providers with their URI, on-chain trust score and measured
 * performance, ranked with the SDK's `rankOffers` (price from the provider's cheapest verified offer,
 * trust from the chain, capacity from its last probe). Providers without a verified offer or whose last
 * probe failed come after, unranked. A hint only: gateways verify offers themselves.
 */
import type { Address, Hex } from "viem";

import { rankOffers } from "@aitbc/sdk";
import type { ProviderPerformance } from "./performance.js";
import type { ProbeRow, ProviderRow } from "./state.js";

/** One provider as `GET /v1/providers` lists it. */
export interface ProviderListing {
  provider: Address;
  uri: string;
  /** On-chain trust score 0–1000. */
  trustScore: number;
  /** Cheapest verified offer, wei per token (null without one). */
  minPricePerToken: bigint | null;
  /** Models of its verified offers at the last probe. */
  models: Hex[];
  performance: Omit<ProviderPerformance, "provider">;
  /** `rankOffers` score (0–1), null when unranked. */
  score: number | null;
}

/** A `GET /v1/providers` query. */
export interface ProviderQuery {
  /** Only providers offering this model. */
  modelDigest?: Hex;
  /** Only providers asking at most this, wei per token. */
  maxPricePerToken?: bigint;
}

/**
 * Ranks the listings.
 * @param rows The providers, with their last probe, trust score and performance.
 * @param query Filters.
 * @returns Ranked first (best first), then the unranked by trust score.
 */
export function rankProviders(
  rows: readonly {
    row: ProviderRow;
    last?: ProbeRow;
    trustScore: number;
    performance: ProviderPerformance;
  }[],
  query: ProviderQuery = {},
): ProviderListing[] {
  const want = query.modelDigest?.toLowerCase();
  const listings = rows
    .filter((r) => want === undefined || (r.last?.models ?? []).some((m) => m.toLowerCase() === want))
    .map(({ row, last, trustScore, performance }): ProviderListing => {
      const { provider: _p, ...perf } = performance;
      return { provider: row.provider, uri: row.uri, trustScore, minPricePerToken: last?.minPricePerToken ?? null, models: last?.models ?? [], performance: perf, score: null }; // prettier-ignore
    });
  const rankable = listings.filter((l) => l.minPricePerToken !== null && l.performance.capacity > 0);
  const ranked = rankOffers(
    rankable.map((l) => ({ provider: l.provider, pricePerToken: l.minPricePerToken!, trustScore: l.trustScore, capacity: l.performance.capacity })), // prettier-ignore
    { limit: rankable.length, ...(query.maxPricePerToken === undefined ? {} : { maxPricePerToken: query.maxPricePerToken }) }, // prettier-ignore
  );
  const byProvider = new Map(listings.map((l) => [l.provider.toLowerCase(), l]));
  const first = ranked.map((r) => ({ ...byProvider.get(r.provider.toLowerCase())!, score: r.score }));
  const taken = new Set(first.map((l) => l.provider.toLowerCase()));
  const rest = listings
    .filter((l) => !taken.has(l.provider.toLowerCase()))
    .filter(
      (l) => query.maxPricePerToken === undefined || (l.minPricePerToken ?? 0n) <= query.maxPricePerToken,
    )
    .sort((a, b) => b.trustScore - a.trustScore);
  return [...first, ...rest];
}
