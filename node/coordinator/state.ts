/**
 * The coordinator's own tables in the node's SQLite store (beside the watcher's checks and the event
 * cursors): the providers and their published URIs, the probes of their endpoints (availability,
 * latency, capacity, asked price), and the performance values it reported on-chain. All of it survives
 * a restart: history is never reset to zero.
 */
import { getAddress, type Address, type Hex } from "viem";

import type { Store } from "../shared/store.js";

/** A provider with a published service URI. */
export interface ProviderRow {
  provider: Address;
  uri: string;
  /** Block of the `ServiceURIUpdated` that set it. */
  blockNumber: bigint;
}

/** One probe of a provider's endpoint. */
export interface ProbeRow {
  provider: Address;
  /** ms since the epoch. */
  at: number;
  ok: boolean;
  /** Round trip of `GET /health`, ms. */
  latencyMs: number;
  /** Free job slots the miner announced (0 when the probe failed). */
  capacity: number;
  /** The cheapest verified offer's price, wei per token. */
  minPricePerToken?: bigint;
  /** Model digests of its verified offers. */
  models: Hex[];
  /** Why it failed or degraded. */
  error?: string;
}

const MIGRATION = [
  "CREATE TABLE coordinator_providers (provider TEXT PRIMARY KEY, uri TEXT NOT NULL, block_number TEXT NOT NULL)",
  `CREATE TABLE coordinator_probes (id INTEGER PRIMARY KEY AUTOINCREMENT, provider TEXT NOT NULL, at INTEGER NOT NULL,
     ok INTEGER NOT NULL, latency_ms REAL NOT NULL, capacity INTEGER NOT NULL, min_price TEXT, models TEXT NOT NULL, error TEXT)`,
  "CREATE INDEX coordinator_probes_provider ON coordinator_probes (provider, id)",
  `CREATE TABLE coordinator_reports (id INTEGER PRIMARY KEY AUTOINCREMENT, provider TEXT NOT NULL, at INTEGER NOT NULL,
     value INTEGER NOT NULL, tx TEXT)`,
];

/** Probes kept per provider (older ones are deleted as new ones arrive). */
export const PROBES_KEPT = 500;

type Row = Record<string, string | number | null>;

/** The coordinator's tables (created on first use). */
export class CoordinatorState {
  /** @param store The node's store. */
  constructor(readonly store: Store) {
    store.migrate("coordinator-1", MIGRATION);
  }

  /** Sets (or, with `uri` "", removes) a provider's URI; events re-delivered in order converge. */
  setProvider(provider: Address, uri: string, blockNumber: bigint): void {
    const key = provider.toLowerCase();
    if (uri === "") this.store.db.prepare("DELETE FROM coordinator_providers WHERE provider = ?").run(key);
    else
      this.store.db
        .prepare(
          "INSERT INTO coordinator_providers VALUES (?, ?, ?) ON CONFLICT(provider) DO UPDATE SET uri = excluded.uri, block_number = excluded.block_number",
        )
        .run(key, uri, blockNumber.toString());
  }

  /** Every provider with a URI, in the order they first published one. */
  providers(): ProviderRow[] {
    const rows = this.store.db.prepare("SELECT * FROM coordinator_providers ORDER BY rowid").all() as Row[];
    return rows.map((r) => ({ provider: getAddress(String(r.provider)), uri: String(r.uri), blockNumber: BigInt(r.block_number!) })); // prettier-ignore
  }

  /** A provider's URI, if published. */
  uriOf(provider: Address): string | undefined {
    const row = this.store.db.prepare("SELECT uri FROM coordinator_providers WHERE provider = ?").get(provider.toLowerCase()) as Row | undefined; // prettier-ignore
    return row === undefined ? undefined : String(row.uri);
  }

  /** Records a probe and keeps the latest {@link PROBES_KEPT} of its provider. */
  addProbe(p: ProbeRow): void {
    const key = p.provider.toLowerCase();
    this.store.transaction(() => {
      this.store.db
        .prepare("INSERT INTO coordinator_probes (provider, at, ok, latency_ms, capacity, min_price, models, error) VALUES (?,?,?,?,?,?,?,?)") // prettier-ignore
        .run(key, p.at, p.ok ? 1 : 0, p.latencyMs, p.capacity, p.minPricePerToken?.toString() ?? null, JSON.stringify(p.models), p.error ?? null); // prettier-ignore
      this.store.db
        .prepare(
          "DELETE FROM coordinator_probes WHERE provider = ? AND id NOT IN (SELECT id FROM coordinator_probes WHERE provider = ? ORDER BY id DESC LIMIT ?)",
        ) // prettier-ignore
        .run(key, key, PROBES_KEPT);
    });
  }

  /** A provider's probes, oldest first. */
  probes(provider: Address): ProbeRow[] {
    const rows = this.store.db.prepare("SELECT * FROM coordinator_probes WHERE provider = ? ORDER BY id").all(provider.toLowerCase()) as Row[]; // prettier-ignore
    return rows.map((r) => ({
      provider: getAddress(String(r.provider)),
      at: Number(r.at),
      ok: r.ok === 1,
      latencyMs: Number(r.latency_ms),
      capacity: Number(r.capacity),
      ...(r.min_price === null ? {} : { minPricePerToken: BigInt(r.min_price!) }),
      models: JSON.parse(String(r.models)) as Hex[],
      ...(r.error === null ? {} : { error: String(r.error) }),
    }));
  }

  /** Records a performance value written on-chain. */
  addReport(provider: Address, value: number, tx: Hex | undefined, at = Date.now()): void {
    this.store.db.prepare("INSERT INTO coordinator_reports (provider, at, value, tx) VALUES (?,?,?,?)").run(provider.toLowerCase(), at, value, tx ?? null); // prettier-ignore
  }

  /** The last value reported for a provider, if any. */
  lastReport(provider: Address): { value: number; at: number } | undefined {
    const row = this.store.db.prepare("SELECT value, at FROM coordinator_reports WHERE provider = ? ORDER BY id DESC LIMIT 1").get(provider.toLowerCase()) as Row | undefined; // prettier-ignore
    return row === undefined ? undefined : { value: Number(row.value), at: Number(row.at) };
  }
}
