/**
 * The coordinator: an optional matcher/validator beside the network, never in the path of a job (the
 * gateways and miners work without it, and several may run side by side). It
 * - follows `ServiceRegistry`'s `ServiceURIUpdated` to know the providers and their endpoints;
 * - runs a {@link Watcher} over JobEscrow's and BatchEscrow's results (the public sampling rule,
 *   deterministic re-execution from data fetched at the provider's own archive routes and any configured
 *   consumer archive, disputes of mismatches and withheld data);
 * - probes each provider's `GET /health` and `GET /v1/offers` (offers checked with `verifyOffer`);
 * - reports each provider's measured performance to the reputation registry's oracle role;
 * - serves a hint, `GET /v1/providers` (ranked), with `/health` and `/metrics`.
 * Everything it learns (cursors, checks, disputes, probes, reports) lives in its SQLite store: a restart
 * picks up where it was, history included.
 */
import type { Address } from "viem";

import type { AitbcContracts } from "@aitbc/sdk";
import type { InferenceBackend } from "../backends/backend.js";
import { httpArchiveSource, type ArchiveSource } from "../archive/client.js";
import type { Follower } from "../shared/follow.js";
import { createNodeMetrics, type NodeMetrics } from "../shared/metrics.js";
import type { Store } from "../shared/store.js";
import { describeError } from "../watcher/errors.js";
import type { ChainSigner } from "../watcher/signer.js";
import { Watcher, type WatchCheck, type WatchedJob } from "../watcher/watcher.js";
import { followProviders } from "./directory.js";
import { measurePerformance, type ProviderPerformance } from "./performance.js";
import { probeProvider } from "./probe.js";
import { rankProviders, type ProviderListing, type ProviderQuery } from "./ranking.js";
import { reportPerformance, type PerformanceReport, type PerformanceWriter } from "./reporter.js";
import { startCoordinatorServer, type CoordinatorServer } from "./server.js";
import { CoordinatorState } from "./state.js";
import { trustScores } from "./trust.js";

/** Options of {@link Coordinator}. */
export interface CoordinatorOptions {
  /** The coordinator's account: dispute bonds; the registry's ORACLE_ROLE for reports. */
  signer: ChainSigner;
  /** `ServiceRegistry`, `JobEscrow`, `ReputationRegistry`, `AITBCToken`; `BatchEscrow`, `MarketPolicy` if deployed. */
  contracts: AitbcContracts;
  /** Its SQLite store (`openStore(file)`; `":memory:"` forgets on exit). */
  store: Store;
  /** Re-execution backends by model digest (lower-case hex). */
  verifiers: Map<string, { model: string; backend: InferenceBackend }>;
  /** Consumer archives (gateways') to fetch job data from, after the provider's own URI. */
  archives?: readonly string[];
  /** Re-execute this share (0–1) instead of the policy's rate (the same draw: a superset). */
  sampleRate?: number;
  /** First block read when the store has no cursors (default 0). */
  fromBlock?: bigint;
  /** Chain poll interval, ms (default 1 000). */
  pollingIntervalMs?: number;
  /** Probe every provider this often, ms (0: only on demand; default 10 000). */
  probeEveryMs?: number;
  /** Report performance this often, ms (0: only on demand; default 60 000). Needs `writePerformance`. */
  reportEveryMs?: number;
  /** The oracle write (the SDK's action, wired by the program); without it nothing is reported. */
  writePerformance?: PerformanceWriter;
  /** Trust scores are reused this long, ms (default 5 000). */
  trustCacheMs?: number;
  /** Serve the API here (port 0: any free port; undefined: no server). */
  port?: number;
  host?: string;
  log?: (line: string) => void;
}

/** The coordinator (see the module's description). */
export class Coordinator {
  readonly state: CoordinatorState;
  readonly watcher: Watcher;
  readonly metrics: NodeMetrics = createNodeMetrics("coordinator");
  server?: CoordinatorServer;
  private directory?: Follower;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly trust: (provider: Address) => Promise<number>;
  private readonly startedAt = Date.now();
  private readonly log: (line: string) => void;

  /** @param options See {@link CoordinatorOptions}. */
  constructor(readonly options: CoordinatorOptions) {
    this.log = options.log ?? ((line) => console.log(`[coordinator] ${line}`));
    this.state = new CoordinatorState(options.store);
    this.trust = trustScores(options.signer.public, options.contracts, options.trustCacheMs);
    this.watcher = new Watcher({
      signer: options.signer,
      contracts: options.contracts,
      backends: options.verifiers,
      store: options.store,
      sources: (job) => this.sourcesOf(job),
      ...(options.sampleRate === undefined ? {} : { sampleRateBps: Math.round(options.sampleRate * 10_000) }),
      fromBlock: options.fromBlock,
      pollingIntervalMs: options.pollingIntervalMs,
      onCheck: (check) => this.counted(check),
      log: this.log,
    });
  }

  /** Base URL of its API (when serving). */
  get url(): string | undefined {
    return this.server?.url;
  }

