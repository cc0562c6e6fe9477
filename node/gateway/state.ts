/**
 * The gateway's jobs in flight, kept in SQLite (the lead's {@link Store}) so that a restarted
 * gateway picks up where it was: which request was signed or which job opened, for which provider,
 * with which payload, and how far it got.
 *
 * A job is keyed by its `promptHash` (unique: every payload carries a random nonce). Its life:
 * - batch path: `signed` (a `BatchJobRequest` signed, about to be sent) → `accepted` (the miner
 *   answered 200) → `answered` (the `done` event; output kept) → `settled` (`BatchJobSettled`).
 * - quote path: `opening` (a quote accepted, the opening transaction about to be sent) → `opened`
 *   (job id known, prompt not delivered) → `delivered` → `answered` → `settled`.
 * - `failed`: refused before acceptance, or given up; nothing was or will be paid for it.
 */
import type { Store } from "../shared/store.js";

/** A job's state (see the module's description). */
export type JobState =
  "signed" | "accepted" | "opening" | "opened" | "delivered" | "answered" | "settled" | "failed";

/** One job as stored. Amounts are decimal strings of wei; times ms since the epoch. */
export interface JobRow {
  promptHash: string;
  path: "batch" | "quote";
  state: JobState;
  provider: string;
  uri: string;
  model: string;
  modelDigest: string;
  /** The canonical payload JSON (the preimage of `promptHash`). */
  payload: string;
  /** Batch path: the signed request as JSON (amounts as strings, plus `signature`). */
  request?: string;
  /** Quote path: the accepted quote and signature as JSON. */
  quote?: string;
  /** Quote path: the job id, decimal. */
  jobId?: string;
  /** bytes32 job key: the request digest, or `bytes32(jobId)`. */
  jobKey?: string;
  /** Most the job can cost, wei (decimal). */
  maxFee: string;
  output?: string;
  tokenCount?: number;
  /** Why it failed, for `failed`. */
  reason?: string;
  createdAt: number;
  updatedAt: number;
}

const COLUMNS: Record<keyof JobRow, string> = {
  promptHash: "prompt_hash",
  path: "path",
  state: "state",
  provider: "provider",
  uri: "uri",
  model: "model",
  modelDigest: "model_digest",
  payload: "payload",
  request: "request",
  quote: "quote",
  jobId: "job_id",
  jobKey: "job_key",
  maxFee: "max_fee",
  output: "output",
  tokenCount: "token_count",
  reason: "reason",
  createdAt: "created_at",
  updatedAt: "updated_at",
};

const SCHEMA = [
  `CREATE TABLE gateway_jobs (prompt_hash TEXT PRIMARY KEY, path TEXT NOT NULL, state TEXT NOT NULL,
     provider TEXT NOT NULL, uri TEXT NOT NULL, model TEXT NOT NULL, model_digest TEXT NOT NULL,
     payload TEXT NOT NULL, request TEXT, quote TEXT, job_id TEXT, job_key TEXT, max_fee TEXT NOT NULL,
     output TEXT, token_count INTEGER, reason TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`,
  "CREATE INDEX gateway_jobs_state ON gateway_jobs (state)",
  "CREATE INDEX gateway_jobs_key ON gateway_jobs (job_key)",
];

/** States of a job that is not finished: a restart resumes these. */
export const UNFINISHED: readonly JobState[] = ["signed", "accepted", "opening", "opened", "delivered"];

/** The gateway's job table over a {@link Store}. */
export class GatewayState {
  /** @param store The lead's store (migrated here: table `gateway_jobs`). */
  constructor(
    readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {
    store.migrate("gateway-jobs-1", SCHEMA);
  }

  /**
   * Records a new attempt at a job; it replaces an earlier attempt at the same prompt only if that
   * one `failed` (was refused: nothing paid).
   *
   * @throws if a live attempt with this prompt hash exists.
   */
  insert(row: Omit<JobRow, "createdAt" | "updatedAt">): void {
    const full: JobRow = { ...row, createdAt: this.now(), updatedAt: this.now() };
    const keys = (Object.keys(full) as (keyof JobRow)[]).filter((k) => full[k] !== undefined);
    const sql = `INSERT INTO gateway_jobs (${keys.map((k) => COLUMNS[k]).join(", ")}) VALUES (${keys.map(() => "?").join(", ")})`; // prettier-ignore
    this.store.transaction(() => {
      this.store.db.prepare("DELETE FROM gateway_jobs WHERE prompt_hash = ? AND state = 'failed'").run(full.promptHash); // prettier-ignore
      this.store.db.prepare(sql).run(...keys.map((k) => full[k] as string | number));
    });
  }

  /** Changes some fields of a job (and its `updatedAt`). */
  update(promptHash: string, patch: Partial<Omit<JobRow, "promptHash" | "createdAt">>): void {
    const full = { ...patch, updatedAt: this.now() };
    const keys = (Object.keys(full) as (keyof JobRow)[]).filter((k) => full[k as keyof typeof full] !== undefined); // prettier-ignore
    const sql = `UPDATE gateway_jobs SET ${keys.map((k) => `${COLUMNS[k]} = ?`).join(", ")} WHERE prompt_hash = ?`;
    this.store.db
      .prepare(sql)
      .run(...keys.map((k) => full[k as keyof typeof full] as string | number), promptHash);
  }

  /** One job, or undefined. */
  get(promptHash: string): JobRow | undefined {
    const row = this.store.db.prepare("SELECT * FROM gateway_jobs WHERE prompt_hash = ?").get(promptHash);
    return row === undefined ? undefined : fromRow(row as Record<string, unknown>);
  }

  /** The job with this job key (request digest or `bytes32(jobId)`), or undefined. */
  byJobKey(jobKey: string): JobRow | undefined {
    const row = this.store.db
      .prepare("SELECT * FROM gateway_jobs WHERE job_key = ?")
      .get(jobKey.toLowerCase());
    return row === undefined ? undefined : fromRow(row as Record<string, unknown>);
  }

  /** Jobs in the given states, oldest first. */
  inStates(states: readonly JobState[]): JobRow[] {
    const rows = this.store.db
      .prepare(
        `SELECT * FROM gateway_jobs WHERE state IN (${states.map(() => "?").join(", ")}) ORDER BY created_at`,
      )
      .all(...states);
    return rows.map((r) => fromRow(r as Record<string, unknown>));
  }

  /** How many jobs are in each state. */
  counts(): Partial<Record<JobState, number>> {
    const rows = this.store.db.prepare("SELECT state, count(*) AS n FROM gateway_jobs GROUP BY state").all();
    return Object.fromEntries(rows.map((r) => [String(r.state), Number(r.n)]));
  }
}

function fromRow(r: Record<string, unknown>): JobRow {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(COLUMNS)) {
    const v = r[column];
    if (v === null || v === undefined) continue;
    out[key] = key === "tokenCount" || key === "createdAt" || key === "updatedAt" ? Number(v) : String(v);
  }
  return out as unknown as JobRow;
}
