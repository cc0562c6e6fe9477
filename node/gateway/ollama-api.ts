/**
 * Ollama's HTTP API on the gateway (https://github.com/ollama/ollama/blob/main/docs/api.md):
 * `GET|HEAD /` (`Ollama is running`), `/api/version`, `/api/tags`, `/api/show`, `/api/ps`, and
 * `/api/generate` / `/api/chat`, streamed as NDJSON by default (`stream: false` for one JSON answer).
 * Each generation is a job on the network: the tokens are written as the miner generates them; the
 * final object (`done: true`) carries Ollama's counters, the answer's `thinking` and `tool_calls`
 * (decoded from the job's output, `node/shared/output.ts`) and an `aitbc` field naming the job. The
 * management endpoints (`pull`, `push`, `create`, `copy`, `delete`, `blobs`) answer 501: the network
 * serves only its providers' models. Errors are Ollama's `{"error": "<message>"}` with its status.
 *
 * Nothing is paid for a request Ollama would refuse: the body is read (at most 1 MiB, else 413),
 * checked (`ollama-validate.ts`), its model found among the served ones (404 `model 'x' not found`)
 * and its needs checked against the model's capabilities (400) before any job is placed; an empty
 * prompt (or no messages) is Ollama's "load" request, answered `done_reason: "load"` without a job.
 *
 * A client that disconnects before its job is placed opens none: the request's `close` aborts the
 * placement, and no request is signed or paid after it. One that disconnects after a provider
 * accepted is billed for what the protocol committed at acceptance: on the batch path the signed
 * request lets the provider charge the tokens it generates up to the request's `maxTokens`; on the
 * quote path the escrow already holds the job's max fee, settled by the provider's result. The
 * answer is still read, checked and archived, so the job settles as any other.
 *
 * Differences from Ollama: `context` in `/api/generate`'s answer is an empty list (the network
 * returns text, not the runtime's token ids; a `context` sent back is accepted and ignored);
 * `keep_alive` is accepted and ignored (providers keep their own models loaded); `load_duration`,
 * `prompt_eval_count` and `prompt_eval_duration` are 0 (the provider's runtime does not report them
 * to the gateway); `eval_count` is the tokens the job was billed for.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import type { Hex } from "viem";

import { HttpError, readJson, sendJson } from "../shared/http.js";
import { chargeRequest } from "./x402.js";
import { decodeOutput, type AnswerParts } from "../shared/output.js";
import type { GatewayContext } from "./context.js";
import { GatewayError } from "./errors.js";
import { aitbcField, runGeneration, servedOrLocal, type GenerationDefaults, type GenerationResult } from "./generation.js"; // prettier-ignore
import type { ModelCatalog } from "./models.js";
import { checkOllamaBody } from "./ollama-validate.js";
import { ps, show, tags } from "./ollama-models.js";
import type { Route } from "./routes.js";

/** The version `/api/version` reports (the Ollama API version the gateway follows, tagged). */
export const OLLAMA_API_VERSION = "0.12.0-aitbc";

/** Answers an error as Ollama does: its status and `{"error": "<message>"}`. */
export function sendOllamaError(res: ServerResponse, error: unknown): void {
  const status = error instanceof HttpError || error instanceof GatewayError ? error.status : 500;
  const message = error instanceof HttpError ? error.reason : error instanceof GatewayError ? error.shortMessage : (error as Error).message; // prettier-ignore
  if (res.headersSent) {
    if (!res.destroyed) res.end(JSON.stringify({ error: message }) + "\n");
    return;
  }
  sendJson(res, status, { error: message });
}

/** A route handler whose errors are answered in Ollama's shape. */
function ollama(handle: Route["handle"]): Route["handle"] {
  return async (req, res, params) => {
    try {
      await handle(req, res, params);
    } catch (error) {
      sendOllamaError(res, error);
    }
  };
}

/**
 * Serves `/api/generate` (`chat` false) or `/api/chat`: checks the request (see the module's
 * description), places the job, then streams.
 */