  /** Starts following the chain, the periodic probes and reports, and the API. */
  async start(): Promise<void> {
    const onError = (e: unknown) => {
      this.metrics.errors.inc({ kind: "follow" });
      this.log(`follow failed: ${describeError(e)}`);
    };
    this.directory = followProviders({ client: this.options.signer.public, contracts: this.options.contracts, store: this.options.store, state: this.state, fromBlock: this.options.fromBlock, pollingIntervalMs: this.options.pollingIntervalMs ?? 1_000, onError }); // prettier-ignore
    this.watcher.start();
    this.every(this.options.probeEveryMs ?? 10_000, async () => {
      await this.probeAll();
      await this.watcher.claimDue();
    });
    if (this.options.writePerformance)
      this.every(this.options.reportEveryMs ?? 60_000, () => this.reportPerformance().then(() => undefined));
    if (this.options.port !== undefined)
      this.server = await startCoordinatorServer(
        { metrics: this.metrics, health: () => this.health(), providers: (q) => this.providers(q) },
        this.options.host,
        this.options.port,
      );
  }

  /** Resolves once the provider directory and the watcher have handled every block up to the head. */
  async caughtUp(): Promise<void> {
    await Promise.all([this.directory?.caughtUp(), this.watcher.caughtUp()]);
  }

  /** Stops everything (waits for work in progress); the store stays open (the caller owns it). */
  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.server?.close();
    await this.directory?.stop();
    await this.watcher.stop();
  }

  /** Probes every known provider once, storing each probe. */
  async probeAll(): Promise<void> {
    const { signer, contracts } = this.options;
    await Promise.all(
      this.state.providers().map(async ({ provider, uri }) => {
        const probe = await probeProvider(provider, uri, { client: signer.public, contracts });
        if (!probe.ok) this.metrics.errors.inc({ kind: "probe" });
        this.state.addProbe(probe);
      }),
    );
  }

  /** Every known provider's measured performance, from the store. */
  performance(): ProviderPerformance[] {
    const providers = new Map<string, Address>();
    for (const p of this.state.providers()) providers.set(p.provider.toLowerCase(), p.provider);
    for (const c of this.watcher.checks()) providers.set(c.provider.toLowerCase(), c.provider);
    return [...providers.values()].map((p) =>
      measurePerformance(p, this.watcher.checks(p), this.state.probes(p)),
    );
  }

  /** Writes the changed performance values now (see `reporter.ts`). */
  async reportPerformance(): Promise<PerformanceReport[]> {
    if (!this.options.writePerformance) return [];
    return reportPerformance(this.performance(), this.state, this.options.writePerformance, this.log);
  }

  /** The ranked hint of `GET /v1/providers`. */
  async providers(query: ProviderQuery = {}): Promise<ProviderListing[]> {
    const perf = new Map(this.performance().map((p) => [p.provider.toLowerCase(), p]));
    const rows = await Promise.all(
      this.state.providers().map(async (row) => ({
        row,
        last: this.state.probes(row.provider).at(-1),
        trustScore: await this.trust(row.provider),
        performance: perf.get(row.provider.toLowerCase()) ?? measurePerformance(row.provider, [], []),
      })),
    );
    return rankProviders(rows, query);
  }

  /** `GET /health`. */
  async health(): Promise<Record<string, unknown>> {
    const checks = this.watcher.checks();
    return {
      status: "ok",
      address: this.options.signer.address,
      chainId: await this.options.signer.public.getChainId(),
      providers: this.state.providers().length,
      checks: checks.filter((c) => ["match", "mismatch", "withheld"].includes(c.outcome)).length,
      disputes: checks.filter((c) => c.dispute !== undefined).length,
      uptimeS: Math.round((Date.now() - this.startedAt) / 1000),
    };
  }

  /**
   * The provider's own archive routes (at its published URI) first, then the configured archives. Waits
   * for the directory to reach the head first, so a URI published before the result is always known.
   */
  private async sourcesOf(job: WatchedJob): Promise<ArchiveSource[]> {
    await this.directory?.caughtUp();
    const uri = this.state.uriOf(job.provider);
    return [...(uri ? [uri] : []), ...(this.options.archives ?? [])].map((u) => httpArchiveSource(u));
  }

  private counted(check: WatchCheck): void {
    this.metrics.jobs.inc({ outcome: check.outcome });
  }

  /** Runs `fn` every `ms` (0: never), one run at a time; failures are logged and counted. */
  private every(ms: number, fn: () => Promise<void>): void {
    if (ms <= 0) return;
    const tick = () => {
      const timer = setTimeout(() => {
        fn()
          .catch((e: unknown) => {
            this.metrics.errors.inc({ kind: "periodic" });
            this.log(`periodic task failed: ${describeError(e)}`);
          })
          .finally(() => {
            if (this.timers.delete(timer)) tick(); // not after stop()
          });
      }, ms);
      this.timers.add(timer);
    };
    tick();
  }
}
