/**
 * The result shape of the node benchmark (bench/node-results.json) and its printed table.
 */
import type { Summary } from "./node-stats.js";

/** Figures of one load run at one concurrency. */
export interface RunFigures {
  requests: number;
  /** Requests that failed (HTTP error, broken stream, wrong answer); the figures leave them out. */
  failed: number;
  /** Failure messages with their counts. */
  failures: Record<string, number>;
  /** Request start → first token, ms. */
  firstTokenMs: Summary;
  /** Request start → last chunk, ms. */
  fullMs: Summary;
  /** Completed requests per second over the run's wall time. */
  jobsPerSecond: number;
}

/** Gateway − backend at one concurrency. */
export interface Comparison {
  concurrency: number;
  /** Time to first token through the gateway minus the backend's, ms (median − median, p95 − p95). */
  firstTokenOverheadMs: { median: number; p95: number };
  /** Full latency through the gateway minus the backend's, ms: the per-job overhead. */
  fullOverheadMs: { median: number; p95: number };
  /** Jobs/s through the protocol ÷ jobs/s of the backend alone, same concurrency. */
  throughputRatio: number;
}

/** Resident memory of one process. */
export interface ProcessMemory {
  name: string;
  pid: number;
  /** `VmRSS` from `/proc/<pid>/status`, bytes. */
  rssBytes?: number;
  /** `process_resident_memory_bytes` from the program's `/metrics`, bytes (if served). */
  metricsRssBytes?: number;
}

/** Everything bench/node.ts writes to bench/node-results.json. */
export interface NodeResults {
  date: string;
  commit: string;
  machine: string;
  node: string;
  /** The test server's timing: prompt evaluation and per-token delay (ms), answer length. */
  timing: { promptEvalMs: number; tokenMs: number; answerTokens: number };
  /** `--concurrency` of each of the two miners. */
  minerConcurrency: number;
  /** Whether the programs ran through the coordinator relay (the code before issue 15). */
  relay?: boolean;
  backend: Record<number, RunFigures>;
  gateway?: Record<number, RunFigures>;
  comparison?: Comparison[];
  /** Memory after the start (and warm-up, latency runs) and after `jobs` jobs through the gateway. */
  memory?: {
    before: ProcessMemory[];
    after: ProcessMemory[];
    /** VmRSS of each process every 100 jobs of the memory run, bytes. */
    trace: { jobs: number; rssBytes: Record<string, number> }[];
    /** CPU time (user + system) per job of each process during the memory run (concurrency 16), ms. */
    cpuMsPerJob: Record<string, number>;
    jobs: number;
    sustained?: RunFigures;
  };
  /** Requests the test server received per job through the gateway (1 + re-executions). */
  inferenceRequestsPerJob?: number;
}

const mb = (bytes?: number) => (bytes === undefined ? "–" : `${(bytes / 2 ** 20).toFixed(0)} MB`);
const row = (cells: (string | number)[], widths: number[]) =>
  cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join("  ");

/** The latency table: backend alone and through the gateway, per concurrency. */
function latencyLines(r: NodeResults): string[] {
  const w = [22, 5, 9, 9, 9, 9, 8, 7];
  const lines = [
    row(["path", "conc", "TTFT p50", "TTFT p95", "full p50", "full p95", "jobs/s", "failed"], w),
  ];
  for (const [name, runs] of [
    ["backend alone", r.backend],
    ["gateway + protocol", r.gateway],
  ] as const) {
    if (!runs) continue;
    for (const [c, f] of Object.entries(runs))
      lines.push(row([name, c, f.firstTokenMs.median, f.firstTokenMs.p95, f.fullMs.median, f.fullMs.p95, f.jobsPerSecond, f.failed], w)); // prettier-ignore
  }
  return lines;
}

/** The overhead table (gateway − backend) and throughput ratios. */
function overheadLines(r: NodeResults): string[] {
  if (!r.comparison) return [];
  const w = [22, 5, 9, 9, 9, 9, 8];
  const lines = [
    "",
    "overhead = gateway − backend (ms); ratio = jobs/s through the protocol ÷ backend alone",
  ];
  lines.push(row(["", "conc", "TTFT p50", "TTFT p95", "full p50", "full p95", "ratio"], w));
  for (const c of r.comparison)
    lines.push(row(["overhead", c.concurrency, c.firstTokenOverheadMs.median, c.firstTokenOverheadMs.p95, c.fullOverheadMs.median, c.fullOverheadMs.p95, `${c.throughputRatio}×`], w)); // prettier-ignore
  return lines;
}

/** The memory table: each process after start-up and after the jobs. */
function memoryLines(r: NodeResults): string[] {
  if (!r.memory) return [];
  const w = [16, 10, 12, 14];
  const lines = [
    "",
    `resident memory (VmRSS; /metrics where served) after ${r.memory.jobs} jobs through the gateway`,
  ];
  const w5 = [...w, 11];
  const failed = r.memory.sustained?.failed ?? 0;
  if (failed > 0) lines.push(`${failed} of the memory run's requests failed: ${JSON.stringify(r.memory.sustained?.failures)}`); // prettier-ignore
  lines.push(row(["process", "at start", "after jobs", "metrics after", "CPU ms/job"], w5));
  for (const a of r.memory.after) {
    const b = r.memory.before.find((x) => x.name === a.name);
    lines.push(row([a.name, mb(b?.rssBytes), mb(a.rssBytes), mb(a.metricsRssBytes), r.memory.cpuMsPerJob[a.name] ?? "–"], w5)); // prettier-ignore
  }
  return lines;
}

/** The whole report as text. */
export function renderReport(r: NodeResults): string {
  return [
    `node bench at ${r.commit}, ${r.date}, ${r.machine}, Node ${r.node}`,
    `test server: ${r.timing.promptEvalMs} ms prompt evaluation, ${r.timing.tokenMs} ms/token, ${r.timing.answerTokens}-token answers; 2 miners × ${r.minerConcurrency} slots${r.relay === undefined ? "" : r.relay ? "; programs through the coordinator relay" : "; no relay"}`, // prettier-ignore
    "",
    ...latencyLines(r),
    ...overheadLines(r),
    ...memoryLines(r),
    ...(r.inferenceRequestsPerJob === undefined ? [] : ["", `inference requests per job at the test server: ${r.inferenceRequestsPerJob}`]), // prettier-ignore
  ].join("\n");
}
