/**
 * An x402 facilitator over HTTP, as x402's `HTTPFacilitatorClient` calls it: `POST /verify` and `POST /settle`
 * with `{ x402Version, paymentPayload, paymentRequirements }`, `GET /supported`, plus `GET /health`. It wraps the
 * SDK's {@link createX402Facilitator} (EIP-3009 "exact" payments on the chain, gas paid by the facilitator's key).
 * Settlements run one after another, so the key's transactions never race on its nonce.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import type { PaymentPayload, PaymentRequirements, X402Facilitator } from "@aitbc/sdk";

import { HttpError, readJson, requestUrl, sendError, sendJson } from "../shared/http.js";
import { listen } from "../shared/listen.js";

/** Options of {@link startFacilitatorServer}. */
export interface FacilitatorServerOptions {
  facilitator: X402Facilitator;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: any free port; x402's examples use 4022). */
  port?: number;
  /** One line per verification and settlement (default: none). */
  log?: (line: string) => void;
}

/** A listening facilitator. */
export interface FacilitatorServer {
  /** `http://host:port`: the `--facilitator` URL of sellers and the gateway. */
  url: string;
  close(): Promise<void>;
}

/** The `{ paymentPayload, paymentRequirements }` of a verify or settle request, or 400. */
async function paymentOf(req: IncomingMessage) {
  const body = (await readJson(req)) as { paymentPayload?: unknown; paymentRequirements?: unknown } | null;
  if (
    body === null ||
    typeof body !== "object" ||
    typeof body.paymentPayload !== "object" ||
    body.paymentPayload === null ||
    typeof body.paymentRequirements !== "object" ||
    body.paymentRequirements === null
  ) {
    throw new HttpError(
      400,
      "bad_request",
      "expected a JSON body { x402Version, paymentPayload, paymentRequirements }",
    );
  }
  return {
    payload: body.paymentPayload as PaymentPayload,
    requirements: body.paymentRequirements as PaymentRequirements,
  };
}

/** The payer named by an exact EVM payload, for logs. */
function payerOf(payload: PaymentPayload): string {
  return (payload.payload as { authorization?: { from?: string } }).authorization?.from ?? "?";
}

/**
 * Starts the HTTP facilitator (see the module's description).
 *
 * @throws e.g. `EADDRINUSE` when the port is taken (nothing is left running).
 * @example
 * ```ts
 * const server = await startFacilitatorServer({ facilitator: createX402Facilitator({ publicClient, walletClient }), port: 4022 });
 * ```
 */
export async function startFacilitatorServer(options: FacilitatorServerOptions): Promise<FacilitatorServer> {
  const { facilitator } = options;
  const log = options.log ?? (() => {});
  let tail: Promise<unknown> = Promise.resolve();
  const serially = <T>(run: () => Promise<T>): Promise<T> => {
    const next = tail.then(run);
    tail = next.catch(() => undefined);
    return next;
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = requestUrl(req).pathname;
    if (req.method === "GET" && path === "/health") return sendJson(res, 200, { status: "ok" });
    if (req.method === "GET" && path === "/supported") return sendJson(res, 200, facilitator.getSupported());
    if (req.method === "POST" && path === "/verify") {
      const { payload, requirements } = await paymentOf(req);
      const verdict = await facilitator.verify(payload, requirements);
      log(`verify ${payerOf(payload)} ${requirements.amount} of ${requirements.asset}: ${verdict.isValid ? "valid" : verdict.invalidReason}`); // prettier-ignore
      return sendJson(res, 200, verdict);
    }
    if (req.method === "POST" && path === "/settle") {
      const { payload, requirements } = await paymentOf(req);
      const settled = await serially(() => facilitator.settle(payload, requirements));
      log(`settle ${payerOf(payload)} ${requirements.amount} of ${requirements.asset}: ${settled.success ? settled.transaction : settled.errorReason}`); // prettier-ignore
      return sendJson(res, 200, settled);
    }
    throw new HttpError(404, "not_found", `no route ${req.method} ${path}`);
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => sendError(res, error));
  });
  await listen(server, options.port ?? 0, options.host ?? "127.0.0.1");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
