/**
 * The miner's batch path (`BatchEscrow`), served at `POST /v1/batch-requests`: a consumer-signed
 * `BatchJobRequest` with its payload is checked before any token (`batch/accept.ts`), archived and
 * journaled, answered with the tokens streamed as they are generated, and — after `done` — settled with
 * other answered jobs in one `settleBatch` (`batch/settle.ts`); finalized when the journaled window has
 * passed; disputes revealed (`batch/disputes.ts`). Idempotent on the request digest: a second post of
 * the same request follows (or replays) the same stream.
 *
 * Crash safety: every step is journaled before the next (`claimed` → `inferred` → `proved` in attempt
 * `batchKey` → `submitted` in `batchId` → `finalized`). On start every unfinished job is reconciled with
 * the chain (`batch/reconcile.ts`): the escrow's nonce bitmap refuses a second settlement of any request,
 * so no job is lost and none is settled twice.
 */
import type { Hex } from "viem";

import {
  batchJobKey,
  getBatchWithdrawable,
  getModelChecker,
  hashBatchJobRequest,
  inferenceEvidence,
  withdrawBatchEarnings,
} from "@aitbc/sdk";
import { BackendError, type InferenceResult } from "../backends/backend.js";
import { HttpError } from "../shared/http.js";
import { outputHash, type JobPayload } from "../shared/protocol.js";
import type { BatchRequestBody } from "../shared/provider-api.js";
import { revertName } from "./account.js";
import { checkBatchRequest, recordAccepted } from "./batch/accept.js";
import { onBatchLogs, revealOpenDisputes } from "./batch/disputes.js";
import { reconcileBatchEntry, requestOf } from "./batch/reconcile.js";
import {
  batchDue,
  finalizeDueBatches,
  settleOne,
  type BatchProver,
  type BatchSettings,
  type SettledBatchRecord,
} from "./batch/settle.js";
import type { MinerContext } from "./context.js";
import { runJob } from "./embedding.js";
import type { JobStream } from "./streams.js";
import { doneEvent } from "./jobs.js";
import { replayAnswer } from "./replay.js";

export type { BatchSettings, BatchProver, SettledBatchRecord };
export { defaultBatchProver } from "./batch/settle.js";
export { onBatchLogs };

/**
 * Builds the proof-of-inference evidence of one batch job of a model with a checker (or undefined when
 * the model has none): `abi.encode(bytes prompt, uint256[8] proof)` bound to `jobKey`.
 */
export type InferenceEvidenceBuilder = (job: {
  payload: JobPayload;
  modelDigest: Hex;
  jobKey: bigint;
  output: string;
}) => Promise<Hex | undefined>;

/** The batch path: accepts signed requests, answers them, settles, finalizes and reveals (see the module). */
export class BatchSettler {
  readonly batches: SettledBatchRecord[] = [];
  readonly requests = { accepted: 0, refused: 0 };
  finalized = 0;
  revealed = 0;
  earningsWithdrawn = 0n;
  private readonly inflight = new Set<string>();
  private readonly retryAt = new Map<string, number>();
  private readonly attempts = new Map<string, number>();
  private readonly accepting = new Map<string, Promise<JobStream>>();
  private settling?: Promise<void>;

  constructor(
    readonly ctx: MinerContext,
    readonly settings: BatchSettings,
    private readonly prover: BatchProver,
    private readonly evidence?: InferenceEvidenceBuilder,
  ) {
    if (!Number.isInteger(settings.size) || settings.size < 1 || settings.size > 256)
      throw new Error(`batch size must be an integer in [1, 256], got ${settings.size}`);
  }

  /** Batch jobs accepted but not yet answered. */
  get awaitingInference(): number {
    return this.ctx.journal.inState("batch", "claimed").length;
  }

