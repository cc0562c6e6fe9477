/**
 * The coordinator: runs the off-chain relay, runs a {@link Watcher} over JobEscrow (and BatchEscrow when
 * deployed) — the same public sampling rule any watcher applies (`IMarketPolicy.isSampled`, seed = hash
 * of the block that included the result), re-execution with the same model digest, seed and
 * temperature 0, and a dispute when the output hash or the token count differs or when nobody serves
 * the job's data — and reports providers' performance (latency, availability) to the reputation
 * registry's oracle role (`setComponent(provider, Performance, value)`).
 *
 * Matching: the relay's `/v1/match` ranks the fresh offers (miners' heartbeats: models, asked price,
 * spare capacity) for a consumer's request with the SDK's `rankOffers`, each provider weighted by
 * its on-chain trust score (the SDK's `getTrustScore`, cached for `trustCacheMs`). The consumer
 * then asks the best provider for a signed quote and opens the job with `openJobWithQuote`; a job
 * opened without a quote is still matched by the providers themselves (first valid `claim` wins;
 * the escrow checks model, stake and tier).
 */
import { maxUint256, type Address } from "viem";

import { getTrustScore, rankOffers, type AitbcContracts, type Hex, type RankOffersOptions } from "@aitbc/sdk";
import { httpArchiveSource, functionArchiveSource, type ArchiveSource } from "../archive/client.js";
import { ChainAdapter, revertName } from "../shared/chain.js";
import type { InferenceBackend } from "../backends/backend.js";
import { canonicalPayload } from "../shared/protocol.js";
import { sleep } from "../shared/retry.js";
import { Watcher, type WatchCheck, type WatchedJob } from "../watcher/watcher.js";
import { startRelay, type MatchedOffer, type MatchRequest, type Offer, type Relay } from "./relay.js";

export interface CoordinatorOptions {
  chain: ChainAdapter;
  /** Re-execution backends by model digest (lower-case hex). */
  verifiers: Map<string, { model: string; backend: InferenceBackend }>;
  /**
   * Re-execute this share (0–1) instead of the policy's rate — same public draw, so a higher share checks
   * a superset of the rule's sample. Default: the policy's `sampleRateBps()` (1,000 bps without a policy).
   */
  sampleRate?: number;
  /** Extra addresses: `BatchEscrow` (watched when present) and `MarketPolicy` (the sample rate, checkers). */
  contracts?: AitbcContracts;
  /** Base URLs of archives to fetch job data from (miners', gateways'), after the relay's own copy. */
  archives?: readonly string[];
  /** Where the archives of a job's provider and consumer are (e.g. from a registry), asked first. */
  archivesOf?: (job: WatchedJob) => readonly string[] | Promise<readonly string[]>;
  /** First block the watcher scans (default 0). */
  fromBlock?: bigint;
  /** Report performance to the reputation oracle role every this many ms (0: never; default 10 s). */
  reportEveryMs?: number;
  pollMs?: number;
  /** Trust scores read for matching are reused for this long (ms, default 5 000). */
  trustCacheMs?: number;
  /** Offers without a heartbeat for this long are not matched (ms, default 10 000). */
  offerTtlMs?: number;
  /** Weights of `rankOffers` (default the SDK's: price 0.5, trust 0.3, capacity 0.2). */
  matchWeights?: RankOffersOptions["weights"];
  /** How many ranked offers `/v1/match` returns (default 5). */
  matchLimit?: number;
  host?: string;
  port?: number;
  log?: (line: string) => void;
}

export interface ProviderMetrics {
  provider: Address;
  claimed: number;
  submitted: number;
  expired: number;
  /** Sum of observed claim → submission latencies (ms). */
  latencyMsTotal: number;
  sampled: number;
  disputed: number;
}

/** A re-execution the coordinator's watcher made (jobs it sampled and could check). */
export interface CoordinatorCheck {
  jobKey: Hex;
  jobId?: bigint;
  batchId?: bigint;
  index?: bigint;
  outcome: WatchCheck["outcome"];
  match: boolean;
}

/** A dispute the coordinator's watcher filed. */
export interface CoordinatorDispute {
  jobKey: Hex;
  jobId?: bigint;
  batchId?: bigint;
  index?: bigint;
  provider: Address;
  /** The re-executed output's hash (absent when the data were withheld). */
  expected?: Hex;
  submitted: Hex;
  reason: string;
  hash: Hex;
}

