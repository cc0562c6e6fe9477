/**
 * Settlement of `JobEscrow` jobs after their answer was streamed: the receipt proof, `submitResult`
 * (or `submitInferenceResult` for a model with a checker), then — once the challenge window journaled
 * with the submission has passed — `finalizeJob`. Nothing polls jobs waiting out their window: the
 * journal's `challengeEnds` says when a job is due ({@link finalizeDueJobs}), and the escrow's events
 * (followed from a cursor, {@link onEscrowLogs}) say when one is disputed, settled or refunded.
 */
import { decodeAbiParameters, hexToBytes, type Hex } from "viem";

import { finalizeJob, getJob, getModelChecker, proveReceipt, submitInferenceResult, submitResult, type Job } from "@aitbc/sdk"; // prettier-ignore
import { BackendError } from "../backends/backend.js";
import type { FollowedLog } from "../shared/follow.js";
import { addWei } from "../shared/metrics.js";
import { revertName } from "./account.js";
import type { MinerContext } from "./context.js";
import type { JournalEntry } from "./journal.js";

type Pair = [bigint, bigint];
type StoredProof = { a: [string, string]; b: [[string, string], [string, string]]; c: [string, string] };
const pair = ([x, y]: [string, string]): Pair => [BigInt(x), BigInt(y)];

/** The job if it is still ours to submit (Claimed by us); otherwise journals what happened. */
async function claimedJob(ctx: MinerContext, key: string): Promise<Job | undefined> {
  const job = await getJob(ctx.account.public, { contracts: ctx.account.contracts, jobId: BigInt(key) });
  const mine = job.provider.toLowerCase() === ctx.account.address.toLowerCase();
  if (mine && job.status === "Claimed") return job;
  if (mine && (job.status === "Submitted" || job.status === "Disputed"))
    ctx.journal.record(key, "submitted", {
      challengeEnds: Number(job.challengeEnds),
      ...(job.status === "Disputed" ? { dispute: "open" as const } : {}),
      reason: "found submitted on-chain",
    });
  else if (mine && job.status === "Settled")
    ctx.journal.record(key, "finalized", { reason: "settled on-chain" });
  else ctx.journal.record(key, "released", { reason: `on-chain status ${job.status}` });
  return undefined;
}

/** Proves the receipt of an answered job (journal `proved`). */
async function prove(ctx: MinerContext, key: string, job: Job, entry: JournalEntry): Promise<JournalEntry> {
  const end = ctx.metrics.proofDuration.startTimer();
  const receipt = await proveReceipt(
    ctx.secret,
    {
      chainId: BigInt(await ctx.account.chainId()),
      escrow: ctx.account.contracts.JobEscrow!,
      jobId: BigInt(key),
      modelDigest: job.modelDigest,
      promptHash: job.promptHash,
      outputHash: entry.outputHash as Hex,
      tokenCount: BigInt(entry.tokenCount!),
      pricePerToken: job.pricePerToken,
    },
    { maxTokens: job.maxTokens },
  );
  const proveS = end();
  const { pA, pB, pC } = receipt.calldata;
  return ctx.journal.record(key, "proved", {
    nullifier: receipt.nullifier.toString(),
    proof: { a: pA, b: pB, c: pC },
    timings: { proveMs: proveS * 1000 },
  });
}

