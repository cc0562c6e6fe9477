/**
 * What placing a job with one provider gives: either a refusal before anything was accepted (so
 * the next provider, or the other path, may be tried without paying twice), or an accepted job
 * whose events (tokens, then `done`) are read from the miner's stream.
 */
import { setTimeout as sleep } from "node:timers/promises";

import type { Hex } from "viem";

import {
  ProviderRefusedError,
  ProviderUnavailableError,
  type ProviderClient,
  type StreamEvent,
} from "../shared/provider-api.js";
import { GatewayError } from "./errors.js";
import type { JobRow } from "./state.js";

/** The provider refused before accepting (nothing accepted, nothing paid): try another. */
export class RefusedError extends GatewayError {
  override name = "RefusedError";
  /**
   * @param provider Who refused.
   * @param reason Why.
   */
  constructor(
    readonly provider: string,
    readonly reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(409, `${provider.slice(0, 10)} refused: ${reason}`, options);
  }
}

/** A job a provider accepted, and its events from the first one on. */
export interface Accepted {
  row: JobRow;
  jobKey: Hex;
  provider: string;
  client: ProviderClient;
  events: AsyncIterator<StreamEvent>;
}

/**
 * Whether a failed call certainly delivered nothing (the connection was refused or reset before the
 * request was sent): only then is trying elsewhere safe on the batch path.
 */
export function deliveredNothing(error: unknown): boolean {
  if (error instanceof ProviderRefusedError) return true;
  if (!(error instanceof ProviderUnavailableError)) return false;
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EHOSTUNREACH") return true;
  }
  return false;
}

/**
 * Starts a stream and reads its first event, so a refusal (thrown at the first read, before any
 * token) is told apart from an accepted job.
 *
 * @returns The iterator, with the first event put back in front.
 * @throws What the first read threw.
 */
export async function firstEvent(stream: AsyncGenerator<StreamEvent>): Promise<AsyncIterator<StreamEvent>> {
  const first = await stream.next();
  let replayed = false;
  return {
    next: () => {
      if (replayed) return stream.next();
      replayed = true;
      return Promise.resolve(first);
    },
    return: (value?: unknown) => stream.return(value as never),
  };
}

/**
 * The events of an accepted job read from `GET /v1/jobs/<jobKey>/result?wait=` instead of a stream
 * (after a restart, or when the stream broke): one `done` once the miner has the answer.
 *
 * @param signal The gateway's shutdown: once aborted, no further request or pause is started (a closed
 *   gateway leaves no loop behind; the job stays in its store and is resumed at the next start).
 * @throws {GatewayError} 504 when it has none within `timeoutMs`; 503 when `signal` aborted first.
 */
export async function* resultEvents(
  client: ProviderClient,
  jobKey: Hex,
  timeoutMs: number,
  signal?: AbortSignal,
): AsyncGenerator<StreamEvent> {
  const end = Date.now() + timeoutMs;
  const pause = (ms: number) => sleep(ms, undefined, { signal }).catch(() => undefined);
  while (Date.now() < end && !signal?.aborted) {
    try {
      const result = await client.result(jobKey, Math.min(5_000, Math.max(1, end - Date.now())));
      if (result) {
        yield { type: "done", ...result };
        return;
      }
      await pause(200); // 404 (not yet known) answers at once
    } catch {
      await pause(500); // the miner is restarting: ask again
    }
  }
  if (signal?.aborted) throw new GatewayError(503, `job ${jobKey}: the gateway closed while waiting for its answer`); // prettier-ignore
  throw new GatewayError(504, `job ${jobKey}: no answer from ${client.baseUrl} within ${timeoutMs} ms`);
}
