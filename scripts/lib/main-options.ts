/**
 * Options and input checks of the main job (`scripts/main.ts`), shared with its command line
 * (`scripts/main-cli.ts`, behind `npm run demo`).
 *
 * `hardhat run` passes no arguments to the script it runs (Hardhat 3 rejects unknown flags with
 * HHE504/HHE506), so the main job reads its options from environment variables only; the command
 * line turns flags into these variables and starts `hardhat run scripts/main.ts`.
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import type { ChatMessage } from "../../node/backends/backend.js";

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The prompts sent when no file is given. */
export const DEFAULT_PROMPTS = join(ROOT, "examples", "prompts.jsonl");

/** Where an Ollama runtime is looked for when `OLLAMA_HOST` is not set (Ollama's own default). */
export const DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434";

/** A mistake of the user (bad flag, missing or malformed file): printed as one line, exit code 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Environment variable of each option (the command line's flag in parentheses). */
export const MAIN_ENV = {
  /** (`--prompts <file>`) JSON-lines prompts file. */
  prompts: "AITBC_PROMPTS",
  /** (`--report <file>`) where the JSON report is written. */
  report: "AITBC_REPORT",
  /** (`--ollama-host <url>`) Ollama runtime used when it answers. */
  ollamaHost: "OLLAMA_HOST",
  /** (`--model <name>`) model of that runtime (default: the first it lists). */
  model: "AITBC_OLLAMA_MODEL",
  /** (`--concurrency <n>`) concurrent client requests. */
  concurrency: "AITBC_CLIENT_CONCURRENCY",
  /** (`--deployments-dir <dir>`) folder of `<chainId>.json` (default: the repository's `deployments/`). */
  deploymentsDir: "AITBC_DEPLOYMENTS_DIR",
  /** (`--dashboard`) keep the chain and the programs running after the job, serve the dashboard. */
  dashboard: "AITBC_DASHBOARD",
} as const;

/** Environment variables of the batch settlement of the main job (no command-line flags). */
export const BATCH_ENV = {
  /** Jobs per batch settlement of the miners (1–256, default 8). */
  batchSize: "AITBC_BATCH_SIZE",
  /** Longest wait of an answered job for its batch, seconds (default 6). */
  batchMaxWait: "AITBC_BATCH_MAX_WAIT",
  /** Prompts (the first ones) sent on the per-job path for comparison (default 2; 0 = none). */
  singleJobs: "AITBC_SINGLE_JOBS",
  /**
   * Concurrent client requests of the batch phase (default 16): a batch fills only with requests in
   * flight together (`AITBC_CLIENT_CONCURRENCY` applies to the per-job phase).
   */
  batchConcurrency: "AITBC_BATCH_CONCURRENCY",
} as const;

/** The main job's options, resolved. */
export interface MainOptions {
  /** Absolute path of the prompts file. */
  prompts: string;
  /** Absolute path of the JSON report (default `reports/main-<timestamp>.json`). */
  report: string;
  /** Ollama runtime probed with `GET /api/version`. */
  ollamaHost: string;
  /** Whether `OLLAMA_HOST` was set (rather than Ollama's default address being probed). */
  ollamaHostGiven: boolean;
  /** Requested model of the Ollama runtime, if any. */
  model?: string;
  /** Concurrent client requests (positive integer). */
  concurrency: number;
  /** Folder of the deployment records, absolute; undefined = the repository's `deployments/`. */
  deploymentsDir?: string;
  /** Jobs per batch (1–256). */
  batchSize: number;
  /** Longest wait of an answered job for its batch, seconds (1–3,600). */
  batchMaxWaitS: number;
  /** How many of the first prompts take the per-job path (JobEscrow) for comparison. */
  singleJobs: number;
  /** Concurrent client requests of the batch phase. */
  batchConcurrency: number;
  /** Keep the chain and the programs running after the job and serve the dashboard (`--dashboard`). */
  dashboard: boolean;
}

/**
 * Resolves a path the user typed: relative paths are taken from the folder the command was started
 * in (`INIT_CWD`, which npm sets, because `npm run` itself runs in the package root).
 */
export function userPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  return isAbsolute(path) ? path : resolve(env.INIT_CWD ?? process.cwd(), path);
}