  /**
   * Accepts a signed request (or finds the one already accepted) and returns its stream.
   * @throws {HttpError} 4xx refusal, before any token.
   */
  async accept(body: BatchRequestBody): Promise<JobStream> {
    const { account } = this.ctx;
    const digest = hashBatchJobRequest({ chainId: await account.chainId(), escrow: account.contracts.BatchEscrow!, request: body.request }).toLowerCase() as Hex; // prettier-ignore
    const pending = this.accepting.get(digest);
    if (pending) return pending;
    if (this.ctx.journal.get(digest)) return this.streamOf(digest);
    const p = checkBatchRequest(this.ctx, body, this.settings.maxWaitMs).then(
      (key) => {
        if (!this.ctx.journal.get(key)) {
          recordAccepted(this.ctx, key, body);
          this.requests.accepted++;
          this.ctx.log(`batch request ${key.slice(0, 10)}: accepted`);
        }
        return this.streamOf(key);
      },
      (error: unknown) => {
        this.requests.refused++;
        this.ctx.metrics.jobs.inc({ outcome: "refused" });
        throw error;
      },
    );
    this.accepting.set(digest, p);
    return p.finally(() => this.accepting.delete(digest));
  }

  /** The stream of a journaled job: live, or replayed from the journal once answered. */
  private streamOf(key: string): JobStream {
    const live = this.ctx.streams.get(key);
    if (live) return live;
    const entry = this.ctx.journal.get(key)!;
    if (entry.state === "released") throw new HttpError(409, "conflict", `request ${key} was released: ${entry.reason ?? ""}`); // prettier-ignore
    const stream = this.ctx.streams.open(key);
    if (entry.output !== undefined) {
      const bytes = this.ctx.archive.bytes(key as Hex, "payload");
      replayAnswer(stream, bytes ? new TextDecoder().decode(bytes) : undefined, doneEvent(key, entry.output, entry.tokenCount ?? 0)); // prettier-ignore
    } else this.schedule(key);
    return stream;
  }

  private schedule(key: string): void {
    if (this.inflight.has(key) || this.ctx.stopping()) return;
    this.inflight.add(key);
    void this.infer(key)
      .then(() => this.attempts.delete(key))
      .catch((error: unknown) => {
        const transient = !(error instanceof BackendError) || error.transient;
        const attempt = (this.attempts.get(key) ?? 0) + 1;
        this.attempts.set(key, attempt);
        const delay = Math.min(30_000, 500 * 2 ** (attempt - 1));
        const message = (error as Error).message.split("\n")[0]!;
        this.ctx.note(`batch job ${key.slice(0, 10)}: ${message}${transient ? ` — will retry in ${(delay / 1000).toFixed(1)} s` : " — released"}`, "backend"); // prettier-ignore
        if (!transient) {
          this.ctx.journal.record(key, "released", { reason: message });
          this.ctx.streams.get(key)?.push({ type: "error", error: message });
          this.ctx.metrics.jobs.inc({ outcome: "failed" });
        } else this.retryAt.set(key, Date.now() + delay);
      })
      .finally(() => this.inflight.delete(key));
  }

  /** Streams the answer, archives the output, journals `inferred`, then sends `done`. */
  private async infer(key: string): Promise<void> {
    const entry = this.ctx.journal.get(key);
    if (entry?.state !== "claimed" || this.ctx.stopping()) return;
    const r = requestOf(entry);
    const bytes = this.ctx.archive.bytes(key as Hex, "payload");
    if (!bytes) throw new BackendError(`the payload of request ${key} is not in the archive`, false);
    const payloadText = new TextDecoder().decode(bytes);
    const jobKey = batchJobKey(key as Hex);
    const result = await runJob(this.ctx, { key, jobKey, modelDigest: r.modelDigest, payloadText, maxTokens: Number(r.maxTokens) }); // prettier-ignore
    const tokens = Math.max(1, Math.min(result.tokenCount, Number(r.maxTokens)));
    const payload = JSON.parse(payloadText) as JobPayload;
    const evidence = this.evidence
      ? await this.evidence({ payload, modelDigest: r.modelDigest, jobKey, output: result.output })
      : await this.checkerEvidence(r.modelDigest, payloadText, result.inferenceProof);
    this.ctx.archive.put(key as Hex, { output: result.output });
    this.ctx.journal.record(key, "inferred", {
      output: result.output,
      outputHash: outputHash(result.output),
      tokenCount: tokens,
      ...(evidence ? { inference: evidence } : {}),
      timings: { inferenceMs: result.durationMs, inferredAt: Date.now() },
    });
    this.ctx.streams.open(key).push(doneEvent(key, result.output, tokens));
  }

