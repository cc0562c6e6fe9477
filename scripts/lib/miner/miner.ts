/**
 * The miner: registers and stakes if needed, then serves jobs — watches JobEscrow, claims jobs for
 * models it serves, fetches the prompt from the coordinator's relay, runs inference, proves the
 * receipt, submits it, finalizes after the challenge window, withdraws its earnings and claims its
 * staking rewards. Chain calls are the `@aitbc/sdk` actions (through {@link ChainAdapter.send}).
 *
 * Pipelined: a job's answer runs in one of `concurrency` inference slots; its receipt proof and
 * `submitResult` then run in a separate settlement stage while the slot already answers the next
 * job (claimed ahead of time), so proving and settling cost the runtime no idle time — the seed's
 * "under 5% overhead" (measured in bench/: `BENCH_ONLY=pipeline npm run bench`).
 *
 * Every step is written to the job journal (fsync) right after it happened; on start the journal
 * is replayed and each unfinished job is reconciled with the job's on-chain state before acting:
 * a job is never lost (a claim that landed but was not journaled is adopted from the chain) and
 * never settled twice (state is read before every transaction; the escrow's nullifier set is the
 * last line of defence).
 */
import type { Address } from "viem";

import { claimJob, finalizeJob, submitResult, withdrawEarnings } from "../../../sdk/src/actions/jobs.js";
import { claimRewards, registerProvider, stake } from "../../../sdk/src/actions/staking.js";
import { identityCommitment, proveReceipt, type ReceiptProof } from "../../../sdk/src/zk/receipt.js";
import type { Hex } from "../../../sdk/src/zk/field.js";
import { ChainAdapter, revertName, type OnChainJob } from "../chain.js";
import { BackendError, UnknownModelError, type InferenceBackend } from "../ollama/backend.js";
import { outputHash, payloadHash } from "../protocol.js";
import { RelayClient } from "../coordinator/relay.js";
import { limiter, sleep } from "../retry.js";
import type { GpuDeclaration } from "./gpu.js";
import { JobJournal, type JournalEntry } from "./journal.js";

export interface MinerOptions {
  chain: ChainAdapter;
  backend: InferenceBackend;
  relayUrl: string;
  /** The provider's identity secret (a BN254 field element). */
  secret: bigint;
  journalPath: string;
  gpu: GpuDeclaration;
  /** Models to serve (default: all the backend has). */
  models?: string[];
  /** Stake to hold (wei); topped up to at least the staking's minStake. */
  stake?: bigint;
  /** Inferences run at once (the runtime's parallelism; default 2). */
  concurrency?: number;
  /**
   * Jobs proved and submitted at once, beside the running inferences (default 2). Receipt
   * proving (~0.1–0.2 s) and submitting run while the next inference runs, so a slot of the
   * runtime never waits for the chain.
   */
  settleConcurrency?: number;
  pollMs?: number;
  /** Skip jobs whose deadline is closer than this (s). */
  deadlineMarginS?: number;
  /** How often to check for staking rewards to claim (ms, default 60 000; 0 = never). */
  rewardsEveryMs?: number;
  log?: (line: string) => void;
}

export interface JobTiming {
  jobId: string;
  /** The runtime's time for the answer (ms). */
  inferenceMs: number;
  /** Receipt proof (witness + Groth16) time (ms). */
  proveMs: number;
  /** `submitResult` sent until its receipt (ms). */
  submitMs: number;
  /** From the end of the inference until the submission's receipt (ms): proof + submit + queueing. */
  settleMs: number;
  tokens: number;
}

export class Miner {
  readonly journal: JobJournal;
  readonly chain: ChainAdapter;
  /** Inference slots (the runtime's parallelism). */
  private readonly inferLimit: ReturnType<typeof limiter>;
  /** Proof + submission slots, beside the inference slots. */
  private readonly settleLimit: ReturnType<typeof limiter>;
  private readonly inflight = new Set<string>();
  private readonly retryAt = new Map<string, number>();
  private readonly attempts = new Map<string, number>();
  private readonly digests = new Map<string, string>(); // digest → model name
  private cursor = 1n;
  private stopping = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private lastRewardsCheck = 0;
  readonly timings: JobTiming[] = [];
  readonly errors: string[] = [];
  /** Staking rewards claimed by this miner (wei). */
  rewardsClaimed = 0n;
  /** Earnings withdrawn from the escrow by this miner (wei). */
  earningsWithdrawn = 0n;
  private readonly log: (line: string) => void;