export async function handleGeneration(
  ctx: GatewayContext,
  catalog: ModelCatalog,
  defaults: GenerationDefaults,
  req: IncomingMessage,
  res: ServerResponse,
  chat: boolean,
): Promise<void> {
  const started = performance.now();
  const left = new AbortController();
  res.once("close", () => {
    if (res.writableFinished) return;
    ctx.log(`${req.url}: the client disconnected before the answer was sent`);
    left.abort(new Error("the client disconnected"));
  });
  const checked = checkOllamaBody(await readJson(req), chat);
  const { request, stream } = checked;
  const model = await servedOrLocal(ctx, catalog, request.model); // undefined: only the local Ollama has it
  const caps = model ? catalog.capabilities(model.digest) : checked.needs;
  const missing = checked.needs.filter((c) => !caps.includes(c));
  if (missing.length > 0) throw new HttpError(400, "bad_request", `"${request.model}" does not support ${missing.join(" ")}`); // prettier-ignore
  const base = () => ({ model: request.model, created_at: new Date().toISOString() });
  const piece = ({ content, thinking, tool_calls }: AnswerParts) =>
    chat
      ? { message: { role: "assistant", content, ...(thinking ? { thinking } : {}), ...(tool_calls ? { tool_calls } : {}) } } // prettier-ignore
      : { response: content, ...(thinking ? { thinking } : {}) };
  if (checked.load) return sendJson(res, 200, { ...base(), ...piece({ content: "" }), done: true, done_reason: "load" }); // prettier-ignore
  if (!(await chargeRequest(ctx, req, res, request.maxTokens ?? defaults.maxTokens))) return; // x402: answered
  const write = (value: unknown) => {
    if (!res.destroyed) res.write(JSON.stringify(value) + "\n");
  };
  const head = () => {
    if (!res.headersSent) res.writeHead(200, { "content-type": "application/x-ndjson" });
  };
  const sink = {
    route: (route: string) => res.setHeader("x-aitbc-route", route),
    token: (text: string) => {
      if (!stream) return;
      head();
      write({ ...base(), ...piece({ content: text }), done: false });
    },
    textOf: (output: string) => decodeOutput(output, request).content,
  };
  const result: GenerationResult = await runGeneration(ctx, catalog, defaults, request, sink, started, left.signal); // prettier-ignore
  const { answer, totalNs } = result;
  const parts = decodeOutput(answer.output, request);
  const final = { done: true, done_reason: "stop", ...(chat ? {} : { context: [] }), total_duration: totalNs, load_duration: 0, prompt_eval_count: 0, prompt_eval_duration: 0, eval_count: answer.tokenCount, eval_duration: totalNs, aitbc: aitbcField(result) }; // prettier-ignore
  if (!stream) return sendJson(res, 200, { ...base(), ...piece(parts), ...final });
  head();
  write({ ...base(), ...piece({ ...parts, content: "" }), ...final });
  res.end();
}

/** When the last of a model's current offers expires, Unix seconds. */
async function lastExpiry(ctx: GatewayContext, digest: Hex): Promise<number> {
  const offers = await ctx.offers.candidates(digest);
  return Number(offers.reduce((max, c) => (c.offer.expiry > max ? c.offer.expiry : max), 0n));
}

/** 501 for a management endpoint: the network serves only its providers' models. */
function notHere(what: string): Route["handle"] {
  return () => {
    throw new HttpError(501, "not_implemented", `${what} is not supported: the AITBC network serves only its providers' models (see GET /api/tags)`); // prettier-ignore
  };
}

/** `GET|HEAD /`: Ollama's liveness answer (its CLI checks `HEAD /`). */
function running(req: IncomingMessage, res: ServerResponse): void {
  const body = "Ollama is running";
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body) }); // prettier-ignore
  res.end(req.method === "HEAD" ? undefined : body);
}

/**
 * Ollama's routes on the gateway (see the module's description), errors in Ollama's shape.
 */
export function ollamaRoutes(
  ctx: GatewayContext,
  catalog: ModelCatalog,
  defaults: GenerationDefaults,
): Route[] {
  const routes: Route[] = [
    { methods: ["GET", "HEAD"], path: "/", handle: running },
    { methods: ["GET", "HEAD"], path: "/api/version", handle: (_q, res) => sendJson(res, 200, { version: OLLAMA_API_VERSION }) },
    { methods: ["GET", "HEAD"], path: "/api/tags", handle: (_q, res) => sendJson(res, 200, tags(catalog)) },
    { methods: ["GET"], path: "/api/ps", handle: async (_q, res) => sendJson(res, 200, await ps(catalog, (d) => lastExpiry(ctx, d))) },
    { methods: ["POST"], path: "/api/show", handle: async (req, res) => sendJson(res, 200, await show(catalog, req)) },
    { methods: ["POST"], path: "/api/generate", handle: (req, res) => handleGeneration(ctx, catalog, defaults, req, res, false) },
    { methods: ["POST"], path: "/api/chat", handle: (req, res) => handleGeneration(ctx, catalog, defaults, req, res, true) },
    { methods: ["POST"], path: "/api/pull", handle: notHere("pulling a model") },
    { methods: ["POST"], path: "/api/push", handle: notHere("pushing a model") },
    { methods: ["POST"], path: "/api/create", handle: notHere("creating a model") },
    { methods: ["POST"], path: "/api/copy", handle: notHere("copying a model") },
    { methods: ["DELETE"], path: "/api/delete", handle: notHere("deleting a model") },
    { methods: ["HEAD", "POST"], path: /\/api\/blobs\/([^/]+)/, handle: notHere("uploading a blob") },
  ]; // prettier-ignore
  return routes.map((r) => ({ ...r, handle: ollama(r.handle) }));
}
