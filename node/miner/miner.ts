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
 * Matching: the miner announces an offer to the coordinator's relay — its models, its asking price
 * (`pricePerToken`, wei per token) and its spare capacity — every `offerEveryMs` (the heartbeat that
 * keeps the offer matchable), and answers quote requests addressed to it (long-poll) with an EIP-712
 * quote signed with the SDK's `signQuote` when it serves the model, has capacity, the price is at
 * least its ask, the request's prompt is on the relay under the request's prompt hash and the
 * consumer gives it at least the time it needs ({@link Miner.requiredDuration}). The quote binds that
 * prompt hash and that duration, so nobody can open it for another prompt or with a deadline
 * sooner than agreed (and get the miner slashed). A job opened with that quote is assigned to it
 * on-chain (no claim); the miner
 * watches for `JobClaimed(byQuote, nonce)` of its outstanding quotes and starts at once. Open jobs
 * are still claimed (first valid claim wins) when they pay at least the ask.
 *
 * Every step is written to the job journal (fsync) right after it happened; on start the journal
 * is replayed and each unfinished job is reconciled with the job's on-chain state before acting:
 * a job is never lost (a claim that landed but was not journaled is adopted from the chain) and
 * never settled twice (state is read before every transaction; the escrow's nullifier set is the
 * last line of defence).
 *
 * Retrievable data: before a job is journaled as answered, its exact payload bytes and output (and for a
 * batch job the signed request) go into the miner's {@link JobArchive} (SQLite next to the journal), served
 * over HTTP at {@link Miner.archiveUrl} for watchers for the whole challenge and reveal window. A disputed
 * batch job is revealed on-chain by the batcher (`revealBatchJob`), journaled so a restart still reveals.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { basename, dirname, extname, join } from "node:path";

import { bytesToBigInt, decodeAbiParameters, hexToBytes, type Address } from "viem";

import {
  claimJob,
  finalizeJob,
  inferenceEvidence,
  signQuote,
  submitInferenceResult,
  submitResult,
  withdrawEarnings,
  type Quote,
  jobKeyOfJobId,
  marketPolicyAbi,
  claimRewards,
  registerProvider,
  stake,
  identityCommitment,
  proveReceipt,
  type Hex,
} from "@aitbc/sdk";
import { handleArchiveRequest, JobArchive } from "../archive/archive.js";
import { listen } from "../shared/listen.js";
import { ChainAdapter, revertName, type OnChainJob } from "../shared/chain.js";
import { formatTokens } from "../shared/format.js";
import { BackendError, UnknownModelError, type InferenceBackend } from "../backends/backend.js";
import { canonicalPayload, outputHash, payloadHash } from "../shared/protocol.js";
import { RelayClient, type QuoteRequest } from "../coordinator/relay.js";
import { limiter, sleep } from "../shared/retry.js";
import type { GpuDeclaration } from "./gpu.js";
import { JobJournal, type JournalEntry } from "./journal.js";
import {
  BatchSettler,
  defaultBatchProver,
  type BatchProver,
  type BatchSettings,
  type InferenceEvidenceBuilder,
} from "./batcher.js";

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
  /**
   * Asking price, wei of AITBC per token: the lowest price this miner works for. Quotes are signed
   * only at or above it and open jobs below it are not claimed. Default {@link DEFAULT_ASK}
   * (0.001 AITBC per token, the gateway's default price).
   */
  pricePerToken?: bigint;
  /** Offer heartbeat to the relay (ms, default 3 000); 0 = announce no offer and answer no quotes. */
  offerEveryMs?: number;
  /** Lifetime of a signed quote, seconds of chain time (default 60). */
  quoteTtlS?: number;
  /**
   * Least time this miner accepts between a quoted job's opening and its deadline, seconds, before
   * the per-token time (default 300); see {@link Miner.requiredDuration}.
   */
  minJobDurationS?: number;
  /** Poll interval for the `JobClaimed` event of an outstanding quote (ms, default 50). */
  quoteWatchMs?: number;
  /**
   * Batch settlement through `BatchEscrow` (needs its address in the chain adapter): signed batch
   * requests are taken from the relay and settled `size` at a time or after `maxWaitMs`. Absent: the
   * miner serves only per-job (`JobEscrow`) work.
   */
  batch?: BatchSettings;
  /** The batch-receipt prover (default: the SDK's, see {@link defaultBatchProver}). */
  batchProver?: BatchProver;
  /** Proof-of-inference evidence for batch jobs of models with a checker. */
  inferenceEvidence?: InferenceEvidenceBuilder;
  /**
   * The job archive's SQLite file (payload, output and signed request of every job, kept
   * 15 days (`DEFAULT_RETENTION_MS` of the archive: the longest challenge window plus the longest reveal
   * window and a day) from the last write; expired records are pruned hourly). Default: next to the journal, `<journal name>.archive.sqlite`; `":memory:"` keeps nothing
   * across restarts.
   */
  archivePath?: string;
  /** Port the archive is served on (`GET /v1/jobs/<jobKey>/payload|output|request`); 0 = any free port (default). */ // prettier-ignore
  archivePort?: number;
  /** Listen address of the archive server (default 127.0.0.1). */
  archiveHost?: string;
  log?: (line: string) => void;
}

