/**
 * The routes of the provider API (architecture section 3) as handlers over the miner's parts. Each
 * either answers or throws an {@link HttpError}, which the server maps to `{ error, reason, details? }`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import { HttpError, readBody, readJson, requestUrl, sendJson } from "../../shared/http.js";
import type { AnyPayload } from "../../shared/protocol.js";
import {
  batchRequestFromJson,
  quoteRequestFromJson,
  type BatchRequestBody,
} from "../../shared/provider-api.js";
import type { BatchSettler } from "../batcher.js";
import type { MinerContext } from "../context.js";
import type { JobRunner } from "../jobs.js";
import type { OfferBook } from "../offers.js";
import type { QuoteDesk } from "../quotes.js";
import { health } from "./health.js";
import { sendStream } from "./ndjson.js";
import { jobResult } from "./result.js";

/** The parts the routes call. */
export interface MinerApiParts {
  ctx: MinerContext;
  jobs: JobRunner;
  quotes: QuoteDesk;
  offers: OfferBook;
  /** Absent when the deployment has no BatchEscrow (batch requests answer 404). */
  batcher?: BatchSettler;
  /** Wall-clock ms at start. */
  startedAt: number;
}

type Handler = (p: MinerApiParts, req: IncomingMessage, res: ServerResponse, match: RegExpExecArray) => Promise<void>; // prettier-ignore

const decode = <T>(fn: () => T): T => {
  try {
    return fn();
  } catch (e) {
    throw new HttpError(400, "bad_request", (e as Error).message);
  }
};

const batchBody = (value: unknown): BatchRequestBody => {
  const v = value as { request?: unknown; signature?: unknown; payload?: unknown };
  if (typeof v?.signature !== "string" || typeof v.payload !== "object" || v.payload === null)
    throw new TypeError("the body needs request, signature (hex) and payload (object)");
  return { request: batchRequestFromJson(v.request), signature: v.signature as `0x${string}`, payload: v.payload as AnyPayload }; // prettier-ignore
};

const quote: Handler = async (p, req, res) => {
  const body = await readJson(req);
  sendJson(res, 200, await p.quotes.quote(decode(() => quoteRequestFromJson(body))));
};

const prompt: Handler = async (p, req, res, match) => {
  const body = await readBody(req);
  const stream = await p.jobs.upload(BigInt(match[1]!), body);
  await sendStream(req, res, stream);
};

const batch: Handler = async (p, req, res) => {
  if (!p.batcher) throw new HttpError(404, "not_found", "this miner settles no batches (no BatchEscrow)");
  const body = await readJson(req);
  const stream = await p.batcher.accept(decode(() => batchBody(body)));
  await sendStream(req, res, stream);
};

const result: Handler = async (p, req, res, match) => {
  const wait = Number(requestUrl(req).searchParams.get("wait") ?? 0);
  const answer = await jobResult(p.ctx, match[1]!, Number.isFinite(wait) ? Math.max(0, wait) : 0);
  if (answer.status === 200) sendJson(res, 200, answer.result);
  else sendJson(res, 202, { status: "running" });
};

/** `[method, path pattern, handler]`, tried in order. */
export const ROUTES: [string, RegExp, Handler][] = [
  ["GET", /^\/health$/, async (p, _req, res) => sendJson(res, 200, await health(p.ctx, p.startedAt))],
  ["GET", /^\/v1\/offers$/, async (p, _req, res) => sendJson(res, 200, { offers: await p.offers.offers() })],
  ["POST", /^\/v1\/quotes$/, quote],
  ["POST", /^\/v1\/jobs\/(\d{1,30})\/prompt$/, prompt],
  ["POST", /^\/v1\/batch-requests$/, batch],
  ["GET", /^\/v1\/jobs\/([^/]+)\/result$/, result],
];
