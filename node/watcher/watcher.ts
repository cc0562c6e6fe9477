/**
 * A watcher: anyone with an account holding AITBC for dispute bonds and an inference backend can run one
 * (the coordinator runs one too). It follows `ResultSubmitted` (JobEscrow) and `BatchJobSettled`
 * (BatchEscrow) by events from a cursor in the node's SQLite store (`followLogs`), applies the public
 * sampling rule (`isSampled`: seed = hash of the block that included the result, rate = the policy's
 * `sampleRateBps`), and for every sampled job:
 * 1. fetches the prompt payload and the output from the provider's and the consumer's archives (and any
 *    other source), keeping only bytes whose keccak256 equals the on-chain `promptHash` / `outputHash`;
 * 2. re-executes the payload deterministically (same model digest, the payload's seed, temperature 0,
 *    the job's token limit) on its own backend;
 * 3. disputes when the output hash OR the token count differs, or when nobody serves the data (the
 *    provider then loses the batch dispute by `claimWithheld` unless someone reveals the data on-chain;
 *    a JobEscrow dispute goes to the council).
 * Every check is stored once (a restart neither re-checks nor re-disputes); a dispute another watcher
 * filed first is recorded with the escrow's custom error. Jobs of a model with a full proof of inference
 * (`checkerOf(modelDigest) ≠ 0`) are not re-executed: the chain already refused any wrong answer.
 */
import type { Address } from "viem";

import { batchEscrowAbi, isSampled, jobEscrowAbi, type AitbcContracts } from "@aitbc/sdk";
import type { InferenceBackend } from "../backends/backend.js";
import { retrieveJobData, type ArchiveSource } from "../archive/client.js";
import { followLogs, type FollowedLog, type Follower } from "../shared/follow.js";
import type { Store } from "../shared/store.js";
import { claimDue, fileDispute } from "./dispute.js";
import { describeError } from "./errors.js";
import { batchMaxTokens, isOpen, isProven, sampleRateBps } from "./policy.js";
import { reexecute } from "./reexecute.js";
import { batchResults, jobResults } from "./results.js";
import type { ChainSigner } from "./signer.js";
import { WatcherState, type StoredCheck } from "./state.js";
import type { WatchCheck, WatchedJob } from "./types.js";

export type { CheckOutcome, WatchCheck, WatchedJob } from "./types.js";
export { DEFAULT_SAMPLE_RATE_BPS } from "./policy.js";

/** Options of {@link Watcher}. */
export interface WatcherOptions {
  /** The disputer's account (holds AITBC for bonds) and reads. */
  signer: ChainSigner;
  /** `JobEscrow` and/or `BatchEscrow` (each followed if present), `MarketPolicy`, `AITBCToken`. */
  contracts: AitbcContracts;
  /** Re-execution backends by model digest (lower-case hex). */
  backends: Map<string, { model: string; backend: InferenceBackend }>;
  /** Where to fetch a job's data (the provider's and the consumer's archives first). */
  sources: (job: WatchedJob) => readonly ArchiveSource[] | Promise<readonly ArchiveSource[]>;
  /** Checks, pending claims and the followers' cursors (`watcher:JobEscrow`, `watcher:BatchEscrow`). */
  store: Store;
  /** Re-execute at this rate instead of the policy's (bps, 0–10,000; same draw, a superset). */
  sampleRateBps?: number;
  /** Dispute jobs whose data nobody serves (default true). */
  disputeWithheld?: boolean;
  /** First block read when the store has no cursor yet (default 0). */
  fromBlock?: bigint;
  /** How often to look for new blocks, ms (default 1 000). */
  pollingIntervalMs?: number;
  /** Most blocks per log query (default the follower's, 2 000). */
  maxBlockRange?: bigint;
  /** Called after each stored check. */
  onCheck?: (check: WatchCheck) => void;
  log?: (line: string) => void;
}

/**
 * The watcher (see the module's description).
 *
 * @example
 * ```ts
 * const watcher = new Watcher({ signer, contracts, backends, store: openStore("watcher.sqlite"),
 *   sources: (job) => [httpArchiveSource(minerUri)] });
 * watcher.start();
 * await watcher.caughtUp();
 * watcher.checks(); // every check, from the store
 * await watcher.stop();
 * ```
 */
