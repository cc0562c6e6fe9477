/**
 * The edge miner: registers and stakes if needed, serves its own provider API on one `node:http` server
 * at the URI it publishes on-chain (`ServiceRegistry.setServiceURI`) — signed offers, quotes, prompt
 * uploads of jobs assigned to it and signed batch requests, each answered with the tokens streamed as
 * the backend generates them, then proved and settled — and follows the chain by events. There is no
 * relay: gateways and coordinators talk to the miner directly.
 *
 * State lives in the miner's SQLite store (`node/shared/store.ts`): the job journal (`journal.ts`) and
 * the event cursors. Each poll is a fixed handful of RPC calls however many jobs wait out their
 * challenge window: the chain time, the jobs *due* by their journaled `challengeEnds`, the escrows'
 * withdrawable balances, and the event followers' one `eth_blockNumber` + `eth_getLogs`.
 *
 * Limits (`limits.ts`): at most `maxConcurrent` jobs accepted and not yet answered (outstanding quotes
 * count), `cpuShare` of the cores as inference/proof workers, and no new work while memory (RSS or the
 * system's, or the GPUs' with `nvidia-smi`) is above its share: capacity 0, `/health` degraded.
 */
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { basename, dirname, extname, join } from "node:path";

import { batchEscrowAbi, jobEscrowAbi } from "@aitbc/sdk";
import { JobArchive } from "../archive/archive.js";
import type { InferenceBackend } from "../backends/backend.js";
import { followLogs } from "../shared/follow.js";
import { listen } from "../shared/listen.js";
import { createNodeMetrics, type NodeMetrics } from "../shared/metrics.js";
import { limiter, sleep } from "../shared/retry.js";
import { openStore, type Store } from "../shared/store.js";
import type { MinerAccount } from "./account.js";
import { createMinerServer } from "./api/server.js";
import { BatchSettler, defaultBatchProver, onBatchLogs, type BatchProver, type BatchSettings, type InferenceEvidenceBuilder } from "./batcher.js"; // prettier-ignore
import type { MinerContext } from "./context.js";
import type { GpuDeclaration } from "./gpu.js";
import { JobRunner } from "./jobs.js";
import { JobJournal } from "./journal.js";
import { ResourceLimits, type ResourceLimitOptions } from "./limits.js";
import { OfferBook } from "./offers.js";
import { QuoteDesk } from "./quotes.js";
import { ensureRegistered, loadModels, publishServiceUri } from "./registration.js";
import { collectEarnings } from "./rewards.js";
import { onEscrowLogs, reconcileJobs } from "./settle.js";
import { StreamHub } from "./streams.js";
import { tick } from "./tick.js";

/** Default asking price: 10^15 wei (0.001 AITBC) per token. */
export const DEFAULT_ASK = 10n ** 15n;

/** What a {@link Miner} is built from (amounts in wei, times in ms unless named `…S`). */
export interface MinerOptions {
  account: MinerAccount;
  backend: InferenceBackend;
  /** The provider's identity secret (a BN254 field element). */
  secret: bigint;
  /** The SQLite store (journal, cursors): a path (`":memory:"` for none) or an open store. */
  store: string | Store;
  gpu: GpuDeclaration;
  /** Models to serve (default: all the backend has). */
  models?: string[];
  /** Stake to hold, wei; topped up to at least the staking's minimum. */
  stake?: bigint;
  /** Resource limits (`--max-concurrent`, `--cpu-share`, `--memory-share`, `--gpu-memory-share`). */
  limits?: ResourceLimitOptions;
  /** Proof + submission slots beside the inference slots (default 2, at most the CPU workers). */
  settleConcurrency?: number;
  /** Poll interval, ms (default 300). */
  pollMs?: number;
  /** How often to check for staking rewards, ms (default 60 000; 0 = never). */
  rewardsEveryMs?: number;
  /** Asking price, wei per token (default {@link DEFAULT_ASK}). */
  pricePerToken?: bigint;
  /** Most tokens per job (offers, quotes and batch requests; default 4096). */
  maxTokensPerJob?: number;
  /** Lifetime of a signed quote, seconds of chain time (default 60). */
  quoteTtlS?: number;
  /** Lifetime of a signed offer, seconds (default 120, at most 600). */
  offerTtlS?: number;
  /** Least time from a job's opening to its deadline before the per-token time, seconds (default 300). */
  minJobDurationS?: number;
  /** Batch settlement through `BatchEscrow` (needs its address). Absent: per-job work only. */
  batch?: BatchSettings;
  batchProver?: BatchProver;
  inferenceEvidence?: InferenceEvidenceBuilder;
  /** The job archive's SQLite file (default next to the store, `<name>.archive.sqlite`). */
  archivePath?: string;
  /** Listen address and port of the API (default 127.0.0.1, any free port). */
  host?: string;
  port?: number;
  /** The URI published on-chain (default `http://<host>:<port>`). */
  publicUrl?: string;
  /** First block the event followers read when the store has no cursor (default: the head at start). */
  fromBlock?: bigint;
  log?: (line: string) => void;
}

