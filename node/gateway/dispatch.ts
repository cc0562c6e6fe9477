/**
 * Placing one job: the verified offers for its model, ordered (`orderCandidates`), then the batch
 * path with each provider in turn while they refuse, then the quote path the same way. A provider
 * is only passed over when it refused before accepting (nothing paid); once one accepts, the job is
 * its own until answered.
 *
 * A placement stops as soon as its `signal` is aborted (the client left): no provider is tried, and
 * so nothing signed or paid, after that. Once a provider accepted, the job runs to its end.
 */
import type { Accepted } from "./attempt.js";
import { RefusedError } from "./attempt.js";
import { placeBatchJob } from "./batch-path.js";
import type { GatewayContext, JobIntent } from "./context.js";
import { deliverPrompt } from "./deliver.js";
import { ClientGoneError, NoProviderError } from "./errors.js";
import { orderCandidates } from "./ranking.js";
import { openQuotedJob } from "./quote-path.js";

/** An accepted job and the function that ends its count in the load tracker. */
export interface Placed extends Accepted {
  endLoad: () => void;
}

/**
 * Places the job, waiting while every provider refuses (busy, like Ollama's own queue): each round
 * tries all of them, then waits for one of this gateway's jobs to end (or `retryMs`), until
 * `ctx.policy.placementTimeoutMs` has passed.
 *
 * @param signal Aborted when the client left (see the module's description).
 * @throws {NoProviderError} when no provider accepted in time (nothing paid);
 *   {ClientGoneError} when `signal` was aborted before one accepted (nothing paid).
 */
export async function placeJob(
  ctx: GatewayContext,
  intent: JobIntent,
  signal?: AbortSignal,
): Promise<Placed> {
  const end = Date.now() + ctx.policy.placementTimeoutMs;
  for (let round = 0; ; round++) {
    try {
      return await placeOnce(ctx, intent, signal);
    } catch (error) {
      if (!(error instanceof NoProviderError) || Date.now() >= end) throw error;
      await ctx.load.nextEnd(Math.min(1_000, 50 * 2 ** Math.min(round, 4)));
    }
  }
}

/** @throws {ClientGoneError} when `signal` is aborted (logged). */
function checkPresent(ctx: GatewayContext, signal: AbortSignal | undefined, intent: JobIntent): void {
  if (!signal?.aborted) return;
  const error = new ClientGoneError(intent.promptHash);
  ctx.log(error.shortMessage);
  throw error;
}

/**
 * One round of placing the job (see the module's description).
 *
 * @throws {NoProviderError} when no provider accepted on either path (nothing paid);
 *   {ClientGoneError} when `signal` is aborted before a provider is tried.
 */
async function placeOnce(ctx: GatewayContext, intent: JobIntent, signal?: AbortSignal): Promise<Placed> {
  checkPresent(ctx, signal, intent);
  const candidates = orderCandidates(await ctx.offers.candidates(intent.modelDigest), ctx.load, {
    maxPricePerToken: ctx.policy.maxPricePerToken,
    maxTokens: intent.maxTokens,
  });
  const reasons: string[] = [];
  const attempt = async (provider: string, place: () => Promise<Accepted>) => {
    checkPresent(ctx, signal, intent);
    const endLoad = ctx.load.begin(provider);
    try {
      return { ...(await place()), endLoad };
    } catch (error) {
      endLoad();
      if (!(error instanceof RefusedError)) throw error;
      reasons.push(error.shortMessage);
      ctx.log(`job ${intent.promptHash.slice(0, 10)}: ${error.shortMessage}`);
      ctx.metrics.errors.inc({ kind: "refused" });
      return undefined;
    }
  };
  if (ctx.policy.batch && ctx.deposit)
    for (const c of candidates) {
      const placed = await attempt(c.provider, () => placeBatchJob(ctx, intent, c));
      if (placed) return placed;
    }
  if (ctx.policy.quote)
    for (const c of candidates) {
      const placed = await attempt(c.provider, async () => {
        const promptHash = await openQuotedJob(ctx, intent, c);
        return deliverPrompt(ctx, ctx.state.get(promptHash)!);
      });
      if (placed) return placed;
    }
  if (candidates.length === 0) reasons.push(`no valid offer for model ${intent.modelDigest} at or below ${ctx.policy.maxPricePerToken} wei/token`); // prettier-ignore
  ctx.log(`no provider for ${intent.promptHash.slice(0, 10)}: ${reasons.join("; ")}`);
  throw new NoProviderError(reasons);
}
