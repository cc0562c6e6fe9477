/**
 * Base error of the AITBC SDK, modelled on viem's `BaseError`: a short, human-readable
 * `shortMessage`, optional `details` (what exactly was wrong), the original `cause`, and a
 * combined `message` that prints all of it. Every error the SDK throws extends this class, so
 * callers can catch `AitbcError` once and narrow with `instanceof` or `name`.
 *
 * @example
 * ```ts
 * try {
 *   toField(2n ** 256n);
 * } catch (error) {
 *   if (error instanceof AitbcError) console.error(error.shortMessage, error.details);
 * }
 * ```
 */
export interface AitbcErrorOptions {
  /** Extra, precise information (values, limits) appended to the message. */
  details?: string;
  /** The underlying error, if this one wraps another. */
  cause?: unknown;
  /** Further lines of explanation shown between the short message and the details. */
  metaMessages?: readonly string[];
}

/** Root class of every error thrown by `@aitbc/sdk`. See {@link AitbcErrorOptions}. */
export class AitbcError extends Error {
  /** The one-line summary, without details. */
  readonly shortMessage: string;
  /** Precise information about the failure, if any. */
  readonly details: string | undefined;
  /** Further lines of explanation, if any. */
  readonly metaMessages: readonly string[];
  override name = "AitbcError";

  /**
   * @param shortMessage One-line summary, e.g. "Value does not fit in the BN254 scalar field."
   * @param options Details, cause and extra lines; see {@link AitbcErrorOptions}.
   */
  constructor(shortMessage: string, options: AitbcErrorOptions = {}) {
    const details = options.details ?? (options.cause instanceof Error ? options.cause.message : undefined);
    const metaMessages = options.metaMessages ?? [];
    const message = [
      shortMessage,
      ...(metaMessages.length > 0 ? ["", ...metaMessages] : []),
      ...(details !== undefined ? ["", `Details: ${details}`] : []),
    ].join("\n");
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.shortMessage = shortMessage;
    this.details = details;
    this.metaMessages = metaMessages;
  }

  /**
   * Walks the `cause` chain and returns the first error for which `predicate` holds (starting
   * with this error), or `undefined`.
   *
   * @param predicate Test applied to each error of the chain.
   * @returns The first matching error, or `undefined`.
   */
  walk(predicate: (error: unknown) => boolean): unknown {
    return walkCauses(this, predicate);
  }
}

function walkCauses(start: unknown, predicate: (error: unknown) => boolean): unknown {
  const seen = new Set<unknown>();
  for (let current = start; current !== undefined && current !== null && !seen.has(current);) {
    if (predicate(current)) return current;
    seen.add(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}
