/**
 * The quote path, the fallback when no provider accepts a batch request: a signed `JobEscrow`
 * quote from the provider (`POST /v1/quotes`) for this prompt and duration, checked field by field
 * and with the SDK's `verifyQuote`, then the job opened with `openJobWithQuote` (through the
 * AgentWallet's `payInto` when configured, so its spending limit applies), already assigned to the
 * provider, and the prompt delivered to it (`POST /v1/jobs/<jobId>/prompt`), which streams tokens.
 */
import { encodeFunctionData, parseEventLogs, type Address, type Hex, type TransactionReceipt } from "viem";

import {
  agentWalletAbi,
  jobEscrowAbi,
  jobKeyOfJobId,
  openJobWithQuote,
  QUOTE_DEADLINE_MARGIN_S,
  verifyQuote,
  type Quote,
} from "@aitbc/sdk";
import { ProviderRefusedError } from "../shared/provider-api.js";
import { RefusedError } from "./attempt.js";
import type { GatewayContext, JobIntent } from "./context.js";
import { QuoteRejectedError } from "./errors.js";
import type { Candidate } from "./offers.js";

/** What the gateway asked a provider to quote. */
export interface ExpectedQuote {
  provider: Address;
  consumer: Address;
  modelDigest: Hex;
  promptHash: Hex;
  maxTokens: number;
  /** The most the gateway pays, wei per token. */
  maxPricePerToken: bigint;
  /** The longest `minDuration` the gateway gives, seconds. */
  maxDuration: number;
  /** The quote must be valid at least until then, Unix seconds of chain time. */
  minExpiry: bigint;
}

/**
 * Checks a provider's signed quote before any transaction: every field against what was asked
 * for, then the signature with the SDK's `verifyQuote` (ERC-1271 for contract providers).
 *
 * @throws {QuoteRejectedError} with the reason.
 */
export async function acceptQuote(
  ctx: GatewayContext,
  signed: { quote: Quote; signature: Hex },
  expected: ExpectedQuote,
): Promise<Quote> {
  const { quote } = signed;
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const problem =
    (!same(quote.provider, expected.provider) && `it is from ${quote.provider}, not ${expected.provider}`) ||
    (!same(quote.consumer, expected.consumer) && `it is for consumer ${quote.consumer}, not ${expected.consumer}`) ||
    (!same(quote.modelDigest, expected.modelDigest) && `it is for model ${quote.modelDigest}, not ${expected.modelDigest}`) ||
    (!same(quote.promptHash, expected.promptHash) && `it is for prompt ${quote.promptHash}, not ${expected.promptHash}`) ||
    (quote.minDuration > BigInt(expected.maxDuration) && `it needs ${quote.minDuration} s, more than the ${expected.maxDuration} s asked for`) ||
    (quote.maxTokens !== BigInt(expected.maxTokens) && `it covers ${quote.maxTokens} tokens, not ${expected.maxTokens}`) ||
    (quote.pricePerToken > expected.maxPricePerToken && `its price ${quote.pricePerToken} wei/token is above ${expected.maxPricePerToken}`) ||
    (quote.expiry < expected.minExpiry && `it expires at ${quote.expiry}, before ${expected.minExpiry}`); // prettier-ignore
  if (problem) throw new QuoteRejectedError(problem);
  if (
    !(await verifyQuote(ctx.publicClient, { contracts: ctx.contracts, quote, signature: signed.signature }))
  )
    throw new QuoteRejectedError(`the signature is not ${quote.provider}'s (verifyQuote)`);
  return quote;
}

