/** Retries with exponential backoff, a concurrency limiter and small async helpers. */

export interface RetryOptions {
  /** Total attempts (default 4). */
  attempts: number;
  /** First backoff (ms, default 200); doubled each time, ±20 % jitter, capped at `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Which errors to retry (default: all). */
  retryIf: (error: unknown) => boolean;
  /** Called before each backoff. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Name for error messages. */
  what?: string;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` until it succeeds, retrying errors accepted by `retryIf` with exponential backoff.
 * The last error is rethrown unchanged.
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  options: Partial<RetryOptions> = {},
): Promise<T> {
  const { attempts = 4, baseDelayMs = 200, maxDelayMs = 10_000, retryIf = () => true, onRetry } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= attempts || !retryIf(error)) throw error;
      const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) * (0.8 + 0.4 * Math.random());
      onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}

/** A concurrency limiter: at most `limit` of the functions given to it run at once. */
export function limiter(limit: number) {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  let active = 0;
  const queue: (() => void)[] = [];
  const run = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
  return Object.assign(run, {
    get active() {
      return active;
    },
    get pending() {
      return queue.length;
    },
  });
}
