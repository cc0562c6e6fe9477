/**
 * A watcher: anyone with a staked account's bond and an inference backend can run one (the coordinator
 * runs one too). It follows `ResultSubmitted` (JobEscrow) and `BatchJobSettled` (BatchEscrow), applies the
 * public sampling rule (`IMarketPolicy.isSampled`: seed = hash of the block that included the result,
 * rate = the policy's `sampleRateBps`), and for every sampled job:
 * 1. fetches the prompt payload and the output from the provider's and the consumer's archives (and any
 *    other source), keeping only bytes whose keccak256 equals the on-chain `promptHash` / `outputHash`;
 * 2. re-executes the payload deterministically (same model digest, the payload's seed, temperature 0,
 *    the job's token limit) on its own backend;
 * 3. disputes when the output hash OR the token count differs, or when nobody serves the data (the
 *    provider then loses the batch dispute by `claimWithheld` unless someone reveals the data on-chain;
 *    a JobEscrow dispute goes to the council).
 * Batch disputes carry the job's leaf and Merkle proof, rebuilt from the batch's `BatchJobSettled` events.
 * Jobs of a model with a full proof of inference (`checkerOf(modelDigest) ≠ 0`) are not re-executed:
 * the chain already refused any wrong answer.
 */
import { zeroAddress, type Address, type Hex, type PublicClient } from "viem";

import {
  batchEscrowAbi,
  batchJobsRoot,
  batchMerkleProof,
  claimWithheld,
  disputeBatchJob,
  disputeJob,
  getJob,
  getSettledBatchJobs,
  isSampled,
  jobEscrowAbi,
  jobKeyOfJobId,
  marketPolicyAbi,
  type AitbcContracts,
  type AitbcWriteClient,
  type BatchLeaf,
  type WriteReturnType,
} from "@aitbc/sdk";
import { revertName } from "../shared/chain.js";
import type { InferenceBackend } from "../backends/backend.js";
import { outputHash, type JobPayload } from "../shared/protocol.js";
import { sleep } from "../shared/retry.js";
import { retrieveJobData, type ArchiveSource } from "../archive/client.js";

/** The sample rate the policy starts with (10%), used only where no `MarketPolicy` is deployed. */
export const DEFAULT_SAMPLE_RATE_BPS = 1_000;

/** Most blocks scanned per log query. */
export const MAX_LOG_RANGE = 5_000n;

/** A settled job as the watcher sees it. */
export interface WatchedJob {
  kind: "job" | "batch";
  /** The sampling rule's job key: bytes32(jobId), or the batch request's digest. */
  jobKey: Hex;
  /** JobEscrow id (kind "job"). */
  jobId?: bigint;
  /** BatchEscrow batch and index (kind "batch"). */
  batchId?: bigint;
  index?: bigint;
  leaf?: BatchLeaf;
  provider: Address;
  consumer: Address;
  modelDigest: Hex;
  promptHash: Hex;
  outputHash: Hex;
  tokenCount: number;
  /**
   * The most tokens the job allowed: JobEscrow's `maxTokens`; for a batch job its request's `maxTokens`
   * when an archive serves the request (checked against the request digest), else the claimed count.
   */
  maxTokens: number;
  /** Hash of the block that included the result: the sampling seed. */
  seed: Hex;
  blockNumber: bigint;
}

/** What the watcher concluded about one job. */
export type CheckOutcome =
  "not-sampled" | "proven" | "match" | "mismatch" | "withheld" | "no-backend" | "closed" | "failed";

/** One job's check. */
export interface WatchCheck {
  job: WatchedJob;
  outcome: CheckOutcome;
  /** The re-executed output's hash and token count (outcomes "match", "mismatch"). */
  expected?: { outputHash: Hex; tokenCount: number };
  /** Why ("output hash", "token count 37 ≠ 100", "payload not served", an error). */
  reason?: string;
  /** The dispute transaction, if one was filed. */
  dispute?: Hex;
}

/** The chain access a watcher needs: the `ChainAdapter` of the programs fits. */
export interface WatcherChain {
  readonly public: PublicClient;
  readonly address: Address;
  send<T extends WriteReturnType>(
    label: string,
    action: (client: AitbcWriteClient) => Promise<T>,
  ): Promise<T>;
}

