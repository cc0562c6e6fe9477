/**
 * `npm run bench:node`: the node wing against the backend alone (issue 15's figures).
 *
 * The Ollama-API test server answers with realistic timing ({@link REALISTIC_TIMING}: 40 ms of
 * prompt evaluation, 15 ms per token, 64-token answers). The official `ollama` client sends
 * streamed requests (`stream: true`) at concurrency 1, 4 and 16:
 *
 * 1. straight to the test server (the backend alone);
 * 2. to the gateway of a whole network run as separate processes (`hardhat node`, deploy,
 *    coordinator, two miners on that test server, gateway: see bench/node-network.ts).
 *
 * For each it records time to first token and full latency (median, p95), the per-job overhead
 * (gateway − backend), the throughput ratio (jobs/s through the protocol ÷ jobs/s of the backend
 * alone at the same concurrency), then sends more jobs up to 1,000 in all and reads the resident
 * memory of each process. Prints a table and writes bench/node-results.json.
 *
 * Environment: `BENCH_NODE_JOBS` (jobs through the gateway before the memory reading, default
 * 1000), `BENCH_NODE_SCALE` (multiplies the requests per concurrency, default 1),
 * `BENCH_NODE_BACKEND_ONLY=1` (only the backend-alone half), `BENCH_NODE_OUT` (result file).
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";

import { FAKE_MODELS, REALISTIC_TIMING, startFakeOllama, fakeAnswer } from "../test/helpers/ollama-server.js";
import { startNetwork, type Network } from "./node-network.js";
import { renderReport, type Comparison, type NodeResults } from "./node-report.js";
import { runLoad, summarize, type LoadRun } from "./node-stats.js";

const ROOT = resolve(import.meta.dirname, "..");
const MODEL = "llama3.2:1b";
const CONCURRENCIES = [1, 4, 16] as const;
const SCALE = Number(process.env.BENCH_NODE_SCALE ?? 1);
/** Requests per concurrency: enough samples for a p95 (≥ 20), about the same wall time each. */
const REQUESTS: Record<number, number> = { 1: Math.round(24 * SCALE), 4: Math.round(48 * SCALE), 16: Math.round(128 * SCALE) }; // prettier-ignore
const MEMORY_JOBS = Number(process.env.BENCH_NODE_JOBS ?? 1000);
const MINER_CONCURRENCY = 8;

const log = (line: string) => console.log(`bench:node: ${line}`);

/** The figures of one run at one concurrency. */
function figures(run: LoadRun) {
  return {
    requests: run.samples.length + run.failures.length,
    failed: run.failures.length,
    failures: summarizeFailures(run),
    firstTokenMs: summarize(run.samples.map((s) => s.firstTokenMs)),
    fullMs: summarize(run.samples.map((s) => s.fullMs)),
    jobsPerSecond: Math.round(run.jobsPerSecond * 1000) / 1000,
  };
}

/** Distinct failure messages of a run with their counts. */
function summarizeFailures(run: LoadRun): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of run.failures) out[f.error] = (out[f.error] ?? 0) + 1;
  return out;
}

/** Throws unless every answer of the backend alone is the test server's deterministic answer. */
function checkBackendAnswers(run: LoadRun, prompt: (i: number) => string) {
  if (run.failures.length > 0)
    throw new Error(`the backend alone failed: ${JSON.stringify(run.failures[0])}`);
  for (const s of run.samples) {
    const expected = fakeAnswer(MODEL, prompt(s.index), 0, REALISTIC_TIMING.answerTokens).join("");
    if (s.text !== expected) throw new Error(`backend answer ${s.index} differs: ${JSON.stringify(s.text)}`);
  }
}

/** Moves the answers through the gateway that lack the test server's length in words to the failures. */
function checkGatewayAnswers(run: LoadRun) {
  const words = REALISTIC_TIMING.answerTokens! - 1;
  const wrong = run.samples.filter((s) => s.text.replace(/\.$/, "").trim().split(/\s+/).length !== words);
  for (const s of wrong) run.failures.push({ index: s.index, error: `wrong answer (not ${words} words)` });
  run.samples = run.samples.filter((s) => !wrong.includes(s));
}

type Figures = ReturnType<typeof figures>;

/** One run of `REQUESTS[c]` streamed requests at concurrency `c` against `host`, checked. */
async function measure(path: "backend" | "gateway", host: string, c: number): Promise<Figures> {
  const prompt = (i: number) => `${path} c${c} question ${i}: what is the weather in oslo`;
  const run = await runLoad({ host, model: MODEL, requests: REQUESTS[c]!, concurrency: c, prompt });
  if (path === "backend") checkBackendAnswers(run, prompt);
  else checkGatewayAnswers(run);
  const out = figures(run);
  log(
    `${path === "backend" ? "backend alone" : "through the gateway"}, concurrency ${c}: ${JSON.stringify(out)}`,
  );
  return out;
}

/** A model in the gateway's `/api/tags`. */
interface Tag {
  name: string;
  aitbc?: { providers?: unknown[] | number };
}

/** Waits until the gateway lists the model (with two providers where it says so), then warms up. */
async function warmUp(network: Network) {
  await network.processes.waitFor("the gateway to list the model with both miners", async () => {
    const tags = (await (await fetch(`${network.gatewayUrl}/api/tags`)).json()) as { models: Tag[] };
    const providers = tags.models.find((x) => x.name === MODEL)?.aitbc?.providers;
    // the relay-era gateway lists the providers, the rewritten one counts them
    return (Array.isArray(providers) ? providers.length : (providers ?? 0)) >= 2;
  });
  await network.processes.waitFor("a first answer through the gateway", async () => {
    const run = await runLoad({ host: network.gatewayUrl, model: MODEL, requests: 1, concurrency: 1, prompt: () => `warm-up ${Date.now()}` }); // prettier-ignore
    return run.samples.length === 1;
  });
  await runLoad({ host: network.gatewayUrl, model: MODEL, requests: 8, concurrency: 4, prompt: (i) => `warm-up batch ${i}` }); // prettier-ignore
  return 1 + 8;
}

