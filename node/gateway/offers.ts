/**
 * The providers' signed offers, fetched from each provider's own endpoint (`GET /v1/offers` through
 * the lead's `ProviderClient`), verified with the SDK's `verifyOffer` (EIP-712 over the
 * `ServiceRegistry` domain; ERC-1271 for contract providers; expiry and lifetime), and kept until
 * they expire. Offers are off-chain advertisements dated by the providers' clocks (the escrow never
 * reads them), so their times are checked against this machine's clock, not the chain's (a dev
 * chain moved ahead with `evm_increaseTime` would make every fresh offer look expired). Refreshed in the background, so a request ranks from memory without a round trip;
 * the trust score of each provider (the SDK's `getTrustScore`) is cached the same way.
 */
import type { Address, Hex, PublicClient } from "viem";

import { getTrustScore, verifyOffer, type AitbcContracts, type Offer } from "@aitbc/sdk";
import type { ModelDescription } from "../backends/types.js";
import { ProviderClient, type PublishedOffer } from "../shared/provider-api.js";
import type { ProviderDirectory } from "./directory.js";

/** This machine's clock, Unix seconds. */
const wallClockS = () => BigInt(Math.floor(Date.now() / 1000));

/** A verified offer of a provider, with what ranking needs. */
export interface Candidate {
  provider: Address;
  uri: string;
  client: ProviderClient;
  offer: Offer;
  signature: Hex;
  /** The model's name, when the provider's offer entry names it. */
  model?: string;
  /** What the provider's runtime says of the model (unsigned, the provider's claim). */
  modelInfo?: ModelDescription;
  /** 0–1000, from the chain (cached). */
  trustScore: bigint;
}

/** Options of {@link OfferBook}. */
export interface OfferBookOptions {
  client: PublicClient;
  contracts: AitbcContracts;
  directory: ProviderDirectory;
  /** Offers are re-fetched this often, ms (default 1 000). */
  refreshMs?: number;
  /** Trust scores are re-read this often, ms (default 30 000). */
  trustRefreshMs?: number;
  /** Per HTTP call to a provider, ms (default 2 000). */
  timeoutMs?: number;
  /** An offer is used only while it is valid this much longer, seconds (default 5). */
  expiryMarginS?: number;
  log?: (line: string) => void;
}

interface ProviderEntry {
  client: ProviderClient;
  uri: string;
  offers: Candidate[];
  trust?: { score: bigint; at: number };
  fetchedAt: number;
}

/** See the module's description. */
export class OfferBook {
  private readonly entries = new Map<string, ProviderEntry>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  /** @param options See {@link OfferBookOptions}. */
  constructor(private readonly options: OfferBookOptions) {}

  /** Fetches every provider's offers once, then keeps refreshing in the background. */
  async start(): Promise<void> {
    await this.refreshAll();
    this.timer = setInterval(
      () => void (this.refreshing ?? this.refreshAll()),
      this.options.refreshMs ?? 1_000,
    );
    this.timer.unref();
  }

