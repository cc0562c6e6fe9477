/**
 * The miner's one `node:http` server, at the URI it publishes in the `ServiceRegistry`: `GET /metrics`
 * (Prometheus), the provider API ({@link ROUTES}) and the archive routes for challengers
 * (`GET /v1/jobs/<jobKey>/payload|output|request`). Errors answer `{ error, reason, details? }`.
 */
import { createServer, type Server } from "node:http";

import { handleArchiveRequest } from "../../archive/archive.js";
import { HttpError, requestUrl, sendError } from "../../shared/http.js";
import { ROUTES, type MinerApiParts } from "./routes.js";

/** Creates (does not start) the miner's server. */
export function createMinerServer(parts: MinerApiParts): Server {
  return createServer((req, res) => {
    if (parts.ctx.metrics.handle(req, res)) return;
    if (handleArchiveRequest(parts.ctx.archive, req, res)) return;
    const path = requestUrl(req).pathname;
    const run = async () => {
      for (const [method, pattern, handler] of ROUTES) {
        const match = pattern.exec(path);
        if (!match) continue;
        if (req.method !== method) throw new HttpError(405, "method_not_allowed", `${req.method} ${path}: use ${method}`); // prettier-ignore
        return handler(parts, req, res, match);
      }
      throw new HttpError(404, "not_found", `no route ${req.method} ${path}`);
    };
    run().catch((e: unknown) => {
      if (!(e instanceof HttpError)) parts.ctx.note(`${req.method} ${path}: ${(e as Error).message}`, "api");
      sendError(res, e);
    });
  });
}