/** Sends the submission of a proved job; returns the challenge window's end (Unix s). */
async function submit(ctx: MinerContext, key: string, job: Job, entry: JournalEntry) {
  const p = entry.proof as StoredProof;
  const proof = {
    nullifier: BigInt(entry.nullifier!),
    calldata: { pA: pair(p.a), pB: [pair(p.b[0]), pair(p.b[1])] as [Pair, Pair], pC: pair(p.c) },
  };
  const { contracts } = ctx.account;
  const base = { contracts, jobId: BigInt(key), outputHash: entry.outputHash as Hex, tokenCount: BigInt(entry.tokenCount!), proof }; // prettier-ignore
  const { checker } = await getModelChecker(ctx.account.public, { contracts, escrow: "JobEscrow", modelDigest: job.modelDigest }); // prettier-ignore
  if (!checker) return ctx.account.send("submitResult", (w) => submitResult(w, base));
  if (!entry.inference)
    throw new BackendError(`job ${key}: model ${job.modelDigest} settles only with a proof of inference, and the backend gave none`, false); // prettier-ignore
  const [prompt, words] = decodeAbiParameters([{ type: "bytes" }, { type: "uint256[8]" }], entry.inference as Hex); // prettier-ignore
  const w = words as readonly bigint[];
  const inference = { calldata: { pA: [w[0]!, w[1]!] as Pair, pB: [[w[2]!, w[3]!], [w[4]!, w[5]!]] as [Pair, Pair], pC: [w[6]!, w[7]!] as Pair } }; // prettier-ignore
  const sent = await ctx.account.send("submitInferenceResult", (wallet) =>
    submitInferenceResult(wallet, { ...base, prompt: hexToBytes(prompt), inference }),
  );
  return sent as typeof sent & { challengeEnds?: bigint };
}

/**
 * Proves (unless journaled `proved`) and submits one answered job, journaling `submitted` with its
 * `challengeEnds`. A proof the escrow rejects sends the job back to `inferred` to be proved again.
 */
export async function settleJob(ctx: MinerContext, key: string): Promise<void> {
  if (ctx.stopping()) return;
  const job = await claimedJob(ctx, key);
  if (!job) return;
  let entry = ctx.journal.get(key)!;
  if (entry.state === "inferred") entry = await prove(ctx, key, job, entry);
  if (entry.state !== "proved") return;
  const t = performance.now();
  let sent;
  try {
    sent = await submit(ctx, key, job, entry);
  } catch (error) {
    const name = revertName(error);
    if (name === "EscrowInvalidProof" || name === "InferenceInvalidProof")
      ctx.journal.record(key, "inferred", { reason: "the escrow rejected the proof; proving again" });
    throw error;
  }
  let challengeEnds = Number((sent as { challengeEnds?: bigint }).challengeEnds ?? 0n);
  if (challengeEnds === 0) challengeEnds = Number((await getJob(ctx.account.public, { contracts: ctx.account.contracts, jobId: BigInt(key) })).challengeEnds); // prettier-ignore
  ctx.journal.record(key, "submitted", {
    txHash: sent.hash,
    challengeEnds,
    fee: (BigInt(entry.tokenCount!) * job.pricePerToken).toString(),
    timings: { submitMs: performance.now() - t, submittedAt: Date.now() },
  });
  const t0 = ctx.journal.get(key)!.timings ?? {};
  ctx.timings.push({ jobId: key, inferenceMs: t0.inferenceMs ?? 0, proveMs: t0.proveMs ?? 0, submitMs: t0.submitMs ?? 0, settleMs: t0.inferredAt && t0.submittedAt ? t0.submittedAt - t0.inferredAt : 0, tokens: entry.tokenCount ?? 0 }); // prettier-ignore
  ctx.log(`job ${key}: submitted (${entry.tokenCount} tokens); challengeable until ${challengeEnds}`);
}

/** Journals a job as paid (finalized): metrics, once. */
function paid(ctx: MinerContext, entry: JournalEntry, data: Partial<JournalEntry>): void {
  if (entry.state === "finalized") return;
  ctx.journal.record(entry.jobId, "finalized", { ...data, timings: { finalizedAt: Date.now() } });
  ctx.metrics.jobs.inc({ outcome: "settled" });
  if (entry.fee) addWei(ctx.metrics.earningsWei, BigInt(entry.fee));
  const accepted = entry.timings?.acceptedAt;
  if (accepted) ctx.metrics.jobDuration.observe((Date.now() - accepted) / 1000);
}