/** The default archive file of a store: next to it, `<store name without extension>.archive.sqlite`. */
export function defaultArchivePath(storePath: string): string {
  if (storePath === ":memory:") return ":memory:";
  return join(dirname(storePath), `${basename(storePath, extname(storePath))}.archive.sqlite`);
}

/**
 * The edge miner (see the module): `start()` registers, reconciles, serves, publishes and follows;
 * `stop()` finishes the current steps and closes everything.
 */
export class Miner {
  readonly ctx: MinerContext;
  readonly jobs: JobRunner;
  readonly quotes: QuoteDesk;
  readonly offers: OfferBook;
  readonly metrics: NodeMetrics;
  batcher?: BatchSettler;
  /** The URI the miner serves (and publishes), once {@link start} has run. */
  url?: string;
  readonly errors: string[] = [];
  /** Staking rewards claimed and escrow earnings withdrawn, wei. */
  readonly earnings = { rewardsClaimed: 0n, withdrawn: 0n, lastRewardsCheck: 0 };
  private readonly pruned = { lastPrune: 0 };
  private server?: Server;
  private loop?: Promise<void>;
  private stopping = false;
  private readonly followers: { stop(): Promise<void>; caughtUp(): Promise<bigint> }[] = [];
  private readonly startedAt = Date.now();

  constructor(readonly options: MinerOptions) {
    const store = typeof options.store === "string" ? openStore(options.store) : options.store;
    const archivePath = options.archivePath ?? defaultArchivePath(store.path);
    if (archivePath !== ":memory:") mkdirSync(dirname(archivePath), { recursive: true });
    const limits = new ResourceLimits(options.limits);
    const log = options.log ?? ((line: string) => console.log(`[miner ${options.account.address.slice(0, 8)}] ${line}`)); // prettier-ignore
    this.metrics = createNodeMetrics("miner");
    // Ollama runs inference in its own process (on the GPU): its slots are bounded by --max-concurrent
    // only. The built-in model runs on this process's CPU: also by the --cpu-share of the cores.
    // (npm run bench:node: bounding Ollama by the CPU workers capped a 2-core miner at 2 inferences.)
    const workers = options.backend.kind === "ollama" ? limits.maxConcurrent : Math.min(limits.maxConcurrent, limits.workers); // prettier-ignore
    this.ctx = {
      account: options.account,
      backend: options.backend,
      secret: options.secret,
      store,
      journal: new JobJournal(store),
      archive: new JobArchive({ path: archivePath }),
      streams: new StreamHub(),
      models: new Map(),
      ask: options.pricePerToken ?? DEFAULT_ASK,
      maxTokensPerJob: options.maxTokensPerJob ?? 4096,
      gpu: options.gpu,
      limits,
      inferLimit: limiter(workers),
      settleLimit: limiter(Math.max(1, Math.min(options.settleConcurrency ?? 2, limits.workers))),
      metrics: this.metrics,
      timings: [],
      minJobDurationS: options.minJobDurationS ?? 300,
      committed: () => this.jobs.awaitingInference + (this.batcher?.awaitingInference ?? 0) + this.quotes.outstanding, // prettier-ignore
      stopping: () => this.stopping,
      log,
      note: (line, kind = "other") => {
        this.errors.push(line);
        this.metrics.errors.inc({ kind });
        log(line);
      },
    };
    this.quotes = new QuoteDesk(this.ctx, options.quoteTtlS);
    this.offers = new OfferBook(this.ctx, options.offerTtlS);
    this.jobs = new JobRunner(this.ctx, this.quotes);
  }

  get address() {
    return this.ctx.account.address;
  }

  /** Phase times of the `JobEscrow` jobs this process submitted (ms). */
  get timings() {
    return this.ctx.timings;
  }

  /** The base URL (the archive routes are on the same server as the API). */
  get archiveUrl() {
    return this.url;
  }

  get journal() {
    return this.ctx.journal;
  }

  get archive() {
    return this.ctx.archive;
  }

