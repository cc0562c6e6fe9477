/// <reference lib="dom" />
/**
 * `npm run bench:indexer`: the indexer's and the dashboard's figures of issue 20 (not part of `npm test`).
 *
 * 1. **The main job's chain.** Runs `npm run demo -- --dashboard` (scripts/main-cli.ts, a child process:
 *    deployment, jobs through the gateway, settlement, a grant proposal through its whole life), which keeps
 *    its chain up over HTTP with its own indexer and dashboard. Then a second, fresh indexer (an empty PGlite
 *    folder) indexes that chain from block 0: events indexed (Ponder's `ponder_indexing_completed_events`),
 *    seconds from the process's start to its `/status` reaching the chain's head, events per second.
 * 2. **A simulated history of 100,000 events** on the same chain, emitted by the real, deployed JobEscrow
 *    and GPUStaking through {@link DRIVER} (contracts/mocks/IndexerLoadDriver.sol, which calls them many
 *    times per transaction): 50,000 `JobOpened`, 10,000 `JobCancelled`, 20,000 `Staked` and 20,000
 *    `WeightUpdated` (one `ProviderRegistered` besides). Then the demo's indexer catches up in realtime
 *    (timed too) and another fresh indexer indexes the whole chain from block 0: the same measure.
 * 3. **The dashboard's first load and time to interactive** in Chromium (Debian's, driven by
 *    playwright-core), each load in a fresh browser context (empty cache): navigation timing
 *    (`responseStart`, `domContentLoadedEventEnd`, `loadEventEnd`) and the page's own "data drawn" mark
 *    (`aitbc:data-drawn`, set by dashboard/public/app.js after its first render), medians of
 *    {@link LOADS} loads, against the seed's 2 s; after (1) and again after (2).
 * 4. **The indexer's memory**: peak resident set of each fresh indexer — `VmHWM` of its process read at the
 *    head, and the largest sum of `VmRSS` over the process and its children sampled every 100 ms — in MB.
 *
 * Prints the figures and writes them to reports/bench-indexer.json (`BENCH_INDEXER_OUT`). Environment:
 * `BENCH_INDEXER_LOADS` (page loads per median, default 7), `BENCH_INDEXER_PORT` (first of four ports,
 * default 42470), `BENCH_INDEXER_SCALE` (a fraction of the history, for a trial). Timings are wall time on a shared machine: the JSON records the load average.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";

import type { Browser } from "playwright-core";
import {
  createPublicClient,
  createWalletClient,
  erc20Abi,
  http,
  keccak256,
  parseEventLogs,
  stringToHex,
  type Abi,
  type Address,
  type Hex,
  type TransactionReceipt,
} from "viem";
import { hardhat } from "viem/chains";

import { gpuStakingAbi, jobEscrowAbi } from "@aitbc/sdk";
import { launchChromium } from "../scripts/lib/chromium.js";
import { startIndexer, waitForIndexedBlock } from "../scripts/lib/indexer/process.js";
import { median } from "./lib.js";

const ROOT = resolve(import.meta.dirname, "..");
const OUT = process.env.BENCH_INDEXER_OUT ?? join(ROOT, "reports", "bench-indexer.json");
const LOADS = Number(process.env.BENCH_INDEXER_LOADS ?? 7);
const PORT = Number(process.env.BENCH_INDEXER_PORT ?? 42_470);
const DRIVER = join(
  ROOT,
  "artifacts",
  "contracts",
  "mocks",
  "IndexerLoadDriver.sol",
  "IndexerLoadDriver.json",
);
/** Hardhat development account 7: the development fund of the main job (scripts/lib/main/deploy.ts). */
const DEVELOPMENT = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955" as Address;
/** `BENCH_INDEXER_SCALE` (default 1): a fraction of the history for a quick trial of the bench itself. */
const SCALE = Number(process.env.BENCH_INDEXER_SCALE ?? 1);
/** The simulated history, by the driver's call: how many of each (each stake emits Staked and WeightUpdated). */
const HISTORY = {
  JobOpened: Math.round(50_000 * SCALE),
  JobCancelled: Math.round(10_000 * SCALE),
  stakes: Math.round(20_000 * SCALE),
} as const;
/** EIP-7825's cap on one transaction's gas (2^24), enforced by Hardhat's Osaka chain. */
const TX_GAS_CAP = 16_777_216n;
/** The seed's dashboard load target, ms. */
const LOAD_TARGET_MS = 2_000;

const log = (line: string) => console.log(`bench:indexer: ${line}`);
const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A port free now, from `from` up (Ponder moves to the next port when its own is taken, and
 * startIndexer would then wait on the wrong one).
 */