  constructor(readonly options: MinerOptions) {
    this.chain = options.chain;
    this.journal = new JobJournal(options.journalPath);
    this.inferLimit = limiter(options.concurrency ?? 2);
    this.settleLimit = limiter(options.settleConcurrency ?? 2);
    this.log = options.log ?? ((line) => console.log(`[miner ${this.chain.address.slice(0, 8)}] ${line}`));
  }

  get address(): Address {
    return this.chain.address;
  }

  /** Registers (GPU declaration, identity commitment, models) and stakes when needed. */
  async ensureRegistered(): Promise<void> {
    const models = await this.options.backend.listModels();
    const wanted = this.options.models ? models.filter((m) => this.options.models!.includes(m.name)) : models;
    if (wanted.length === 0)
      throw new UnknownModelError(this.options.models?.join(",") ?? "(none)", "backend");
    for (const m of wanted) this.digests.set(m.digest.toLowerCase(), m.name);
    const { contracts } = this.chain;
    const view = await this.chain.read<{ registered: boolean; identityCommitment: bigint; staked: bigint }>(
      "staking",
      "providerOf",
      [this.address],
    );
    const commitment = identityCommitment(this.options.secret);
    if (!view.registered) {
      const { model, vramGb, throughput } = this.options.gpu;
      await this.chain.send("register", (client) =>
        registerProvider(client, {
          contracts,
          identityCommitment: commitment,
          gpu: { model, vramGb, throughput },
          modelDigests: wanted.map((m) => m.digest as Hex),
        }),
      );
      this.log(`registered: ${model}, ${vramGb} GB, ${wanted.length} model(s)`);
    } else {
      if (view.identityCommitment !== commitment)
        throw new Error("this account is registered with another identity secret");
      for (const m of wanted) {
        if (!(await this.chain.read<boolean>("staking", "servesModel", [this.address, m.digest]))) {
          await this.chain.write("staking", "setModelServing", [m.digest, true]);
        }
      }
    }
    const minStake = await this.chain.read<bigint>("staking", "minStake");
    const target = this.options.stake && this.options.stake > minStake ? this.options.stake : minStake;
    const staked = await this.chain.read<bigint>("staking", "stakeOf", [this.address]);
    if (staked < target) {
      const amount = target - staked;
      await this.chain.send("stake", (client) => stake(client, { contracts, amount, lockOption: 0 }));
      this.log(`staked ${amount / 10n ** 18n} AITBC`);
    }
    await new RelayClient(this.options.relayUrl)
      .announce(
        this.address,
        wanted.map((m) => ({ name: m.name, digest: m.digest })),
      )
      .catch((e: unknown) => this.log(`could not announce models to the coordinator: ${String(e)}`));
  }

  /** Reconciles every unfinished journal entry with the chain (done once at start). */
  async reconcile(): Promise<void> {
    for (const entry of this.journal.open()) {
      const job = await this.chain.job(BigInt(entry.jobId));
      const mine = job.provider.toLowerCase() === this.address.toLowerCase();
      if (!mine || job.status === "Refunded" || job.status === "Open" || job.status === "None") {
        this.journal.record(entry.jobId, "released", {
          reason: `on-chain status ${job.status}${mine ? "" : " (not ours)"}`,
        });
        this.log(`job ${entry.jobId}: released on restart (${job.status})`);
      } else if (job.status === "Settled") {
        this.journal.record(entry.jobId, "finalized", { reason: "settled on-chain before restart" });
        this.log(`job ${entry.jobId}: already settled on-chain; not settling again`);
      } else if ((job.status === "Submitted" || job.status === "Disputed") && entry.state !== "submitted") {
        const sub = await this.chain.submission(job.id);
        this.journal.record(entry.jobId, "submitted", {
          txHash: sub?.txHash,
          reason: "submission found on-chain at restart",
        });
        this.log(`job ${entry.jobId}: submission already on-chain; not submitting again`);
      } else {
        this.log(`job ${entry.jobId}: resuming from '${entry.state}' (on-chain ${job.status})`);
      }
    }
  }

  async start(): Promise<void> {
    await this.ensureRegistered();
    await this.reconcile();
    this.loop = this.run();
  }

