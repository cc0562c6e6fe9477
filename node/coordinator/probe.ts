/**
 * Probing a provider's own endpoint: `GET /health` (availability, round-trip latency, free slots) and
 * `GET /v1/offers` (each offer checked with the SDK's `verifyOffer` — signature of the provider for this
 * chain and registry, not expired — and kept only if it is the probed provider's). Nothing a miner
 * says is believed without its signature.
 */
import type { Address, Hex, PublicClient } from "viem";

import { verifyOffer, type AitbcContracts } from "@aitbc/sdk";
import { ProviderClient } from "../shared/provider-api.js";
import { describeError } from "../watcher/errors.js";
import type { ProbeRow } from "./state.js";

/** Options of {@link probeProvider}. */
export interface ProbeOptions {
  client: PublicClient;
  /** `ServiceRegistry` (the offers' EIP-712 domain). */
  contracts: AitbcContracts;
  /** Per request, ms (default 5 000). */
  timeoutMs?: number;
  /** Clock, ms since the epoch (default `Date.now`). */
  now?: () => number;
}

/**
 * Probes one provider at `uri`; never throws (a failure is a probe with `ok: false` and the error).
 * @param provider The provider's address (offers signed by anyone else are ignored).
 * @param uri Its published service URI.
 * @param o See {@link ProbeOptions}.
 * @example
 * ```ts
 * state.addProbe(await probeProvider(provider, uri, { client, contracts }));
 * ```
 */
export async function probeProvider(provider: Address, uri: string, o: ProbeOptions): Promise<ProbeRow> {
  const now = o.now ?? Date.now;
  const api = new ProviderClient(uri, { timeoutMs: o.timeoutMs ?? 5_000 });
  const at = now();
  const started = performance.now();
  try {
    const health = await api.health();
    const latencyMs = performance.now() - started;
    if (String(health.provider).toLowerCase() !== provider.toLowerCase())
      return { provider, at, ok: false, latencyMs, capacity: 0, models: [], error: `the endpoint is ${health.provider}'s` }; // prettier-ignore
    const { models, minPricePerToken } = await verifiedOffers(provider, api, o);
    const ok = health.status === "ok";
    const error = ok
      ? undefined
      : `degraded${health.reasons?.length ? `: ${health.reasons.join(", ")}` : ""}`;
    return { provider, at, ok, latencyMs, capacity: Number(health.capacity), models, ...(minPricePerToken === undefined ? {} : { minPricePerToken }), ...(error ? { error } : {}) }; // prettier-ignore
  } catch (error) {
    return { provider, at, ok: false, latencyMs: performance.now() - started, capacity: 0, models: [], error: describeError(error) }; // prettier-ignore
  }
}

async function verifiedOffers(
  provider: Address,
  api: ProviderClient,
  o: ProbeOptions,
): Promise<{ models: Hex[]; minPricePerToken?: bigint }> {
  const models: Hex[] = [];
  let minPricePerToken: bigint | undefined;
  for (const signed of await api.offers().catch(() => [])) {
    try {
      const offer = await verifyOffer(o.client, { contracts: o.contracts, offer: signed.offer, signature: signed.signature }); // prettier-ignore
      if (offer.provider.toLowerCase() !== provider.toLowerCase()) continue;
      models.push(offer.modelDigest);
      if (minPricePerToken === undefined || offer.pricePerToken < minPricePerToken) minPricePerToken = offer.pricePerToken; // prettier-ignore
    } catch {
      // unsigned, expired or someone else's: ignored
    }
  }
  return { models, ...(minPricePerToken === undefined ? {} : { minPricePerToken }) };
}