  /** Registers, reconciles the journal with the chain, serves the API, publishes its URI, follows the chain. */
  async start(): Promise<void> {
    await loadModels(this.ctx, this.options.models);
    await ensureRegistered(this.ctx, this.options.stake);
    if (this.options.batch) {
      if (!this.ctx.account.contracts.BatchEscrow) throw new Error("batch settlement needs the deployment's BatchEscrow address"); // prettier-ignore
      this.batcher = new BatchSettler(this.ctx, this.options.batch, this.options.batchProver ?? defaultBatchProver, this.options.inferenceEvidence); // prettier-ignore
    }
    await reconcileJobs(this.ctx);
    await this.batcher?.reconcile();
    await this.serve();
    try {
      await publishServiceUri(this.ctx, this.url!);
      await this.follow();
    } catch (error) {
      await this.closeServer();
      throw error;
    }
    this.ctx.limits.startGpuSampling();
    this.loop = this.run();
  }

  private async serve(): Promise<void> {
    const server = createMinerServer({ ctx: this.ctx, jobs: this.jobs, quotes: this.quotes, offers: this.offers, batcher: this.batcher, startedAt: this.startedAt }); // prettier-ignore
    const host = this.options.host ?? "127.0.0.1";
    await listen(server, this.options.port ?? 0, host);
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.url = this.options.publicUrl ?? `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  }

  /** Follows the escrows' events that name the miner's jobs (disputes, settlements) from the store's cursors. */
  private async follow(): Promise<void> {
    const { account, store } = this.ctx;
    const fromBlock = this.options.fromBlock ?? (await account.public.getBlockNumber());
    const onError = (e: unknown) => this.ctx.note(`following the chain: ${(e as Error).message.split("\n")[0]}`, "rpc"); // prettier-ignore
    const pollingIntervalMs = this.options.pollMs ?? 300;
    this.followers.push(
      followLogs({ client: account.public, address: account.contracts.JobEscrow!, abi: jobEscrowAbi, eventNames: ["JobDisputed", "JobSettled", "DisputeResolved"], store, cursorKey: `miner:${account.address}:JobEscrow`, fromBlock, pollingIntervalMs, onLogs: (logs) => onEscrowLogs(this.ctx, logs), onError }), // prettier-ignore
    );
    if (this.batcher)
      this.followers.push(
        followLogs({ client: account.public, address: account.contracts.BatchEscrow!, abi: batchEscrowAbi, eventNames: ["BatchJobDisputed"], store, cursorKey: `miner:${account.address}:BatchEscrow`, fromBlock, pollingIntervalMs, onLogs: (logs) => onBatchLogs(this.ctx, logs), onError }), // prettier-ignore
      );
  }

  /** Resolves once every follower has read up to the chain's head. */
  async caughtUp(): Promise<void> {
    await Promise.all(this.followers.map((f) => f.caughtUp()));
  }

  /**
   * One poll (see `tick.ts`). Polls run one at a time: a call made while one runs (the run loop's, or a
   * caller's such as the main job's "withdraw now") starts when it ends, so two polls never both see
   * the same withdrawable balance and send two withdrawals (the second would revert
   * `EscrowNothingToWithdraw`). A failed poll does not stop the next one.
   */
  tick(): Promise<void> {
    const run = () => tick(this.ctx, this.jobs, this.batcher, (now) => collectEarnings(this.ctx, this.earnings, this.options.rewardsEveryMs ?? 60_000, now), this.pruned); // prettier-ignore
    const next = this.lastTick.then(run, run);
    this.lastTick = next.catch(() => undefined);
    return next;
  }

  /** The poll in progress (or the last one), settled; {@link tick} chains on it. */
  private lastTick: Promise<void> = Promise.resolve();

  /** Polls completed by the run loop (tests count RPC calls per poll). */
  ticks = 0;

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.tick();
        this.ticks++;
      } catch (error) {
        this.ctx.note(`poll failed: ${(error as Error).message.split("\n")[0]}`, "rpc");
      }
      await this.nap(this.options.pollMs ?? 300);
    }
  }

  /** Sleeps until the next poll, or until {@link stop} wakes the loop. */
  private nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private wake?: () => void;

  /** Stops taking work, lets running steps finish, closes the server, the archive and the store. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    await Promise.all(this.followers.map((f) => f.stop()));
    await this.batcher?.idle();
    while (this.ctx.inferLimit.active + this.ctx.settleLimit.active > 0) await sleep(50);
    this.ctx.limits.stop();
    await this.closeServer();
    this.ctx.archive.close();
    this.ctx.store.close();
  }

  private async closeServer(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