/** Options of {@link Watcher}. */
export interface WatcherOptions {
  chain: WatcherChain;
  /** `JobEscrow` and/or `BatchEscrow` (each watched if present), `MarketPolicy`, `AITBCToken`. */
  contracts: AitbcContracts;
  /** Re-execution backends by model digest (lower-case hex). */
  backends: Map<string, { model: string; backend: InferenceBackend }>;
  /** Where to fetch a job's data (the provider's and the consumer's archives first). */
  sources: (job: WatchedJob) => readonly ArchiveSource[] | Promise<readonly ArchiveSource[]>;
  /**
   * Re-execute at this rate instead of the policy's (bps, 0–10,000; same draw, so a higher rate checks a
   * superset of the rule's sample). Default: the policy's `sampleRateBps()`, read per job.
   */
  sampleRateBps?: number;
  /** Dispute jobs whose data nobody serves (default true). */
  disputeWithheld?: boolean;
  /** First block to scan (default 0). */
  fromBlock?: bigint;
  /** Poll interval, ms (default 1 000). */
  pollMs?: number;
  /** Called after each check. */
  onCheck?: (check: WatchCheck) => void;
  log?: (line: string) => void;
}

/**
 * The watcher (see the module's description).
 *
 * @example
 * ```ts
 * const watcher = new Watcher({ chain, contracts, backends, sources: (job) => [httpArchiveSource(minerUrl)] });
 * watcher.start();
 * // … watcher.checks, watcher.disputes
 * await watcher.stop();
 * ```
 */
export class Watcher {
  /** Every check made, in order. */
  readonly checks: WatchCheck[] = [];
  /** Batch disputes filed by this watcher that may be claimed as withheld (cleared once settled). */
  readonly pendingClaims: { batchId: bigint; index: bigint }[] = [];
  private readonly done = new Set<string>();
  private cursor: bigint;
  private stopping = false;
  private loop?: Promise<void>;
  private readonly log: (line: string) => void;

  /** @param options See {@link WatcherOptions}. */
  constructor(readonly options: WatcherOptions) {
    this.cursor = options.fromBlock ?? 0n;
    this.log = options.log ?? ((line) => console.log(`[watcher] ${line}`));
  }

  /** The checks that filed a dispute. */
  get disputes(): WatchCheck[] {
    return this.checks.filter((c) => c.dispute !== undefined);
  }

  /** Starts polling. */
  start(): void {
    this.loop = this.run();
  }

  /** Stops polling (waits for the current round). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  private async run() {
    while (!this.stopping) {
      let behind = false;
      try {
        behind = await this.tick();
      } catch (error) {
        this.log(`poll failed: ${(error as Error).message}`);
      }
      if (!behind) await sleep(this.options.pollMs ?? 1_000);
    }
  }

  /**
   * One round: new results (up to {@link MAX_LOG_RANGE} blocks on), then due withheld claims.
   * @returns Whether blocks remain to be scanned (the loop then goes on without waiting).
   */
  async tick(): Promise<boolean> {
    const client = this.options.chain.public;
    const head = await client.getBlockNumber();
    // At most MAX_LOG_RANGE blocks per log query (RPC providers cap ranges); the rest next round.
    const latest = head - this.cursor >= MAX_LOG_RANGE ? this.cursor + MAX_LOG_RANGE - 1n : head;
    if (latest >= this.cursor) {
      const jobs = [
        ...(await this.jobResults(this.cursor, latest)),
        ...(await this.batchResults(this.cursor, latest)),
      ];
      jobs.sort((a, b) => (a.blockNumber < b.blockNumber ? -1 : a.blockNumber > b.blockNumber ? 1 : 0));
      for (const job of jobs) {
        if (this.stopping) return false;
        const id = `${job.kind}:${job.jobKey.toLowerCase()}:${job.batchId ?? ""}`;
        if (this.done.has(id)) continue;
        const check = await this.check(job);
        if (check.outcome === "failed") throw new Error(check.reason); // retried next round
        this.done.add(id);
        this.checks.push(check);
        this.options.onCheck?.(check);
      }
      this.cursor = latest + 1n;
    }
    await this.claimDue();
    return latest < head;
  }

  private async jobResults(fromBlock: bigint, toBlock: bigint): Promise<WatchedJob[]> {
    const { contracts, chain } = this.options;
    if (!contracts.JobEscrow) return [];
    const logs = await chain.public.getContractEvents({ address: contracts.JobEscrow, abi: jobEscrowAbi, eventName: "ResultSubmitted", fromBlock, toBlock }); // prettier-ignore
    const out: WatchedJob[] = [];
    for (const log of logs) {
      const jobId = log.args.jobId!;
      const job = await getJob(chain.public, { contracts, jobId });
      out.push({
        kind: "job",
        jobKey: jobKeyOfJobId(jobId),
        jobId,
        provider: log.args.provider!,
        consumer: job.consumer,
        modelDigest: job.modelDigest,
        promptHash: job.promptHash,
        outputHash: log.args.outputHash!,
        tokenCount: Number(log.args.tokenCount!),
        maxTokens: Number(job.maxTokens),
        seed: log.blockHash,
        blockNumber: log.blockNumber,
      });
    }
    return out;
  }

