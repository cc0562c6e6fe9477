/**
 * `JobEscrow` jobs served through the miner's API (the quote path): a consumer opened a job assigned to
 * this miner (by one of its quotes) and uploads the prompt to `POST /v1/jobs/<jobId>/prompt`. The miner
 * checks on-chain that the job exists (404), is assigned to it (403), is still `Claimed` (409) and that
 * `keccak256(body)` is the job's prompt hash (400); then it archives the payload, journals the job as
 * `claimed`, streams the tokens as the backend generates them, journals the answer (`inferred`) and
 * sends `done` — and only then proves and submits the receipt ({@link settleJob}). Uploads are
 * idempotent: a second one follows (or replays) the same stream; the inference runs once.
 */
import { keccak256, stringToHex, type Hex } from "viem";

import { getJob, inferenceEvidence, jobKeyOfJobId } from "@aitbc/sdk";
import { BackendError } from "../backends/backend.js";
import { HttpError } from "../shared/http.js";
import { outputHash } from "../shared/protocol.js";
import type { MinerContext } from "./context.js";
import { parseAnyPayload, runJob } from "./embedding.js";
import { replayAnswer } from "./replay.js";
import { settleJob } from "./settle.js";
import { JobStream } from "./streams.js";
import type { QuoteDesk } from "./quotes.js";

/** Per-job retries (backoff) and the jobs being driven. */
export class JobRunner {
  private readonly inflight = new Set<string>();
  private readonly retryAt = new Map<string, number>();
  private readonly attempts = new Map<string, number>();
  private readonly accepting = new Map<string, Promise<JobStream>>();

  constructor(
    private readonly ctx: MinerContext,
    private readonly quotes: QuoteDesk,
  ) {}

  /** Jobs accepted and not yet answered. */
  get awaitingInference(): number {
    return this.ctx.journal.inState("job", "claimed").length;
  }

  /**
   * Accepts the prompt upload of job `jobId` (or finds the one already accepted) and returns its stream.
   *
   * @throws {HttpError} 400 (not the job's prompt / malformed), 403 (not ours), 404 (no such job), 409.
   */
  upload(jobId: bigint, body: string): Promise<JobStream> {
    const key = jobId.toString();
    const pending = this.accepting.get(key);
    if (pending) return pending;
    const p = this.accept(jobId, body).finally(() => this.accepting.delete(key));
    this.accepting.set(key, p);
    return p;
  }

  private async accept(jobId: bigint, body: string): Promise<JobStream> {
    const key = jobId.toString();
    const known = this.ctx.journal.get(key);
    if (known) return this.streamOf(key);
    const job = await getJob(this.ctx.account.public, { contracts: this.ctx.account.contracts, jobId });
    if (job.status === "None") throw new HttpError(404, "not_found", `job ${jobId} does not exist`);
    if (job.provider.toLowerCase() !== this.ctx.account.address.toLowerCase())
      throw new HttpError(403, "forbidden", `job ${jobId} is not assigned to ${this.ctx.account.address}`);
    if (job.status !== "Claimed")
      throw new HttpError(409, "conflict", `job ${jobId} is ${job.status}, not Claimed`);
    if (keccak256(stringToHex(body)).toLowerCase() !== job.promptHash.toLowerCase())
      throw new HttpError(400, "bad_request", `keccak256 of the body is not the prompt hash ${job.promptHash} of job ${jobId}`); // prettier-ignore
    try {
      parseAnyPayload(body);
    } catch (e) {
      throw new HttpError(400, "bad_request", (e as Error).message);
    }
    const model = this.ctx.models.get(job.modelDigest.toLowerCase());
    if (!model) throw new HttpError(409, "conflict", `model ${job.modelDigest} is not served here`);
    this.ctx.archive.put(jobKeyOfJobId(jobId), { payload: body });
    this.ctx.journal.record(key, "claimed", {
      model,
      promptHash: job.promptHash,
      timings: { acceptedAt: Date.now() },
    });
    this.quotes.release(job.promptHash);
    this.ctx.log(`job ${key}: prompt accepted`);
    return this.streamOf(key);
  }

