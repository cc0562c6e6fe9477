/**
 * The coordinator: runs the off-chain relay, watches JobEscrow, re-executes a sample of submitted
 * jobs (proof of sampling: same model digest, seed, temperature 0) and files a dispute when the
 * output hash differs, and reports providers' performance (latency, availability) to the
 * reputation registry's oracle role (`setComponent(provider, Performance, value)`).
 *
 * Matching: the relay's `/v1/match` ranks the fresh offers (miners' heartbeats: models, asked price,
 * spare capacity) for a consumer's request with the SDK's `rankOffers`, each provider weighted by
 * its on-chain trust score (the SDK's `getTrustScore`, cached for `trustCacheMs`). The consumer
 * then asks the best provider for a signed quote and opens the job with `openJobWithQuote`; a job
 * opened without a quote is still matched by the providers themselves (first valid `claim` wins;
 * the escrow checks model, stake and tier).
 */
import { keccak256, toHex, maxUint256, type Address } from "viem";

import { rankOffers, type RankOffersOptions } from "../../../sdk/src/agents/matcher.js";
import { getTrustScore } from "../../../sdk/src/actions/reputation.js";
import type { Hex } from "../../../sdk/src/zk/field.js";
import { ChainAdapter, revertName } from "../chain.js";
import type { InferenceBackend } from "../ollama/backend.js";
import { outputHash } from "../protocol.js";
import { sleep } from "../retry.js";
import { startRelay, type MatchedOffer, type MatchRequest, type Offer, type Relay } from "./relay.js";

export interface CoordinatorOptions {
  chain: ChainAdapter;
  /** Re-execution backends by model digest (lower-case hex). */
  verifiers: Map<string, { model: string; backend: InferenceBackend }>;
  /** Share of submitted jobs re-executed (0–1, default 0.25). */
  sampleRate?: number;
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

/** Deterministic sampling: job ids whose keccak falls below the rate. */
export function sampled(jobId: bigint, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  const h = BigInt(keccak256(toHex(`aitbc-sample-${jobId}`)));
  return Number(h % 10_000n) < rate * 10_000;
}

export class Coordinator {
  relay!: Relay;
  readonly metrics = new Map<string, ProviderMetrics>();
  readonly disputes: { jobId: bigint; provider: Address; expected: Hex; submitted: Hex }[] = [];
  readonly checks: { jobId: bigint; match: boolean }[] = [];
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
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    await this.relay.close();
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
        if (job.status === "Submitted" && sampled(id, this.options.sampleRate ?? 0.25))
          await this.reexecute(id, job.provider, job.modelDigest, job.promptHash);
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

  /** Re-executes one job and disputes it when the output hash differs. */
  async reexecute(jobId: bigint, provider: Address, modelDigest: Hex, promptHash: Hex): Promise<void> {
    const verifier = this.options.verifiers.get(modelDigest.toLowerCase());
    const payload = this.relay.state.prompts.get(promptHash.toLowerCase());
    const sub = await this.options.chain.submission(jobId);
    if (!verifier || !payload || !sub) return;
    const result = await verifier.backend.infer({
      model: verifier.model,
      ...(payload.messages ? { messages: payload.messages } : { prompt: payload.prompt ?? "" }),
      seed: payload.seed,
      maxTokens: Number(sub.tokenCount) + 64,
    });
    const expected = outputHash(result.output);
    const match = expected.toLowerCase() === sub.outputHash.toLowerCase();
    this.metricsOf(provider).sampled++;
    this.checks.push({ jobId, match });
    if (match) return;
    try {
      await this.options.chain.write("escrow", "dispute", [jobId]);
      this.metricsOf(provider).disputed++;
      this.disputes.push({ jobId, provider, expected, submitted: sub.outputHash });
      this.log(`job ${jobId}: re-execution gave a different output; dispute filed against ${provider}`);
    } catch (error) {
      this.log(`job ${jobId}: dispute failed (${revertName(error) ?? (error as Error).message})`);
    }
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
