import { AitbcError } from "./base.js";

/** Why an offer's times make it unusable (see {@link OfferExpiredError}). */
export type OfferTimeProblem =
  /** `expiry ≤ now`. */
  | "expired"
  /** `expiry − issuedAt` exceeds the longest lifetime (600 s) or is not positive. */
  | "lifetimeTooLong"
  /** `issuedAt` lies further in the future than the allowed clock skew (60 s). */
  | "notYetIssued";

/**
 * A signed provider offer is out of its validity window: expired, issued for longer than the
 * protocol's 600-second maximum (so a leaked offer cannot be replayed for long), or issued in the
 * future. Times are Unix seconds (chain time).
 *
 * @example
 * ```ts
 * try {
 *   await verifyOffer(publicClient, { contracts, offer, signature });
 * } catch (error) {
 *   if (error instanceof OfferExpiredError) console.log(error.problem, error.expiry, error.now);
 * }
 * ```
 */
export class OfferExpiredError extends AitbcError {
  override name = "OfferExpiredError";
  /** Which rule the offer broke. */
  readonly problem: OfferTimeProblem;
  /** The offer's `issuedAt`, Unix seconds. */
  readonly issuedAt: bigint;
  /** The offer's `expiry`, Unix seconds. */
  readonly expiry: bigint;
  /** The time it was checked against, Unix seconds. */
  readonly now: bigint;

  /**
   * @param args.problem Which rule failed.
   * @param args.issuedAt The offer's `issuedAt` (Unix s).
   * @param args.expiry The offer's `expiry` (Unix s).
   * @param args.now The reference time (Unix s).
   * @param args.maxLifetime The longest lifetime allowed, seconds.
   */
  constructor(args: {
    problem: OfferTimeProblem;
    issuedAt: bigint;
    expiry: bigint;
    now: bigint;
    maxLifetime: bigint;
  }) {
    const why = {
      expired: `expired at ${args.expiry}, now ${args.now}`,
      lifetimeTooLong: `lifetime ${args.expiry - args.issuedAt} s is not within 1..${args.maxLifetime} s`,
      notYetIssued: `issued at ${args.issuedAt}, in the future of now ${args.now}`,
    }[args.problem];
    super("The offer is not valid at this time.", { details: why });
    this.problem = args.problem;
    this.issuedAt = args.issuedAt;
    this.expiry = args.expiry;
    this.now = args.now;
  }
}

/**
 * A provider offer's signature is not the provider's for this offer, chain and `ServiceRegistry`
 * (a tampered field, another chain or registry — a replay — or another signer). For a contract
 * provider the ERC-1271 `isValidSignature` check failed.
 *
 * @example
 * ```ts
 * try {
 *   await verifyOffer(publicClient, { contracts, offer, signature });
 * } catch (error) {
 *   if (error instanceof OfferSignatureError) dropProvider(error.provider);
 * }
 * ```
 */
export class OfferSignatureError extends AitbcError {
  override name = "OfferSignatureError";
  /** The offer's claimed provider. */
  readonly provider: string;

  /**
   * @param args.provider The offer's provider.
   * @param args.reason What failed, e.g. "signature does not match".
   * @param args.cause The underlying error, if any.
   */
  constructor(args: { provider: string; reason: string; cause?: unknown }) {
    super("The offer's signature is not valid for its provider.", {
      details: `provider ${args.provider}: ${args.reason}`,
      ...(args.cause === undefined ? {} : { cause: args.cause }),
    });
    this.provider = args.provider;
  }
}
