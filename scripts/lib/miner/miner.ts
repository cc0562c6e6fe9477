/**
 * The miner: registers and stakes if needed, then serves jobs — watches JobEscrow, claims jobs for
 * models it serves, fetches the prompt from the coordinator's relay, runs inference, proves the
 * receipt, submits it, finalizes after the challenge window and withdraws its earnings.
 *
 * Every step is written to the job journal (fsync) right after it happened; on start the journal
 * is replayed and each unfinished job is reconciled with the job's on-chain state before acting:
 * a job is never lost (a claim that landed but was not journaled is adopted from the chain) and
 * never settled twice (state is read before every transaction; the escrow's nullifier set is the
 * last line of defence).
 */
import type { Address } from "viem";

import { identityCommitment, proveReceipt } from "../../../sdk/src/zk/receipt.js";
import type { Hex } from "../../../sdk/src/zk/field.js";
import { ChainAdapter, revertName, type OnChainJob } from "../chain.js";
import { BackendError, UnknownModelError, type InferenceBackend } from "../ollama/backend.js";
import { outputHash, payloadHash } from "../protocol.js";
import { RelayClient } from "../coordinator/relay.js";
import { limiter, proverLock, sleep } from "../retry.js";
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
  concurrency?: number;
  pollMs?: number;
  /** Skip jobs whose deadline is closer than this (s). */
  deadlineMarginS?: number;
  log?: (line: string) => void;
}

export interface JobTiming {
  jobId: string;
  inferenceMs: number;
  proveMs: number;
  submitMs: number;
  tokens: number;
}

export class Miner {
  readonly journal: JobJournal;
  readonly chain: ChainAdapter;
  private readonly limit: ReturnType<typeof limiter>;
  private readonly inflight = new Set<string>();
  private readonly retryAt = new Map<string, number>();
  private readonly attempts = new Map<string, number>();
  private readonly digests = new Map<string, string>(); // digest → model name
  private cursor = 1n;
  private stopping = false;
  private loop?: Promise<void>;
  readonly timings: JobTiming[] = [];
  readonly errors: string[] = [];
  private readonly log: (line: string) => void;