  private async batchResults(fromBlock: bigint, toBlock: bigint): Promise<WatchedJob[]> {
    const { contracts, chain } = this.options;
    if (!contracts.BatchEscrow) return [];
    const logs = await chain.public.getContractEvents({ address: contracts.BatchEscrow, abi: batchEscrowAbi, eventName: "BatchJobSettled", fromBlock, toBlock }); // prettier-ignore
    const providers = new Map<bigint, Address>();
    const out: WatchedJob[] = [];
    for (const log of logs) {
      const batchId = log.args.batchId!;
      if (!providers.has(batchId)) providers.set(batchId, (await this.batchOf(batchId)).provider);
      const leaf: BatchLeaf = {
        index: log.args.index!,
        requestDigest: log.args.requestDigest!,
        consumer: log.args.consumer!,
        outputHash: log.args.outputHash!,
        tokenCount: log.args.tokenCount!,
        fee: log.args.fee!,
      };
      out.push({
        kind: "batch",
        jobKey: leaf.requestDigest,
        batchId,
        index: leaf.index,
        leaf,
        provider: providers.get(batchId)!,
        consumer: leaf.consumer,
        modelDigest: log.args.modelDigest!,
        promptHash: log.args.promptHash!,
        outputHash: leaf.outputHash,
        tokenCount: Number(leaf.tokenCount),
        maxTokens: Number(leaf.tokenCount),
        seed: log.blockHash,
        blockNumber: log.blockNumber,
      });
    }
    return out;
  }

  private batchOf(batchId: bigint) {
    return this.options.chain.public.readContract({ address: this.options.contracts.BatchEscrow!, abi: batchEscrowAbi, functionName: "batchOf", args: [batchId] }); // prettier-ignore
  }

  /** The rate the rule applies now: the override, the policy's, or the default without a policy. */
  async sampleRateBps(): Promise<number> {
    if (this.options.sampleRateBps !== undefined) return this.options.sampleRateBps;
    const policy = this.options.contracts.MarketPolicy;
    if (!policy) return DEFAULT_SAMPLE_RATE_BPS;
    return Number(await this.options.chain.public.readContract({ address: policy, abi: marketPolicyAbi, functionName: "sampleRateBps" })); // prettier-ignore
  }

  private async proven(modelDigest: Hex): Promise<boolean> {
    const policy = this.options.contracts.MarketPolicy;
    if (!policy) return false;
    const checker = await this.options.chain.public.readContract({ address: policy, abi: marketPolicyAbi, functionName: "checkerOf", args: [modelDigest] }); // prettier-ignore
    return checker !== zeroAddress;
  }

  /** Whether the job can still be disputed (its window open, not already disputed or settled). */
  private async open(job: WatchedJob): Promise<boolean> {
    const now = (await this.options.chain.public.getBlock()).timestamp;
    if (job.kind === "job") {
      const j = await getJob(this.options.chain.public, {
        contracts: this.options.contracts,
        jobId: job.jobId!,
      });
      return j.status === "Submitted" && now <= j.challengeEnds;
    }
    const batch = await this.batchOf(job.batchId!);
    return batch.status === 1 && now <= BigInt(batch.challengeEnds);
  }

  /** Checks one job: sample, fetch, re-execute, dispute. Never throws (outcome "failed" instead). */
  async check(job: WatchedJob): Promise<WatchCheck> {
    try {
      const rate = await this.sampleRateBps();
      if (!isSampled({ seed: job.seed, jobKey: job.jobKey, sampleRateBps: rate }))
        return { job, outcome: "not-sampled" };
      if (await this.proven(job.modelDigest)) return { job, outcome: "proven" };
      if (!(await this.open(job))) return { job, outcome: "closed" };
      const sources = await this.options.sources(job);
      const data = await retrieveJobData(sources, job);
      if (!data.payload || !data.output) {
        const reason = `${!data.payload ? "payload" : "output"} not served${data.mismatched.length ? ` (wrong bytes from ${data.mismatched.join(", ")})` : ""}`; // prettier-ignore
        if (this.options.disputeWithheld === false) return { job, outcome: "withheld", reason };
        return { job, outcome: "withheld", reason, dispute: await this.dispute(job, reason) };
      }
      const verifier = this.options.backends.get(job.modelDigest.toLowerCase());
      if (!verifier) return { job, outcome: "no-backend", reason: `no backend for model ${job.modelDigest}` };
      if (job.kind === "batch") job.maxTokens = await this.batchMaxTokens(job, sources);
      const payload = JSON.parse(data.payload.text) as JobPayload;
      const result = await verifier.backend.infer({
        model: verifier.model,
        ...(payload.messages ? { messages: payload.messages } : { prompt: payload.prompt ?? "" }),
        seed: payload.seed,
        maxTokens: job.maxTokens,
      });
      const expected = {
        outputHash: outputHash(result.output),
        tokenCount: Math.max(1, Math.min(result.tokenCount, job.maxTokens)),
      };
      const reasons = [
        ...(expected.outputHash.toLowerCase() !== job.outputHash.toLowerCase()
          ? ["output hash differs"]
          : []),
        ...(expected.tokenCount !== job.tokenCount ? [`token count ${expected.tokenCount} ≠ ${job.tokenCount} claimed`] : []), // prettier-ignore
      ];
      if (reasons.length === 0) return { job, outcome: "match", expected };
      const reason = reasons.join("; ");
      return { job, outcome: "mismatch", expected, reason, dispute: await this.dispute(job, reason) };
    } catch (error) {
      return { job, outcome: "failed", reason: (error as Error).message };
    }
  }

