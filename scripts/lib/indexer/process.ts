/**
 * Starts the Ponder indexer (indexer/) as a child process and waits until its HTTP API answers.
 * Shared by `npm run indexer` (scripts/indexer.ts), `npm run dashboard` (dashboard/server.ts), the
 * main job's `--dashboard` and the tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
const ROOT = resolve(fileURLToPath(import.meta.url), "..", "..", "..", "..");
/** The indexer's Ponder project root. */
export const INDEXER_ROOT = join(ROOT, "indexer");
const PONDER_BIN = join(ROOT, "node_modules", "ponder", "dist", "esm", "bin", "ponder.js");

/** How to start the indexer. */
export interface IndexerPlan {
  /** JSON-RPC URL of the chain. */
  rpc: string;
  /** Absolute path of the deployments file (`{ chainId, contracts }`). */
  deployments: string;
  /** First block to index (default 0). */
  startBlock?: number;
  /** HTTP port of the indexer's API (default 42069, Ponder's). */
  port?: number;
  /** PostgreSQL connection string; undefined = PGlite in `dbDir`. */
  databaseUrl?: string;
  /** PGlite folder (default indexer/.ponder/pglite). */
  dbDir?: string;
  /** Database schema (Ponder's `--schema`, default "aitbc"); a restart with the same schema resumes. */
  schema?: string;
  /** New-block polling interval, ms (default 1,000). */
  pollMs?: number;
  /** Where the child's output goes (default: inherited). */
  stdio?: "inherit" | "pipe";
  /**
   * Keep Ponder's RPC cache in the database; with it a restart re-fetches nothing it has finalized.
   * Default (undefined): on, except on the development chain ids 31337 and 1337 (indexer/sources.ts).
   */
  rpcCache?: boolean;
  /** Ponder's `--log-level` (default Ponder's, "info"; "debug" shows realtime blocks and reorgs). */
  logLevel?: "error" | "warn" | "info" | "debug" | "trace";
  /** Ponder's `--log-format` (default "pretty"; "json" is one JSON object per line, for tests). */
  logFormat?: "pretty" | "json";
}

/** A running indexer. */
export interface RunningIndexer {
  /** Base URL of its API, e.g. http://127.0.0.1:42069. */
  url: string;
  child: ChildProcess;
  /** Settles with the exit code when the process exits (for whatever reason). */
  exited: Promise<number | null>;
  /** Stops it (SIGTERM; Ponder flushes and exits) and waits for the exit. */
  stop(): Promise<void>;
}

/** Thrown when the indexer exits before its API answers. */
export class IndexerStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IndexerStartError";
  }
}

/** The environment the indexer's `ponder.config.ts` reads (see indexer/sources.ts). */
export function indexerEnv(plan: IndexerPlan, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    AITBC_INDEXER_RPC: plan.rpc,
    AITBC_INDEXER_DEPLOYMENTS: plan.deployments,
    AITBC_INDEXER_START_BLOCK: String(plan.startBlock ?? 0),
    AITBC_INDEXER_POLL_MS: String(plan.pollMs ?? 1_000),
    PONDER_TELEMETRY_DISABLED: "true",
  };
  if (plan.rpcCache !== undefined) env.AITBC_INDEXER_RPC_CACHE = plan.rpcCache ? "1" : "0";
  else delete env.AITBC_INDEXER_RPC_CACHE;
  if (plan.databaseUrl) env.DATABASE_URL = plan.databaseUrl;
  else delete env.DATABASE_URL;
  if (plan.dbDir) env.AITBC_INDEXER_DB_DIR = plan.dbDir;
  return env;
}

/**
 * Starts `ponder start` on indexer/ and resolves once `GET /health` answers 200 (the API is up;
 * `/ready` turns 200 when the historical backfill is done).
 *
 * @throws IndexerStartError when the process exits first
 */
export async function startIndexer(plan: IndexerPlan): Promise<RunningIndexer> {
  const port = plan.port ?? 42_069;
  const args = [PONDER_BIN, "--root", INDEXER_ROOT];
  if (plan.logLevel) args.push("--log-level", plan.logLevel);
  if (plan.logFormat) args.push("--log-format", plan.logFormat);
  args.push("start", "--port", String(port), "--hostname", "127.0.0.1");
  args.push("--schema", plan.schema ?? "aitbc");
  const child = spawn(process.execPath, args, {
    cwd: INDEXER_ROOT,
    env: indexerEnv(plan),
    stdio: plan.stdio === "pipe" ? ["ignore", "pipe", "pipe"] : "inherit",
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone)
      throw new IndexerStartError(`the indexer exited with code ${await exited} before its API answered`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    child,
    exited,
    stop: async () => {
      if (!gone) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Thrown by {@link waitForIndexedBlock} when the watched process exits before the block is indexed. */
export class IndexerExitedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IndexerExitedError";
  }
}

/** Options of {@link waitForIndexedBlock}. */
export interface WaitForIndexedBlockOptions {
  /**
   * The process that runs the indexer (or a parent that exits when the indexer does, e.g. the
   * main job with `--dashboard`); its exit rejects the wait with {@link IndexerExitedError}.
   */
  child?: ChildProcess;
  /** Polling interval of `/status`, ms (default 200). */
  everyMs?: number;
}

/**
 * Waits until the indexer has indexed `block` (its `/status` block number ≥ `block`).
 * No deadline (the caller's test timeout is the limit), but a dead `child` ends the wait at once.
 *
 * @throws IndexerExitedError when `child` exits (or has exited) before the block is indexed
 */
export async function waitForIndexedBlock(
  url: string,
  block: bigint,
  options: WaitForIndexedBlockOptions = {},
): Promise<void> {
  const { child, everyMs = 200 } = options;
  let exit: string | undefined;
  const onExit = (code: number | null, signal: string | null) => (exit = `code ${code}, signal ${signal}`);
  if (child) {
    if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
    else child.once("exit", onExit);
  }
  let last: number | undefined;
  try {
    for (;;) {
      if (exit !== undefined)
        throw new IndexerExitedError(
          `the indexer's process exited (${exit}) before block ${block} was indexed (last indexed: ${last ?? "none"})`,
        );
      const status = await fetch(`${url}/status`)
        .then((r) => (r.ok ? (r.json() as Promise<Record<string, { block?: { number: number } }>>) : {}))
        .catch(() => ({}) as Record<string, { block?: { number: number } }>);
      const n = Object.values(status)[0]?.block?.number;
      if (n !== undefined) last = n;
      if (n !== undefined && BigInt(n) >= block) return;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  } finally {
    child?.off("exit", onExit);
  }
}
