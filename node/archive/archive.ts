/**
 * The job archive: what a provider (miner) or a consumer (gateway) keeps so that any watcher can
 * re-execute a job during its challenge window — the exact prompt payload bytes whose keccak256 is the
 * job's on-chain `promptHash`, the exact output bytes whose keccak256 is its `outputHash`, and for a
 * batch job the consumer's signed request (needed to reveal it on-chain in a dispute).
 *
 * Records are keyed by the job key of the sampling rule (`bytes32(jobId)` for `JobEscrow`, the request
 * digest for `BatchEscrow`) and kept until `keepUntil` (default: now + {@link DEFAULT_RETENTION_MS},
 * the longest challenge window plus the longest reveal window the policy allows, plus a day). Storage is
 * SQLite (`node:sqlite`): a file survives restarts; `":memory:"` (the default) does not.
 *
 * HTTP (mount {@link handleArchiveRequest} in any `node:http` server; read-only, no authentication —
 * the data are checked against on-chain hashes by whoever fetches them):
 * - `GET /v1/jobs/<jobKey>/payload` → 200 `application/octet-stream`, the payload bytes (UTF-8 JSON)
 * - `GET /v1/jobs/<jobKey>/output`  → 200 `application/octet-stream`, the output bytes (UTF-8)
 * - `GET /v1/jobs/<jobKey>/request` → 200 `application/json`, the signed request (batch jobs)
 * - 404 `{ error }` when the archive does not hold it, 400 `{ error }` for a malformed job key.
 *
 * @example
 * ```ts
 * const archive = new JobArchive({ path: "miner-archive.sqlite" });
 * archive.put(jobKeyOfJobId(jobId), { payload: canonicalPayload(p), output });
 * const server = createServer((req, res) => {
 *   if (handleArchiveRequest(archive, req, res)) return;
 *   // … the program's other routes
 * });
 * ```
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { DatabaseSync } from "node:sqlite";

import type { Hex } from "@aitbc/sdk";

/** 7 days (longest challenge window) + 7 days (longest reveal window) + 1 day, in ms. */
export const DEFAULT_RETENTION_MS = 15 * 86_400_000;

/** The archive's routes. */
export const ARCHIVE_ROUTE = /^\/v1\/jobs\/([^/]+)\/(payload|output|request)$/;

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** What is archived for one job (any part may be added later: the output after the prompt). */
export interface ArchiveEntry {
  /** The prompt payload exactly as hashed into `promptHash` (canonical JSON). */
  payload?: string;
  /** The output exactly as hashed into `outputHash`. */
  output?: string;
  /** The consumer's signed request of a batch job, as JSON-safe data (amounts as decimal strings). */
  request?: unknown;
  /** Keep the record at least until then (ms since the epoch). */
  keepUntil?: number;
}

/** A job's record as read back. */
export interface ArchivedJob {
  payload?: string;
  output?: string;
  request?: unknown;
  /** ms since the epoch. */
  keepUntil: number;
}

/** Options of {@link JobArchive}. */
export interface JobArchiveOptions {
  /** SQLite file, or ":memory:" (default). */
  path?: string;
  /** Default retention from the last write, ms (default {@link DEFAULT_RETENTION_MS}). */
  retentionMs?: number;
  /** Clock (ms since the epoch); default `Date.now`. */
  now?: () => number;
}

/** A job key that is not a bytes32 hex string. */
export class ArchiveKeyError extends Error {
  override name = "ArchiveKeyError";
  /** @param jobKey The rejected key. */
  constructor(readonly jobKey: string) {
    super(`job key ${JSON.stringify(jobKey)} is not a bytes32 (0x + 64 hex digits)`);
  }
}

/**
 * The archive store (see the module's description).
 *
 * @example
 * ```ts
 * const archive = new JobArchive();
 * archive.put(key, { payload });
 * archive.put(key, { output });
 * archive.get(key); // { payload, output, request: undefined, keepUntil }
 * ```
 */
export class JobArchive {
  private readonly db: DatabaseSync;
  private readonly retentionMs: number;
  private readonly now: () => number;

