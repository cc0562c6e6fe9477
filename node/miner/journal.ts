/**
 * The miner's crash-safe job journal, a table of the miner's SQLite store (`node/shared/store.ts`): one
 * row per job, written (synchronously, in a transaction) right after each state change and before the
 * miner acts on it. On start every job not in a final state is reconciled with the chain before anything
 * else is done, so a crash (or `kill -9`) at any point loses no job and never settles one twice.
 *
 * States, in order: `claimed` (accepted: the prompt is archived) → `inferred` (answered) → `proved` →
 * `submitted` (on-chain, with its `challengeEnds`) → `finalized`, or `released` (given up).
 *
 * Batch jobs (`kind: "batch"`, keyed by their request digest) use the same states: `claimed` = the
 * signed request was accepted, `inferred` = answered, `proved` = in batch attempt `batchKey` (being
 * sent), `submitted` = settled in batch `batchId`, `finalized` = the batch was paid. A dispute is kept
 * beside the state (`dispute`: `open` → `revealed` | `lost`).
 *
 * `challengeEnds` and `dispute` are columns, so the jobs due for finalization are one indexed query
 * ({@link JobJournal.due}): nothing re-reads the chain for jobs still inside their window.
 */
import type { Store } from "../shared/store.js";

/** A job's states, in order. */
export const JOB_STATES = ["claimed", "inferred", "proved", "submitted", "finalized", "released"] as const;
/** One of {@link JOB_STATES}. */
export type JobState = (typeof JOB_STATES)[number];
/** States after which nothing more is done. */
export const FINAL_STATES: readonly JobState[] = ["finalized", "released"];

/** What the journal knows of one job (later records override earlier fields). */
export interface JournalEntry {
  /** A `JobEscrow` job id (decimal) or a batch request digest (0x…, lower-case). */
  jobId: string;
  state: JobState;
  /** ISO time of the last record. */
  at: string;
  model?: string;
  promptHash?: string;
  output?: string;
  outputHash?: string;
  tokenCount?: number;
  nullifier?: string;
  /** The receipt proof's calldata, JSON with bigints as strings. */
  proof?: unknown;
  txHash?: string;
  reason?: string;
  /** Milliseconds (or epoch ms) per phase. */
  timings?: Record<string, number>;
  /** "batch" for a job settled through `BatchEscrow` (absent: a `JobEscrow` job). */
  kind?: "batch";
  /** The consumer's signed request (amounts as decimal strings), for batch jobs. */
  request?: Record<string, string>;
  /** The consumer's signature of the request. */
  signature?: string;
  /** Evidence of a proof of inference (hex), for a model with a checker. */
  inference?: string;
  /** The batch attempt the job was put in (random id), and the settled batch. */
  batchKey?: string;
  batchId?: string;
  /** Unix seconds until which the job (or its batch) can be disputed. */
  challengeEnds?: number;
  /** Block that included the job's batch. */
  settledBlock?: string;
  /** A dispute of this job: `open` = seen; `revealed`; `lost`. */
  dispute?: "open" | "revealed" | "lost";
  /** The job's index in its batch (for the reveal). */
  batchIndex?: string;
  /** The miner's `revealBatchJob` transaction. */
  revealTx?: string;
  /** Fee earned, wei (decimal string), once known. */
  fee?: string;
}

const MIGRATION = [
  `CREATE TABLE miner_jobs (
     job_key TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     state TEXT NOT NULL,
     challenge_ends INTEGER,
     dispute TEXT,
     batch_id TEXT,
     data TEXT NOT NULL,
     updated_at INTEGER NOT NULL)`,
  "CREATE INDEX miner_jobs_state ON miner_jobs (state, challenge_ends)",
  "CREATE INDEX miner_jobs_batch ON miner_jobs (batch_id)",
];

const jsonOf = (value: unknown) =>
  JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : (v as unknown)));

const rowsToEntries = (rows: unknown[]) =>
  rows.map((r) => JSON.parse((r as { data: string }).data) as JournalEntry);

