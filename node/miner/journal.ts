/**
 * The miner's crash-safe job journal: an append-only JSON-lines file, one record per state change,
 * each written with `fsync` before the miner acts on it. On start the journal is replayed; every
 * job that is not in a final state is then reconciled with its on-chain state by the miner before
 * anything else is done, so a crash (or `kill -9`) at any point loses no job and never settles twice.
 *
 * States of a job, in order: `claimed` → `inferred` → `proved` → `submitted` → `finalized`, or
 * `released` (given up: deadline passed, job cancelled or settled by someone else, or a
 * permanent error). A torn last line (a crash in the middle of a write) is ignored.
 *
 * Batch jobs (`kind: "batch"`, keyed by their request digest) use the same states: `claimed` = the
 * signed request was accepted (request and signature journaled), `inferred` = answered, `proved` =
 * put in batch attempt `batchKey`, proved, and about to be (or being) sent, `submitted` = settled in
 * batch `batchId`, `finalized` = the batch was paid. A dispute of a batch job is journaled beside its state
 * (`dispute`: `open` → `revealed` | `lost`), with the state unchanged.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync, existsSync } from "node:fs";
import { dirname } from "node:path";

export const JOB_STATES = ["claimed", "inferred", "proved", "submitted", "finalized", "released"] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINAL_STATES: readonly JobState[] = ["finalized", "released"];

/** What the journal knows of one job (later records override earlier fields). */
export interface JournalEntry {
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
  /** Milliseconds spent per phase. */
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
  /** Unix seconds until which the batch can be disputed. */
  challengeEnds?: number;
  /** Block that included the job's batch (the miner scans for disputes of its batches from there). */
  settledBlock?: string;
  /**
   * A dispute of this batch job (`BatchJobDisputed`): `open` = seen, to be revealed; `revealed` = the
   * miner's `revealBatchJob` landed (or someone revealed it first); `lost` = it could not be revealed
   * in the reveal window. Journaled, so a restarted miner still reveals an `open` one.
   */
  dispute?: "open" | "revealed" | "lost";
  /** The job's index in its batch (for the reveal). */
  batchIndex?: string;
  /** The miner's `revealBatchJob` transaction. */
  revealTx?: string;
}

export class JobJournal {
  private fd: number;
  private readonly entries = new Map<string, JournalEntry>();
  /** Records skipped while replaying (a torn last line). */
  readonly skipped: number = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path)) {
      const lines = readFileSync(path, "utf8").split("\n");
      let skipped = 0;
      for (const line of lines) {
        if (line.trim() === "") continue;
        try {
          const record = JSON.parse(line) as JournalEntry;
          if (!JOB_STATES.includes(record.state) || typeof record.jobId !== "string")
            throw new Error("bad record");
          const previous = this.entries.get(record.jobId);
          this.entries.set(record.jobId, {
            ...previous,
            ...record,
            timings: { ...previous?.timings, ...record.timings },
          });
        } catch {
          skipped++;
        }
      }
      this.skipped = skipped;
    }
    this.fd = openSync(path, "a");
    // a crash in the middle of a write leaves a line without "\n": end it so the next record
    // starts on its own line
    if (existsSync(path)) {
      const text = readFileSync(path, "utf8");
      if (text.length > 0 && !text.endsWith("\n")) writeSync(this.fd, "\n");
    }
  }

  /** Appends a state change and fsyncs it; returns the merged entry. */
  record(
    jobId: bigint | string,
    state: JobState,
    data: Partial<Omit<JournalEntry, "jobId" | "state" | "at">> = {},
  ) {
    const id = jobId.toString();
    const record: JournalEntry = { jobId: id, state, at: new Date().toISOString(), ...data };
    writeSync(
      this.fd,
      JSON.stringify(record, (_, v) => (typeof v === "bigint" ? v.toString() : (v as unknown))) + "\n",
    );
    fsyncSync(this.fd);
    const previous = this.entries.get(id);
    const merged = { ...previous, ...record, timings: { ...previous?.timings, ...record.timings } };
    this.entries.set(id, merged);
    return merged;
  }

  get(jobId: bigint | string): JournalEntry | undefined {
    return this.entries.get(jobId.toString());
  }

  /** Jobs not yet finalized or released. */
  open(): JournalEntry[] {
    return [...this.entries.values()].filter((e) => !FINAL_STATES.includes(e.state));
  }

  all(): JournalEntry[] {
    return [...this.entries.values()];
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