export class Coordinator {
  relay!: Relay;
  readonly metrics = new Map<string, ProviderMetrics>();
  /** The disputes filed. */
  readonly disputes: CoordinatorDispute[] = [];
  /** The sampled jobs it re-executed (or found withheld). */
  readonly checks: CoordinatorCheck[] = [];
  watcher!: Watcher;
  private readonly seen = new Map<string, { status: string; claimedAt?: number }>();
  private cursor = 1n;
  private stopping = false;
  private loop?: Promise<void>;
  private lastReport = Date.now();
  private readonly log: (line: string) => void;
  private readonly trustCache = new Map<string, { at: number; score: Promise<number> }>();

  constructor(readonly options: CoordinatorOptions) {
    this.log = options.log ?? ((line) => console.log(`[coordinator] ${line}`));
  }

  async start(): Promise<void> {
    this.relay = await startRelay({
      host: this.options.host,
      port: this.options.port,
      metrics: () => this.summary(),
      match: (request, offers) => this.match(request, offers),
      offerTtlMs: this.options.offerTtlMs,
    });
    const allowance = await this.options.chain.read<bigint>("token", "allowance", [
      this.options.chain.address,
      this.options.chain.config.addresses.escrow,
    ]);
    if (allowance === 0n)
      await this.options.chain.write("token", "approve", [
        this.options.chain.config.addresses.escrow,
        maxUint256,
      ]);
    this.watcher = new Watcher({
      chain: this.options.chain,
      contracts: { ...this.options.chain.contracts, ...this.options.contracts },
      backends: this.options.verifiers,
      sources: (job) => this.sourcesOf(job),
      ...(this.options.sampleRate === undefined
        ? {}
        : { sampleRateBps: Math.round(this.options.sampleRate * 10_000) }),
      ...(this.options.fromBlock === undefined ? {} : { fromBlock: this.options.fromBlock }),
      pollMs: this.options.pollMs ?? 250,
      onCheck: (check) => this.recordCheck(check),
      log: this.log,
    });
    this.watcher.start();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.watcher?.stop();
    await this.relay.close();
  }

  /** The relay's copy first (prompts by hash, outputs by job id or job key), then the archives. */
  private async sourcesOf(job: WatchedJob): Promise<ArchiveSource[]> {
    const { prompts, results } = this.relay.state;
    const relay = functionArchiveSource("coordinator relay", (_key, part) => {
      if (part === "payload") {
        const p = prompts.get(job.promptHash.toLowerCase());
        return p ? canonicalPayload(p) : undefined;
      }
      const key = job.jobId?.toString() ?? job.jobKey;
      return (results.get(key) ?? results.get(key.toLowerCase()))?.output;
    });
    const urls = [...((await this.options.archivesOf?.(job)) ?? []), ...(this.options.archives ?? [])];
    return [relay, ...urls.map((u) => httpArchiveSource(u))];
  }

  private recordCheck(check: WatchCheck): void {
    const { job } = check;
    if (!["match", "mismatch", "withheld"].includes(check.outcome)) return;
    const ids = { jobKey: job.jobKey, jobId: job.jobId, batchId: job.batchId, index: job.index };
    const m = this.metricsOf(job.provider);
    m.sampled++;
    this.checks.push({ ...ids, outcome: check.outcome, match: check.outcome === "match" });
    if (check.dispute === undefined) return;
    m.disputed++;
    this.disputes.push({
      ...ids,
      provider: job.provider,
      expected: check.expected?.outputHash,
      submitted: job.outputHash,
      reason: check.reason ?? check.outcome,
      hash: check.dispute,
    });
  }

  /** A provider's on-chain trust score (0–1000), cached for `trustCacheMs`. */
  private trustScore(provider: Address): Promise<number> {
    const key = provider.toLowerCase();
    const cached = this.trustCache.get(key);
    if (cached && Date.now() - cached.at < (this.options.trustCacheMs ?? 5_000)) return cached.score;
    const { chain } = this.options;
    const score = getTrustScore(chain.public, { contracts: chain.contracts, agent: provider }).then((t) =>
      Number(t.score),
    );
    this.trustCache.set(key, { at: Date.now(), score });
    score.catch(() => this.trustCache.delete(key));
    return score;
  }

