/**
 * Batch settlement: answered batch jobs are settled `size` at a time, or when the oldest has waited
 * `maxWaitMs`. Before proving, the batch is checked as `settleBatch` will check it (the SDK's
 * `checkBatchJobs`); one batch-receipt proof binds the provider's identity to the jobs' Merkle root;
 * `settleBatch` sends it and every job is journaled `submitted` with the batch's `challengeEnds`.
 * Finalization reads only batches whose journaled window has ended.
 */
import { randomBytes } from "node:crypto";

import type { Address, Hex } from "viem";

import {
  batchCommitment,
  batchJobsRoot,
  batchLeaves,
  checkBatchJobs,
  finalizeBatch,
  getBatch,
  identityCommitment,
  proveBatchReceipt,
  settleBatch,
  type BatchJobInput,
  type BatchLeaf,
} from "@aitbc/sdk";
import { addWei } from "../../shared/metrics.js";
import { revertName } from "../account.js";
import type { MinerContext } from "../context.js";
import type { JournalEntry } from "../journal.js";
import { reconcileBatchEntry, requestOf } from "./reconcile.js";

/** How the miner batches its settlements. */
export interface BatchSettings {
  /** Jobs per batch, 1–256: a batch is sent as soon as this many answered jobs wait. */
  size: number;
  /** Longest time an answered job waits for its batch to fill, milliseconds. */
  maxWaitMs: number;
  /** Least seconds a request must have left before its deadline when its batch is sent (default 120). */
  deadlineMarginS?: number;
}

/** What a batch-receipt prover is given. */
export interface BatchProofInput {
  secret: bigint;
  identityCommitment: bigint;
  /** `batchCommitment(chainId, escrow, provider, jobsRoot, jobCount)`: the proof's public signal. */
  commitment: bigint;
  provider: Address;
  jobsRoot: Hex;
  leaves: BatchLeaf[];
}

/** Proves a batch receipt: the proof as the 8 words `settleBatch` takes. */
export type BatchProver = (input: BatchProofInput) => Promise<bigint[]>;

/** The SDK's batch-receipt prover (`batch_receipt.circom`). */
export const defaultBatchProver: BatchProver = async ({ secret, commitment }) => [
  ...(await proveBatchReceipt(secret, { commitment })).calldata,
];

/** One batch this miner settled. */
export interface SettledBatchRecord {
  batchId: string;
  jobs: number;
  /** Batch-receipt proving time, ms. */
  proveMs: number;
  gas: bigint;
  txHash: Hex;
}

/** Whether a batch should be sent now: `size` answered jobs, or the oldest waited `maxWaitMs`. */
export function batchDue(ctx: MinerContext, settings: BatchSettings): boolean {
  const ready = ctx.journal.inState("batch", "inferred");
  if (ready.length === 0) return false;
  if (ready.length >= settings.size) return true;
  const oldest = Math.min(...ready.map((e) => e.timings?.inferredAt ?? 0));
  return Date.now() - oldest >= settings.maxWaitMs;
}

const inputOf = (e: JournalEntry): BatchJobInput => ({
  request: requestOf(e),
  signature: e.signature as Hex,
  outputHash: e.outputHash as Hex,
  tokenCount: BigInt(e.tokenCount!),
  ...(e.inference ? { inference: e.inference as Hex } : {}),
});

/** Drops the jobs `settleBatch` would refuse (journaled); returns the rest. */
async function screen(ctx: MinerContext, settings: BatchSettings, entries: JournalEntry[]) {
  const margin = settings.deadlineMarginS ?? 120;
  const all = entries.map(inputOf);
  const { accepted, problems } = await checkBatchJobs(ctx.account.public, {
    contracts: ctx.account.contracts,
    provider: ctx.account.address,
    jobs: all,
    minDeadline: BigInt((await ctx.account.now()) + margin),
  });
  for (const p of problems) {
    const e = entries[p.index]!;
    if (p.problem === "nonce-used") await reconcileBatchEntry(ctx, e, margin);
    else ctx.journal.record(e.jobId, "released", { reason: `refused before proving: ${p.details}` });
    ctx.log(`batch job ${e.jobId.slice(0, 10)}: not batched (${p.problem}: ${p.details})`);
  }
  return { batch: accepted.map((i) => entries[i]!), jobs: accepted.map((i) => all[i]!) };
}

