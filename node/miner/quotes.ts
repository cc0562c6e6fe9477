/**
 * The quote path of `JobEscrow` (`POST /v1/quotes`): a consumer asks for a signed quote for one prompt
 * hash; the miner signs one (the SDK's `signQuote`, random 256-bit nonce, expiry `quoteTtlS` of chain
 * time) when it serves the model, has a free slot, the price is at least its ask, `maxTokens` is within
 * its limit and the duration gives it at least {@link requiredDuration}. The quote binds that prompt
 * hash and duration. A free slot is reserved until the prompt of the job opened with it is uploaded or
 * the quote expires.
 */
import { randomBytes } from "node:crypto";

import { bytesToBigInt, type Hex } from "viem";

import { signQuote, type Quote } from "@aitbc/sdk";
import { HttpError } from "../shared/http.js";
import type { QuoteRequestBody } from "../shared/provider-api.js";
import { capacity, requiredDuration, type MinerContext } from "./context.js";

/** The escrow's longest job, seconds (`JobEscrow.MAX_JOB_DURATION`). */
const MAX_JOB_DURATION_S = 30 * 86_400;

/** Signs quotes and holds a slot for each outstanding one. */
export class QuoteDesk {
  /** Outstanding quotes: prompt hash → wall-clock expiry, ms. */
  private readonly pending = new Map<string, number>();
  readonly stats = { signed: 0, refused: 0 };

  /** @param ttlS Lifetime of a quote, seconds (default 60). */
  constructor(
    private readonly ctx: MinerContext,
    private readonly ttlS = 60,
  ) {}

  /** Quotes signed. */
  get signed(): number {
    return this.stats.signed;
  }

  /** Quote requests refused. */
  get refused(): number {
    return this.stats.refused;
  }

  /** Outstanding (unexpired, unused) quotes. */
  get outstanding(): number {
    const now = Date.now();
    for (const [hash, expiresAt] of this.pending) if (expiresAt < now) this.pending.delete(hash);
    return this.pending.size;
  }

  /** Frees the slot of the quote for `promptHash` (its job's prompt arrived). */
  release(promptHash: string): void {
    this.pending.delete(promptHash.toLowerCase());
  }

  /** Why `r` must be refused, or undefined. */
  refusal(r: QuoteRequestBody): string | undefined {
    const ctx = this.ctx;
    if (!ctx.models.has(r.modelDigest.toLowerCase())) return `model ${r.modelDigest} is not served here`;
    if (r.pricePerToken < ctx.ask) return `price ${r.pricePerToken} wei/token is below the ask of ${ctx.ask}`;
    if (r.maxTokens < 1n || r.maxTokens > BigInt(ctx.maxTokensPerJob))
      return `maxTokens ${r.maxTokens} is not in [1, ${ctx.maxTokensPerJob}]`;
    if (capacity(ctx) <= 0) return "no spare capacity";
    const needed = requiredDuration(ctx, Number(r.maxTokens));
    if (r.duration < BigInt(needed)) return `a job of ${r.maxTokens} tokens needs at least ${needed} s, the request gives ${r.duration}`; // prettier-ignore
    if (r.duration > BigInt(MAX_JOB_DURATION_S))
      return `duration ${r.duration} s is above the escrow's 30 days`;
    return undefined;
  }

  /**
   * Signs a quote for `r`.
   *
   * @throws {HttpError} 409 `refused` with the reason.
   */
  async quote(r: QuoteRequestBody): Promise<{ quote: Quote; signature: Hex }> {
    const reason = this.refusal(r);
    if (reason) {
      this.stats.refused++;
      this.ctx.metrics.jobs.inc({ outcome: "refused" });
      throw new HttpError(409, "refused", reason);
    }
    const { account } = this.ctx;
    const quote: Quote = {
      provider: account.address,
      consumer: r.consumer,
      modelDigest: r.modelDigest,
      promptHash: r.promptHash,
      pricePerToken: r.pricePerToken,
      maxTokens: r.maxTokens,
      minDuration: r.duration,
      expiry: BigInt((await account.now()) + this.ttlS),
      nonce: bytesToBigInt(randomBytes(32)),
    };
    const signature = await signQuote(account.wallet, { contracts: account.contracts, quote });
    this.pending.set(r.promptHash.toLowerCase(), Date.now() + this.ttlS * 1000);
    this.stats.signed++;
    return { quote, signature };
  }
}