/**
 * Reads the options from the environment ({@link MAIN_ENV}).
 *
 * @throws UsageError when a value is invalid (e.g. a concurrency that is not a positive integer)
 */
export function mainOptionsFromEnv(env: NodeJS.ProcessEnv = process.env, now = new Date()): MainOptions {
  const set = (name: string) => (env[name] !== undefined && env[name] !== "" ? env[name] : undefined);
  const concurrencyText = set(MAIN_ENV.concurrency) ?? "4";
  if (!/^[1-9]\d*$/.test(concurrencyText))
    throw new UsageError(
      `${MAIN_ENV.concurrency} (--concurrency) must be a positive integer, not '${concurrencyText}'`,
    );
  const whole = (name: string, fallback: number, min: number, max: number) => {
    const text = set(name) ?? String(fallback);
    const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not '${text}'`);
    return n;
  };
  const batchSize = whole(BATCH_ENV.batchSize, 8, 1, 256);
  const batchMaxWaitS = whole(BATCH_ENV.batchMaxWait, 6, 1, 3_600);
  const singleJobs = whole(BATCH_ENV.singleJobs, 2, 0, 1_000_000);
  const batchConcurrency = whole(BATCH_ENV.batchConcurrency, 16, 1, 1_024);
  const prompts = set(MAIN_ENV.prompts);
  const report = set(MAIN_ENV.report);
  const deploymentsDir = set(MAIN_ENV.deploymentsDir);
  const ollamaHost = set(MAIN_ENV.ollamaHost);
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  return {
    prompts: prompts ? userPath(prompts, env) : DEFAULT_PROMPTS,
    report: report ? userPath(report, env) : join(ROOT, "reports", `main-${stamp}.json`),
    ollamaHost: ollamaHost ?? DEFAULT_OLLAMA_HOST,
    ollamaHostGiven: ollamaHost !== undefined,
    ...(set(MAIN_ENV.model) ? { model: set(MAIN_ENV.model) } : {}),
    concurrency: Number(concurrencyText),
    ...(deploymentsDir ? { deploymentsDir: userPath(deploymentsDir, env) } : {}),
    batchSize,
    batchMaxWaitS,
    singleJobs,
    batchConcurrency,
    dashboard: set(MAIN_ENV.dashboard) !== undefined && set(MAIN_ENV.dashboard) !== "0",
  };
}

/** One line of the prompts file: a prompt for `/api/generate` or messages for `/api/chat`. */
export type PromptLine =
  { prompt: string; messages?: undefined } | { prompt?: undefined; messages: ChatMessage[] };

const ROLES = new Set(["system", "user", "assistant"]);
const SHAPE = '{"prompt": "<text>"} or {"messages": [{"role": "user", "content": "<text>"}]}';

/**
 * Reads and checks a JSON-lines prompts file (blank lines are skipped).
 *
 * @param path the file
 * @returns one entry per non-blank line
 * @throws UsageError naming the file (and the line) when it cannot be read, is empty, or a line is
 *   not JSON or not a prompt
 */
export function readPrompts(path: string): PromptLine[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder" : (error as Error).message; // prettier-ignore
    throw new UsageError(`cannot read the prompts file ${path}: ${why}`);
  }
  const prompts: PromptLine[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (!line.trim()) continue;
    const where = `${path} line ${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new UsageError(`${where} is not valid JSON (${(error as Error).message}): ${line.slice(0, 60)}`);
    }
    const v = value as { prompt?: unknown; messages?: unknown } | null;
    if (v !== null && typeof v === "object" && typeof v.prompt === "string" && v.prompt.trim()) {
      prompts.push({ prompt: v.prompt });
    } else if (
      v !== null &&
      typeof v === "object" &&
      Array.isArray(v.messages) &&
      v.messages.length > 0 &&
      v.messages.every(
        (m: { role?: unknown; content?: unknown } | null) =>
          m !== null && typeof m === "object" && ROLES.has(String(m.role)) && typeof m.content === "string",
      )
    ) {
      prompts.push({ messages: v.messages as ChatMessage[] });
    } else {
      throw new UsageError(`${where}: expected ${SHAPE}`);
    }
  }
  if (prompts.length === 0)
    throw new UsageError(`the prompts file ${path} has no prompts (one JSON object per line: ${SHAPE})`);
  return prompts;
}
