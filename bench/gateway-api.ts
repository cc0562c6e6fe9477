/**
 * `npm run bench:gateway`: the gateway's API figures of issue 16 (not part of `npm test`).
 *
 * Two Ollama-API test servers with realistic timing ({@link REALISTIC_TIMING}: 40 ms of prompt
 * evaluation, 15 ms per token): one is the miners' runtime (the whole network runs as separate
 * processes, as in `bench:node`: `hardhat node`, deploy, coordinator, two miners, gateway), the other
 * is the gateway's local Ollama (`--local-ollama`), which alone has {@link LOCAL_MODEL}. So
 * {@link NETWORK_MODEL} goes to the network (a paid job) and {@link LOCAL_MODEL} runs locally (no
 * job): the same gateway, both routes.
 *
 * (a) Per-request overhead on a 400-token streamed answer, concurrency 1, median of N: time to first
 *     token and total, straight to the test server vs through the gateway, interleaved in the same
 *     run; for both routes.
 * (b) Requests per second through the gateway at concurrencies 1 … 50 (64-token answers, ~1 s each),
 *     and the first concurrency at which the median latency is at least twice that at concurrency 1;
 *     for both routes.
 *
 * Prints a table and writes bench/gateway-api-results.{json,txt}. Environment: `BENCH_GATEWAY_N`
 * (requests per side in (a), default 9), `BENCH_GATEWAY_OUT` (the JSON file).
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";

import { FAKE_MODELS, REALISTIC_TIMING, startFakeOllama, type FakeOllama } from "../test/helpers/ollama-server.js"; // prettier-ignore
import { startNetwork } from "./node-network.js";
import { runLoad, summarize, timedGenerate, type Sample, type Summary } from "./node-stats.js";
import { Ollama } from "ollama";

const ROOT = resolve(import.meta.dirname, "..");
const [NETWORK, LOCAL] = FAKE_MODELS as [(typeof FAKE_MODELS)[0], (typeof FAKE_MODELS)[0]];
/** On the miners' runtime only: the network route. */
const NETWORK_MODEL = NETWORK.name;
/** On the gateway's local Ollama only: the local route. */
const LOCAL_MODEL = LOCAL.name;
const N = Number(process.env.BENCH_GATEWAY_N ?? 9);
const LONG_TOKENS = 400;
const CONCURRENCIES = [1, 2, 5, 10, 25, 50] as const;
/** Slots per miner: 2 × 25 = 50, so (b) at 50 is not limited by the miners' slot count. */
const MINER_CONCURRENCY = 25;

const log = (line: string) => console.log(`bench:gateway: ${line}`);
const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;

type Route = "network" | "local";

/** (a) for one route. */
interface Overhead {
  route: Route;
  model: string;
  direct: { firstTokenMs: Summary; fullMs: Summary };
  gateway: { firstTokenMs: Summary; fullMs: Summary };
  /** Gateway − direct, medians, ms. */
  firstTokenOverheadMs: number;
  fullOverheadMs: number;
  /** Gateway ÷ direct, medians. */
  firstTokenRatio: number;
  fullRatio: number;
}

/** (b) for one route at one concurrency. */
interface Level {
  concurrency: number;
  requests: number;
  failed: number;
  fullMs: Summary;
  firstTokenMs: Summary;
  requestsPerSecond: number;
}

