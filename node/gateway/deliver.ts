/**
 * Delivering the prompt of a job already opened (and paid) on-chain to its provider. The job is
 * paid: it is never placed elsewhere. A refusal here usually means the miner has not seen the
 * opening block yet, so delivery is retried with backoff; if the miner answered nothing it still
 * may have the prompt (uploads are idempotent), so the answer is then read from its result route.
 */
import type { Hex } from "viem";

import type { AnyPayload } from "../shared/protocol.js";
import { ProviderRefusedError } from "../shared/provider-api.js";
import { sleep } from "../shared/retry.js";
import { deliveredNothing, firstEvent, resultEvents, type Accepted } from "./attempt.js";
import type { GatewayContext } from "./context.js";
import { GatewayError } from "./errors.js";
import type { JobRow } from "./state.js";

/** Options of {@link deliverPrompt}. */
export interface DeliverOptions {
  /** Attempts while the miner refuses (default 20). */
  attempts?: number;
  /** First backoff, ms (doubles up to 2 s; default 100). */
  baseDelayMs?: number;
}

/**
 * Delivers the prompt of an `opened` (or `delivered`, after a restart) job and returns its events.
 *
 * @throws {GatewayError} 502 if the miner keeps refusing; the job stays `opened` for a later try.
 */
export async function deliverPrompt(
  ctx: GatewayContext,
  row: JobRow,
  options: DeliverOptions = {},
): Promise<Accepted> {
  const client = ctx.offers.clientFor(row.provider as Hex, row.uri);
  const jobId = BigInt(row.jobId!);
  const jobKey = row.jobKey as Hex;
  const payload = JSON.parse(row.payload) as AnyPayload;
  let delay = options.baseDelayMs ?? 100;
  let last: unknown;
  for (let attempt = 0; attempt < (options.attempts ?? 20); attempt++) {
    try {
      const events = await firstEvent(client.uploadPrompt(jobId, payload));
      ctx.state.update(row.promptHash, { state: "delivered" });
      return { row: { ...row, state: "delivered" }, jobKey, provider: row.provider, client, events };
    } catch (error) {
      last = error;
      if (!deliveredNothing(error)) {
        ctx.state.update(row.promptHash, { state: "delivered" });
        const events = resultEvents(client, jobKey, ctx.policy.resultTimeoutMs, ctx.shutdown);
        return { row: { ...row, state: "delivered" }, jobKey, provider: row.provider, client, events };
      }
      if (!(error instanceof ProviderRefusedError) && attempt > 3) break; // unreachable: later
      await sleep(delay);
      delay = Math.min(2_000, delay * 2);
    }
  }
  const reason = last instanceof ProviderRefusedError ? last.reason : (last as Error)?.message.split("\n")[0];
  throw new GatewayError(502, `job ${jobId}: ${row.provider} does not take its prompt`, { details: reason });
}
