/**
 * Quote negotiation between a consumer agent and a provider agent: an offer, counter-offers, and an
 * acceptance that ends in an EIP-712 quote signed by the provider, which `JobEscrow.openJobWithQuote`
 * accepts. Messages are plain objects (serialisable with bigint → string) so agents can exchange
 * them over any channel.
 */
import type { Account, Address, Hex } from "viem";

import { signQuote, type Quote } from "../actions/jobs.js";
import type { AitbcContracts } from "../deployments.js";
import { AitbcError } from "../errors/base.js";
import type { AitbcWriteClient } from "../utils/client.js";
import { assertAddress, assertAmount, assertBytes32, assertModelDigest, maxUint } from "../utils/validate.js";

/** One step of a negotiation. */
export interface NegotiationOffer {
  /** The terms on the table. */
  quote: Quote;
  /** Who proposed these terms. */
  from: "provider" | "consumer";
  /** 0 for the opening offer, +1 per counter-offer. */
  round: number;
  /** Earlier terms, oldest first. */
  history: readonly { from: "provider" | "consumer"; pricePerToken: bigint; maxTokens: bigint }[];
}

/** A negotiation broke a rule (too many rounds, changed fixed terms, wrong party accepting). */
export class NegotiationError extends AitbcError {
  override name = "NegotiationError";

  /** @param details What went wrong. */
  constructor(details: string) {
    super("The negotiation step is not allowed.", { details });
  }
}

/**
 * Opens a negotiation with the terms of a quote (usually the provider's ask).
 *
 * @param quote The proposed terms (price in wei per token, `minDuration` in seconds, expiry in Unix
 *   seconds), for one prompt (`promptHash`): only price and size are negotiated afterwards.
 * @param from Who makes the offer (default "provider").
 * @returns Round 0 of the negotiation.
 * @throws {InvalidAddressError} | {InvalidAmountError} | {UnknownModelDigestError} on malformed terms.
 * @example
 * ```ts
 * const offer = createOffer({ provider, consumer, modelDigest, promptHash, pricePerToken: 3n * 10n ** 15n,
 *   maxTokens: 100n, minDuration: 3600n, expiry: now + 600n, nonce: 1n });
 * ```
 */
export function createOffer(quote: Quote, from: "provider" | "consumer" = "provider"): NegotiationOffer {
  assertAddress(quote.provider, "quote.provider");
  assertAddress(quote.consumer, "quote.consumer");
  assertModelDigest(quote.modelDigest);
  assertBytes32(quote.promptHash, "quote.promptHash");
  assertAmount(quote.minDuration, "quote.minDuration (seconds)", { max: maxUint(32) });
  assertAmount(quote.pricePerToken, "quote.pricePerToken (wei)", { positive: true });
  assertAmount(quote.maxTokens, "quote.maxTokens", { positive: true });
  assertAmount(quote.expiry, "quote.expiry (Unix seconds)");
  assertAmount(quote.nonce, "quote.nonce");
  return { quote: { ...quote }, from, round: 0, history: [] };
}

/**
 * Answers an offer with new price and/or token terms (the other party's turn).
 *
 * @param offer The offer being answered.
 * @param terms New `pricePerToken` (wei) and/or `maxTokens`.
 * @param options.maxRounds Maximum counter-offers (default 6).
 * @returns The next round, proposed by the other party.
 * @throws {NegotiationError} after `maxRounds`.
 * @example
 * ```ts
 * const counter = counterOffer(offer, { pricePerToken: 2n * 10n ** 15n });
 * ```
 */
export function counterOffer(
  offer: NegotiationOffer,
  terms: { pricePerToken?: bigint; maxTokens?: bigint },
  options: { maxRounds?: number } = {},
): NegotiationOffer {
  const maxRounds = options.maxRounds ?? 6;
  if (offer.round + 1 > maxRounds) throw new NegotiationError(`more than ${maxRounds} counter-offers`);
  const pricePerToken = assertAmount(
    terms.pricePerToken ?? offer.quote.pricePerToken,
    "pricePerToken (wei)",
    { positive: true },
  );
  const maxTokens = assertAmount(terms.maxTokens ?? offer.quote.maxTokens, "maxTokens", { positive: true });
  return {
    quote: { ...offer.quote, pricePerToken, maxTokens },
    from: offer.from === "provider" ? "consumer" : "provider",
    round: offer.round + 1,
    history: [
      ...offer.history,
      { from: offer.from, pricePerToken: offer.quote.pricePerToken, maxTokens: offer.quote.maxTokens },
    ],
  };
}