  /** The stream of a journaled job: live, or replayed from the journal when it is already answered. */
  private streamOf(key: string): JobStream {
    const entry = this.ctx.journal.get(key)!;
    const live = this.ctx.streams.get(key);
    if (live) return live;
    if (entry.state === "released") throw new HttpError(409, "conflict", `job ${key} was released: ${entry.reason ?? ""}`); // prettier-ignore
    const stream = this.ctx.streams.open(key);
    if (entry.output !== undefined) {
      const done = doneEvent(key, entry.output, entry.tokenCount ?? 0);
      const bytes = this.ctx.archive.bytes(done.jobKey, "payload");
      replayAnswer(stream, bytes ? new TextDecoder().decode(bytes) : undefined, done);
    } else this.schedule(key);
    return stream;
  }

  /** Drives open jobs that are not running and not waiting out a retry backoff (each poll). */
  tick(): void {
    for (const state of ["claimed", "inferred", "proved"] as const)
      for (const e of this.ctx.journal.inState("job", state))
        if (!this.inflight.has(e.jobId) && (this.retryAt.get(e.jobId) ?? 0) <= Date.now()) this.schedule(e.jobId); // prettier-ignore
  }

  /** Answers, then proves and submits, one job (in an inference slot, then a settlement slot). */
  schedule(key: string): void {
    if (this.inflight.has(key) || this.ctx.stopping()) return;
    this.inflight.add(key);
    const drive = async () => {
      if (this.ctx.journal.get(key)?.state === "claimed") await this.infer(key);
      const state = this.ctx.journal.get(key)?.state;
      if (state === "inferred" || state === "proved")
        await this.ctx.settleLimit(() => settleJob(this.ctx, key));
    };
    void drive()
      .then(() => this.attempts.delete(key))
      .catch((error: unknown) => this.failed(key, error))
      .finally(() => this.inflight.delete(key));
  }

  private failed(key: string, error: unknown): void {
    const transient = !(error instanceof BackendError) || error.transient;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const delay = Math.min(30_000, 500 * 2 ** (attempt - 1));
    const message = (error as Error).message.split("\n")[0];
    this.ctx.note(`job ${key}: ${message}${transient ? ` — will retry in ${(delay / 1000).toFixed(1)} s` : " — released"}`, error instanceof BackendError ? "backend" : "rpc"); // prettier-ignore
    if (!transient) {
      this.ctx.journal.record(key, "released", { reason: message });
      this.ctx.streams.get(key)?.push({ type: "error", error: message ?? "failed" });
      this.ctx.metrics.jobs.inc({ outcome: "failed" });
    } else this.retryAt.set(key, Date.now() + delay);
  }

  /** Streams the answer, archives the output, journals `inferred`, then sends `done`. */
  private async infer(key: string): Promise<void> {
    const entry = this.ctx.journal.get(key)!;
    const id = BigInt(key);
    const bytes = this.ctx.archive.bytes(jobKeyOfJobId(id), "payload");
    if (!bytes) throw new BackendError(`the payload of job ${key} is not in the archive`, false);
    const payloadText = new TextDecoder().decode(bytes);
    const job = await getJob(this.ctx.account.public, { contracts: this.ctx.account.contracts, jobId: id });
    const result = await runJob(this.ctx, {
      key,
      jobKey: id,
      modelDigest: job.modelDigest,
      payloadText,
      maxTokens: Number(job.maxTokens),
    });
    const tokens = Math.max(1, Math.min(result.tokenCount, Number(job.maxTokens)));
    this.ctx.archive.put(jobKeyOfJobId(id), { output: result.output });
    this.ctx.journal.record(key, "inferred", {
      model: entry.model,
      output: result.output,
      outputHash: outputHash(result.output),
      tokenCount: tokens,
      ...(result.inferenceProof ? { inference: inferenceEvidence(payloadText, result.inferenceProof.calldata) } : {}), // prettier-ignore
      timings: { inferenceMs: result.durationMs, inferredAt: Date.now() },
    });
    this.ctx.streams.open(key).push(doneEvent(key, result.output, tokens));
  }
}

/** The `done` event of a `JobEscrow` job. */
export function doneEvent(key: string, output: string, tokenCount: number) {
  const jobKey = (key.startsWith("0x") ? key : jobKeyOfJobId(BigInt(key))) as Hex;
  return { type: "done" as const, jobKey, output, outputHash: outputHash(output), tokenCount };
}
