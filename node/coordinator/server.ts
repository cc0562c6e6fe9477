/**
 * The coordinator's HTTP API (one `node:http` server; JSON, amounts as decimal strings of wei):
 * - `GET /health` → `{ status: "ok", address, chainId, providers, checks, disputes, uptimeS }`
 * - `GET /metrics` → Prometheus text (the lead's `createNodeMetrics("coordinator")`)
 * - `GET /v1/providers[?model=<bytes32>&maxPricePerToken=<wei>]` → `{ providers: ProviderListing[] }`,
 *   ranked (see `ranking.ts`); 400 `{ error, reason }` for a malformed query.
 * Any other path: 404 `{ error: "not_found" }`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import type { Hex } from "viem";

import { HttpError, requestUrl, sendError, sendJson } from "../shared/http.js";
import { listen } from "../shared/listen.js";
import type { NodeMetrics } from "../shared/metrics.js";
import type { ProviderListing, ProviderQuery } from "./ranking.js";

/** What the server asks the coordinator. */
export interface CoordinatorApi {
  metrics: NodeMetrics;
  health(): Promise<Record<string, unknown>>;
  providers(query: ProviderQuery): Promise<ProviderListing[]>;
}

/** A listening coordinator server. */
export interface CoordinatorServer {
  /** `http://host:port`. */
  url: string;
  close(): Promise<void>;
}

/** Parses `GET /v1/providers`' query. @throws {HttpError} 400. */
export function providerQuery(url: URL): ProviderQuery {
  const model = url.searchParams.get("model");
  const price = url.searchParams.get("maxPricePerToken");
  if (model !== null && !/^0x[0-9a-fA-F]{64}$/.test(model))
    throw new HttpError(400, "bad_request", "model must be a bytes32 digest (0x + 64 hex digits)");
  if (price !== null && !/^\d{1,78}$/.test(price))
    throw new HttpError(400, "bad_request", "maxPricePerToken must be a decimal amount of wei");
  return { ...(model === null ? {} : { modelDigest: model as Hex }), ...(price === null ? {} : { maxPricePerToken: BigInt(price) }) }; // prettier-ignore
}

async function route(api: CoordinatorApi, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (api.metrics.handle(req, res)) return;
  const url = requestUrl(req);
  if (req.method !== "GET") throw new HttpError(405, "method_not_allowed", `${req.method} is not served`);
  if (url.pathname === "/health") return sendJson(res, 200, await api.health());
  if (url.pathname === "/v1/providers") return sendJson(res, 200, { providers: await api.providers(providerQuery(url)) }); // prettier-ignore
  throw new HttpError(404, "not_found", `no route ${url.pathname}`);
}

/**
 * Starts the server.
 * @param api The coordinator's answers.
 * @param host Listen address (default 127.0.0.1).
 * @param port Port (0: any free port).
 * @throws Node's listen error (`EADDRINUSE`, ...).
 */
export async function startCoordinatorServer(
  api: CoordinatorApi,
  host = "127.0.0.1",
  port = 0,
): Promise<CoordinatorServer> {
  const server: Server = createServer((req, res) => {
    route(api, req, res).catch((e: unknown) => {
      if (!(e instanceof HttpError)) api.metrics.errors.inc({ kind: "http" });
      sendError(res, e);
    });
  });
  await listen(server, port, host);
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