  /** @param options `{ path?, retentionMs?, now? }`. */
  constructor(options: JobArchiveOptions = {}) {
    this.db = new DatabaseSync(options.path ?? ":memory:");
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.now = options.now ?? Date.now;
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS jobs (job_key TEXT PRIMARY KEY, payload BLOB, output BLOB, request TEXT, keep_until INTEGER NOT NULL)", // prettier-ignore
    );
  }

  /**
   * Adds or completes a job's record (fields not given are kept); extends its retention.
   * @throws {ArchiveKeyError} for a malformed key.
   */
  put(jobKey: Hex, entry: ArchiveEntry): void {
    const key = normalize(jobKey);
    const keepUntil = entry.keepUntil ?? this.now() + this.retentionMs;
    this.db
      .prepare(
        `INSERT INTO jobs (job_key, payload, output, request, keep_until) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(job_key) DO UPDATE SET payload = coalesce(excluded.payload, payload),
           output = coalesce(excluded.output, output), request = coalesce(excluded.request, request),
           keep_until = max(keep_until, excluded.keep_until)`,
      )
      .run(
        key,
        entry.payload === undefined ? null : Buffer.from(entry.payload, "utf8"),
        entry.output === undefined ? null : Buffer.from(entry.output, "utf8"),
        entry.request === undefined ? null : JSON.stringify(entry.request, bigintsAsStrings),
        keepUntil,
      );
  }

  /** A job's record, or undefined (also once expired). @throws {ArchiveKeyError} */
  get(jobKey: Hex): ArchivedJob | undefined {
    const row = this.db
      .prepare("SELECT payload, output, request, keep_until FROM jobs WHERE job_key = ? AND keep_until >= ?")
      .get(normalize(jobKey), this.now()) as
      | { payload: Uint8Array | null; output: Uint8Array | null; request: string | null; keep_until: number }
      | undefined;
    if (!row) return undefined;
    return {
      ...(row.payload === null ? {} : { payload: Buffer.from(row.payload).toString("utf8") }),
      ...(row.output === null ? {} : { output: Buffer.from(row.output).toString("utf8") }),
      ...(row.request === null ? {} : { request: JSON.parse(row.request) as unknown }),
      keepUntil: Number(row.keep_until),
    };
  }

  /** The raw bytes of one part, or undefined. @throws {ArchiveKeyError} */
  bytes(jobKey: Hex, part: "payload" | "output"): Uint8Array | undefined {
    const row = this.db
      .prepare(`SELECT ${part} AS v FROM jobs WHERE job_key = ? AND keep_until >= ?`)
      .get(normalize(jobKey), this.now()) as { v: Uint8Array | null } | undefined;
    return row?.v ?? undefined;
  }

  /** Deletes expired records; returns how many. */
  prune(): number {
    return Number(this.db.prepare("DELETE FROM jobs WHERE keep_until < ?").run(this.now()).changes);
  }

  /** Number of live records. */
  size(): number {
    const row = this.db.prepare("SELECT count(*) AS n FROM jobs WHERE keep_until >= ?").get(this.now()) as { n: number }; // prettier-ignore
    return Number(row.n);
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }
}

function normalize(jobKey: string): string {
  if (typeof jobKey !== "string" || !BYTES32.test(jobKey)) throw new ArchiveKeyError(String(jobKey));
  return jobKey.toLowerCase();
}

function bigintsAsStrings(_: string, v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v;
}

/**
 * Serves the archive's routes (see the module's description) from `archive`; returns false, without
 * answering, for any other request, so a server can fall through to its own routes.
 *
 * @param archive The store.
 * @param req The request.
 * @param res The response.
 * @returns Whether the request was an archive request (and has been answered).
 * @example
 * ```ts
 * createServer((req, res) => handleArchiveRequest(archive, req, res) || otherRoutes(req, res));
 * ```
 */
export function handleArchiveRequest(
  archive: JobArchive,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  const path = new URL(req.url ?? "/", "http://x").pathname;
  const match = ARCHIVE_ROUTE.exec(path);
  if (!match || (req.method !== "GET" && req.method !== "HEAD")) return false;
  const [, key, part] = match as unknown as [string, string, "payload" | "output" | "request"];
  const reply = (status: number, type: string, body: Uint8Array | string) => {
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), "cache-control": "no-store" }); // prettier-ignore
    res.end(req.method === "HEAD" ? undefined : body);
  };
  const error = (status: number, message: string) =>
    reply(status, "application/json", JSON.stringify({ error: message }));
  if (!BYTES32.test(key)) {
    error(400, `job key ${JSON.stringify(key)} is not a bytes32 (0x + 64 hex digits)`);
    return true;
  }
  if (part === "request") {
    const request = archive.get(key as Hex)?.request;
    if (request === undefined) error(404, `no request archived for ${key}`);
    else reply(200, "application/json", JSON.stringify(request));
    return true;
  }
  const bytes = archive.bytes(key as Hex, part);
  if (bytes === undefined) error(404, `no ${part} archived for ${key}`);
  else reply(200, "application/octet-stream", Buffer.from(bytes));
  return true;
}