/**
 * At each concurrency, the backend alone and then through the gateway, one after the other while
 * the network runs (idle during the backend's run), so both see the same machine.
 */
async function sideBySide(ollamaUrl: string, network: Network | undefined) {
  const backend: Record<number, Figures> = {};
  const gateway: Record<number, Figures> = {};
  for (const c of CONCURRENCIES) {
    backend[c] = await measure("backend", ollamaUrl, c);
    if (network) gateway[c] = await measure("gateway", network.gatewayUrl, c);
  }
  const sent = Object.values(gateway).reduce((n, f) => n + f.requests, 0);
  return { backend, gateway, sent };
}

/** Sends jobs at concurrency 16 until `MEMORY_JOBS` went through the gateway; reads memory. */
async function memoryAfterJobs(network: Network, sent: number) {
  const before = await network.processes.memory();
  const remaining = Math.max(0, MEMORY_JOBS - sent);
  let done = 0;
  const trace: { jobs: number; rssBytes: Record<string, number> }[] = [];
  const cpuBefore = network.processes.cpuNow();
  const run = await runLoad({
    host: network.gatewayUrl,
    model: MODEL,
    requests: remaining,
    concurrency: 16,
    prompt: (i) => `memory run question ${i}: is it going to rain`,
    onSample: () => {
      if (++done % 100 !== 0) return;
      const rss = network.processes.rssNow();
      trace.push({ jobs: sent + done, rssBytes: rss });
      log(`memory run: ${sent + done} jobs through the gateway; RSS ${Object.entries(rss).map(([n, b]) => `${n} ${Math.round(b / 2 ** 20)} MB`).join(", ")}`); // prettier-ignore
    },
  });
  checkGatewayAnswers(run);
  const cpuAfter = network.processes.cpuNow();
  const cpuMsPerJob = Object.fromEntries(Object.entries(cpuAfter).map(([name, cpu]) => [name, remaining > 0 ? Math.round(((cpu - (cpuBefore[name] ?? 0)) / remaining) * 10_000) / 10 : 0])); // prettier-ignore
  const after = await network.processes.memory();
  return {
    before,
    after,
    trace,
    cpuMsPerJob,
    jobs: sent + remaining,
    sustained: remaining > 0 ? figures(run) : undefined,
  };
}

function compare(backend: Record<number, Figures>, gateway: Record<number, Figures>): Comparison[] {
  return CONCURRENCIES.map((c) => {
    const b = backend[c]!;
    const g = gateway[c]!;
    const d = (x: number, y: number) => Math.round((x - y) * 10) / 10;
    return {
      concurrency: c,
      firstTokenOverheadMs: { median: d(g.firstTokenMs.median, b.firstTokenMs.median), p95: d(g.firstTokenMs.p95, b.firstTokenMs.p95) }, // prettier-ignore
      fullOverheadMs: { median: d(g.fullMs.median, b.fullMs.median), p95: d(g.fullMs.p95, b.fullMs.p95) },
      throughputRatio: Math.round((g.jobsPerSecond / b.jobsPerSecond) * 1000) / 1000,
    };
  });
}

async function main() {
  const fake = await startFakeOllama({ faults: { ...REALISTIC_TIMING } });
  const results: NodeResults = {
    date: new Date().toISOString(),
    commit: execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT }).toString().trim(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}`,
    node: process.version,
    timing: { promptEvalMs: REALISTIC_TIMING.delayMs, tokenMs: REALISTIC_TIMING.tokenDelayMs, answerTokens: REALISTIC_TIMING.answerTokens! }, // prettier-ignore
    minerConcurrency: MINER_CONCURRENCY,
    backend: {},
  };
  let network: Network | undefined;
  try {
    await runLoad({
      host: fake.url,
      model: MODEL,
      requests: 4,
      concurrency: 2,
      prompt: (i) => `warm-up ${i}`,
    });
    let warm = 0;
    if (process.env.BENCH_NODE_BACKEND_ONLY !== "1") {
      network = await startNetwork({ ollamaUrl: fake.url, model: MODEL, modelDigest: `0x${FAKE_MODELS[0]!.digest}`, minerConcurrency: MINER_CONCURRENCY, log }); // prettier-ignore
      results.relay = network.relay;
      warm = await warmUp(network);
    }
    const inferenceBefore = fake.requests;
    const runs = await sideBySide(fake.url, network);
    results.backend = runs.backend;
    if (network) {
      results.gateway = runs.gateway;
      results.comparison = compare(runs.backend, runs.gateway);
      results.memory = await memoryAfterJobs(network, warm + runs.sent);
      const backendRequests = Object.values(runs.backend).reduce((n, f) => n + f.requests, 0);
      const gatewayJobs = results.memory.jobs - warm;
      results.inferenceRequestsPerJob = Math.round(((fake.requests - inferenceBefore - backendRequests) / gatewayJobs) * 1000) / 1000; // prettier-ignore
    }
  } finally {
    await network?.stop();
    await fake.close();
  }
  console.log(renderReport(results));
  const out = process.env.BENCH_NODE_OUT ?? join(ROOT, "bench", "node-results.json");
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${out}`);
}

await main();
