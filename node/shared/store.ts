/**
 * The node programs' embedded database: one SQLite file per program (`node:sqlite`, built into the
 * Node.js 22.13+ the bootstrap runs; `better-sqlite3` cannot be installed from this registry), opened in
 * WAL mode with a busy timeout, with named migrations and block cursors for event following.
 *
 * A program keeps everything it must not lose on a restart here (jobs in flight, prompts owed to
 * challengers, quotes, results, the block its event followers have reached). `":memory:"` gives a
 * store that dies with the process (tests, one-shot runs).
 *
 * @example
 * ```ts
 * const store = openStore("gateway.sqlite");
 * store.migrate("jobs-1", ["CREATE TABLE jobs (job_key TEXT PRIMARY KEY, state TEXT NOT NULL)"]);
 * store.transaction(() => store.db.prepare("INSERT INTO jobs VALUES (?, ?)").run(key, "sent"));
 * store.setCursor("escrow", 1234n);
 * ```
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";

/** An open store. */
export interface Store {
  /** The SQLite handle (synchronous API of `node:sqlite`). */
  readonly db: DatabaseSync;
  /** Where it lives (`":memory:"` for none). */
  readonly path: string;
  /**
   * Runs `statements` once per store, in one transaction, and records `name` so a second call is a
   * no-op. Names are never reused for different statements.
   */
  migrate(name: string, statements: readonly string[]): void;
  /** The last block whose logs `key`'s follower has handled, or undefined before the first. */
  getCursor(key: string): bigint | undefined;
  /** Records that `key`'s follower has handled every log up to and including `block`. */
  setCursor(key: string, block: bigint): void;
  /** Runs `fn` in one transaction (`BEGIN IMMEDIATE`); rolls back if it throws. Nested calls join the outer one. */
  transaction<T>(fn: () => T): T;
  /** Closes the database (idempotent). */
  close(): void;
}

/** The store's error: the file cannot be opened or a migration fails. */
export class StoreError extends Error {
  override readonly name = "StoreError";
  constructor(
    message: string,
    readonly details: { path: string; migration?: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Opens (creating if needed) the store at `path`.
 *
 * @param path A file path (its folder is created) or `":memory:"`.
 * @throws {StoreError} when the file cannot be opened as SQLite.
 */
export function openStore(path: string): Store {
  let db: DatabaseSync;
  try {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    db = new DatabaseSync(path);
    db.exec("PRAGMA busy_timeout = 5000");
    if (path !== ":memory:") db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec(
      "CREATE TABLE IF NOT EXISTS store_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL);" +
        "CREATE TABLE IF NOT EXISTS store_cursors (key TEXT PRIMARY KEY, block TEXT NOT NULL)",
    );
  } catch (cause) {
    throw new StoreError(
      `cannot open the store at ${path}: ${(cause as Error).message}`,
      { path },
      { cause },
    );
  }
  return new SqliteStore(db, path);
}

class SqliteStore implements Store {
  private depth = 0;
  private closed = false;

  constructor(
    readonly db: DatabaseSync,
    readonly path: string,
  ) {}

  migrate(name: string, statements: readonly string[]): void {
    const done = this.db.prepare("SELECT 1 FROM store_migrations WHERE name = ?").get(name);
    if (done !== undefined) return;
    try {
      this.transaction(() => {
        for (const sql of statements) this.db.exec(sql);
        this.db
          .prepare("INSERT INTO store_migrations (name, applied_at) VALUES (?, ?)")
          .run(name, Date.now());
      });
    } catch (cause) {
      throw new StoreError(
        `migration ${name} failed: ${(cause as Error).message}`,
        { path: this.path, migration: name },
        { cause },
      );
    }
  }

  getCursor(key: string): bigint | undefined {
    const row = this.db.prepare("SELECT block FROM store_cursors WHERE key = ?").get(key) as
      { block: string } | undefined;
    return row === undefined ? undefined : BigInt(row.block);
  }

  setCursor(key: string, block: bigint): void {
    this.db
      .prepare(
        "INSERT INTO store_cursors (key, block) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET block = excluded.block",
      )
      .run(key, block.toString());
  }

  transaction<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    this.db.exec("BEGIN IMMEDIATE");
    this.depth++;
    try {
      const value = fn();
      this.db.exec("COMMIT");
      return value;
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    } finally {
      this.depth--;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