/**
 * A simple concession strategy for one party. The consumer accepts any price at or below its
 * ceiling, the provider any price at or above its floor. Otherwise the party counters by moving its
 * own previous position `step` (0–1, default 0.5) of the way toward its limit: the consumer's first
 * bid is `opening` (default 80% of its ceiling) and rises toward the ceiling; the provider's ask
 * starts at its previous ask and falls toward its floor. Positions never cross the party's limit.
 *
 * @param offer The offer on the table (from the other party).
 * @param options.role Who is answering.
 * @param options.limit The consumer's ceiling or the provider's floor, wei per token.
 * @param options.step Fraction of the remaining gap conceded per round.
 * @param options.opening The consumer's first bid, wei per token.
 * @returns `"accept"`, or the counter price in wei per token.
 * @example
 * ```ts
 * const answer = respondToOffer(offer, { role: "consumer", limit: 2n * 10n ** 15n });
 * const next = answer === "accept" ? offer : counterOffer(offer, { pricePerToken: answer });
 * ```
 */
export function respondToOffer(
  offer: NegotiationOffer,
  options: { role: "provider" | "consumer"; limit: bigint; step?: number; opening?: bigint },
): "accept" | bigint {
  const { role } = options;
  const limit = assertAmount(options.limit, "limit (wei per token)", { positive: true });
  const price = offer.quote.pricePerToken;
  if (role === "consumer" ? price <= limit : price >= limit) return "accept";
  const stepMilli = BigInt(Math.round(Math.min(1, Math.max(0, options.step ?? 0.5)) * 1000));
  const previous = [...offer.history].reverse().find((h) => h.from === role)?.pricePerToken;
  if (role === "consumer") {
    if (previous === undefined) return options.opening ?? (limit * 4n) / 5n;
    const next = previous + ((limit - previous) * stepMilli) / 1000n;
    return next > limit ? limit : next;
  }
  const from = previous ?? price;
  const next = from - ((from - limit) * stepMilli) / 1000n;
  return next < limit ? limit : next;
}

/** A quote both parties agreed on, signed by the provider. */
export interface SignedQuote {
  /** The agreed terms. */
  quote: Quote;
  /** The provider's EIP-712 signature. */
  signature: Hex;
}

/**
 * Accepts the terms on the table: the provider signs them as an EIP-712 quote for the escrow.
 * Either party may accept the other's offer, but only the provider can sign, so `client` is the
 * provider's wallet client.
 *
 * @param client The provider's wallet client (its account must be `offer.quote.provider`).
 * @param parameters `{ contracts, offer, account? }`.
 * @returns `{ quote, signature }`, ready for `openJobWithQuote`.
 * @throws {NegotiationError} if the signer is not the quote's provider.
 * @example
 * ```ts
 * const { quote, signature } = await acceptOffer(providerClient, { contracts, offer: counter });
 * await openJobWithQuote(consumerClient, { contracts, quote, signature, deadline });
 * ```
 */
export async function acceptOffer(
  client: AitbcWriteClient,
  parameters: { contracts: AitbcContracts; offer: NegotiationOffer; account?: Account | Address },
): Promise<SignedQuote> {
  const account = parameters.account ?? client.account;
  const signer = typeof account === "string" ? account : account?.address;
  if (signer === undefined || signer.toLowerCase() !== parameters.offer.quote.provider.toLowerCase()) {
    throw new NegotiationError(
      `the quote must be signed by its provider ${parameters.offer.quote.provider}, not ${signer}`,
    );
  }
  const signature = await signQuote(client, {
    contracts: parameters.contracts,
    quote: parameters.offer.quote,
    ...(parameters.account === undefined ? {} : { account: parameters.account }),
  });
  return { quote: parameters.offer.quote, signature };
}