async function freePort(from: number): Promise<number> {
  for (let port = from; ; port++) {
    const free = await new Promise<boolean>((done) => {
      const server = createServer()
        .once("error", () => done(false))
        .listen(port, "127.0.0.1", () => server.close(() => done(true)));
    });
    if (free) return port;
  }
}

/** Thrown when a step of the bench cannot go on (the demo or an indexer died, a page never drew). */
class BenchIndexerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BenchIndexerError";
  }
}

/** The running main job (`npm run demo -- --dashboard`) and what it printed. */
interface Demo {
  child: ChildProcess;
  rpc: string;
  dashboard: string;
  indexerUrl: string;
  deployments: string;
  log: () => string;
}

/** Starts the main job with `--dashboard` (compiling first, as `npm run demo` does) and waits for its URLs. */
async function startDemo(dir: string): Promise<Demo> {
  const indexerPort = await freePort(PORT);
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/main-cli.ts", "--dashboard"], {
    cwd: ROOT,
    env: {
      ...process.env,
      OLLAMA_HOST: "http://127.0.0.1:9", // the built-in model: the same chain on every machine
      AITBC_DEPLOYMENTS_DIR: dir,
      AITBC_REPORT: join(dir, "report.json"),
      AITBC_DASHBOARD_RPC_PORT: "0",
      AITBC_DASHBOARD_PORT: "0",
      AITBC_INDEXER_PORT: String(indexerPort),
      AITBC_INDEXER_DB_DIR: join(dir, "pglite-demo"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  return await new Promise((done, fail) => {
    const onData = (d: Buffer) => {
      out = (out + d.toString()).slice(-200_000);
      const rpc = /chain RPC: (http:\/\/\S+)/.exec(out)?.[1];
      const dashboard = /dashboard: (http:\/\/\S+)/.exec(out)?.[1];
      if (rpc && dashboard)
        done({
          child,
          rpc,
          dashboard,
          indexerUrl: `http://127.0.0.1:${indexerPort}`,
          deployments: join(dir, "31337.json"),
          log: () => out,
        });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) =>
      fail(new BenchIndexerError(`the demo exited (${code}) before printing its URLs:\n${out.slice(-3000)}`)),
    );
  });
}

/** Resident set of `pid` and its descendants, kB (0 when gone). */
function treeRssKb(pid: number): number {
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0);
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${task}/children`, "utf8").trim();
        if (children) stack.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // the process ended between two reads
    }
  }
  return total;
}

/** `VmHWM` (peak resident set) of `pid`, kB. */
function peakRssKb(pid: number): number {
  return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
}

/** Ponder's count of indexed events, by event name (`ponder_indexing_completed_events` of `/metrics`). */
async function completedEvents(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const byEvent: Record<string, number> = {};
  for (const m of text.matchAll(/^ponder_indexing_completed_events\{([^}]*)\}\s+(\d+)/gm)) {
    const event = /event="([^"]+)"/.exec(m[1]!)?.[1] ?? "?";
    byEvent[event] = (byEvent[event] ?? 0) + Number(m[2]);
  }
  return byEvent;
}

/** One fresh indexer's run from block 0 to the head. */
interface IndexingFigure {
  head: number;
  events: number;
  byEvent: Record<string, number>;
  /** Process start → `/status` at the head, s (the headline time). */
  seconds: number;
  /** Process start → `/health` answering (Ponder's build, database set-up), s. */
  startupSeconds: number;
  /** `events / seconds`. */
  eventsPerSecond: number;
  /** `events / (seconds − startupSeconds)`: the indexing itself. */
  eventsPerSecondAfterStartup: number;
  /** `VmHWM` of the indexer's process at the head, MB. */
  peakRssMb: number;
  /** Largest sampled sum of `VmRSS` over the process and its children, MB. */
  peakTreeRssMb: number;
  loadAverageBefore: number;
}

/** Starts a fresh indexer on an empty PGlite folder, waits until it has indexed `head`, measures, stops it. */
async function measureIndexing(
  rpc: string,
  deployments: string,
  head: bigint,
  dbDir: string,
  port: number,
): Promise<IndexingFigure> {
  const loadAverageBefore = round(loadavg()[0]!, 2);
  const t0 = performance.now();
  const indexer = await startIndexer({ rpc, deployments, port, dbDir, schema: "bench", stdio: "pipe" });
  const tApi = performance.now();
  let out = "";
  const keep = (d: Buffer) => void (out = (out + d.toString()).slice(-20_000));
  indexer.child.stdout!.on("data", keep);
  indexer.child.stderr!.on("data", keep);
  const pid = indexer.child.pid!;
  let peakTree = treeRssKb(pid);
  const sampler = setInterval(() => (peakTree = Math.max(peakTree, treeRssKb(pid))), 100);
  try {
    await waitForIndexedBlock(indexer.url, head, { child: indexer.child, everyMs: 50 });
    const tHead = performance.now();
    peakTree = Math.max(peakTree, treeRssKb(pid));
    const peak = peakRssKb(pid);
    const byEvent = await completedEvents(indexer.url);
    const events = Object.values(byEvent).reduce((a, b) => a + b, 0);
    const seconds = (tHead - t0) / 1000;
    const startupSeconds = (tApi - t0) / 1000;
    return {
      head: Number(head),
      events,
      byEvent,
      seconds: round(seconds, 2),
      startupSeconds: round(startupSeconds, 2),
      eventsPerSecond: Math.round(events / seconds),
      eventsPerSecondAfterStartup: Math.round(events / (seconds - startupSeconds)),
      peakRssMb: round(peak / 1024),
      peakTreeRssMb: round(peakTree / 1024),
      loadAverageBefore,
    };
  } catch (error) {
    console.error(out.slice(-5000));
    throw error;
  } finally {
    clearInterval(sampler);
    await indexer.stop();
  }
}

/** One page load's timings, ms from navigation start. */
interface LoadTiming {
  responseStart: number;
  domContentLoaded: number;
  loadEventEnd: number;
  dataDrawn: number;
}

/** Median and range of each timing over the loads, and the target check. */
interface DashboardFigure {
  loads: number;
  median: LoadTiming;
  min: LoadTiming;
  max: LoadTiming;
  /** The seed's target, ms: the median "data drawn" time must stay below it. */
  targetMs: number;
  meetsTarget: boolean;
  consoleErrors: string[];
}

/** {@link LOADS} first loads of the dashboard, each in a fresh context (no cache), until its data is drawn. */
async function measureDashboard(browser: Browser, url: string): Promise<DashboardFigure> {
  const timings: LoadTiming[] = [];
  const consoleErrors: string[] = [];
  for (let i = 0; i < LOADS; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(() => document.body.dataset.ready === "true", undefined, { timeout: 120_000 });
    timings.push(
      await page.evaluate(() => {
        const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
        const drawn = performance.getEntriesByName("aitbc:data-drawn")[0]!;
        return {
          responseStart: nav.responseStart,
          domContentLoaded: nav.domContentLoadedEventEnd,
          loadEventEnd: nav.loadEventEnd,
          dataDrawn: drawn.startTime,
        };
      }),
    );
    await context.close();
  }
  const pick = (f: (v: number[]) => number): LoadTiming => {
    const of = (k: keyof LoadTiming) => round(f(timings.map((t) => t[k])));
    return { responseStart: of("responseStart"), domContentLoaded: of("domContentLoaded"), loadEventEnd: of("loadEventEnd"), dataDrawn: of("dataDrawn") }; // prettier-ignore
  };
  const med = pick(median);
  return {
    loads: LOADS,
    median: med,
    min: pick((v) => Math.min(...v)),
    max: pick((v) => Math.max(...v)),
    targetMs: LOAD_TARGET_MS,
    meetsTarget: med.dataDrawn < LOAD_TARGET_MS,
    consoleErrors,
  };
}

/** What the simulated history emitted, counted from the receipts' logs. */
interface History {
  fromBlock: number;
  toBlock: number;
  transactions: number;
  /** Logs of JobEscrow and GPUStaking per event name, decoded from the receipts. */
  emitted: Record<string, number>;
  seconds: number;
  /** The demo's own (live) indexer: seconds from the last transaction until it reached the head. */
  demoIndexerCatchUpSeconds: number;
}

/** Emits the simulated history through the driver on the demo's chain. */
async function simulateHistory(demo: Demo): Promise<History> {
  const t0 = performance.now();
  const { contracts } = JSON.parse(readFileSync(demo.deployments, "utf8")) as { contracts: Record<string, Address> }; // prettier-ignore
  const { abi, bytecode } = JSON.parse(readFileSync(DRIVER, "utf8")) as { abi: Abi; bytecode: Hex };
  const transport = http(demo.rpc, { timeout: 600_000 });
  const client = createPublicClient({ chain: hardhat, transport, pollingInterval: 20 });
  const wallet = createWalletClient({ chain: hardhat, transport, account: DEVELOPMENT });
  const receipts: TransactionReceipt[] = [];
  const mined = async (hash: Hex) => {
    const r = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (r.status !== "success") throw new BenchIndexerError(`transaction ${hash} reverted`);
    receipts.push(r);
    return r;
  };
  const fromBlock = Number(await client.getBlockNumber()) + 1;
  const deployed = await mined(
    await wallet.deployContract({ abi, bytecode, args: [contracts.AITBCToken, contracts.JobEscrow, contracts.GPUStaking] }), // prettier-ignore
  );
  const driver = deployed.contractAddress!;
  await mined(await wallet.writeContract({ address: contracts.AITBCToken!, abi: erc20Abi, functionName: "transfer", args: [driver, 10n ** 18n] })); // prettier-ignore
  const identity = BigInt(keccak256(stringToHex("aitbc bench:indexer driver"))) >> 8n;
  await mined(
    await wallet.writeContract({ address: driver, abi, functionName: "register", args: [identity] }),
  );

  const block = await client.getBlock();
  const { timestamp } = block;
  // A transaction may use at most 2^24 gas since Osaka (EIP-7825), whatever the block's limit.
  const gasLimit = block.gasLimit < TX_GAS_CAP ? block.gasLimit : TX_GAS_CAP;
  const deadline = Number(timestamp) + 20 * 86_400;
  const indexed = new Set([contracts.JobEscrow!.toLowerCase(), contracts.GPUStaking!.toLowerCase()]);
  const digest = keccak256(stringToHex("bench:indexer model"));
  const call = (functionName: string, args: readonly unknown[]) =>
    wallet.writeContract({ address: driver, abi, functionName, args, gas: gasLimit }).then(mined);
  /** Calls `functionName` until `total` items are done: 10 first, to size the rest to 80% of a transaction's gas. */
  const inChunks = async (total: number, functionName: string, args: (done: number, n: number) => readonly unknown[]) => {
    let done = 0;
    let chunk = 10;
    while (done < total) {
      const n = Math.min(chunk, total - done);
      const r = await call(functionName, args(done, n));
      if (chunk === 10) chunk = Math.floor((Number(gasLimit) * 0.8) / (Number(r.gasUsed) / n));
      done += n;
    }
  }; // prettier-ignore
  await inChunks(HISTORY.JobOpened, "openJobs", (_, n) => [BigInt(n), digest, deadline]);
  const events = () =>
    parseEventLogs({
      abi: [...jobEscrowAbi, ...gpuStakingAbi],
      logs: receipts.flatMap((r) => r.logs),
    }).filter((l) => indexed.has(l.address.toLowerCase()));
  const opened = events().find((l) => l.eventName === "JobOpened");
  if (opened?.eventName !== "JobOpened") throw new BenchIndexerError("no JobOpened among the driver's logs");
  const firstId = opened.args.jobId;
  await inChunks(HISTORY.JobCancelled, "cancelJobs", (done, n) => [firstId + BigInt(done), BigInt(n)]);
  await inChunks(HISTORY.stakes, "stakeMany", (_, n) => [BigInt(n)]);
  const toBlock = Number(await client.getBlockNumber());
  const tSent = performance.now();

  const emitted: Record<string, number> = {};
  for (const l of events()) emitted[l.eventName] = (emitted[l.eventName] ?? 0) + 1;
  await waitForIndexedBlock(demo.indexerUrl, BigInt(toBlock), { child: demo.child, everyMs: 50 });
  return {
    fromBlock,
    toBlock,
    transactions: receipts.length,
    emitted,
    seconds: round((tSent - t0) / 1000, 2),
    demoIndexerCatchUpSeconds: round((performance.now() - tSent) / 1000, 2),
  };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "aitbc-bench-indexer-"));
  const machine = { cpus: cpus().length, memoryGb: round(totalmem() / 2 ** 30), loadAverageAtStart: round(loadavg()[0]!, 2) }; // prettier-ignore
  log(`main job with --dashboard (compiles first), in ${dir}`);
  const tDemo = performance.now();
  const demo = await startDemo(dir);
  let browser: Browser | undefined;
  try {
    const client = createPublicClient({ chain: hardhat, transport: http(demo.rpc) });
    const head1 = await client.getBlockNumber();
    await waitForIndexedBlock(demo.indexerUrl, head1, { child: demo.child });
    const mainJobSeconds = round((performance.now() - tDemo) / 1000, 1);
    log(`main job done, chain head ${head1} (${mainJobSeconds} s with compile and the demo's own indexer)`);

    log("(1) a fresh indexer on the main job's chain");
    const mainChain = await measureIndexing(
      demo.rpc,
      demo.deployments,
      head1,
      join(dir, "pglite-1"),
      await freePort(PORT + 1),
    );
    log(`(1) ${mainChain.events} events in ${mainChain.seconds} s: ${mainChain.eventsPerSecond} events/s; peak RSS ${mainChain.peakRssMb} MB`); // prettier-ignore

    browser = await launchChromium();
    log(`(3) ${LOADS} first loads of the dashboard (main job's data)`);
    const dashboardMain = await measureDashboard(browser, demo.dashboard);
    log(`(3) median data drawn ${dashboardMain.median.dataDrawn} ms, load event ${dashboardMain.median.loadEventEnd} ms`); // prettier-ignore

    log(
      `(2) simulating ${HISTORY.JobOpened + HISTORY.JobCancelled + 2 * HISTORY.stakes} events through IndexerLoadDriver`,
    );
    const history = await simulateHistory(demo);
    log(`(2) blocks ${history.fromBlock}–${history.toBlock}, ${history.transactions} transactions, ${history.seconds} s; emitted ${JSON.stringify(history.emitted)}; the demo's live indexer caught up ${history.demoIndexerCatchUpSeconds} s after the last one`); // prettier-ignore
    const big = await measureIndexing(demo.rpc, demo.deployments, BigInt(history.toBlock), join(dir, "pglite-2"), await freePort(PORT + 2)); // prettier-ignore
    log(
      `(2) ${big.events} events in ${big.seconds} s: ${big.eventsPerSecond} events/s; peak RSS ${big.peakRssMb} MB`,
    );

    log(`(3) ${LOADS} first loads of the dashboard (with the 100,000-event history)`);
    const dashboardBig = await measureDashboard(browser, demo.dashboard);
    log(`(3) median data drawn ${dashboardBig.median.dataDrawn} ms, load event ${dashboardBig.median.loadEventEnd} ms`); // prettier-ignore

    const simulated = Object.values(history.emitted).reduce((a, b) => a + b, 0);
    const result = {
      date: new Date().toISOString(),
      command: "npm run bench:indexer",
      machine: { ...machine, loadAverageAtEnd: round(loadavg()[0]!, 2) },
      mainJob: { head: Number(head1), seconds: mainJobSeconds },
      indexing: {
        mainJobChain: mainChain,
        simulatedHistory: { ...big, history, simulatedEvents: simulated, eventsBeyondMainJob: big.events - mainChain.events }, // prettier-ignore
      },
      dashboard: { mainJobChain: dashboardMain, simulatedHistory: dashboardBig },
    };
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, JSON.stringify(result, null, 2) + "\n");
    printTable(result);
    log(`written to ${OUT}`);
  } catch (error) {
    console.error(demo.log().slice(-4000));
    throw error;
  } finally {
    await browser?.close();
    if (demo.child.exitCode === null) {
      demo.child.kill("SIGTERM");
      await Promise.race([new Promise((r) => demo.child.once("exit", r)), sleep(30_000)]);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(r: {
  indexing: { mainJobChain: IndexingFigure; simulatedHistory: IndexingFigure };
  dashboard: { mainJobChain: DashboardFigure; simulatedHistory: DashboardFigure };
}) {
  const rows: [string, string][] = [];
  for (const [label, f] of [
    ["main job's chain", r.indexing.mainJobChain],
    ["100,000-event history", r.indexing.simulatedHistory],
  ] as const) {
    rows.push([`indexing, ${label}`, `${f.events} events to block ${f.head} in ${f.seconds} s (start-up ${f.startupSeconds} s): ${f.eventsPerSecond} events/s (${f.eventsPerSecondAfterStartup} after start-up)`]); // prettier-ignore
    rows.push([`indexer peak RSS, ${label}`, `${f.peakRssMb} MB (process tree ${f.peakTreeRssMb} MB)`]);
  }
  for (const [label, d] of [["main job's data", r.dashboard.mainJobChain], ["100,000-event history", r.dashboard.simulatedHistory]] as const) {
    const m = d.median;
    rows.push([`dashboard, ${label} (median of ${d.loads})`, `response ${m.responseStart} ms, DOMContentLoaded ${m.domContentLoaded} ms, load ${m.loadEventEnd} ms, data drawn ${m.dataDrawn} ms (${d.meetsTarget ? "<" : "≥"} ${d.targetMs} ms target; range ${d.min.dataDrawn}–${d.max.dataDrawn} ms)`]); // prettier-ignore
  } // prettier-ignore
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

await main();
process.exit(0);