/** (a): N streamed 400-token requests each way, alternating direct and through the gateway. */
async function overhead(
  route: Route,
  model: string,
  direct: FakeOllama,
  gatewayUrl: string,
): Promise<Overhead> {
  direct.faults.answerTokens = LONG_TOKENS;
  const straight = new Ollama({ host: direct.url });
  const gateway = new Ollama({ host: gatewayUrl });
  const options = { model, maxTokens: LONG_TOKENS };
  const d: Sample[] = [];
  const g: Sample[] = [];
  for (let i = 0; i < N; i++) {
    d.push(await timedGenerate(straight, options, `(a) ${route} direct ${i}: tell me a long story`, i));
    g.push(await timedGenerate(gateway, options, `(a) ${route} gateway ${i}: tell me a long story`, i));
    // the test server's answer: LONG_TOKENS − 1 words and a final "."
    const bad = [d.at(-1)!, g.at(-1)!].find((s) => s.text.replace(/\.$/, "").trim().split(/\s+/).length !== LONG_TOKENS - 1); // prettier-ignore
    if (bad)
      throw new Error(
        `a ${route} answer is not ${LONG_TOKENS} tokens: ${JSON.stringify(bad.text.slice(0, 80))}…`,
      );
  }
  const pick = (samples: Sample[]) => ({ firstTokenMs: summarize(samples.map((s) => s.firstTokenMs)), fullMs: summarize(samples.map((s) => s.fullMs)) }); // prettier-ignore
  const [dp, gp] = [pick(d), pick(g)];
  const out: Overhead = {
    route, model, direct: dp, gateway: gp,
    firstTokenOverheadMs: round(gp.firstTokenMs.median - dp.firstTokenMs.median),
    fullOverheadMs: round(gp.fullMs.median - dp.fullMs.median),
    firstTokenRatio: round(gp.firstTokenMs.median / dp.firstTokenMs.median, 3),
    fullRatio: round(gp.fullMs.median / dp.fullMs.median, 3),
  }; // prettier-ignore
  log(`(a) ${route}: ${JSON.stringify(out)}`);
  return out;
}

/** (b): at each concurrency, max(10, 3 × c) requests of 64 tokens through the gateway. */
async function throughput(route: Route, model: string, runtime: FakeOllama, gatewayUrl: string) {
  runtime.faults.answerTokens = REALISTIC_TIMING.answerTokens;
  const levels: Level[] = [];
  for (const c of CONCURRENCIES) {
    const requests = Math.max(10, 3 * c);
    const prompt = (i: number) => `(b) ${route} c${c} question ${i}: will it rain in oslo`;
    const run = await runLoad({ host: gatewayUrl, model, requests, concurrency: c, prompt });
    const level: Level = {
      concurrency: c,
      requests,
      failed: run.failures.length,
      fullMs: summarize(run.samples.map((s) => s.fullMs)),
      firstTokenMs: summarize(run.samples.map((s) => s.firstTokenMs)),
      requestsPerSecond: round(run.jobsPerSecond, 2),
    };
    log(`(b) ${route} c=${c}: ${JSON.stringify(level)}${run.failures[0] ? ` first failure: ${run.failures[0].error}` : ""}`); // prettier-ignore
    levels.push(level);
  }
  const base = levels[0]!.fullMs.median;
  const doubled = levels.find((l) => l.fullMs.median >= 2 * base)?.concurrency;
  return { route, model, levels, latencyDoublesAt: doubled ?? null };
}

type Throughput = Awaited<ReturnType<typeof throughput>>;

