/** Providers' on-chain trust scores (SDK `getTrustScore`, 0–1000), each reused for a while. */
import type { Address, PublicClient } from "viem";

import { getTrustScore, type AitbcContracts } from "@aitbc/sdk";

/**
 * A cached reader of trust scores.
 * @param client Reads.
 * @param contracts `ReputationRegistry`.
 * @param ttlMs How long a score is reused, ms (default 5 000).
 * @returns `(provider) => score`; a failed read is not cached.
 * @example
 * ```ts
 * const trust = trustScores(client, contracts);
 * await trust(provider); // 500
 * ```
 */
export function trustScores(
  client: PublicClient,
  contracts: AitbcContracts,
  ttlMs = 5_000,
): (provider: Address) => Promise<number> {
  const cache = new Map<string, { at: number; score: Promise<number> }>();
  return (provider) => {
    const key = provider.toLowerCase();
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.score;
    const score = getTrustScore(client, { contracts, agent: provider }).then((t) => Number(t.score));
    cache.set(key, { at: Date.now(), score });
    score.catch(() => cache.delete(key));
    return score;
  };
}