/** Opens the quoted job (one transaction) and returns its id. */
async function openQuoted(ctx: GatewayContext, quote: Quote, signature: Hex): Promise<bigint> {
  if (!ctx.agentWallet) {
    const { jobId } = await openJobWithQuote(ctx.walletClient, {
      contracts: ctx.contracts,
      quote,
      signature,
    });
    return jobId;
  }
  const deadline = ctx.clock.nowS() + quote.minDuration + QUOTE_DEADLINE_MARGIN_S;
  const args = [{ ...quote, maxTokens: Number(quote.maxTokens), minDuration: Number(quote.minDuration), expiry: Number(quote.expiry) }, signature, Number(deadline)] as const; // prettier-ignore
  const data = encodeFunctionData({ abi: jobEscrowAbi, functionName: "openJobWithQuote", args });
  const amount = quote.maxTokens * quote.pricePerToken;
  const hash = await ctx.walletClient.writeContract({
    address: ctx.agentWallet,
    abi: agentWalletAbi,
    functionName: "payInto",
    args: [ctx.contracts.JobEscrow!, ctx.contracts.AITBCToken!, amount, data],
    account: ctx.walletClient.account!,
    chain: ctx.walletClient.chain,
  });
  const receipt: TransactionReceipt = await ctx.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`payInto(openJobWithQuote) reverted in ${hash}`);
  const [event] = parseEventLogs({ abi: jobEscrowAbi, logs: receipt.logs, eventName: "JobOpened" });
  if (!event) throw new Error(`no JobOpened in ${hash}`);
  return event.args.jobId;
}

/**
 * Gets a quote from `candidate` and opens the job on-chain (the prompt is delivered by
 * `deliverPrompt`).
 *
 * @returns The prompt hash of the stored job (state `opened`).
 * @throws {RefusedError} when the provider refused to quote, the quote was not acceptable, or the
 *   opening reverted: nothing was paid, another provider may be tried.
 */
export async function openQuotedJob(
  ctx: GatewayContext,
  intent: JobIntent,
  candidate: Candidate,
): Promise<string> {
  const price = candidate.offer.pricePerToken;
  const duration = ctx.policy.durationS;
  let quote: Quote, signature: Hex;
  try {
    const signed = await candidate.client.requestQuote({ consumer: ctx.consumer, modelDigest: intent.modelDigest, promptHash: intent.promptHash, maxTokens: BigInt(intent.maxTokens), pricePerToken: price, duration: BigInt(duration) }); // prettier-ignore
    quote = await acceptQuote(ctx, signed, { provider: candidate.provider, consumer: ctx.consumer, modelDigest: intent.modelDigest, promptHash: intent.promptHash, maxTokens: intent.maxTokens, maxPricePerToken: ctx.policy.maxPricePerToken, maxDuration: duration, minExpiry: ctx.clock.nowS() + 5n }); // prettier-ignore
    signature = signed.signature;
  } catch (error) {
    const reason =
      error instanceof ProviderRefusedError ? error.reason : (error as Error).message.split("\n")[0]!;
    throw new RefusedError(candidate.provider, `no quote: ${reason}`, { cause: error });
  }
  const promptHash = intent.promptHash.toLowerCase();
  const quoteJson = JSON.stringify({ quote, signature }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)); // prettier-ignore
  ctx.state.insert({ promptHash, path: "quote", state: "opening", provider: candidate.provider, uri: candidate.uri, model: intent.model, modelDigest: intent.modelDigest, payload: intent.payload, quote: quoteJson, maxFee: (quote.maxTokens * quote.pricePerToken).toString() }); // prettier-ignore
  let jobId: bigint;
  try {
    jobId = await ctx.serial(() => openQuoted(ctx, quote, signature));
  } catch (error) {
    ctx.state.update(promptHash, { state: "failed", reason: `opening failed: ${(error as Error).message.split("\n")[0]}` }); // prettier-ignore
    throw new RefusedError(candidate.provider, `openJobWithQuote failed: ${(error as Error).message.split("\n")[0]}`, { cause: error }); // prettier-ignore
  }
  const jobKey = jobKeyOfJobId(jobId).toLowerCase();
  ctx.state.update(promptHash, { state: "opened", jobId: jobId.toString(), jobKey });
  ctx.archive.put(jobKey as Hex, { payload: intent.payload });
  ctx.log(`job ${jobId}: opened with ${candidate.provider}'s quote at ${quote.pricePerToken} wei/token`);
  return promptHash;
}