/**
 * The default archive file of a journal: next to it, `<journal name without extension>.archive.sqlite`.
 *
 * @example
 * ```ts
 * defaultArchivePath("/var/aitbc/miner-journal.jsonl"); // "/var/aitbc/miner-journal.archive.sqlite"
 * ```
 */
export function defaultArchivePath(journalPath: string): string {
  return join(dirname(journalPath), `${basename(journalPath, extname(journalPath))}.archive.sqlite`);
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

/** Default asking price: 10^15 wei (0.001 AITBC) per token. */
export const DEFAULT_ASK = 10n ** 15n;

/** The escrow's longest job, seconds (`JobEscrow.MAX_JOB_DURATION`): a longer duration cannot open. */
const MAX_JOB_DURATION_S = 30 * 86_400;

/** What the miner did with quote requests (for reports and tests). */
export interface QuoteStats {
  /** Quotes signed. */
  signed: number;
  /** Requests refused (model, prompt, duration, price or capacity). */
  refused: number;
  /** Jobs assigned by one of our quotes and adopted from their `JobClaimed` event. */
  adopted: number;
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
  private lastPrune = 0;
  readonly timings: JobTiming[] = [];
  readonly quotes: QuoteStats = { signed: 0, refused: 0, adopted: 0 };
  /** Outstanding quotes by nonce (capacity reserved until used or expired; wall-clock ms). */
  private readonly pendingQuotes = new Map<string, { expiresAt: number }>();
  private quoteLoop?: Promise<void>;
  private quoteWatch?: Promise<void>;
  private quoteCursor = 0n;
  private readonly abort = new AbortController();
  private readonly belowAsk = new Set<string>();
  readonly errors: string[] = [];
  /** Staking rewards claimed by this miner (wei). */
  rewardsClaimed = 0n;
  /** Earnings withdrawn from the escrow by this miner (wei). */
  earningsWithdrawn = 0n;
  private readonly log: (line: string) => void;
  /** Batch settlement, when {@link MinerOptions.batch} is set. */
  batcher?: BatchSettler;
  private batchLoop?: Promise<void>;
  /** The MarketPolicy JobEscrow reads. */
  private policy?: Address;
  /** The provider's archive of every job's payload, output and (batch) signed request. */
  readonly archive: JobArchive;
  private archiveServer?: Server;
  /** Base URL of the archive server (`http://host:port`), once {@link start} has run. */
  archiveUrl?: string;

  constructor(readonly options: MinerOptions) {
    this.chain = options.chain;
    this.journal = new JobJournal(options.journalPath);
    const archivePath = options.archivePath ?? defaultArchivePath(options.journalPath);
    if (archivePath !== ":memory:") mkdirSync(dirname(archivePath), { recursive: true });
    this.archive = new JobArchive({ path: archivePath });
    this.inferLimit = limiter(options.concurrency ?? 2);
    this.settleLimit = limiter(options.settleConcurrency ?? 2);
    this.log = options.log ?? ((line) => console.log(`[miner ${this.chain.address.slice(0, 8)}] ${line}`));
  }

  get address(): Address {
    return this.chain.address;
  }

  /** The asking price, wei per token. */
  get ask(): bigint {
    return this.options.pricePerToken ?? DEFAULT_ASK;
  }

  /**
   * Spare capacity announced in the offer: the claim budget of {@link wantsMore} (two jobs per
   * inference slot, one running and one queued) minus jobs awaiting inference and outstanding
   * quotes. Unit: jobs.
   */
  get spareCapacity(): number {
    const concurrency = this.options.concurrency ?? 2;
    return Math.max(0, concurrency * 2 - this.awaitingInference - this.pendingQuotes.size - (this.batcher?.awaitingInference ?? 0)); // prettier-ignore
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
    const relay = new RelayClient(this.options.relayUrl);
    await relay
      .announce(
        this.address,
        wanted.map((m) => ({ name: m.name, digest: m.digest })),
      )
      .catch((e: unknown) => this.log(`could not announce models to the coordinator: ${String(e)}`));
  }

  /** Announces (refreshes) this miner's offer on the relay: models, ask, spare capacity. */
  async sendOffer(): Promise<void> {
    if ((this.options.offerEveryMs ?? 3_000) <= 0 || this.stopping) return;
    await new RelayClient(this.options.relayUrl)
      .offer(
        {
          provider: this.address,
          models: [...this.digests].map(([digest, name]) => ({ name, digest: digest as Hex })),
          pricePerToken: this.ask,
          capacity: this.spareCapacity,
        },
        { attempts: 1, signal: this.abort.signal },
      )
      .catch((e: unknown) => {
        if (!this.stopping) this.log(`could not send the offer to the coordinator: ${String(e)}`);
      });
  }

  /** Heartbeat of the offer, and quote requests by long-poll between heartbeats. */
  private async runQuotes(): Promise<void> {
    const every = this.options.offerEveryMs ?? 3_000;
    const relay = new RelayClient(this.options.relayUrl);
    let nextOffer = 0;
    while (!this.stopping) {
      if (Date.now() >= nextOffer) {
        await this.sendOffer();
        nextOffer = Date.now() + every;
      }
      try {
        const wait = Math.max(1, nextOffer - Date.now());
        const requests = await relay.quoteRequests(this.address, wait, {
          attempts: 1,
          signal: this.abort.signal,
        });
        for (const r of requests) await this.answerQuote(r);
        if (requests.length > 0) await this.sendOffer(); // the capacity changed
      } catch (error) {
        if (this.stopping) return;
        this.log(`quote requests: ${(error as Error).message}`);
        await sleep(Math.min(every, 1_000));
      }
    }
  }

  /**
   * Seconds this miner needs from a job's opening to its deadline for `maxTokens` tokens:
   * `minJobDurationS` (default 300: queueing, proof, submission, chain delays) plus the tokens at
   * the declared throughput. Quotes are signed only for at least this long.
   */
  requiredDuration(maxTokens: number): number {
    const perToken = Math.ceil(maxTokens / Math.max(1, this.options.gpu.throughput));
    return (this.options.minJobDurationS ?? 300) + perToken;
  }

  /** Why a quote request must be refused, or undefined (checks the prompt on the relay last). */
  private async quoteRefusal(request: QuoteRequest, relay: RelayClient): Promise<string | undefined> {
    if (request.provider.toLowerCase() !== this.address.toLowerCase())
      return "not addressed to this provider";
    if (!this.digests.has(request.modelDigest.toLowerCase()))
      return `model ${request.modelDigest} is not served here`;
    if (request.pricePerToken < this.ask)
      return `price ${request.pricePerToken} wei/token is below the ask of ${this.ask}`;
    if (this.stopping || !this.wantsMore) return "no spare capacity";
    if (typeof request.promptHash !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(request.promptHash))
      return "the request carries no prompt hash (bytes32)";
    const needed = this.requiredDuration(request.maxTokens);
    const duration = request.duration;
    if (typeof duration !== "number" || !Number.isInteger(duration) || duration < needed)
      return `a job of ${request.maxTokens} tokens needs at least ${needed} s, the request gives ${String(duration)}`;
    if (duration > MAX_JOB_DURATION_S) return `duration ${duration} s is above the escrow's 30 days`;
    const payload = await relay.getPrompt(request.promptHash).catch(() => undefined);
    if (!payload || payloadHash(payload).toLowerCase() !== request.promptHash.toLowerCase())
      return `the prompt ${request.promptHash} is not on the relay (a quote is only for a prompt seen)`;
    return undefined;
  }

  /**
   * Answers one quote request on the relay: a quote signed with the SDK's `signQuote` (random
   * 256-bit nonce, expiry `quoteTtlS` of chain time) for exactly the request's prompt hash and
   * duration (`minDuration`), when this miner serves the model, has spare capacity, the requested
   * price is at least its ask, the prompt is on the relay and the duration is at least
   * {@link requiredDuration}; otherwise a refusal with the reason.
   *
   * @returns The signed quote, or the reason of the refusal.
   */
  async answerQuote(request: QuoteRequest): Promise<{ quote: Quote; signature: Hex } | { refused: string }> {
    const relay = new RelayClient(this.options.relayUrl);
    const reason = await this.quoteRefusal(request, relay);
    if (reason) {
      this.quotes.refused++;
      this.log(`quote request ${request.id.slice(0, 8)}: refused (${reason})`);
      await relay.answerQuote(request.id, { refused: reason });
      return { refused: reason };
    }
    const ttl = this.options.quoteTtlS ?? 60;
    const quote: Quote = {
      provider: this.address,
      consumer: request.consumer,
      modelDigest: request.modelDigest,
      promptHash: request.promptHash,
      pricePerToken: request.pricePerToken,
      maxTokens: BigInt(request.maxTokens),
      minDuration: BigInt(request.duration),
      expiry: BigInt((await this.chain.now()) + ttl),
      nonce: bytesToBigInt(randomBytes(32)),
    };
    const signature = await signQuote(this.chain.wallet, { contracts: this.chain.contracts, quote });
    if (this.pendingQuotes.size === 0) this.quoteCursor = await this.chain.public.getBlockNumber();
    this.pendingQuotes.set(quote.nonce.toString(), { expiresAt: Date.now() + ttl * 1000 });
    this.quotes.signed++;
    this.quoteWatch ??= this.watchQuotes().finally(() => (this.quoteWatch = undefined));
    await relay.answerQuote(request.id, { quote, signature });
    return { quote, signature };
  }

  /** Journals and schedules a job assigned to us by our quote `nonce`. */
  private adoptQuoted(key: string, nonce: bigint): void {
    this.journal.record(key, "claimed", {
      reason: `assigned by our quote (nonce ${nonce.toString(16).slice(0, 12)}…)`,
      timings: { claimedAt: Date.now() },
    });
    this.quotes.adopted++;
    this.log(`job ${key}: assigned by quote, adopted`);
    this.schedule(key);
  }

  /** The quote nonce job `jobId` was assigned to us with, if it was assigned by a quote. */
  private async quoteNonceOf(jobId: bigint): Promise<bigint | undefined> {
    const logs = (await this.chain.public.getContractEvents({
      address: this.chain.config.addresses.escrow,
      abi: this.chain.abis.escrow,
      eventName: "JobClaimed",
      args: { jobId, provider: this.address },
      fromBlock: 0n,
    })) as unknown as { args: { byQuote: boolean; quoteNonce: bigint } }[];
    const claimed = logs.at(-1)?.args;
    return claimed?.byQuote ? claimed.quoteNonce : undefined;
  }

  /**
   * While quotes are outstanding: polls this provider's `JobClaimed` events and adopts each job
   * opened with one of our quotes at once (journal, then schedule), not at the next chain poll.
   */
  private async watchQuotes(): Promise<void> {
    while (!this.stopping && this.pendingQuotes.size > 0) {
      try {
        const head = await this.chain.public.getBlockNumber();
        if (head >= this.quoteCursor) {
          const logs = (await this.chain.public.getContractEvents({
            address: this.chain.config.addresses.escrow,
            abi: this.chain.abis.escrow,
            eventName: "JobClaimed",
            args: { provider: this.address },
            fromBlock: this.quoteCursor,
            toBlock: head,
          })) as unknown as { args: { jobId: bigint; byQuote: boolean; quoteNonce: bigint } }[];
          this.quoteCursor = head + 1n;
          for (const { args } of logs) {
            if (!args.byQuote || !this.pendingQuotes.delete(args.quoteNonce.toString())) continue;
            const key = args.jobId.toString();
            if (this.journal.get(key) || this.inflight.has(key)) continue;
            this.adoptQuoted(key, args.quoteNonce);
          }
        }
      } catch (error) {
        this.log(`watching quoted jobs: ${(error as Error).message}`);
      }
      for (const [nonce, q] of this.pendingQuotes)
        if (q.expiresAt < Date.now()) this.pendingQuotes.delete(nonce);
      await sleep(this.options.quoteWatchMs ?? 50);
    }
  }

  /** Reconciles every unfinished journal entry with the chain (done once at start). */
  async reconcile(): Promise<void> {
    for (const entry of this.journal.open()) {
      if (entry.kind === "batch") continue; // reconciled by the batcher
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

  /** Serves the archive over HTTP on `archiveHost:archivePort` (GET/HEAD only; 404 for any other path). */
  private async serveArchive(): Promise<void> {
    const server = createServer((req, res) => {
      if (!handleArchiveRequest(this.archive, req, res)) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "not found" }));
      }
    });
    const host = this.options.archiveHost ?? "127.0.0.1";
    await listen(server, this.options.archivePort ?? 0, host);
    this.archiveServer = server;
    const { port } = server.address() as AddressInfo;
    this.archiveUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  }

  /**
   * Serves the archive, registers and stakes if needed, reconciles the journal with the chain, then runs.
   * A failed start closes the archive server again (the journal and archive stay open for a retry).
   */
  async start(): Promise<void> {
    await this.serveArchive();
    try {
      await this.startServing();
    } catch (error) {
      await this.closeArchiveServer();
      throw error;
    }
  }

  private async startServing(): Promise<void> {
    await this.ensureRegistered();
    await this.reconcile();
    if (this.options.batch) {
      if (!this.chain.config.addresses.batchEscrow)
        throw new Error("batch settlement needs the deployment's BatchEscrow address");
      this.batcher = new BatchSettler(
        {
          chain: this.chain,
          backend: this.options.backend,
          relayUrl: this.options.relayUrl,
          secret: this.options.secret,
          journal: this.journal,
          archive: this.archive,
          models: this.digests,
          ask: this.ask,
          requiredDuration: (maxTokens) => this.requiredDuration(maxTokens),
          // a batch fills only if the miner holds up to a batch of accepted requests, answered in turn
          hasCapacity: () =>
            (this.batcher?.awaitingInference ?? 0) < Math.max((this.options.concurrency ?? 2) * 2, this.options.batch!.size), // prettier-ignore
          inferLimit: this.inferLimit,
          stopping: () => this.stopping,
          signal: this.abort.signal,
          log: this.log,
          note: (line) => this.note(line),
        },
        this.options.batch,
        this.options.batchProver ?? defaultBatchProver,
        this.options.inferenceEvidence,
      );
      await this.batcher.reconcile();
      this.batchLoop = this.batcher.runRequests();
    }
    this.loop = this.run();
    if ((this.options.offerEveryMs ?? 3_000) > 0) this.quoteLoop = this.runQuotes();
  }

  /** Stops taking jobs, lets running jobs finish their current step, closes the journal and the archive (and its server). */ // prettier-ignore
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    this.wakeUp?.();
    await this.loop;
    await this.quoteLoop;
    await this.quoteWatch;
    await this.batchLoop;
    await this.batcher?.idle();
    while (this.inflight.size > 0) await sleep(50);
    this.journal.close();
    await this.closeArchiveServer();
    this.archive.close();
  }

  private async closeArchiveServer(): Promise<void> {
    const server = this.archiveServer;
    if (!server) return;
    this.archiveServer = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
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
    return (
      this.awaitingInference + this.pendingQuotes.size + (this.batcher?.awaitingInference ?? 0) <
        concurrency * 2 && this.inflight.size < concurrency * 4
    );
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
      if (this.journal.get(key) || this.inflight.has(key)) continue; // adopted from its quote meanwhile
      const mine = job.provider.toLowerCase() === this.address.toLowerCase();
      if (job.status === "Claimed" && mine) {
        // The poll may see a job opened with one of our quotes before the quote watcher does.
        const nonce = this.pendingQuotes.size > 0 ? await this.quoteNonceOf(id) : undefined;
        if (nonce !== undefined && this.pendingQuotes.delete(nonce.toString())) {
          this.adoptQuoted(key, nonce);
          continue;
        }
        this.journal.record(key, "claimed", { reason: "adopted from the chain (claim not journaled)" });
        this.log(`job ${key}: claim found on-chain, adopted`);
        this.schedule(key);
      } else if (job.status === "Open") {
        advance = false; // may become claimable for us later
        if (job.pricePerToken < this.ask) {
          if (!this.belowAsk.has(key)) this.log(`job ${key}: pays ${job.pricePerToken} wei/token, below the ask of ${this.ask}; not claiming`); // prettier-ignore
          this.belowAsk.add(key);
        } else if (
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
      if (entry.kind === "batch") continue; // the batcher's
      if (this.inflight.has(entry.jobId) || (this.retryAt.get(entry.jobId) ?? 0) > Date.now()) continue;
      if (entry.state === "submitted") await this.maybeFinalize(entry, now);
      else this.schedule(entry.jobId);
    }
    if (this.stopping) return;
    await this.batcher?.tick(now);
    const credit = await this.chain.read<bigint>("escrow", "withdrawable", [this.address]);
    if (credit > 0n) {
      const { amount } = await this.chain.send("withdraw", (client) =>
        withdrawEarnings(client, { contracts: this.chain.contracts }),
      );
      this.earningsWithdrawn += amount;
    }
    await this.maybeClaimRewards();
    if (Date.now() - this.lastPrune >= 3_600_000) {
      this.lastPrune = Date.now();
      this.archive.prune();
    }
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
      this.log(`claimed ${formatTokens(amount, 4)} AITBC of staking rewards`);
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
          void this.sendOffer(); // and tell the coordinator
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
      payload: canonicalPayload(payload),
      jobKey: BigInt(jobId),
    });
    const tokens = Math.max(1, Math.min(result.tokenCount, job.maxTokens));
    // archived before it is journaled as answered: whatever is submitted can be served to watchers
    this.archive.put(jobKeyOfJobId(BigInt(jobId)), {
      payload: canonicalPayload(payload),
      output: result.output,
    });
    this.journal.record(jobId, "inferred", {
      model,
      output: result.output,
      outputHash: outputHash(result.output),
      tokenCount: tokens,
      ...(result.inferenceProof ? { inference: inferenceEvidence(canonicalPayload(payload), result.inferenceProof.calldata) } : {}), // prettier-ignore
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
          chainId: BigInt(await this.chain.public.getChainId()),
          escrow: this.chain.config.addresses.escrow,
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
      const p = entry.proof as { a: [string, string]; b: [[string, string], [string, string]]; c: [string, string] }; // prettier-ignore
      const pair = ([x, y]: [string, string]): [bigint, bigint] => [BigInt(x), BigInt(y)];
      const proof = {
        nullifier: BigInt(entry.nullifier!),
        calldata: { pA: pair(p.a), pB: [pair(p.b[0]), pair(p.b[1])] as [[bigint, bigint], [bigint, bigint]], pC: pair(p.c) }, // prettier-ignore
      };
      let receipt;
      const needsInference = await this.hasChecker(job.modelDigest);
      if (needsInference && !entry.inference)
        throw new BackendError(`job ${jobId}: model ${job.modelDigest} settles only with a proof of inference, and the backend gave none`, false); // prettier-ignore
      const base = { contracts: this.chain.contracts, jobId: id, outputHash: entry.outputHash as Hex, tokenCount: BigInt(entry.tokenCount!), proof }; // prettier-ignore
      try {
        if (needsInference) {
          const [prompt, words] = decodeAbiParameters([{ type: "bytes" }, { type: "uint256[8]" }], entry.inference as Hex); // prettier-ignore
          const w = words as readonly bigint[];
          const inference = { calldata: { pA: [w[0]!, w[1]!] as [bigint, bigint], pB: [[w[2]!, w[3]!], [w[4]!, w[5]!]] as [[bigint, bigint], [bigint, bigint]], pC: [w[6]!, w[7]!] as [bigint, bigint] } }; // prettier-ignore
          ({ receipt } = await this.chain.send("submitInferenceResult", (client) =>
            submitInferenceResult(client, { ...base, prompt: hexToBytes(prompt), inference }),
          ));
        } else {
          ({ receipt } = await this.chain.send("submitResult", (client) => submitResult(client, base)));
        }
      } catch (error) {
        if (revertName(error) === "EscrowInvalidProof" || revertName(error) === "InferenceInvalidProof") {
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

  /** Whether the market policy names a checker (a full proof of inference) for `modelDigest`. */
  private async hasChecker(modelDigest: Hex): Promise<boolean> {
    this.policy ??= await this.chain.read<Address>("escrow", "policy");
    const checker = await this.chain.public.readContract({ address: this.policy, abi: marketPolicyAbi, functionName: "checkerOf", args: [modelDigest] }); // prettier-ignore
    return !/^0x0{40}$/i.test(checker);
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
