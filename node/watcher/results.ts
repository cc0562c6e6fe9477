/**
 * Turning the escrows' result events into {@link WatchedJob}s: JobEscrow's `ResultSubmitted` (one read of
 * the job for its consumer, model, prompt hash and token limit) and BatchEscrow's `BatchJobSettled` (the
 * leaf is in the event; one read of the batch for its provider).
 */
import { parseEventLogs, type Address, type Log, type PublicClient } from "viem";

import {
  batchEscrowAbi,
  getBatch,
  getJob,
  jobEscrowAbi,
  jobKeyOfJobId,
  type AitbcContracts,
  type BatchLeaf,
} from "@aitbc/sdk";
import type { WatchedJob } from "./types.js";

/**
 * The jobs of a list of `ResultSubmitted` logs of JobEscrow (other logs are ignored).
 * @param client Reads.
 * @param contracts `JobEscrow`.
 * @param logs Raw or decoded logs.
 */
export async function jobResults(
  client: PublicClient,
  contracts: AitbcContracts,
  logs: readonly Log[],
): Promise<WatchedJob[]> {
  const out: WatchedJob[] = [];
  for (const log of parseEventLogs({
    abi: jobEscrowAbi,
    eventName: "ResultSubmitted",
    logs: logs as Log[],
  })) {
    const { jobId, provider, outputHash, tokenCount } = log.args;
    const job = await getJob(client, { contracts, jobId });
    out.push({
      kind: "job",
      jobKey: jobKeyOfJobId(jobId),
      jobId,
      provider,
      consumer: job.consumer,
      modelDigest: job.modelDigest,
      promptHash: job.promptHash,
      outputHash,
      tokenCount: Number(tokenCount),
      maxTokens: Number(job.maxTokens),
      seed: log.blockHash!,
      blockNumber: log.blockNumber!,
    });
  }
  return out;
}

/** A batch (SDK `getBatch`). */
export function batchOf(client: PublicClient, contracts: AitbcContracts, batchId: bigint) {
  return getBatch(client, { contracts, batchId });
}

/**
 * The jobs of a list of `BatchJobSettled` logs of BatchEscrow (other logs are ignored).
 * @param client Reads.
 * @param contracts `BatchEscrow`.
 * @param logs Raw or decoded logs.
 */
export async function batchResults(
  client: PublicClient,
  contracts: AitbcContracts,
  logs: readonly Log[],
): Promise<WatchedJob[]> {
  const providers = new Map<bigint, Address>();
  const out: WatchedJob[] = [];
  for (const log of parseEventLogs({
    abi: batchEscrowAbi,
    eventName: "BatchJobSettled",
    logs: logs as Log[],
  })) {
    const a = log.args;
    if (!providers.has(a.batchId))
      providers.set(a.batchId, (await batchOf(client, contracts, a.batchId)).provider);
    const leaf: BatchLeaf = { index: a.index, requestDigest: a.requestDigest, consumer: a.consumer, outputHash: a.outputHash, tokenCount: a.tokenCount, fee: a.fee }; // prettier-ignore
    out.push({
      kind: "batch",
      jobKey: leaf.requestDigest,
      batchId: a.batchId,
      index: leaf.index,
      leaf,
      provider: providers.get(a.batchId)!,
      consumer: leaf.consumer,
      modelDigest: a.modelDigest,
      promptHash: a.promptHash,
      outputHash: leaf.outputHash,
      tokenCount: Number(leaf.tokenCount),
      maxTokens: Number(leaf.tokenCount),
      seed: log.blockHash!,
      blockNumber: log.blockNumber!,
    });
  }
  return out;
}
