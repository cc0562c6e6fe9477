/**
 * Answers a request with a job's token stream as NDJSON (`application/x-ndjson`, one
 * {@link StreamEvent} per line, flushed as each arrives). A client that disconnects only unsubscribes:
 * the job goes on and settles; its result stays fetchable.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import { ndjsonLine } from "../../shared/provider-api.js";
import type { JobStream } from "../streams.js";

/** Streams `stream` to `res` until its `done`/`error` event (or the client leaves). */
export function sendStream(req: IncomingMessage, res: ServerResponse, stream: JobStream): Promise<void> {
  res.writeHead(200, {
    "content-type": "application/x-ndjson",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  res.flushHeaders();
  return new Promise((resolve) => {
    let ended = false;
    const finish = () => {
      if (ended) return;
      ended = true;
      queueMicrotask(() => stop()); // after `stop` is assigned, even when the replay already ended
      resolve();
    };
    res.on("close", finish);
    const stop = stream.subscribe((event) => {
      if (ended) return;
      res.write(ndjsonLine(event));
      if (event.type !== "token") {
        res.end();
        finish();
      }
    });
    void req;
  });
}
