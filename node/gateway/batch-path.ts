/**
 * The batch path, the default: the gateway signs a `BatchJobRequest` for the chosen provider (the
 * SDK's `signBatchJobRequest`; ERC-1271 format for an AgentWallet), records it, reserves its most
 * (`maxTokens × pricePerToken` wei) of the deposit and posts it with the payload to the miner,
 * whose stream carries the tokens at once: no transaction, and no chain read unless the deposit
 * needs a top-up, stands before the first token. The miner puts the job in its next `settleBatch`.
 */
import { randomBytes } from "node:crypto";

import type { Address } from "viem";

import { hashBatchJobRequest, signBatchJobRequest, type BatchJobRequest } from "@aitbc/sdk";
import type { AnyPayload } from "../shared/protocol.js";
import { ProviderRefusedError } from "../shared/provider-api.js";
import { deliveredNothing, firstEvent, RefusedError, resultEvents, type Accepted } from "./attempt.js";
import type { GatewayContext, JobIntent } from "./context.js";
import type { Candidate } from "./offers.js";

/** A signed request as stored and archived (amounts as decimal strings). */
export function requestJson(request: BatchJobRequest, signature: string): Record<string, string> {
  return {
    consumer: request.consumer,
    provider: request.provider,
    modelDigest: request.modelDigest,
    promptHash: request.promptHash,
    pricePerToken: request.pricePerToken.toString(),
    maxTokens: request.maxTokens.toString(),
    deadline: request.deadline.toString(),
    nonce: request.nonce.toString(),
    signature,
  };
}

/** Builds and signs the request for `candidate` (local only: no RPC). */
async function signRequest(ctx: GatewayContext, intent: JobIntent, provider: Address, price: bigint) {
  const request: BatchJobRequest = {
    consumer: ctx.consumer,
    provider,
    modelDigest: intent.modelDigest,
    promptHash: intent.promptHash,
    pricePerToken: price,
    maxTokens: BigInt(intent.maxTokens),
    deadline: ctx.clock.nowS() + BigInt(ctx.policy.durationS),
    nonce: BigInt(`0x${randomBytes(32).toString("hex")}`),
  };
  const digest = hashBatchJobRequest({ chainId: ctx.chainId, escrow: ctx.contracts.BatchEscrow!, request });
  const signature = await signBatchJobRequest(ctx.walletClient, {
    contracts: ctx.contracts,
    request,
    ...(ctx.agentWallet ? { agentWallet: ctx.agentWallet } : {}),
  });
  return { request, digest: digest.toLowerCase() as typeof digest, signature };
}

/**
 * Places the job with `candidate` as a signed batch request.
 *
 * @returns The accepted job, its first event already arrived.
 * @throws {RefusedError} when the miner refused before accepting, or could not be reached at all:
 *   nothing will be paid for this request, another provider may be tried.
 */
export async function placeBatchJob(
  ctx: GatewayContext,
  intent: JobIntent,
  candidate: Candidate,
): Promise<Accepted> {
  const price = candidate.offer.pricePerToken;
  const { request, digest, signature } = await signRequest(ctx, intent, candidate.provider, price);
  const maxFee = BigInt(intent.maxTokens) * price;
  await ctx.deposit!.reserve(digest, maxFee);
  const stored = requestJson(request, signature);
  const row = {
    promptHash: intent.promptHash.toLowerCase(), path: "batch" as const, state: "signed" as const,
    provider: candidate.provider, uri: candidate.uri, model: intent.model, modelDigest: intent.modelDigest,
    payload: intent.payload, request: JSON.stringify(stored), jobKey: digest, maxFee: maxFee.toString(),
  }; // prettier-ignore
  ctx.state.insert(row);
  ctx.archive.put(digest, { payload: intent.payload, request: stored });
  const payload = JSON.parse(intent.payload) as AnyPayload;
  let events;
  try {
    events = await firstEvent(candidate.client.sendBatchRequest({ request, signature, payload }));
  } catch (error) {
    if (!deliveredNothing(error)) {
      // The miner may have accepted it (e.g. a timeout after the body was sent): never sign another
      // request for this prompt; read the answer from the miner instead.
      ctx.log(`batch request ${digest.slice(0, 10)}: no clear answer from ${candidate.provider} (${(error as Error).message.split("\n")[0]}); waiting for its result`); // prettier-ignore
      events = resultEvents(candidate.client, digest, ctx.policy.resultTimeoutMs, ctx.shutdown);
    } else {
      ctx.deposit!.release(digest);
      const reason =
        error instanceof ProviderRefusedError ? error.reason : (error as Error).message.split("\n")[0]!;
      ctx.state.update(row.promptHash, { state: "failed", reason });
      throw new RefusedError(candidate.provider, reason, { cause: error });
    }
  }
  ctx.state.update(row.promptHash, { state: "accepted" });
  return { row: { ...row, state: "accepted", createdAt: 0, updatedAt: 0 }, jobKey: digest, provider: candidate.provider, client: candidate.client, events }; // prettier-ignore
}