export class Watcher {
  /** The stored state (checks, pending withheld claims). */
  readonly state: WatcherState;
  private followers: Follower[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly log: (line: string) => void;

  /** @param options See {@link WatcherOptions}. */
  constructor(readonly options: WatcherOptions) {
    this.state = new WatcherState(options.store);
    this.log = options.log ?? ((line) => console.log(`[watcher] ${line}`));
  }

  /** Every check made (this run and earlier runs on the same store), oldest first. */
  checks(provider?: Address): StoredCheck[] {
    return this.state.checks(provider);
  }

  /** The checks that filed a dispute. */
  disputes(): StoredCheck[] {
    return this.checks().filter((c) => c.dispute !== undefined);
  }

  /** Starts following the escrows' result events. */
  start(): void {
    const { contracts, signer, store } = this.options;
    const common = { client: signer.public, store, fromBlock: this.options.fromBlock, pollingIntervalMs: this.options.pollingIntervalMs ?? 1_000, maxBlockRange: this.options.maxBlockRange, onError: (e: unknown) => this.log(`follow failed: ${describeError(e)}`) }; // prettier-ignore
    if (contracts.JobEscrow)
      this.followers.push(followLogs({ ...common, address: contracts.JobEscrow, abi: jobEscrowAbi, eventNames: ["ResultSubmitted"], cursorKey: "watcher:JobEscrow", onLogs: (logs) => this.serial(() => this.onJobLogs(logs)) })); // prettier-ignore
    if (contracts.BatchEscrow)
      this.followers.push(followLogs({ ...common, address: contracts.BatchEscrow, abi: batchEscrowAbi, eventNames: ["BatchJobSettled"], cursorKey: "watcher:BatchEscrow", onLogs: (logs) => this.serial(() => this.onBatchLogs(logs)) })); // prettier-ignore
  }

  /** Resolves once every result up to the current head has been checked. */
  async caughtUp(): Promise<void> {
    await Promise.all(this.followers.map((f) => f.caughtUp()));
  }

  /** Stops following (waits for the check in progress). */
  async stop(): Promise<void> {
    await Promise.all(this.followers.map((f) => f.stop()));
    this.followers = [];
    await this.queue.catch(() => undefined);
  }

  /** Claims due withheld batch disputes (call it periodically; the coordinator does). */
  claimDue(): Promise<void> {
    return this.serial(() => claimDue(this.options.signer, this.options.contracts, this.state, this.log));
  }

  /** The rate the rule applies now (bps). */
  sampleRateBps(): Promise<number> {
    return sampleRateBps(this.options.signer.public, this.options.contracts, this.options.sampleRateBps);
  }

  /** Checks and stores jobs not checked before; a "failed" check throws (the logs are re-delivered). */
  async handle(jobs: readonly WatchedJob[]): Promise<void> {
    for (const job of jobs) {
      if (this.state.has(job)) continue;
      const check = await this.check(job);
      if (check.outcome === "failed") throw new Error(`job ${job.jobKey}: ${check.reason}`);
      this.state.record(check);
      if (check.dispute === undefined && check.disputeError) this.log(`${what(job)}: dispute not filed (${check.disputeError})`); // prettier-ignore
      this.options.onCheck?.(check);
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async onJobLogs(logs: FollowedLog[]): Promise<void> {
    await this.handle(await jobResults(this.options.signer.public, this.options.contracts, logs));
  }

  private async onBatchLogs(logs: FollowedLog[]): Promise<void> {
    await this.handle(await batchResults(this.options.signer.public, this.options.contracts, logs));
  }

  /** Checks one job: sample, fetch, re-execute, dispute. Never throws (outcome "failed" instead). */
  async check(job: WatchedJob): Promise<WatchCheck> {
    const { signer, contracts } = this.options;
    try {
      const rate = await this.sampleRateBps();
      if (!isSampled({ seed: job.seed, jobKey: job.jobKey, sampleRateBps: rate }))
        return { job, outcome: "not-sampled" };
      if (await isProven(signer.public, contracts, job)) return { job, outcome: "proven" };
      if (!(await isOpen(signer.public, contracts, job))) return { job, outcome: "closed" };
      const sources = await this.options.sources(job);
      const data = await retrieveJobData(sources, job);
      if (!data.payload || !data.output) {
        const reason = `${!data.payload ? "payload" : "output"} not served${data.mismatched.length ? ` (wrong bytes from ${data.mismatched.join(", ")})` : ""}`; // prettier-ignore
        if (this.options.disputeWithheld === false) return { job, outcome: "withheld", reason };
        return { job, outcome: "withheld", reason, ...(await this.dispute(job, reason)) };
      }
      const verifier = this.options.backends.get(job.modelDigest.toLowerCase());
      if (!verifier) return { job, outcome: "no-backend", reason: `no backend for model ${job.modelDigest}` };
      if (job.kind === "batch") job.maxTokens = await batchMaxTokens(signer.public, contracts, job, sources);
      const verdict = await reexecute(job, data.payload.text, verifier);
      if (verdict.outcome === "match") return { job, ...verdict };
      return { job, ...verdict, ...(await this.dispute(job, verdict.reason!)) };
    } catch (error) {
      return { job, outcome: "failed", reason: describeError(error) };
    }
  }

  private async dispute(
    job: WatchedJob,
    reason: string,
  ): Promise<Pick<WatchCheck, "dispute" | "disputeError">> {
    const result = await fileDispute(this.options.signer, this.options.contracts, job);
    if (result.dispute !== undefined) {
      if (job.kind === "batch") this.state.addClaim(job.batchId!, job.index!);
      this.log(`${what(job)} of ${job.provider}: ${reason}; dispute filed`);
      return { dispute: result.dispute };
    }
    return { disputeError: result.disputeError };
  }
}

function what(job: WatchedJob): string {
  return job.kind === "job" ? `job ${job.jobId}` : `batch ${job.batchId} job ${job.index}`;
}