  /** Stops taking jobs, lets running jobs finish their current step, closes the journal. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    await this.loop;
    while (this.inflight.size > 0) await sleep(50);
    this.journal.close();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.tick();
      } catch (error) {
        this.note(`poll failed: ${(error as Error).message}`);
      }
      await this.nap(this.options.pollMs ?? 300);
    }
  }

  /** Sleeps until the next poll, or until {@link wake} (an inference slot freed up). */
  private nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private wake() {
    this.wakeUp?.();
  }

  private note(message: string) {
    this.errors.push(message);
    this.log(message);
  }

  /** Jobs claimed but not yet answered (running or waiting for an inference slot). */
  private get awaitingInference(): number {
    let n = 0;
    for (const id of this.inflight) if (this.journal.get(id)?.state === "claimed") n++;
    return n;
  }

  /**
   * Claims while fewer than two jobs per inference slot await inference: one running, one
   * queued, so a slot that frees up starts the next answer at once instead of after a claim
   * transaction. Not more, so other providers get the rest.
   */
  private get wantsMore(): boolean {
    const concurrency = this.options.concurrency ?? 2;
    return this.awaitingInference < concurrency * 2 && this.inflight.size < concurrency * 4;
  }

  /** One poll: new jobs, journaled jobs to continue, jobs to finalize, earnings and rewards. */
  async tick(): Promise<void> {
    const now = await this.chain.now();
    const last = await this.chain.lastJobId();
    let advance = true;
    for (let id = this.cursor; id <= last && !this.stopping; id++) {
      const key = id.toString();
      if (this.journal.get(key) || this.inflight.has(key)) {
        if (advance) this.cursor = id + 1n;
        continue;
      }
      const job = await this.chain.job(id);
      const mine = job.provider.toLowerCase() === this.address.toLowerCase();
      if (job.status === "Claimed" && mine) {
        this.journal.record(key, "claimed", { reason: "adopted from the chain (claim not journaled)" });
        this.log(`job ${key}: claim found on-chain, adopted`);
        this.schedule(key);
      } else if (job.status === "Open") {
        advance = false; // may become claimable for us later
        if (
          this.wantsMore &&
          this.digests.has(job.modelDigest.toLowerCase()) &&
          job.deadline > now + (this.options.deadlineMarginS ?? 60)
        ) {
          await this.tryClaim(job);
        }
      }
      if (advance && job.status !== "Open") this.cursor = id + 1n;
    }
    for (const entry of this.journal.open()) {
      if (this.inflight.has(entry.jobId) || (this.retryAt.get(entry.jobId) ?? 0) > Date.now()) continue;
      if (entry.state === "submitted") await this.maybeFinalize(entry, now);
      else this.schedule(entry.jobId);
    }
    if (this.stopping) return;
    const credit = await this.chain.read<bigint>("escrow", "withdrawable", [this.address]);
    if (credit > 0n) {
      const { amount } = await this.chain.send("withdraw", (client) =>
        withdrawEarnings(client, { contracts: this.chain.contracts }),
      );
      this.earningsWithdrawn += amount;
    }
    await this.maybeClaimRewards();
  }

  /** Claims staking rewards when some are pending (checked every `rewardsEveryMs`). */
  private async maybeClaimRewards(): Promise<void> {
    const every = this.options.rewardsEveryMs ?? 60_000;
    if (every <= 0 || Date.now() - this.lastRewardsCheck < every) return;
    this.lastRewardsCheck = Date.now();
    const pending = await this.chain.read<bigint>("staking", "pendingRewards", [this.address]);
    if (pending === 0n) return;
    try {
      const { amount } = await this.chain.send("claimRewards", (client) =>
        claimRewards(client, { contracts: this.chain.contracts }),
      );
      this.rewardsClaimed += amount;
      this.log(`claimed ${formatAitbc(amount)} AITBC of staking rewards`);
    } catch (error) {
      this.note(`claimRewards failed: ${revertName(error) ?? (error as Error).message}`);
    }
  }

