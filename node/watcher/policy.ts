/**
 * The chain reads behind a watcher's decisions: the rate of the public sampling rule, whether a model's
 * answers are proven on-chain (no re-execution needed), whether a job can still be disputed, and a batch
 * job's token limit from its signed request.
 */
import type { Address, Hex, PublicClient } from "viem";

import {
  getJob,
  getModelChecker,
  getSampleRateBps,
  hashBatchJobRequest,
  type AitbcContracts,
} from "@aitbc/sdk";
import type { ArchiveSource } from "../archive/client.js";
import { batchOf } from "./results.js";
import type { WatchedJob } from "./types.js";

/** The sample rate the policy starts with (10%, bps), used only where no `MarketPolicy` is deployed. */
export const DEFAULT_SAMPLE_RATE_BPS = 1_000;

/**
 * The rate the rule applies now (bps): `override`, else the policy's `sampleRateBps()`, else the default.
 * @param client Reads.
 * @param contracts `MarketPolicy` if deployed.
 * @param override A watcher's own rate (bps).
 */
export async function sampleRateBps(
  client: PublicClient,
  contracts: AitbcContracts,
  override?: number,
): Promise<number> {
  if (override !== undefined) return override;
  if (!contracts.MarketPolicy) return DEFAULT_SAMPLE_RATE_BPS;
  return getSampleRateBps(client, { contracts });
}

/**
 * Whether the job's model has an on-chain checker in its escrow's policy (`checkerOf ≠ 0`: a full proof of
 * inference is verified, so a wrong answer could not have settled).
 */
export async function isProven(
  client: PublicClient,
  contracts: AitbcContracts,
  job: WatchedJob,
): Promise<boolean> {
  const escrow = job.kind === "job" ? "JobEscrow" : "BatchEscrow";
  const { checker } = await getModelChecker(client, { contracts, modelDigest: job.modelDigest, escrow });
  return checker !== undefined;
}

/** Whether the job can still be disputed (its window open, not disputed, not settled). */
export async function isOpen(
  client: PublicClient,
  contracts: AitbcContracts,
  job: WatchedJob,
): Promise<boolean> {
  const now = (await client.getBlock()).timestamp;
  if (job.kind === "job") {
    const j = await getJob(client, { contracts, jobId: job.jobId! });
    return j.status === "Submitted" && now <= j.challengeEnds;
  }
  const batch = await batchOf(client, contracts, job.batchId!);
  return batch.status === "Submitted" && now <= batch.challengeEnds;
}

/**
 * A batch job's token limit from its signed request, if a source serves one whose EIP-712 digest (as the
 * escrow computes it) is the job's; otherwise the claimed count (an honest output of n tokens is
 * reproduced with a limit of n).
 */
export async function batchMaxTokens(
  client: PublicClient,
  contracts: AitbcContracts,
  job: WatchedJob,
  sources: readonly ArchiveSource[],
): Promise<number> {
  for (const source of sources) {
    const r = (await source.fetchRequest?.(job.jobKey)) as Record<string, string | number> | undefined;
    if (!r || typeof r !== "object") continue;
    try {
      const request = {
        consumer: r.consumer as Address,
        provider: r.provider as Address,
        modelDigest: r.modelDigest as Hex,
        promptHash: r.promptHash as Hex,
        pricePerToken: BigInt(r.pricePerToken!),
        maxTokens: BigInt(r.maxTokens!),
        deadline: BigInt(r.deadline!),
        nonce: BigInt(r.nonce!),
      };
      const digest = hashBatchJobRequest({ chainId: await client.getChainId(), escrow: contracts.BatchEscrow!, request }); // prettier-ignore
      if (digest.toLowerCase() === job.jobKey.toLowerCase()) return Number(request.maxTokens);
    } catch {
      // a malformed request: ignored like bytes that do not match their hash
    }
  }
  return job.tokenCount;
}