/** The job journal over a {@link Store} (see the module). */
export class JobJournal {
  constructor(readonly store: Store) {
    store.migrate("miner-journal-1", MIGRATION);
  }

  /** Records a state change (merged over what is known) and commits it; returns the merged entry. */
  record(
    jobId: bigint | string,
    state: JobState,
    data: Partial<Omit<JournalEntry, "jobId" | "state" | "at">> = {},
  ): JournalEntry {
    const id = jobId.toString();
    return this.store.transaction(() => {
      const previous = this.get(id);
      const merged: JournalEntry = {
        ...previous,
        ...(JSON.parse(jsonOf(data)) as Partial<JournalEntry>),
        jobId: id,
        state,
        at: new Date().toISOString(),
        timings: { ...previous?.timings, ...data.timings },
      };
      this.store.db
        .prepare(
          `INSERT INTO miner_jobs (job_key, kind, state, challenge_ends, dispute, batch_id, data, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(job_key) DO UPDATE SET kind = excluded.kind, state = excluded.state,
             challenge_ends = excluded.challenge_ends, dispute = excluded.dispute,
             batch_id = excluded.batch_id, data = excluded.data, updated_at = excluded.updated_at`,
        )
        .run(id, merged.kind ?? "job", state, merged.challengeEnds ?? null, merged.dispute ?? null, merged.batchId ?? null, jsonOf(merged), Date.now()); // prettier-ignore
      return merged;
    });
  }

  get(jobId: bigint | string): JournalEntry | undefined {
    const row = this.store.db.prepare("SELECT data FROM miner_jobs WHERE job_key = ?").get(jobId.toString());
    return row === undefined ? undefined : rowsToEntries([row])[0];
  }

  /** Jobs not yet finalized or released (optionally of one kind). */
  open(kind?: "job" | "batch"): JournalEntry[] {
    const sql = "SELECT data FROM miner_jobs WHERE state NOT IN ('finalized', 'released')";
    const rows = kind
      ? this.store.db.prepare(`${sql} AND kind = ? ORDER BY updated_at`).all(kind)
      : this.store.db.prepare(`${sql} ORDER BY updated_at`).all();
    return rowsToEntries(rows);
  }

  /** Open jobs of `kind` in `state`. */
  inState(kind: "job" | "batch", state: JobState): JournalEntry[] {
    const rows = this.store.db
      .prepare("SELECT data FROM miner_jobs WHERE kind = ? AND state = ? ORDER BY updated_at")
      .all(kind, state);
    return rowsToEntries(rows);
  }

  /** Submitted, undisputed jobs of `kind` whose challenge window ended at or before `now` (Unix s). */
  due(kind: "job" | "batch", now: number): JournalEntry[] {
    const rows = this.store.db
      .prepare(
        `SELECT data FROM miner_jobs WHERE kind = ? AND state = 'submitted' AND dispute IS NULL
         AND challenge_ends IS NOT NULL AND challenge_ends <= ? ORDER BY challenge_ends`,
      )
      .all(kind, now);
    return rowsToEntries(rows);
  }

  /** Jobs settled in batch `batchId`. */
  ofBatch(batchId: string): JournalEntry[] {
    return rowsToEntries(
      this.store.db.prepare("SELECT data FROM miner_jobs WHERE batch_id = ?").all(batchId),
    );
  }

  /** Jobs with an open dispute. */
  disputed(): JournalEntry[] {
    return rowsToEntries(this.store.db.prepare("SELECT data FROM miner_jobs WHERE dispute = 'open'").all());
  }

  /** Number of jobs per state. */
  counts(): Record<string, number> {
    const rows = this.store.db.prepare("SELECT state, COUNT(*) AS n FROM miner_jobs GROUP BY state").all();
    return Object.fromEntries(rows.map((r) => [String(r.state), Number(r.n)]));
  }

  all(): JournalEntry[] {
    return rowsToEntries(this.store.db.prepare("SELECT data FROM miner_jobs").all());
  }
}