  private async tryClaim(job: OnChainJob): Promise<void> {
    try {
      await this.chain.send("claim", (client) =>
        claimJob(client, { contracts: this.chain.contracts, jobId: job.id }),
      );
    } catch (error) {
      this.log(
        `job ${job.id}: not claimed (${revertName(error) ?? (error as Error).message.split("\n")[0]})`,
      );
      return;
    }
    this.journal.record(job.id, "claimed", {
      model: this.digests.get(job.modelDigest.toLowerCase()),
      promptHash: job.promptHash,
      timings: { claimedAt: Date.now() },
    });
    this.log(`job ${job.id}: claimed`);
    this.schedule(job.id.toString());
  }

  /**
   * Drives one job to `submitted` in two stages: the answer in an inference slot, then proof and
   * submission in a settlement slot — the inference slot is free for the next job meanwhile.
   */
  private schedule(jobId: string) {
    if (this.inflight.has(jobId) || this.stopping) return;
    this.inflight.add(jobId);
    const drive = async () => {
      if (this.journal.get(jobId)?.state === "claimed") {
        try {
          await this.inferLimit(() => this.infer(jobId));
        } finally {
          this.wake(); // a slot is free: claim the next job now, not at the next poll
        }
      }
      const state = this.journal.get(jobId)?.state;
      if (state === "inferred" || state === "proved") await this.settleLimit(() => this.settle(jobId));
    };
    void drive()
      .catch((error: unknown) => {
        const transient = !(error instanceof BackendError) || error.transient;
        const attempt = (this.attempts.get(jobId) ?? 0) + 1;
        this.attempts.set(jobId, attempt);
        const delay = Math.min(30_000, 500 * 2 ** (attempt - 1));
        this.note(`job ${jobId}: ${(error as Error).message}${transient ? ` — will retry in ${(delay / 1000).toFixed(1)} s` : " — released"}`); // prettier-ignore
        if (!transient) this.journal.record(jobId, "released", { reason: (error as Error).message });
        else this.retryAt.set(jobId, Date.now() + delay);
      })
      .finally(() => this.inflight.delete(jobId));
  }

  /**
   * The job as it stands on-chain, if it is still ours to work on (status Claimed by us);
   * otherwise journals the outcome and returns undefined.
   */
  private async claimedJob(jobId: string): Promise<OnChainJob | undefined> {
    const job = await this.chain.job(BigInt(jobId));
    const mine = job.provider.toLowerCase() === this.address.toLowerCase();
    if (mine && job.status === "Claimed") return job;
    if (mine && (job.status === "Submitted" || job.status === "Disputed")) {
      this.journal.record(jobId, "submitted", { reason: "found submitted on-chain" });
    } else {
      this.journal.record(jobId, "released", { reason: `on-chain status ${job.status}` });
    }
    return undefined;
  }

  /** Stage 1: fetches and checks the prompt, runs the backend, journals the answer. */
  private async infer(jobId: string): Promise<void> {
    if (this.stopping) return;
    const job = await this.claimedJob(jobId);
    if (!job) return;
    const relay = new RelayClient(this.options.relayUrl);
    const payload = await relay.getPrompt(job.promptHash);
    if (!payload) throw new Error(`the prompt of job ${jobId} is not on the coordinator's relay yet`);
    if (payloadHash(payload).toLowerCase() !== job.promptHash.toLowerCase()) {
      throw new BackendError(
        `the relay's prompt for job ${jobId} does not match the on-chain prompt hash`,
        false,
      );
    }
    const model = this.digests.get(job.modelDigest.toLowerCase());
    if (!model) throw new UnknownModelError(job.modelDigest, "this miner");
    const result = await this.options.backend.infer({
      model,
      ...(payload.messages ? { messages: payload.messages } : { prompt: payload.prompt ?? "" }),
      seed: payload.seed,
      maxTokens: job.maxTokens,
    });
    const tokens = Math.max(1, Math.min(result.tokenCount, job.maxTokens));
    this.journal.record(jobId, "inferred", {
      model,
      output: result.output,
      outputHash: outputHash(result.output),
      tokenCount: tokens,
      timings: { inferenceMs: result.durationMs, inferredAt: Date.now() },
    });
  }

