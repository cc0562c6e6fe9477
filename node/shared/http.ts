/**
 * Small `node:http` helpers shared by the miner's, the gateway's and the coordinator's servers: read a
 * JSON body with a size limit, answer JSON, and turn a thrown {@link HttpError} into its status with the
 * wire error shape `{ error, reason?, details? }`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** Largest request body read by default, bytes (1 MiB: prompts are small, the escrow hashes them). */
export const DEFAULT_BODY_LIMIT = 1 << 20;

/** An error a handler throws to answer with `status` (4xx: the caller's mistake; 5xx: ours). */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    /** HTTP status. */
    readonly status: number,
    /** Short machine-readable word, e.g. `"refused"`, `"bad_request"`, `"not_found"`. */
    readonly error: string,
    /** One human-readable line. */
    readonly reason: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

/**
 * Reads the whole body (UTF-8) of `req`.
 *
 * @throws {HttpError} 413 when it exceeds `limitBytes`; the rest of the body is then read and
 *   dropped (not kept), so the connection stays usable and the client can read the 413.
 */
export function readBody(req: IncomingMessage, limitBytes = DEFAULT_BODY_LIMIT): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) return void chunks.push(chunk);
      req
        .off("data", onData)
        .off("end", onEnd)
        .off("error", reject)
        .on("error", () => undefined);
      req.resume(); // drop the rest
      chunks.length = 0;
      reject(new HttpError(413, "too_large", `the body exceeds ${limitBytes} bytes`, { limitBytes }));
    };
    const onEnd = () => resolve(Buffer.concat(chunks).toString("utf8"));
    req.on("data", onData).once("end", onEnd).once("error", reject);
  });
}

/**
 * Reads and parses a JSON body.
 *
 * @throws {HttpError} 400 when it is not JSON; 413 when too large.
 */
export async function readJson(req: IncomingMessage, limitBytes = DEFAULT_BODY_LIMIT): Promise<unknown> {
  const text = await readBody(req, limitBytes);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new HttpError(400, "bad_request", "the body is not JSON", undefined, { cause });
  }
}

/** JSON with bigints as decimal strings (wei amounts, ids). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** Answers `status` with `value` as JSON (bigints as decimal strings). */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = toJson(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Answers an error: an {@link HttpError} with its status and shape, anything else as 500
 * `{ error: "internal", reason }`. Does nothing when the headers are already sent (a stream was
 * under way: the caller ends it with an error event instead).
 */
export function sendError(res: ServerResponse, e: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (e instanceof HttpError)
    return sendJson(res, e.status, {
      error: e.error,
      reason: e.reason,
      ...(e.details ? { details: e.details } : {}),
    });
  sendJson(res, 500, { error: "internal", reason: e instanceof Error ? e.message : String(e) });
}

/** The path of `req` without the query, and the query. */
export function requestUrl(req: IncomingMessage): URL {
  return new URL(req.url ?? "/", "http://localhost");
}
