/**
 * What a watcher remembers across restarts, in the node's SQLite store: every check it made (so a job is
 * checked, and disputed, at most once by this watcher however often its events are re-delivered) and the
 * batch disputes it filed that it may later claim as withheld.
 */
import { getAddress, type Address, type Hex } from "viem";

import type { Store } from "../shared/store.js";
import type { CheckOutcome, WatchCheck, WatchedJob } from "./types.js";

/** One stored check (a row of `watcher_checks`). */
export interface StoredCheck {
  /** `job:<jobKey>` or `batch:<batchId>:<jobKey>`. */
  id: string;
  kind: WatchedJob["kind"];
  jobKey: Hex;
  jobId?: bigint;
  batchId?: bigint;
  index?: bigint;
  provider: Address;
  /** The submitted output hash and token count, and the job's token limit as re-executed. */
  outputHash: Hex;
  tokenCount: number;
  maxTokens: number;
  outcome: CheckOutcome;
  reason?: string;
  /** The re-executed output's hash (outcomes "match", "mismatch"). */
  expectedHash?: Hex;
  /** This watcher's dispute transaction. */
  dispute?: Hex;
  /** Why a dispute was not filed (e.g. `EscrowWrongStatus`: another watcher was first). */
  disputeError?: string;
  blockNumber: bigint;
  /** ms since the epoch. */
  checkedAt: number;
}

const MIGRATION = [
  `CREATE TABLE watcher_checks (id TEXT PRIMARY KEY, kind TEXT NOT NULL, job_key TEXT NOT NULL,
     job_id TEXT, batch_id TEXT, idx TEXT, provider TEXT NOT NULL, output_hash TEXT NOT NULL,
     token_count INTEGER NOT NULL, max_tokens INTEGER NOT NULL, outcome TEXT NOT NULL, reason TEXT,
     expected_hash TEXT, dispute TEXT, dispute_error TEXT, block_number TEXT NOT NULL, checked_at INTEGER NOT NULL)`,
  "CREATE INDEX watcher_checks_provider ON watcher_checks (provider)",
  "CREATE TABLE watcher_claims (batch_id TEXT NOT NULL, idx TEXT NOT NULL, PRIMARY KEY (batch_id, idx))",
];

/** The store key of a job. */
export function checkId(job: Pick<WatchedJob, "kind" | "jobKey" | "batchId">): string {
  return job.kind === "job"
    ? `job:${job.jobKey.toLowerCase()}`
    : `batch:${job.batchId}:${job.jobKey.toLowerCase()}`;
}

type Row = Record<string, string | number | null>;
const opt = (v: string | number | null) => (v === null ? undefined : String(v));
const optBig = (v: string | number | null) => (v === null ? undefined : BigInt(v));

function fromRow(r: Row): StoredCheck {
  return {
    id: String(r.id),
    kind: r.kind as WatchedJob["kind"],
    jobKey: r.job_key as Hex,
    jobId: optBig(r.job_id!),
    batchId: optBig(r.batch_id!),
    index: optBig(r.idx!),
    provider: getAddress(String(r.provider)),
    outputHash: r.output_hash as Hex,
    tokenCount: Number(r.token_count),
    maxTokens: Number(r.max_tokens),
    outcome: r.outcome as CheckOutcome,
    reason: opt(r.reason!),
    expectedHash: opt(r.expected_hash!) as Hex | undefined,
    dispute: opt(r.dispute!) as Hex | undefined,
    disputeError: opt(r.dispute_error!),
    blockNumber: BigInt(r.block_number!),
    checkedAt: Number(r.checked_at),
  };
}

/** The watcher's tables in a {@link Store} (created on first use). */
export class WatcherState {
  /** @param store The node's store (shared with the coordinator's other state). */
  constructor(readonly store: Store) {
    store.migrate("watcher-1", MIGRATION);
  }

  /** Whether this job was already checked (any outcome but "failed", which is never stored). */
  has(job: Pick<WatchedJob, "kind" | "jobKey" | "batchId">): boolean {
    return this.store.db.prepare("SELECT 1 FROM watcher_checks WHERE id = ?").get(checkId(job)) !== undefined;
  }

  /** Records a check (once: a re-delivered job keeps its first record). */
  record(check: WatchCheck, now = Date.now()): void {
    const { job } = check;
    this.store.db
      .prepare(
        `INSERT OR IGNORE INTO watcher_checks (id, kind, job_key, job_id, batch_id, idx, provider, output_hash, token_count, max_tokens, outcome, reason,
           expected_hash, dispute, dispute_error, block_number, checked_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
      )
      .run(
        checkId(job), job.kind, job.jobKey.toLowerCase(), job.jobId?.toString() ?? null,
        job.batchId?.toString() ?? null, job.index?.toString() ?? null, job.provider.toLowerCase(), job.outputHash.toLowerCase(), job.tokenCount, job.maxTokens, check.outcome,
        check.reason ?? null, check.expected?.outputHash ?? null, check.dispute ?? null, check.disputeError ?? null,
        job.blockNumber.toString(), now,
      ); // prettier-ignore
  }

  /** Every check, oldest first (optionally of one provider). */
  checks(provider?: Address): StoredCheck[] {
    const rows = (
      provider === undefined
        ? this.store.db.prepare("SELECT * FROM watcher_checks ORDER BY rowid").all()
        : this.store.db.prepare("SELECT * FROM watcher_checks WHERE provider = ? ORDER BY rowid").all(provider.toLowerCase())
    ) as Row[]; // prettier-ignore
    return rows.map(fromRow);
  }

  /** Remembers a batch dispute to claim as withheld once its reveal window passes. */
  addClaim(batchId: bigint, index: bigint): void {
    this.store.db.prepare("INSERT OR IGNORE INTO watcher_claims (batch_id, idx) VALUES (?, ?)").run(batchId.toString(), index.toString()); // prettier-ignore
  }

  /** Forgets one (claimed, revealed or resolved). */
  dropClaim(batchId: bigint, index: bigint): void {
    this.store.db.prepare("DELETE FROM watcher_claims WHERE batch_id = ? AND idx = ?").run(batchId.toString(), index.toString()); // prettier-ignore
  }

  /** The batch disputes still to watch. */
  claims(): { batchId: bigint; index: bigint }[] {
    const rows = this.store.db
      .prepare("SELECT batch_id, idx FROM watcher_claims ORDER BY rowid")
      .all() as Row[];
    return rows.map((r) => ({ batchId: BigInt(r.batch_id!), index: BigInt(r.idx!) }));
  }
}