  /** Stage 2: proves the receipt, submits it, publishes the output to the relay. */
  private async settle(jobId: string): Promise<void> {
    if (this.stopping) return;
    const job = await this.claimedJob(jobId);
    if (!job) return;
    const id = BigInt(jobId);
    let entry = this.journal.get(jobId) as JournalEntry;
    if (entry.state === "inferred") {
      const t = performance.now();
      const receipt = await proveReceipt(
        this.options.secret,
        {
          jobId: id,
          modelDigest: job.modelDigest,
          promptHash: job.promptHash,
          outputHash: entry.outputHash as Hex,
          tokenCount: BigInt(entry.tokenCount!),
          pricePerToken: job.pricePerToken,
        },
        { maxTokens: BigInt(job.maxTokens) },
      );
      entry = this.journal.record(jobId, "proved", {
        nullifier: receipt.nullifier.toString(),
        proof: { a: receipt.calldata.pA, b: receipt.calldata.pB, c: receipt.calldata.pC },
        timings: { proveMs: performance.now() - t },
      });
    }
    if (entry.state === "proved") {
      const t = performance.now();
      const p = entry.proof as { a: string[]; b: string[][]; c: string[] };
      const big = (xs: string[]) => xs.map((x) => BigInt(x));
      const proof = {
        nullifier: BigInt(entry.nullifier!),
        calldata: { pA: big(p.a), pB: p.b.map(big), pC: big(p.c) },
      } as unknown as ReceiptProof; // submitResult reads only the calldata and the nullifier
      let receipt;
      try {
        ({ receipt } = await this.chain.send("submitResult", (client) =>
          submitResult(client, {
            contracts: this.chain.contracts,
            jobId: id,
            outputHash: entry.outputHash as Hex,
            tokenCount: BigInt(entry.tokenCount!),
            proof,
          }),
        ));
      } catch (error) {
        if (revertName(error) === "EscrowInvalidProof") {
          // a proof the verifier rejects is useless: prove again from the journaled output
          this.journal.record(jobId, "inferred", { reason: "the escrow rejected the proof; proving again" });
        }
        throw error;
      }
      entry = this.journal.record(jobId, "submitted", {
        txHash: receipt.transactionHash,
        timings: { submitMs: performance.now() - t, submittedAt: Date.now() },
      });
      this.log(`job ${jobId}: submitted (${entry.tokenCount} tokens)`);
    }
    if (entry.state === "submitted" && entry.output !== undefined) {
      await new RelayClient(this.options.relayUrl).putResult(id, entry.output, this.address);
      const all = entry.timings ?? {};
      this.timings.push({
        jobId,
        inferenceMs: all.inferenceMs ?? 0,
        proveMs: all.proveMs ?? 0,
        submitMs: all.submitMs ?? 0,
        settleMs: all.inferredAt && all.submittedAt ? all.submittedAt - all.inferredAt : 0,
        tokens: entry.tokenCount ?? 0,
      });
    }
  }

  private async maybeFinalize(entry: JournalEntry, now: number): Promise<void> {
    const id = BigInt(entry.jobId);
    const job = await this.chain.job(id);
    if (entry.output !== undefined && job.status === "Submitted" && !entry.timings?.published) {
      // the output may not have reached the relay before a crash
      await new RelayClient(this.options.relayUrl)
        .putResult(id, entry.output, this.address)
        .catch(() => undefined);
      this.journal.record(entry.jobId, "submitted", { timings: { published: 1 } });
    }
    if (job.status === "Settled") {
      this.journal.record(entry.jobId, "finalized", { reason: "settled by someone else" });
    } else if (job.status === "Refunded") {
      this.journal.record(entry.jobId, "released", { reason: "refunded (dispute lost or expired)" });
    } else if (job.status === "Submitted" && job.challengeEnds <= now) {
      try {
        const { receipt } = await this.chain.send("finalize", (client) =>
          finalizeJob(client, { contracts: this.chain.contracts, jobId: id }),
        );
        this.journal.record(entry.jobId, "finalized", {
          txHash: receipt.transactionHash,
          timings: { finalizedAt: Date.now() },
        });
        this.log(`job ${entry.jobId}: finalized`);
      } catch (error) {
        const after = await this.chain.job(id);
        if (after.status === "Settled")
          this.journal.record(entry.jobId, "finalized", { reason: "settled concurrently" });
        else
          this.note(`job ${entry.jobId}: finalize failed: ${revertName(error) ?? (error as Error).message}`);
      }
    }
  }
}

/** wei → AITBC with up to 4 decimals. */
function formatAitbc(wei: bigint): string {
  return (Number(wei / 10n ** 14n) / 10_000).toString();
}
