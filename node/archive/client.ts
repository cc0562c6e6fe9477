/**
 * Fetching a job's archived prompt payload and output from whoever serves them (the provider's
 * miner at its published URI, the consumer's gateway, a local {@link JobArchive}), each checked
 * against its on-chain hash: a source that answers with other bytes is skipped and reported, never
 * believed.
 */
import { keccak256, type Hex } from "viem";

import { JobArchive } from "./archive.js";

/** Somewhere a job's data may be fetched from. */
export interface ArchiveSource {
  /** For reports (e.g. the URL). */
  readonly name: string;
  /** The raw bytes of `part` for `jobKey`, or undefined if not served. Throws only on a bug. */
  fetch(jobKey: Hex, part: "payload" | "output"): Promise<Uint8Array | undefined>;
  /** The signed request of a batch job as archived (JSON, amounts as strings), if served; unverified. */
  fetchRequest?(jobKey: Hex): Promise<unknown>;
}

/**
 * An archive served over HTTP (`GET <base>/v1/jobs/<jobKey>/payload|output`, see `archive.ts`). Network
 * errors, timeouts and non-200 answers count as "not served".
 *
 * @param baseUrl The server's base URL, e.g. `http://127.0.0.1:8546`.
 * @param options.timeoutMs Per request (default 10 000 ms).
 * @example
 * ```ts
 * const source = httpArchiveSource("http://miner.example:8546");
 * ```
 */
export function httpArchiveSource(baseUrl: string, options: { timeoutMs?: number } = {}): ArchiveSource {
  const base = baseUrl.replace(/\/+$/, "");
  return {
    name: base,
    async fetch(jobKey, part) {
      try {
        const response = await fetch(`${base}/v1/jobs/${jobKey}/${part}`, {
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
        if (response.status !== 200) return undefined;
        return new Uint8Array(await response.arrayBuffer());
      } catch {
        return undefined;
      }
    },
    async fetchRequest(jobKey) {
      try {
        const response = await fetch(`${base}/v1/jobs/${jobKey}/request`, {
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
        return response.status === 200 ? ((await response.json()) as unknown) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * A {@link JobArchive} in this process as a source.
 * @example
 * ```ts
 * const source = localArchiveSource(archive);
 * ```
 */
export function localArchiveSource(archive: JobArchive, name = "local archive"): ArchiveSource {
  return {
    name,
    fetch: (jobKey, part) => Promise.resolve(archive.bytes(jobKey, part)),
    fetchRequest: (jobKey) => Promise.resolve(archive.get(jobKey)?.request),
  };
}

/**
 * A source from a lookup function returning text (e.g. a test's table).
 * @example
 * ```ts
 * const source = functionArchiveSource("table", async (key, part) => part === "output" ? outputs.get(key) : undefined);
 * ```
 */
export function functionArchiveSource(
  name: string,
  lookup: (jobKey: Hex, part: "payload" | "output") => Promise<string | undefined> | string | undefined,
): ArchiveSource {
  return {
    name,
    async fetch(jobKey, part) {
      const text = await lookup(jobKey, part);
      return text === undefined ? undefined : new TextEncoder().encode(text);
    },
  };
}

/** What {@link retrieveJobData} found. */
export interface RetrievedJobData {
  /** The payload text whose keccak256 is `promptHash`, and who served it. */
  payload?: { text: string; bytes: Uint8Array; source: string };
  /** The output text whose keccak256 is `outputHash`, and who served it. */
  output?: { text: string; bytes: Uint8Array; source: string };
  /** Sources that served bytes not matching the on-chain hash (`"<source>: payload"`). */
  mismatched: string[];
}

/**
 * Fetches a job's payload and output from `sources` in order, keeping the first answer of each whose
 * keccak256 equals the on-chain hash.
 *
 * @param sources Where to ask (provider's, consumer's, others).
 * @param job `{ jobKey, promptHash, outputHash }` from the chain.
 * @returns The verified data (absent parts: nobody served them correctly) and the mismatching sources.
 * @example
 * ```ts
 * const data = await retrieveJobData([httpArchiveSource(minerUrl)], { jobKey, promptHash, outputHash });
 * if (!data.payload || !data.output) await dispute(); // withheld
 * ```
 */
export async function retrieveJobData(
  sources: readonly ArchiveSource[],
  job: { jobKey: Hex; promptHash: Hex; outputHash: Hex },
): Promise<RetrievedJobData> {
  const found: RetrievedJobData = { mismatched: [] };
  for (const part of ["payload", "output"] as const) {
    const expected = (part === "payload" ? job.promptHash : job.outputHash).toLowerCase();
    for (const source of sources) {
      const bytes = await source.fetch(job.jobKey, part);
      if (bytes === undefined) continue;
      if (keccak256(bytes).toLowerCase() !== expected) {
        found.mismatched.push(`${source.name}: ${part}`);
        continue;
      }
      found[part] = {
        text: new TextDecoder("utf-8", { fatal: false }).decode(bytes),
        bytes,
        source: source.name,
      };
      break;
    }
  }
  return found;
}