  constructor(readonly options: MinerOptions) {
    this.chain = options.chain;
    this.journal = new JobJournal(options.journalPath);
    this.limit = limiter(options.concurrency ?? 2);
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
    const view = await this.chain.read<{ registered: boolean; identityCommitment: bigint; staked: bigint }>(
      "staking",
      "providerOf",
      [this.address],
    );
    const commitment = identityCommitment(this.options.secret);
    if (!view.registered) {
      const { model, vramGb, throughput } = this.options.gpu;
      await this.chain.write("staking", "register", [
        commitment,
        { model, vramGb, throughput },
        wanted.map((m) => m.digest),
      ]);
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
      await this.chain.write("token", "approve", [this.chain.config.addresses.staking, amount]);
      await this.chain.write("staking", "stake", [amount, 0n]);
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
    await this.loop;
    while (this.limit.active > 0 || this.limit.pending > 0) await sleep(50);
    this.journal.close();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.tick();
      } catch (error) {
        this.note(`poll failed: ${(error as Error).message}`);
      }
      await sleep(this.options.pollMs ?? 300);
    }
  }

  private note(message: string) {
    this.errors.push(message);
    this.log(message);
  }

  /** One poll: new jobs, journaled jobs to continue, jobs to finalize, earnings to withdraw. */
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
          this.digests.has(job.modelDigest.toLowerCase()) &&
          job.deadline > now + (this.options.deadlineMarginS ?? 60)
        ) {
          if (this.limit.active + this.limit.pending < (this.options.concurrency ?? 2) * 2)
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
    const credit = await this.chain.read<bigint>("escrow", "withdrawable", [this.address]);
    if (credit > 0n && !this.stopping) await this.chain.write("escrow", "withdraw", []);
  }

  private async tryClaim(job: OnChainJob): Promise<void> {
    try {
      await this.chain.write("escrow", "claim", [job.id]);
    } catch (error) {
      this.log(
        `job ${job.id}: not claimed (${revertName(error) ?? (error as Error).message.split("\n")[0]})`,
      );
      return;
    }
    this.journal.record(job.id, "claimed", {
      model: this.digests.get(job.modelDigest.toLowerCase()),
      promptHash: job.promptHash,
    });
    this.log(`job ${job.id}: claimed`);
    this.schedule(job.id.toString());
  }

  private schedule(jobId: string) {
    if (this.inflight.has(jobId) || this.stopping) return;
    this.inflight.add(jobId);
    void this.limit(() => this.process(jobId))
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

  /** Drives one job from its journaled state to `submitted`. */
  private async process(jobId: string): Promise<void> {
    if (this.stopping) return;
    const id = BigInt(jobId);
    let entry = this.journal.get(jobId) as JournalEntry;
    const job = await this.chain.job(id);
    const mine = job.provider.toLowerCase() === this.address.toLowerCase();
    if (!mine || job.status !== "Claimed") {
      if (mine && (job.status === "Submitted" || job.status === "Disputed")) {
        this.journal.record(jobId, "submitted", { reason: "found submitted on-chain" });
      } else {
        this.journal.record(jobId, "released", { reason: `on-chain status ${job.status}` });
      }
      return;
    }
    const relay = new RelayClient(this.options.relayUrl);
    const timings = { inferenceMs: 0, proveMs: 0, submitMs: 0 };
    if (entry.state === "claimed") {
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
      timings.inferenceMs = result.durationMs;
      const tokens = Math.max(1, Math.min(result.tokenCount, job.maxTokens));
      entry = this.journal.record(jobId, "inferred", {
        model,
        output: result.output,
        outputHash: outputHash(result.output),
        tokenCount: tokens,
        timings: { inferenceMs: result.durationMs },
      });
    }
    if (entry.state === "inferred") {
      let t = 0;
      const receipt = await proverLock(() => (t = performance.now(), proveReceipt(this.options.secret, {
        jobId: id,
        modelDigest: job.modelDigest,
        promptHash: job.promptHash,
        outputHash: entry.outputHash as Hex,
        tokenCount: BigInt(entry.tokenCount!),
        pricePerToken: job.pricePerToken,
      }, { maxTokens: BigInt(job.maxTokens) }))); // prettier-ignore
      timings.proveMs = performance.now() - t;
      entry = this.journal.record(jobId, "proved", {
        nullifier: receipt.nullifier.toString(),
        proof: { a: receipt.calldata.pA, b: receipt.calldata.pB, c: receipt.calldata.pC },
        timings: { proveMs: timings.proveMs },
      });
    }
    if (entry.state === "proved") {
      const t = performance.now();
      const p = entry.proof as { a: string[]; b: string[][]; c: string[] };
      const big = (xs: string[]) => xs.map((x) => BigInt(x));
      let receipt;
      try {
        receipt = await this.chain.write("escrow", "submitResult", [
          id,
          entry.outputHash,
          BigInt(entry.tokenCount!),
          BigInt(entry.nullifier!),
          { a: big(p.a), b: p.b.map(big), c: big(p.c) },
        ]);
      } catch (error) {
        if (revertName(error) === "EscrowInvalidProof") {
          // a proof the verifier rejects is useless: prove again from the journaled output
          this.journal.record(jobId, "inferred", { reason: "the escrow rejected the proof; proving again" });
        }
        throw error;
      }
      timings.submitMs = performance.now() - t;
      entry = this.journal.record(jobId, "submitted", {
        txHash: receipt.transactionHash,
        timings: { submitMs: timings.submitMs, submittedAt: Date.now() },
      });
      this.log(`job ${jobId}: submitted (${entry.tokenCount} tokens)`);
    }
    if (entry.state === "submitted" && entry.output !== undefined) {
      await relay.putResult(id, entry.output, this.address);
      const all = entry.timings ?? {};
      this.timings.push({
        jobId,
        inferenceMs: all.inferenceMs ?? 0,
        proveMs: all.proveMs ?? 0,
        submitMs: all.submitMs ?? 0,
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
        const receipt = await this.chain.write("escrow", "finalize", [id]);
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
