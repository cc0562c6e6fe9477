/**
 * The miner pipeline's figures (issue 8): jobs per minute through the gateway with the built-in
 * backend, the miner's overhead (receipt proving + settlement) as a share of job time with a
 * 2 s-per-answer Ollama-API test server, and settlement latency from result to finalization.
 *
 * Timings only (no gas rows), so the section needs no gas snapshots. Not yet in
 * `bench/sections.ts`: add `{ name: "pipeline", run: benchPipeline }` there.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { network } from "hardhat";
import { Ollama } from "ollama";
import type { Address, EIP1193Provider } from "viem";

import { ChainAdapter, type MarketAddresses } from "../scripts/lib/chain.js";
import { startRelay } from "../scripts/lib/coordinator/relay.js";
import { startGateway } from "../scripts/lib/gateway/server.js";
import { Miner } from "../scripts/lib/miner/miner.js";
import { BUILTIN_MODEL_NAME, BuiltinBackend, OllamaBackend, type InferenceBackend } from "../scripts/lib/ollama/backend.js"; // prettier-ignore
import { limiter, sleep } from "../scripts/lib/retry.js";
import { releaseProverResources } from "../sdk/src/zk/proof.js";
import { deployMarket, PRICE, SECRET_1, SECRET_2, Status } from "../test/helpers/market.js";
import { startFakeOllama } from "../test/helpers/ollama-server.js";
import { median, type BenchRow, type BenchSection } from "./lib.js";

interface RunResult {
  jobsPerMinute: number;
  perJob: { inferenceMs: number; proveMs: number; submitMs: number }[];
  settleWallMs: number;
  challengeWindowS: number;
}

/** Deploys the market, runs 2 miners + relay + gateway, sends `jobs` prompts at `concurrency`. */
async function runPipeline(
  backend: () => InferenceBackend,
  model: string,
  jobs: number,
  concurrency: number,
): Promise<RunResult> {
  const connection = await network.create();
  const rpc = connection.provider as unknown as EIP1193Provider;
  const market = await deployMarket(connection);
  const addresses: MarketAddresses = {
    token: (await market.token.getAddress()) as Address,
    staking: (await market.staking.getAddress()) as Address,
    escrow: (await market.escrow.getAddress()) as Address,
    reputation: (await market.reputation.getAddress()) as Address,
  };
  const adapter = (a: string) =>
    new ChainAdapter({ rpc, account: a as Address, addresses, pollingIntervalMs: 20 });
  const dir = mkdtempSync(join(tmpdir(), "aitbc-bench-"));
  const relay = await startRelay();
  const gpu = { model: "bench", vramGb: 1, throughput: 1, source: "flags" as const };
  const miners = [
    new Miner({ chain: adapter(market.provider1.address), backend: backend(), models: [model], relayUrl: relay.url, secret: SECRET_1, journalPath: join(dir, "1.jsonl"), gpu, pollMs: 50, concurrency: 2, log: () => undefined }), // prettier-ignore
    new Miner({ chain: adapter(market.provider2.address), backend: backend(), models: [model], relayUrl: relay.url, secret: SECRET_2, journalPath: join(dir, "2.jsonl"), gpu, pollMs: 50, concurrency: 2, log: () => undefined }), // prettier-ignore
  ];
  for (const m of miners) await m.start();
  const gateway = await startGateway({ chain: adapter(market.consumer.address), relayUrl: relay.url, pricePerToken: PRICE, resultTimeoutMs: 300_000 }); // prettier-ignore
  const client = new Ollama({ host: gateway.url });
  const topics = ["will it snow in oslo tomorrow", "who won the tennis final", "should i sell my bonds", "which phone has the best chip"]; // prettier-ignore
  const limit = limiter(concurrency);
  const started = performance.now();
  const ids = await Promise.all(
    Array.from({ length: jobs }, (_, i) =>
      limit(async () => {
        const r = await client.generate({ model, prompt: `${topics[i % 4]} ${i}`, stream: false });
        return BigInt((r as unknown as { aitbc: { job_id: string } }).aitbc.job_id);
      }),
    ),
  );
  const jobsPerMinute = jobs / ((performance.now() - started) / 60_000);
  const challengeWindowS = Number(await market.escrow.challengeWindow());
  await market.networkHelpers.time.increase(challengeWindowS + 1);
  const settleStart = performance.now();
  for (;;) {
    const statuses = await Promise.all(ids.map(async (id) => Number((await market.escrow.jobOf(id)).status)));
    if (statuses.every((s) => s === Status.Settled)) break;
    if (performance.now() - settleStart > 120_000) throw new Error("pipeline bench: jobs did not settle");
    await sleep(20);
  }
  const settleWallMs = performance.now() - settleStart;
  const perJob = miners.flatMap((m) => m.timings);
  for (const m of miners) await m.stop();
  await gateway.close();
  await relay.close();
  rmSync(dir, { recursive: true, force: true });
  return { jobsPerMinute, perJob, settleWallMs, challengeWindowS };
}