/** Checks, proves and settles one batch of answered jobs. */
export async function settleOne(
  ctx: MinerContext,
  settings: BatchSettings,
  prover: BatchProver,
  entries: JournalEntry[],
): Promise<SettledBatchRecord | undefined> {
  const { batch, jobs } = await screen(ctx, settings, entries);
  if (jobs.length === 0) return undefined;
  const { contracts, address: provider } = ctx.account;
  const escrow = contracts.BatchEscrow!;
  const chainId = await ctx.account.chainId();
  const leaves = batchLeaves({ chainId, escrow, jobs });
  const jobsRoot = batchJobsRoot(leaves);
  const commitment = batchCommitment({ chainId: BigInt(chainId), escrow, provider, jobsRoot, jobCount: BigInt(jobs.length) }); // prettier-ignore
  const end = ctx.metrics.proofDuration.startTimer();
  const proof = await prover({ secret: ctx.secret, identityCommitment: identityCommitment(ctx.secret), commitment, provider, jobsRoot, leaves }); // prettier-ignore
  const proveMs = end() * 1000;
  const batchKey = randomBytes(8).toString("hex");
  for (const e of batch)
    ctx.journal.record(e.jobId, "proved", { batchKey, timings: { batchProveMs: proveMs } });
  const result = await ctx.account.send("settleBatch", (w) => settleBatch(w, { contracts, jobs, proof }));
  const batchId = result.batchId.toString();
  for (const [i, e] of batch.entries())
    ctx.journal.record(e.jobId, "submitted", {
      batchId,
      batchIndex: i.toString(),
      settledBlock: result.receipt.blockNumber.toString(),
      txHash: result.hash,
      challengeEnds: Number(result.challengeEnds),
      fee: (jobs[i]!.tokenCount * jobs[i]!.request.pricePerToken).toString(),
      timings: { settledAt: Date.now() },
    });
  ctx.log(`batch ${batchId}: ${batch.length} job(s) settled (${result.receipt.gasUsed} gas, proof ${Math.round(proveMs)} ms)`); // prettier-ignore
  return { batchId, jobs: batch.length, proveMs, gas: result.receipt.gasUsed, txHash: result.hash };
}

/** Journals the jobs of a paid batch as finalized (metrics once per job). */
function batchPaid(ctx: MinerContext, entries: JournalEntry[], data: Partial<JournalEntry>): void {
  for (const e of entries) {
    if (e.state === "finalized") continue;
    ctx.journal.record(e.jobId, "finalized", { ...data, timings: { finalizedAt: Date.now() } });
    ctx.metrics.jobs.inc({ outcome: "settled" });
    if (e.fee) addWei(ctx.metrics.earningsWei, BigInt(e.fee));
    if (e.timings?.acceptedAt) ctx.metrics.jobDuration.observe((Date.now() - e.timings.acceptedAt) / 1000);
  }
}

/**
 * Finalizes the settled batches whose journaled window ended by `now` (chain time): one read and one
 * transaction per due batch, nothing for batches still waiting.
 * @returns Batches finalized.
 */
export async function finalizeDueBatches(ctx: MinerContext, now: number): Promise<number> {
  const { contracts, public: client } = ctx.account;
  const byBatch = new Map<string, JournalEntry[]>();
  for (const e of ctx.journal.due("batch", now))
    if (e.batchId) byBatch.set(e.batchId, [...(byBatch.get(e.batchId) ?? []), e]);
  let finalized = 0;
  for (const [id, entries] of byBatch) {
    if (ctx.stopping()) break;
    const batchId = BigInt(id);
    const before = await getBatch(client, { contracts, batchId });
    if (before.status === "Submitted" && Number(before.challengeEnds) > now) continue;
    let txHash: Hex | undefined;
    if (before.status === "Submitted") {
      try {
        ({ hash: txHash } = await ctx.account.send("finalizeBatch", (w) =>
          finalizeBatch(w, { contracts, batchId }),
        ));
      } catch (error) {
        if ((await getBatch(client, { contracts, batchId })).status !== "Finalized") {
          ctx.note(`batch ${id}: finalize failed: ${revertName(error) ?? (error as Error).message}`, "rpc");
          continue;
        }
      }
    }
    batchPaid(ctx, ctx.journal.ofBatch(id).filter((e) => e.state === "submitted" && e.dispute !== "lost"), txHash ? { txHash } : { reason: "finalized by someone else" }); // prettier-ignore
    finalized++;
    ctx.log(`batch ${id}: finalized (${entries.length} job(s))`);
  }
  return finalized;
}