  /** Stops the background refresh. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Re-fetches every provider's offers; resolves once a refresh begun after this call has ended. */
  refreshAll(): Promise<void> {
    if (this.refreshing) return this.refreshing.then(() => this.refreshAll());
    this.refreshing = Promise.all(this.options.directory.list().map((p) => this.refresh(p.provider, p.uri)))
      .then(() => this.forgetWithdrawn())
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** The valid offers for a model digest, from memory (fetching once if nothing is known yet). */
  async candidates(modelDigest: Hex): Promise<Candidate[]> {
    if (this.entries.size === 0) await this.refreshAll();
    const until = wallClockS() + BigInt(this.options.expiryMarginS ?? 5);
    const digest = modelDigest.toLowerCase();
    return [...this.entries.values()].flatMap((e) =>
      e.offers.filter((c) => c.offer.modelDigest.toLowerCase() === digest && c.offer.expiry > until),
    );
  }

  /** Every model named in an offer now: name → digest. */
  namedModels(): Map<string, Hex> {
    const out = new Map<string, Hex>();
    for (const e of this.entries.values())
      for (const c of e.offers) if (c.model) out.set(c.model, c.offer.modelDigest);
    return out;
  }

  /**
   * What the providers offering a digest now say of it: size, date and details from the first that
   * reports them; `capabilities` those every provider reporting capabilities has (so a request
   * checked against them suits whichever is chosen); undefined when none says anything.
   */
  describe(modelDigest: Hex): ModelDescription | undefined {
    const digest = modelDigest.toLowerCase();
    const infos = [...this.entries.values()].flatMap((e) => e.offers.filter((c) => c.offer.modelDigest.toLowerCase() === digest && c.modelInfo).map((c) => c.modelInfo!)); // prettier-ignore
    if (infos.length === 0) return undefined;
    const reported = infos.filter((i) => i.capabilities).map((i) => i.capabilities!);
    const first = <K extends keyof ModelDescription>(k: K) => infos.find((i) => i[k] !== undefined)?.[k];
    return {
      ...(first("size") !== undefined ? { size: first("size") } : {}),
      ...(first("modified_at") !== undefined ? { modified_at: first("modified_at") } : {}),
      ...(first("details") !== undefined ? { details: first("details") } : {}),
      ...(reported.length > 0 ? { capabilities: reported.reduce((a, b) => a.filter((c) => b.includes(c))) } : {}), // prettier-ignore
    };
  }

  /** The digests offered now, with how many providers offer each. */
  digests(): Map<string, number> {
    const out = new Map<string, number>();
    for (const e of this.entries.values())
      for (const d of new Set(e.offers.map((c) => c.offer.modelDigest.toLowerCase())))
        out.set(d, (out.get(d) ?? 0) + 1);
    return out;
  }

  /** The client of a provider's endpoint (the one in the directory, else `uri`). */
  clientFor(provider: Address, uri: string): ProviderClient {
    const e = this.entries.get(provider.toLowerCase());
    if (e && e.uri === uri) return e.client;
    return new ProviderClient(uri, { timeoutMs: this.options.timeoutMs ?? 2_000 });
  }

  /** Fetches and verifies one provider's offers; a provider that fails keeps none. */
  async refresh(provider: Address, uri: string): Promise<void> {
    const key = provider.toLowerCase();
    let entry = this.entries.get(key);
    if (!entry || entry.uri !== uri) {
      entry = { client: new ProviderClient(uri, { timeoutMs: this.options.timeoutMs ?? 2_000 }), uri, offers: [], fetchedAt: 0 }; // prettier-ignore
      this.entries.set(key, entry);
    }
    try {
      const [signed, trustScore] = await Promise.all([entry.client.offers(), this.trustOf(provider, entry)]);
      const now = wallClockS();
      const checked = await Promise.all(signed.map((s) => this.check(provider, s, now)));
      entry.offers = checked
        .filter((c): c is Omit<Candidate, "trustScore" | "client" | "uri"> => c !== undefined)
        .map((c) => ({ ...c, trustScore, client: entry.client, uri }));
      entry.fetchedAt = Date.now();
    } catch (error) {
      if (entry.offers.length > 0) this.options.log?.(`${provider}: offers unavailable at ${uri}: ${(error as Error).message.split("\n")[0]}`); // prettier-ignore
      entry.offers = [];
    }
  }

  private async check(provider: Address, s: PublishedOffer, now: bigint) {
    try {
      if (s.offer.provider.toLowerCase() !== provider.toLowerCase())
        throw new Error(`the offer names ${s.offer.provider}, not the registered provider`);
      const offer = await verifyOffer(this.options.client, { contracts: this.options.contracts, offer: s.offer, signature: s.signature, now }); // prettier-ignore
      return { provider, offer, signature: s.signature, ...(s.model !== undefined ? { model: s.model } : {}), ...(s.modelInfo ? { modelInfo: s.modelInfo } : {}) }; // prettier-ignore
    } catch (error) {
      this.options.log?.(`${provider}: offer dropped: ${(error as Error).message.split("\n")[0]}`);
      return undefined;
    }
  }

  private async trustOf(provider: Address, entry: ProviderEntry): Promise<bigint> {
    const fresh = entry.trust && Date.now() - entry.trust.at < (this.options.trustRefreshMs ?? 30_000);
    if (!fresh) {
      const { score } = await getTrustScore(this.options.client, { contracts: this.options.contracts, agent: provider }); // prettier-ignore
      entry.trust = { score, at: Date.now() };
    }
    return entry.trust!.score;
  }

  private forgetWithdrawn(): void {
    const live = new Set(this.options.directory.list().map((p) => p.provider.toLowerCase()));
    for (const key of this.entries.keys()) if (!live.has(key)) this.entries.delete(key);
  }
}