  /**
   * A batch job's token limit from its signed request, if an archive serves one whose EIP-712 digest (as
   * the escrow computes it) is the job's; otherwise the claimed count (an honest output of n tokens is
   * reproduced with a limit of n).
   */
  private async batchMaxTokens(job: WatchedJob, sources: readonly ArchiveSource[]): Promise<number> {
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
          maxTokens: Number(r.maxTokens),
          deadline: Number(r.deadline),
          nonce: BigInt(r.nonce!),
        };
        const digest = await this.options.chain.public.readContract({ address: this.options.contracts.BatchEscrow!, abi: batchEscrowAbi, functionName: "requestDigest", args: [request] }); // prettier-ignore
        if (digest.toLowerCase() === job.jobKey.toLowerCase()) return request.maxTokens;
      } catch {
        // a malformed request: ignored like bytes that do not match their hash
      }
    }
    return job.tokenCount;
  }

  /** Files the dispute; returns its transaction hash, or undefined if the escrow refused (logged). */
  private async dispute(job: WatchedJob, reason: string): Promise<Hex | undefined> {
    const { chain, contracts } = this.options;
    const what = job.kind === "job" ? `job ${job.jobId}` : `batch ${job.batchId} job ${job.index}`;
    try {
      let hash: Hex;
      if (job.kind === "job") {
        ({ hash } = await chain.send("dispute", (client) =>
          disputeJob(client, { contracts, jobId: job.jobId! }),
        ));
      } else {
        const jobs = await getSettledBatchJobs(chain.public, { contracts, batchId: job.batchId!, fromBlock: job.blockNumber }); // prettier-ignore
        const batch = await this.batchOf(job.batchId!);
        if (batchJobsRoot(jobs).toLowerCase() !== batch.jobsRoot.toLowerCase())
          throw new Error(`the batch's events do not rebuild its jobsRoot ${batch.jobsRoot}`);
        const proof = batchMerkleProof(jobs, Number(job.index!));
        ({ hash } = await chain.send("disputeBatchJob", (client) => disputeBatchJob(client, { contracts, batchId: job.batchId!, leaf: job.leaf!, proof }))); // prettier-ignore
        this.pendingClaims.push({ batchId: job.batchId!, index: job.index! });
      }
      this.log(`${what} of ${job.provider}: ${reason}; dispute filed`);
      return hash;
    } catch (error) {
      this.log(`${what}: dispute failed (${revertName(error) ?? (error as Error).message})`);
      return undefined;
    }
  }

  /** Claims the batch disputes this watcher filed whose reveal window passed without a reveal. */
  async claimDue(): Promise<void> {
    const { chain, contracts } = this.options;
    if (this.pendingClaims.length === 0) return;
    const now = (await chain.public.getBlock()).timestamp;
    for (const claim of [...this.pendingClaims]) {
      const d = await chain.public.readContract({ address: contracts.BatchEscrow!, abi: batchEscrowAbi, functionName: "disputeOf", args: [claim.batchId, claim.index] }); // prettier-ignore
      const drop = () => this.pendingClaims.splice(this.pendingClaims.indexOf(claim), 1);
      if (d.status !== 1)
        drop(); // revealed or resolved: the council decides
      else if (now > BigInt(d.revealDeadline)) {
        try {
          await chain.send("claimWithheld", (client) => claimWithheld(client, { contracts, ...claim }));
          this.log(
            `batch ${claim.batchId} job ${claim.index}: nobody revealed the data; claimed as withheld`,
          );
          drop();
        } catch (error) {
          this.log(`batch ${claim.batchId} job ${claim.index}: claimWithheld failed (${revertName(error) ?? (error as Error).message})`); // prettier-ignore
        }
      }
    }
  }
}