/** The printed table. */
function render(r: {
  commit: string;
  date: string;
  machine: string;
  node: string;
  overhead: Overhead[];
  throughput: Throughput[];
}) {
  const pad = (v: unknown, n: number) => String(v).padStart(n);
  const lines = [
    `gateway API bench at ${r.commit}, ${r.date}, ${r.machine}, Node ${r.node}`,
    `test servers: ${REALISTIC_TIMING.delayMs} ms prompt evaluation, ${REALISTIC_TIMING.tokenDelayMs} ms/token; network: 2 miners × ${MINER_CONCURRENCY} slots; local: --local-ollama`, // prettier-ignore
    "",
    `(a) one ${LONG_TOKENS}-token streamed answer, concurrency 1, median of ${N} (ms)`,
    `route      direct TTFT  gateway TTFT  overhead   ratio   direct total  gateway total  overhead   ratio`,
    ...r.overhead.map((o) => `${o.route.padEnd(8)} ${pad(o.direct.firstTokenMs.median, 12)} ${pad(o.gateway.firstTokenMs.median, 13)} ${pad(o.firstTokenOverheadMs, 9)} ${pad(o.firstTokenRatio + "×", 7)} ${pad(o.direct.fullMs.median, 14)} ${pad(o.gateway.fullMs.median, 14)} ${pad(o.fullOverheadMs, 9)} ${pad(o.fullRatio + "×", 7)}`), // prettier-ignore
    "",
    `(b) ${REALISTIC_TIMING.answerTokens}-token streamed answers through the gateway, max(10, 3 × c) requests per level`,
    `route     conc   req/s   full p50   full p95   TTFT p50   failed`,
    ...r.throughput.flatMap((t) => [
      ...t.levels.map((l) => `${t.route.padEnd(8)} ${pad(l.concurrency, 5)} ${pad(l.requestsPerSecond, 7)} ${pad(l.fullMs.median, 10)} ${pad(l.fullMs.p95, 10)} ${pad(l.firstTokenMs.median, 10)} ${pad(l.failed, 8)}`), // prettier-ignore
      `${t.route.padEnd(8)} median latency doubles (vs c=1) at: ${t.latencyDoublesAt ?? `not up to ${CONCURRENCIES.at(-1)}`}`,
    ]),
  ];
  return lines.join("\n");
}

async function main() {
  const timing = { ...REALISTIC_TIMING };
  const runtime = await startFakeOllama({ models: [NETWORK], faults: timing });
  const local = await startFakeOllama({ models: [LOCAL], faults: timing });
  const network = await startNetwork({
    ollamaUrl: runtime.url,
    model: NETWORK_MODEL,
    modelDigest: `0x${NETWORK.digest}`,
    minerConcurrency: MINER_CONCURRENCY,
    gatewayFlags: [[["--local-ollama"], local.url]],
    log,
  });
  try {
    const url = network.gatewayUrl;
    await network.processes.waitFor("the gateway to list the network model", async () => {
      const tags = (await (await fetch(`${url}/api/tags`)).json()) as { models: { name: string; aitbc?: { providers?: number } }[] }; // prettier-ignore
      return (tags.models.find((m) => m.name === NETWORK_MODEL)?.aitbc?.providers ?? 0) >= 2;
    });
    // warm-up: both routes, both servers
    for (const [model, server] of [
      [NETWORK_MODEL, runtime],
      [LOCAL_MODEL, local],
    ] as const) {
      await runLoad({ host: server.url, model, requests: 4, concurrency: 2, prompt: (i) => `warm-up ${i}` });
      const run = await runLoad({ host: url, model, requests: 8, concurrency: 4, prompt: (i) => `warm-up ${model} ${i}` }); // prettier-ignore
      if (run.failures.length > 0)
        throw new Error(`warm-up through the gateway failed: ${run.failures[0]!.error}`);
    }
    const health = async () => ((await (await fetch(`${url}/health`)).json()) as { requests: Record<Route, number> }).requests; // prettier-ignore
    const routedBefore = await health();
    const results = {
      date: new Date().toISOString(),
      commit: execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT }).toString().trim(),
      machine: `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}`,
      node: process.version,
      timing: { promptEvalMs: timing.delayMs, tokenMs: timing.tokenDelayMs, longAnswerTokens: LONG_TOKENS, shortAnswerTokens: timing.answerTokens }, // prettier-ignore
      overhead: [await overhead("network", NETWORK_MODEL, runtime, url), await overhead("local", LOCAL_MODEL, local, url)], // prettier-ignore
      throughput: [await throughput("local", LOCAL_MODEL, local, url), await throughput("network", NETWORK_MODEL, runtime, url)], // prettier-ignore
      routed: { before: routedBefore, after: await health() },
    };
    const text = render(results);
    console.log(text);
    const out = process.env.BENCH_GATEWAY_OUT ?? join(ROOT, "bench", "gateway-api-results.json");
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(out.replace(/\.json$/, ".txt"), `${text}\n`);
    log(`wrote ${out}`);
  } finally {
    await network.stop();
    await runtime.close();
    await local.close();
  }
}

await main();