  /** The checker's evidence when the policy names one for the model; undefined otherwise. */
  private async checkerEvidence(
    modelDigest: Hex,
    payloadText: string,
    proof: InferenceResult["inferenceProof"],
  ) {
    const { public: client, contracts } = this.ctx.account;
    const { checker } = await getModelChecker(client, { contracts, escrow: "BatchEscrow", modelDigest });
    if (!checker) return undefined;
    if (!proof) throw new BackendError(`model ${modelDigest} needs a proof of inference and the backend gave none`, false); // prettier-ignore
    return inferenceEvidence(payloadText, proof.calldata);
  }

  /** One poll: retries, a batch if due, open disputes, due finalizations, withdrawal. */
  async tick(now: number): Promise<void> {
    for (const e of this.ctx.journal.inState("batch", "claimed"))
      if (!this.inflight.has(e.jobId) && (this.retryAt.get(e.jobId) ?? 0) <= Date.now())
        this.schedule(e.jobId);
    if (batchDue(this.ctx, this.settings)) this.settling ??= this.settleDue().finally(() => (this.settling = undefined)); // prettier-ignore
    this.revealed += await revealOpenDisputes(this.ctx, now);
    this.finalized += await finalizeDueBatches(this.ctx, now);
    await this.withdraw();
  }

  /** Withdraws batch earnings when the escrow holds some. */
  private async withdraw(): Promise<void> {
    const { public: client, contracts, address } = this.ctx.account;
    const credit = await getBatchWithdrawable(client, { contracts, account: address });
    if (credit === 0n || this.ctx.stopping()) return;
    const { amount } = await this.ctx.account.send("withdraw (batch)", (w) =>
      withdrawBatchEarnings(w, { contracts }),
    );
    this.earningsWithdrawn += amount;
  }

  /** Waits for the batch being sent, if any. */
  async idle(): Promise<void> {
    while (this.settling) await this.settling;
  }

  private async settleDue(): Promise<void> {
    while (!this.ctx.stopping() && batchDue(this.ctx, this.settings)) {
      const ready = this.ctx.journal
        .inState("batch", "inferred")
        .sort((a, b) => (a.timings?.inferredAt ?? 0) - (b.timings?.inferredAt ?? 0))
        .slice(0, this.settings.size);
      try {
        const record = await settleOne(this.ctx, this.settings, this.prover, ready);
        if (record) this.batches.push(record);
      } catch (error) {
        this.ctx.note(`batch of ${ready.length}: ${revertName(error) ?? (error as Error).message.split("\n")[0]}`, "rpc"); // prettier-ignore
        for (const e of ready) await this.reconcileEntry(this.ctx.journal.get(e.jobId)!);
        return;
      }
    }
  }

  /** See `batch/reconcile.ts`. */
  reconcileEntry(entry: Parameters<typeof reconcileBatchEntry>[1]): Promise<void> {
    return reconcileBatchEntry(this.ctx, entry, this.settings.deadlineMarginS ?? 120);
  }

  /** Reconciles every unfinished batch job with the chain (at start). */
  async reconcile(): Promise<void> {
    for (const e of this.ctx.journal.open("batch")) await this.reconcileEntry(e);
  }
}
