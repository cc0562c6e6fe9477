/**
 * Prometheus metrics of the node programs, through `prom-client` (the Node.js client the Prometheus
 * docs list). Each program gets its own registry with the default process metrics
 * (`process_resident_memory_bytes`, CPU, event-loop lag, …) and the same job metrics, all prefixed
 * `aitbc_` and labelled `program="miner"|"gateway"|"coordinator"`:
 *
 * | metric | type | meaning |
 * | --- | --- | --- |
 * | `aitbc_jobs_total{outcome}` | counter | jobs ended, by outcome (`settled`, `refused`, `failed`, `checked`, …) |
 * | `aitbc_job_duration_seconds` | histogram | request/job latency, seconds |
 * | `aitbc_first_token_seconds` | histogram | time to the first streamed token, seconds |
 * | `aitbc_proof_duration_seconds` | histogram | Groth16 proving time, seconds |
 * | `aitbc_earnings_wei_total` | counter | fees earned (miner) or paid (gateway), wei of AITBC |
 * | `aitbc_errors_total{kind}` | counter | errors by kind (`backend`, `rpc`, `proof`, `peer`, …) |
 * | `aitbc_jobs_in_flight` | gauge | jobs accepted and not yet ended |
 * | `aitbc_gateway_requests_total{route}` | counter | gateway only ({@link createGatewayMetrics}): generations by route (`local`, `network`) |
 *
 * Serve them with {@link NodeMetrics.handle} inside the program's `node:http` server (`GET /metrics`).
 *
 * @example
 * ```ts
 * const metrics = createNodeMetrics("miner");
 * const end = metrics.jobDuration.startTimer();
 * // … run the job
 * end(); metrics.jobs.inc({ outcome: "settled" });
 * createServer((req, res) => { if (metrics.handle(req, res)) return; … });
 * ```
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The program a registry belongs to (the `program` label). */
export type NodeProgram = "miner" | "gateway" | "coordinator";

/** One program's metrics. */
export interface NodeMetrics {
  /** The registry (all metrics below and the default process metrics). */
  readonly registry: Registry;
  readonly jobs: Counter<"outcome">;
  readonly jobDuration: Histogram;
  readonly firstTokenSeconds: Histogram;
  readonly proofDuration: Histogram;
  readonly earningsWei: Counter;
  readonly errors: Counter<"kind">;
  readonly inFlight: Gauge;
  /** Serves `GET /metrics` in the Prometheus text format; returns false for any other request. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/** Latency buckets, seconds: 5 ms … 2 min. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Creates the metrics of one program on a fresh registry (so several programs may share a process,
 * as in the main job and the tests).
 *
 * @param program The `program` label.
 */
export function createNodeMetrics(program: NodeProgram): NodeMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ program });
  collectDefaultMetrics({ register: registry, prefix: "" });
  const registers = [registry];
  const latency = (name: string, help: string) =>
    new Histogram({ name, help, buckets: LATENCY_BUCKETS, registers });
  const metrics = {
    registry,
    jobs: new Counter({ name: "aitbc_jobs_total", help: "Jobs ended, by outcome.", labelNames: ["outcome"], registers }), // prettier-ignore
    jobDuration: latency("aitbc_job_duration_seconds", "Request or job latency, seconds."),
    firstTokenSeconds: latency("aitbc_first_token_seconds", "Time to the first streamed token, seconds."),
    proofDuration: latency("aitbc_proof_duration_seconds", "Groth16 proving time, seconds."),
    earningsWei: new Counter({ name: "aitbc_earnings_wei_total", help: "Fees earned or paid, wei of AITBC.", registers }), // prettier-ignore
    errors: new Counter({
      name: "aitbc_errors_total",
      help: "Errors, by kind.",
      labelNames: ["kind"],
      registers,
    }),
    inFlight: new Gauge({
      name: "aitbc_jobs_in_flight",
      help: "Jobs accepted and not yet ended.",
      registers,
    }),
  };
  return { ...metrics, handle: (req, res) => serveMetrics(registry, req, res) };
}

/** The gateway's metrics: the node metrics and its generations by route. */
export interface GatewayMetrics extends NodeMetrics {
  /** `aitbc_gateway_requests_total{route}`: generations served by the local Ollama or the network. */
  readonly requests: Counter<"route">;
}

/** Creates the gateway's metrics ({@link createNodeMetrics} `"gateway"` and {@link GatewayMetrics.requests}). */
export function createGatewayMetrics(): GatewayMetrics {
  const metrics = createNodeMetrics("gateway");
  const requests = new Counter({ name: "aitbc_gateway_requests_total", help: "Generations, by route (local Ollama or network).", labelNames: ["route"], registers: [metrics.registry] }); // prettier-ignore
  for (const route of ["local", "network"]) requests.inc({ route }, 0); // both listed from the start
  return { ...metrics, requests };
}

/**
 * Adds wei to a counter. prom-client counters hold doubles: amounts above 2^53 wei lose precision in
 * the exported float, which Prometheus keeps as a float anyway; the on-chain balance is the record.
 */
export function addWei(counter: Counter, wei: bigint): void {
  if (wei > 0n) counter.inc(Number(wei));
}

function serveMetrics(registry: Registry, req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method !== "GET" || path !== "/metrics") return false;
  registry.metrics().then(
    (text) => {
      res.writeHead(200, { "content-type": registry.contentType });
      res.end(text);
    },
    (e: unknown) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`metrics failed: ${(e as Error).message}\n`);
    },
  );
  return true;
}