  /**
   * Ranks the fresh offers for one request (the relay's `/v1/match`): offers for the model with
   * spare capacity, at most the consumer's price, weighted by on-chain trust, best first (SDK
   * `rankOffers`). The consumer itself is never offered to itself.
   */
  async match(request: MatchRequest, offers: readonly Offer[]): Promise<MatchedOffer[]> {
    const digest = request.modelDigest.toLowerCase();
    const candidates = offers.filter(
      (o) =>
        o.capacity > 0 &&
        o.provider.toLowerCase() !== request.consumer.toLowerCase() &&
        o.models.some((m) => m.digest.toLowerCase() === digest),
    );
    const scored = await Promise.all(
      candidates.map(async (o) => ({
        provider: o.provider,
        pricePerToken: o.pricePerToken,
        capacity: o.capacity,
        modelDigest: request.modelDigest,
        trustScore: await this.trustScore(o.provider),
      })),
    );
    return rankOffers(scored, {
      modelDigest: request.modelDigest,
      maxPricePerToken: request.maxPricePerToken,
      weights: this.options.matchWeights,
      limit: this.options.matchLimit ?? 5,
    }).map((o) => ({
      provider: o.provider,
      pricePerToken: o.pricePerToken,
      capacity: o.capacity,
      trustScore: Number(o.trustScore),
      score: o.score,
    }));
  }

  private metricsOf(provider: Address): ProviderMetrics {
    const key = provider.toLowerCase();
    let m = this.metrics.get(key);
    if (!m) {
      m = { provider, claimed: 0, submitted: 0, expired: 0, latencyMsTotal: 0, sampled: 0, disputed: 0 };
      this.metrics.set(key, m);
    }
    return m;
  }

  summary() {
    return [...this.metrics.values()].map((m) => ({
      ...m,
      meanLatencyMs: m.submitted ? Math.round(m.latencyMsTotal / m.submitted) : null,
      availability: m.claimed ? (m.submitted / m.claimed).toFixed(3) : null,
    }));
  }

  private async run() {
    while (!this.stopping) {
      try {
        await this.tick();
      } catch (error) {
        this.log(`poll failed: ${(error as Error).message}`);
      }
      await sleep(this.options.pollMs ?? 250);
    }
  }

  async tick(): Promise<void> {
    const { chain } = this.options;
    const last = await chain.lastJobId();
    let advance = true;
    for (let id = this.cursor; id <= last && !this.stopping; id++) {
      const key = id.toString();
      const job = await chain.job(id);
      const before = this.seen.get(key);
      if (job.status === "Claimed" && !before?.claimedAt) {
        this.metricsOf(job.provider).claimed++;
        this.seen.set(key, { status: job.status, claimedAt: Date.now() });
      } else if (
        (job.status === "Submitted" || job.status === "Settled" || job.status === "Disputed") &&
        before?.status !== "checked"
      ) {
        const m = this.metricsOf(job.provider);
        if (!before?.claimedAt) m.claimed++;
        m.submitted++;
        if (before?.claimedAt) m.latencyMsTotal += Date.now() - before.claimedAt;
        this.seen.set(key, { status: "checked" });
      } else if (job.status === "Refunded" && before?.claimedAt) {
        this.metricsOf(job.provider).expired++;
        this.seen.set(key, { status: "checked" });
      }
      const final =
        this.seen.get(key)?.status === "checked" || job.status === "Refunded" || job.status === "Settled";
      if (advance && final) this.cursor = id + 1n;
      else advance = false;
    }
    const every = this.options.reportEveryMs ?? 10_000;
    if (every > 0 && Date.now() - this.lastReport >= every) await this.reportPerformance();
  }

  /**
   * Writes each provider's performance component (−200…+200): availability (submitted/claimed)
   * scaled to ±100 plus a latency term (+100 at ≤ 1 s mean, falling to −100 at ≥ 60 s).
   * Needs the reputation registry's ORACLE_ROLE.
   */
  async reportPerformance(): Promise<{ provider: Address; value: bigint }[]> {
    this.lastReport = Date.now();
    const written: { provider: Address; value: bigint }[] = [];
    for (const m of this.metrics.values()) {
      if (m.claimed === 0) continue;
      const availability = Math.round((m.submitted / m.claimed) * 200 - 100);
      const mean = m.submitted ? m.latencyMsTotal / m.submitted / 1000 : 60;
      const latency = Math.round(100 - Math.min(200, Math.max(0, ((mean - 1) / 59) * 200)));
      const value = BigInt(Math.max(-200, Math.min(200, availability + latency)));
      try {
        await this.options.chain.write(
          "reputation",
          "setComponent",
          [m.provider, 0, value],
          "setComponent (oracle)",
        );
        written.push({ provider: m.provider, value });
      } catch (error) {
        this.log(
          `performance report for ${m.provider} failed (${revertName(error) ?? (error as Error).message})`,
        );
      }
    }
    return written;
  }
}
