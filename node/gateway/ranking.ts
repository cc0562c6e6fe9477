/**
 * Which provider gets a job: the SDK's `rankOffers` over the verified offers, with the trust score
 * from the chain and, as capacity, the offer's free slots minus this gateway's own jobs in flight
 * there, so concurrent jobs spread over providers. Between providers that still score the same
 * (equal offers, nothing in flight: sequential requests), the one this gateway sent fewer jobs to
 * comes first, so sequential load alternates instead of always going to the lowest address.
 */
import { rankOffers, type RankOffersOptions } from "@aitbc/sdk";
import type { Candidate } from "./offers.js";

/** Jobs this gateway has in flight and has sent, per provider. */
export class LoadTracker {
  private readonly inFlightBy = new Map<string, number>();
  private readonly sentBy = new Map<string, number>();
  private waiters: (() => void)[] = [];

  /** Resolves when some job ends, or after `ms`, whichever comes first. */
  nextEnd(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Jobs in flight at a provider now. */
  inFlight(provider: string): number {
    return this.inFlightBy.get(provider.toLowerCase()) ?? 0;
  }

  /** Jobs sent to a provider since the start. */
  sent(provider: string): number {
    return this.sentBy.get(provider.toLowerCase()) ?? 0;
  }

  /** All jobs in flight now. */
  total(): number {
    let n = 0;
    for (const v of this.inFlightBy.values()) n += v;
    return n;
  }

  /** Counts a job as sent to and in flight at `provider`; the returned function ends it (once). */
  begin(provider: string): () => void {
    const key = provider.toLowerCase();
    this.inFlightBy.set(key, this.inFlight(key) + 1);
    this.sentBy.set(key, this.sent(key) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlightBy.set(key, Math.max(0, this.inFlight(key) - 1));
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    };
  }
}

/** Options of {@link orderCandidates}. */
export interface OrderOptions {
  /** The most the gateway pays, wei per token. */
  maxPricePerToken: bigint;
  /** Tokens the job needs: offers with a smaller `maxTokens` are dropped. */
  maxTokens: number;
  /** `rankOffers` weights (default: the SDK's). */
  weights?: RankOffersOptions["weights"];
}

/**
 * Orders the candidates for one job, best first (see the module's description). Offers without a
 * free slot after this gateway's own jobs stay in the list, last, as the provider may have freed one.
 *
 * @returns The candidates to try, in order; one per provider (its cheapest offer).
 */
export function orderCandidates(
  candidates: Candidate[],
  load: LoadTracker,
  options: OrderOptions,
): Candidate[] {
  const best = new Map<string, Candidate>();
  for (const c of candidates) {
    if (c.offer.maxTokens < BigInt(options.maxTokens)) continue;
    const key = c.provider.toLowerCase();
    const seen = best.get(key);
    if (!seen || c.offer.pricePerToken < seen.offer.pricePerToken) best.set(key, c);
  }
  const pool = [...best.values()];
  if (pool.length === 0) return [];
  const ranked = rankOffers(
    pool.map((c) => ({
      provider: c.provider,
      pricePerToken: c.offer.pricePerToken,
      trustScore: c.trustScore,
      capacity: Math.max(0, Number(c.offer.capacity) - load.inFlight(c.provider)),
      modelDigest: c.offer.modelDigest,
    })),
    { limit: pool.length, maxPricePerToken: options.maxPricePerToken, ...(options.weights ? { weights: options.weights } : {}) }, // prettier-ignore
  );
  const score = (s: number) => Math.round(s * 1e9);
  ranked.sort(
    (a, b) =>
      Number(b.capacity > 0) - Number(a.capacity > 0) ||
      score(b.score) - score(a.score) ||
      load.sent(a.provider) - load.sent(b.provider),
  );
  return ranked.map((r) => best.get(r.provider.toLowerCase())!);
}
