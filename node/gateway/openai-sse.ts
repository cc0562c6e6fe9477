/**
 * Server-sent events as OpenAI streams them: `text/event-stream`, one `data: <JSON>\n\n` event per
 * chunk, and `data: [DONE]\n\n` last. Writes after the client left are dropped.
 */
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";

import { toJson } from "../shared/http.js";

/** Starts the stream (HTTP 200) with `headers` beside the event-stream ones, once. */
export function startSse(res: ServerResponse, headers: OutgoingHttpHeaders = {}): void {
  if (res.headersSent) return;
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", ...headers }); // prettier-ignore
}

/** Writes one `data:` event (bigints as decimal strings). */
export function sseData(res: ServerResponse, value: unknown): void {
  if (!res.destroyed) res.write(`data: ${toJson(value)}\n\n`);
}

/** Writes `data: [DONE]` and ends the stream. */
export function sseDone(res: ServerResponse): void {
  if (!res.destroyed) res.write("data: [DONE]\n\n");
  res.end();
}
