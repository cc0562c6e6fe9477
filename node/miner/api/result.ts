/**
 * `GET /v1/jobs/<jobKey>/result?wait=<ms>`: a job's answer `{ jobKey, output, outputHash, tokenCount }`
 * once the miner has it (200), 202 while it is being answered (after waiting up to `wait` ms, at most
 * 60 s, for it to finish), 404 for a job the miner does not know. `jobKey` is `bytes32(jobId)` for a
 * `JobEscrow` job (a decimal job id is accepted too) or the request digest of a batch job.
 */
import type { JobResult } from "../../shared/provider-api.js";
import { HttpError } from "../../shared/http.js";
import type { MinerContext } from "../context.js";
import type { JournalEntry } from "../journal.js";
import { doneEvent } from "../jobs.js";

/** The journal key of a path's job key: the request digest, or the job id's decimal string. */
function journalKey(ctx: MinerContext, jobKey: string): string | undefined {
  if (/^\d+$/.test(jobKey)) return jobKey;
  if (!/^0x[0-9a-fA-F]{64}$/.test(jobKey)) throw new HttpError(400, "bad_request", `job key ${jobKey} is not bytes32 hex`); // prettier-ignore
  const lower = jobKey.toLowerCase();
  if (ctx.journal.get(lower)) return lower;
  const id = BigInt(lower);
  return id < 2n ** 64n ? id.toString() : undefined;
}

const resultOf = (key: string, e: JournalEntry): JobResult => {
  const { type: _type, ...result } = doneEvent(key, e.output!, e.tokenCount ?? 0);
  return result;
};

/**
 * The result of `jobKey`, waiting up to `waitMs`.
 * @returns `{ status: 200, result }` or `{ status: 202 }`.
 * @throws {HttpError} 404 unknown, 409 released, 400 malformed key.
 */
export async function jobResult(
  ctx: MinerContext,
  jobKey: string,
  waitMs: number,
): Promise<{ status: 200; result: JobResult } | { status: 202 }> {
  const key = journalKey(ctx, jobKey);
  let entry = key === undefined ? undefined : ctx.journal.get(key);
  if (!entry || key === undefined) throw new HttpError(404, "not_found", `no job ${jobKey} here`);
  if (entry.output === undefined && entry.state !== "released" && waitMs > 0) {
    const stream = ctx.streams.open(key);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stream.end(), new Promise((r) => (timer = setTimeout(r, Math.min(waitMs, 60_000))))]);
    clearTimeout(timer);
    entry = ctx.journal.get(key)!;
  }
  if (entry.output !== undefined) return { status: 200, result: resultOf(key, entry) };
  if (entry.state === "released") throw new HttpError(409, "conflict", `job ${jobKey} was released: ${entry.reason ?? ""}`); // prettier-ignore
  return { status: 202 };
}
