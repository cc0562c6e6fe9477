/**
 * Disputes of the miner's batch jobs: `BatchJobDisputed` events (followed from a cursor in the store)
 * naming one of its batches are journaled (`dispute: "open"`), and every open dispute is answered with
 * the SDK's `revealBatchJob` — request from the journal, the exact payload bytes and the output from the
 * archive, each checked against its hash — then journaled `revealed` (or `lost` once the reveal window
 * closed). The journal keeps open disputes, so a restarted miner still reveals: an honest miner never
 * loses a dispute by withholding.
 */
import { keccak256, toHex, type Address, type Hex } from "viem";

import { batchEscrowAbi, revealBatchJob, type BatchRevealRequest } from "@aitbc/sdk";
import type { FollowedLog } from "../../shared/follow.js";
import { revertName } from "../account.js";
import type { MinerContext } from "../context.js";
import type { JournalEntry } from "../journal.js";
import { requestOf } from "./reconcile.js";

/** `IBatchEscrow.DisputeStatus`: Open and ProviderAtFault. */
const DISPUTE_OPEN = 1;
const DISPUTE_PROVIDER_AT_FAULT = 3;

function disputeOf(ctx: MinerContext, batchId: bigint, index: bigint) {
  const { public: client, contracts } = ctx.account;
  return client.readContract({ address: contracts.BatchEscrow!, abi: batchEscrowAbi, functionName: "disputeOf", args: [batchId, index] }); // prettier-ignore
}

/** Journals each dispute of one of our batch jobs among `logs` (idempotent). */
export async function onBatchLogs(ctx: MinerContext, logs: FollowedLog[]): Promise<void> {
  for (const log of logs) {
    if (log.eventName !== "BatchJobDisputed") continue;
    const batchId = log.args.batchId as bigint;
    const index = log.args.index as bigint;
    if (ctx.journal.ofBatch(batchId.toString()).length === 0) continue; // not ours: no read
    const dispute = await disputeOf(ctx, batchId, index);
    const entry = ctx.journal.get(dispute.requestDigest.toLowerCase());
    if (!entry || entry.kind !== "batch" || entry.batchId !== batchId.toString() || entry.dispute) continue;
    ctx.journal.record(entry.jobId, entry.state, {
      dispute: "open",
      batchIndex: index.toString(),
      reason: `job ${index} of batch ${batchId} disputed by ${log.args.disputer as Address}`,
    });
    ctx.log(`batch ${batchId} job ${index}: disputed; revealing its data`);
  }
}

/** The exact payload bytes and the output text of a job, when the archive has both matching their hashes. */
function revealData(ctx: MinerContext, entry: JournalEntry, outputHash: Hex) {
  const payload = ctx.archive.bytes(entry.jobId as Hex, "payload");
  const r = requestOf(entry);
  if (!payload || keccak256(payload).toLowerCase() !== r.promptHash.toLowerCase()) return undefined;
  const output = entry.output ?? new TextDecoder().decode(ctx.archive.bytes(entry.jobId as Hex, "output"));
  if (keccak256(toHex(output)).toLowerCase() !== outputHash.toLowerCase()) return undefined;
  return { prompt: toHex(payload), output: toHex(output) };
}

/** Reveals one disputed job unless its dispute is no longer open; journals the outcome. */
async function reveal(ctx: MinerContext, entry: JournalEntry, now: number): Promise<void> {
  const batchId = BigInt(entry.batchId!);
  const index = BigInt(entry.batchIndex!);
  const dispute = await disputeOf(ctx, batchId, index);
  const status = Number(dispute.status);
  if (status !== DISPUTE_OPEN) {
    const lost = status === DISPUTE_PROVIDER_AT_FAULT;
    ctx.journal.record(entry.jobId, entry.state, { dispute: lost ? "lost" : "revealed", reason: `dispute status ${status} on-chain` }); // prettier-ignore
    return;
  }
  if (Number(dispute.revealDeadline) < now) {
    ctx.journal.record(entry.jobId, entry.state, { dispute: "lost", reason: `reveal window closed at ${dispute.revealDeadline}` }); // prettier-ignore
    ctx.note(
      `batch ${batchId} job ${index}: the reveal window closed before the miner could reveal`,
      "dispute",
    );
    return;
  }
  const data = revealData(ctx, entry, dispute.outputHash);
  if (!data) {
    ctx.note(`batch ${batchId} job ${index}: disputed, but the archive lacks the payload or output matching its hashes`, "dispute"); // prettier-ignore
    return;
  }
  const r = requestOf(entry);
  const request: BatchRevealRequest = { ...r, maxTokens: Number(r.maxTokens), deadline: Number(r.deadline) };
  const { contracts } = ctx.account;
  try {
    const { hash } = await ctx.account.send("revealBatchJob", (w) =>
      revealBatchJob(w, { contracts, batchId, index, request, prompt: data.prompt, output: data.output }),
    );
    ctx.journal.record(entry.jobId, entry.state, { dispute: "revealed", revealTx: hash });
    ctx.log(`batch ${batchId} job ${index}: revealed on-chain (${hash})`);
  } catch (error) {
    const name = revertName(error);
    if (name === "BatchRevealWindowClosed")
      ctx.journal.record(entry.jobId, entry.state, { dispute: "lost", reason: "reveal window closed" });
    else if (name !== "BatchWrongDisputeStatus")
      ctx.note(`batch ${batchId} job ${index}: reveal failed: ${name ?? (error as Error).message.split("\n")[0]}`, "dispute"); // prettier-ignore
  }
}

/** Reveals every open dispute of the journal (each poll; nothing to do when there is none). */
export async function revealOpenDisputes(ctx: MinerContext, now: number): Promise<number> {
  let revealed = 0;
  for (const e of ctx.journal.disputed()) {
    if (ctx.stopping() || e.kind !== "batch") continue;
    await reveal(ctx, e, now);
    if (ctx.journal.get(e.jobId)?.dispute === "revealed") revealed++;
  }
  return revealed;
}