/**
 * Finalizes every submitted, undisputed job whose journaled window has ended by `now` (chain time):
 * one job read and one transaction per due job; nothing for jobs still waiting.
 */
export async function finalizeDueJobs(ctx: MinerContext, now: number): Promise<void> {
  const { contracts } = ctx.account;
  for (const entry of ctx.journal.due("job", now)) {
    if (ctx.stopping()) return;
    const jobId = BigInt(entry.jobId);
    try {
      const { hash } = await ctx.account.send("finalize", (w) => finalizeJob(w, { contracts, jobId }));
      paid(ctx, entry, { txHash: hash });
      ctx.log(`job ${entry.jobId}: finalized`);
    } catch (error) {
      const job = await getJob(ctx.account.public, { contracts, jobId });
      if (job.status === "Settled") paid(ctx, entry, { reason: "settled by someone else" });
      else if (job.status === "Disputed") ctx.journal.record(entry.jobId, "submitted", { dispute: "open" });
      else if (job.status === "Refunded") ctx.journal.record(entry.jobId, "released", { reason: "refunded" });
      else if (Number(job.challengeEnds) > now) ctx.journal.record(entry.jobId, "submitted", { challengeEnds: Number(job.challengeEnds) }); // prettier-ignore
      else ctx.note(`job ${entry.jobId}: finalize failed: ${revertName(error) ?? (error as Error).message}`, "rpc"); // prettier-ignore
    }
  }
}

/**
 * Handles `JobEscrow` events naming the miner's jobs (idempotent: a re-delivered range changes nothing):
 * `JobDisputed` → the job waits for the council (`dispute: "open"`, not finalized); `JobSettled` →
 * paid; `DisputeResolved` with the provider at fault → released (lost).
 */
export function onEscrowLogs(ctx: MinerContext, logs: FollowedLog[]): void {
  for (const log of logs) {
    const jobId = log.args.jobId as bigint | undefined;
    if (jobId === undefined) continue;
    const entry = ctx.journal.get(jobId.toString());
    if (!entry || entry.kind === "batch" || entry.state === "finalized" || entry.state === "released")
      continue;
    if (log.eventName === "JobDisputed" && !entry.dispute) {
      ctx.journal.record(entry.jobId, entry.state, { dispute: "open", reason: `disputed by ${String(log.args.disputer)}` }); // prettier-ignore
      ctx.log(`job ${entry.jobId}: disputed; waiting for the council`);
    } else if (log.eventName === "JobSettled") paid(ctx, entry, { reason: "JobSettled" });
    else if (log.eventName === "DisputeResolved" && log.args.providerAtFault === true) {
      ctx.journal.record(entry.jobId, "released", { dispute: "lost", reason: "dispute lost" });
      ctx.metrics.jobs.inc({ outcome: "slashed" });
    }
  }
}

/** At start: brings every open `JobEscrow` job of the journal in line with the chain (one read each). */
export async function reconcileJobs(ctx: MinerContext): Promise<void> {
  const { contracts } = ctx.account;
  for (const entry of ctx.journal.open("job")) {
    const job = await getJob(ctx.account.public, { contracts, jobId: BigInt(entry.jobId) });
    const mine = job.provider.toLowerCase() === ctx.account.address.toLowerCase();
    if (!mine || ["Refunded", "Open", "None"].includes(job.status))
      ctx.journal.record(entry.jobId, "released", { reason: `on-chain status ${job.status} at restart` });
    else if (job.status === "Settled") paid(ctx, entry, { reason: "settled on-chain before restart" });
    else if (job.status === "Submitted" || job.status === "Disputed")
      ctx.journal.record(entry.jobId, "submitted", {
        challengeEnds: Number(job.challengeEnds),
        ...(job.status === "Disputed" ? { dispute: "open" as const } : {}),
        reason: "submission found on-chain at restart",
      });
    else ctx.log(`job ${entry.jobId}: resuming from '${entry.state}' (on-chain ${job.status})`);
  }
}
