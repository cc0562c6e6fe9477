/**
 * Checks a consumer-signed `BatchJobRequest` posted to `POST /v1/batch-requests` as `settleBatch` will
 * check it, before any token: addressed to this miner, a model it serves, at least its ask, `maxTokens`
 * within its limit, a free slot, the payload's hash is the request's `promptHash`, a deadline it can meet
 * with the batch wait, the nonce neither pending here nor used on-chain, the signature the consumer's
 * (EOA or ERC-1271, `verifyBatchJobRequest`), and the deposit covering every pending request of the
 * consumer plus this one. A refusal is an {@link HttpError} 4xx `{ error, reason }`.
 */
import type { Hex } from "viem";

import {
  getBatchDeposit,
  hashBatchJobRequest,
  isBatchNonceUsed,
  verifyBatchJobRequest,
  type BatchJobRequest,
} from "@aitbc/sdk";
import { HttpError } from "../../shared/http.js";
import { canonicalPayload, payloadHash } from "../../shared/protocol.js";
import type { BatchRequestBody } from "../../shared/provider-api.js";
import { capacity, requiredDuration, type MinerContext } from "../context.js";

/** A request's amounts as the journal keeps them (decimal strings). */
export const requestToJson = (r: BatchJobRequest): Record<string, string> => ({
  consumer: r.consumer,
  provider: r.provider,
  modelDigest: r.modelDigest,
  promptHash: r.promptHash,
  pricePerToken: r.pricePerToken.toString(),
  maxTokens: r.maxTokens.toString(),
  deadline: r.deadline.toString(),
  nonce: r.nonce.toString(),
});

const refuse = (reason: string, status = 409): never => {
  throw new HttpError(status, "refused", reason);
};

/** The checks that need no chain call. */
function checkStatic(ctx: MinerContext, b: BatchRequestBody): void {
  const r = b.request;
  if (r.provider.toLowerCase() !== ctx.account.address.toLowerCase()) refuse("not addressed to this provider", 403); // prettier-ignore
  if (!ctx.models.has(r.modelDigest.toLowerCase())) refuse(`model ${r.modelDigest} is not served here`);
  if (r.pricePerToken < ctx.ask) refuse(`price ${r.pricePerToken} wei/token is below the ask of ${ctx.ask}`);
  if (r.maxTokens < 1n || r.maxTokens > BigInt(ctx.maxTokensPerJob))
    refuse(`maxTokens ${r.maxTokens} is not in [1, ${ctx.maxTokensPerJob}]`);
  if (capacity(ctx) <= 0) refuse("no spare capacity", 429);
  if (payloadHash(b.payload).toLowerCase() !== r.promptHash.toLowerCase())
    refuse(`keccak256 of the payload is not the request's promptHash ${r.promptHash}`, 400);
}

/**
 * Checks `b` fully (see the module).
 *
 * @param maxWaitMs The batch's longest wait, ms (the deadline must allow it).
 * @returns The request digest (the job key), lower-case.
 * @throws {HttpError} the refusal.
 */
export async function checkBatchRequest(
  ctx: MinerContext,
  b: BatchRequestBody,
  maxWaitMs: number,
): Promise<Hex> {
  checkStatic(ctx, b);
  const r = b.request;
  const { contracts, public: client } = ctx.account;
  const digest = hashBatchJobRequest({ chainId: await ctx.account.chainId(), escrow: contracts.BatchEscrow!, request: r }); // prettier-ignore
  const needed = requiredDuration(ctx, Number(r.maxTokens)) + Math.ceil(maxWaitMs / 1000);
  const now = await ctx.account.now();
  if (r.deadline < BigInt(now + needed))
    refuse(`a job of ${r.maxTokens} tokens batched within ${maxWaitMs} ms needs a deadline at least ${needed} s ahead, the request gives ${Number(r.deadline) - now} s`); // prettier-ignore
  const pending = ctx.journal
    .open("batch")
    .filter((e) => ["claimed", "inferred", "proved"].includes(e.state))
    .filter((e) => e.request?.consumer?.toLowerCase() === r.consumer.toLowerCase());
  if (pending.some((e) => e.request?.nonce === r.nonce.toString()))
    refuse(`nonce ${r.nonce} is already in a pending request of ${r.consumer}`);
  if (await isBatchNonceUsed(client, { contracts, consumer: r.consumer, nonce: r.nonce }))
    refuse(`nonce ${r.nonce} of ${r.consumer} is already settled`);
  if (!(await verifyBatchJobRequest(client, { contracts, request: r, signature: b.signature })))
    refuse(`the signature is not ${r.consumer}'s for this request and escrow`, 400);
  const reserved = pending.reduce((s, e) => s + BigInt(e.request!.maxTokens!) * BigInt(e.request!.pricePerToken!), 0n); // prettier-ignore
  const { balance } = await getBatchDeposit(client, { contracts, account: r.consumer });
  const most = r.maxTokens * r.pricePerToken;
  if (balance < reserved + most)
    refuse(`the deposit of ${r.consumer} (${balance} wei) does not cover its pending requests (${reserved} wei) and this one (${most} wei)`, 402); // prettier-ignore
  return digest.toLowerCase() as Hex;
}

/** Archives the payload and signed request, then journals the accepted job (`claimed`). */
export function recordAccepted(ctx: MinerContext, key: Hex, b: BatchRequestBody): void {
  ctx.archive.put(key, {
    payload: canonicalPayload(b.payload),
    request: { ...requestToJson(b.request), signature: b.signature },
  });
  ctx.journal.record(key, "claimed", {
    kind: "batch",
    request: requestToJson(b.request),
    signature: b.signature,
    model: ctx.models.get(b.request.modelDigest.toLowerCase()),
    promptHash: b.request.promptHash,
    timings: { acceptedAt: Date.now() },
  });
}