export async function benchPipeline(): Promise<BenchSection> {
  const rows: BenchRow[] = [];
  const builtin = await runPipeline(() => new BuiltinBackend(), BUILTIN_MODEL_NAME, 24, 8);
  rows.push({ name: "jobs per minute through the gateway, built-in backend (24 jobs, 8 concurrent clients, 2 miners)", value: Math.round(builtin.jobsPerMinute), unit: "jobs/min" }); // prettier-ignore
  const shares = builtin.perJob.map(
    (j) => (j.proveMs + j.submitMs) / (j.inferenceMs + j.proveMs + j.submitMs),
  );
  rows.push({ name: "built-in: receipt proof + submitResult as a share of the miner's job time (inference incl. its proof)", value: Math.round(median(shares) * 1000) / 10, unit: "%", spread: [Math.round(Math.min(...shares) * 1000) / 10, Math.round(Math.max(...shares) * 1000) / 10] }); // prettier-ignore

  const fake = await startFakeOllama({ faults: { delayMs: 2_000 } });
  try {
    const ollama = await runPipeline(() => new OllamaBackend({ host: fake.url }), "llama3.2:1b", 8, 4);
    const o = ollama.perJob.map((j) => (j.proveMs + j.submitMs) / (j.inferenceMs + j.proveMs + j.submitMs));
    rows.push({ name: "2 s-per-answer Ollama server: receipt proof + submitResult as a share of the miner's job time", value: Math.round(median(o) * 1000) / 10, unit: "%", spread: [Math.round(Math.min(...o) * 1000) / 10, Math.round(Math.max(...o) * 1000) / 10] }); // prettier-ignore
    // inference only: the same 8 answers at the same parallelism (2 miners × 2), straight from the runtime
    const direct = new OllamaBackend({ host: fake.url });
    const limit = limiter(4);
    const t = performance.now();
    await Promise.all(Array.from({ length: 8 }, (_, i) => limit(() => direct.infer({ model: "llama3.2:1b", prompt: `q ${i}`, seed: 0, maxTokens: 64 })))); // prettier-ignore
    const inferenceOnly = 8 / ((performance.now() - t) / 60_000);
    rows.push({ name: "2 s-per-answer Ollama server: jobs/min through the whole protocol (8 jobs, 2 miners × 2)", value: Math.round(ollama.jobsPerMinute * 10) / 10, unit: "jobs/min", anchor: { name: "inference only, same parallelism", value: Math.round(inferenceOnly * 10) / 10 } }); // prettier-ignore
    rows.push({ name: "settlement latency, result → finalization: challenge window (chain time)", value: ollama.challengeWindowS, unit: "s" }); // prettier-ignore
    rows.push({ name: "settlement latency: wall time from the window's end until every job is finalized (24 jobs, built-in)", value: Math.round(builtin.settleWallMs), unit: "ms" }); // prettier-ignore
  } finally {
    await fake.close();
    await releaseProverResources();
  }
  return { title: "Miner pipeline (gateway → miners → proofs → settlement)", rows };
}
