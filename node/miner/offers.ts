/**
 * The miner's signed offers (`GET /v1/offers`): one EIP-712 `Offer` per served model (the SDK's
 * `signOffer`, `ServiceRegistry` domain) with its ask, its job-size limit, its free slots now and its
 * concurrency, valid `ttlS` seconds of wall-clock time; beside each (unsigned, for gateways' listings)
 * the model's name and what the runtime says of it (`modelInfo`: size, date, details, capabilities). Re-signed when the capacity changes or half the
 * lifetime has passed, so a burst of requests costs no signatures.
 */
import type { Hex } from "viem";

import { signOffer, type Offer } from "@aitbc/sdk";
import type { PublishedOffer, SignedOffer } from "../shared/provider-api.js";
import { capacity, type MinerContext } from "./context.js";

/** Signs and caches the miner's offers (see the module). */
export class OfferBook {
  private cache?: { capacity: number; issuedAt: number; offers: PublishedOffer[] };

  /** @param ttlS Offer lifetime, seconds (default 120; the SDK accepts at most 600). */
  constructor(
    private readonly ctx: MinerContext,
    private readonly ttlS = 120,
  ) {}

  /** Fresh signed offers, one per served model. */
  async offers(): Promise<PublishedOffer[]> {
    const free = capacity(this.ctx);
    const now = Math.floor(Date.now() / 1000);
    const c = this.cache;
    if (c && c.capacity === free && now - c.issuedAt < this.ttlS / 2) return c.offers;
    const { account } = this.ctx;
    const offers: PublishedOffer[] = [];
    for (const digest of this.ctx.models.keys()) {
      const offer: Offer = {
        provider: account.address,
        modelDigest: digest as Hex,
        pricePerToken: this.ctx.ask,
        maxTokens: BigInt(this.ctx.maxTokensPerJob),
        capacity: BigInt(free),
        maxConcurrency: BigInt(this.ctx.limits.maxConcurrent),
        issuedAt: BigInt(now),
        expiry: BigInt(now + this.ttlS),
      };
      const signed = await signOffer(account.wallet, { contracts: account.contracts, offer });
      const name = this.ctx.models.get(digest);
      const {
        name: _n,
        digest: _d,
        ...modelInfo
      } = this.ctx.modelInfo?.get(digest) ?? { name: "", digest: "" };
      offers.push({ offer: signed.offer as SignedOffer["offer"], signature: signed.signature, ...(name ? { model: name } : {}), ...(Object.keys(modelInfo).length > 0 ? { modelInfo } : {}) }); // prettier-ignore
    }
    this.cache = { capacity: free, issuedAt: now, offers };
    return offers;
  }
}
