/**
 * The embedding endpoints on the gateway, as Ollama serves them (server/routes.go `EmbedHandler`,
 * `EmbeddingsHandler`; middleware/openai.go `EmbeddingsMiddleware`), each a paid job of its own kind
 * (`embedding.ts`):
 *
 * | Endpoint | Body | Answer |
 * | --- | --- | --- |
 * | `POST /api/embed` | `model`, `input` (string or list of strings), `truncate`, `dimensions`, `options`, `keep_alive` | `{ model, embeddings, total_duration, prompt_eval_count, aitbc }` |
 * | `POST /api/embeddings` (legacy) | `model`, `prompt`, `options`, `keep_alive` | `{ embedding, aitbc }` |
 * | `POST /v1/embeddings` | `model`, `input` (string or list of strings), `dimensions`, `encoding_format` (`float`, `base64`) | `{ object: "list", data: [{ object: "embedding", embedding, index }], model, usage, aitbc }` |
 *
 * Every request is checked before any job is placed, with Ollama's statuses and words: a field of
 * the wrong JSON type 400 (Go's `json: cannot unmarshal ...`), an input that is not a string or a list
 * of strings 400 `invalid input type`, an unknown model 404 `model 'x' not found`, the built-in
 * classifier (no embeddings) 400 `"aitbc-topic:builtin" does not support embeddings`. Like Ollama,
 * `/api/embed` answers a blank model 404 `model '' not found` and an empty input (`""`, `[]` or none)
 * 200 `{ model, embeddings: [] }` — and places no job; `/api/embeddings` answers a blank model 400
 * `model is required` and an empty prompt 200 `{ embedding: [] }` (no job); `/v1/embeddings` refuses a
 * missing or empty-list input 400 `invalid input` and embeds `""` as `[""]` (a job). Errors are
 * `{ "error": message }` on `/api/*` and `{ "error": { message, type, param, code } }` on `/v1`.
 *
 * Differences from Ollama: `/api/embeddings` answers the L2-normalized vector (`/api/embed`'s; Ollama's
 * legacy endpoint does not normalize: cosine similarities are the same); `keep_alive` is checked and
 * ignored (the providers' runtimes keep their models loaded). A client that hangs up before its job is
 * placed places none. The job's key, provider and path also travel in the headers `x-aitbc-job-key`,
 * `x-aitbc-provider`, `x-aitbc-path`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import { BUILTIN_DIGEST } from "../backends/backend.js";
import { HttpError, readBody, sendJson } from "../shared/http.js";
import { chargeRequest } from "./x402.js";
import type { GatewayContext } from "./context.js";
import { embedAitbcField, embedHeaders, embedMaxTokens, runEmbedding, type EmbedJobRequest, type EmbedJobResult } from "./embedding.js"; // prettier-ignore
import { GatewayError, UnknownModelError } from "./errors.js";
import type { ModelCatalog } from "./models.js";
import type { Route } from "./routes.js";

/** A refusal before any job: HTTP `status` with Ollama's `message`. */
class EmbedRequestError extends HttpError {
  constructor(status: number, message: string) {
    super(status, message, message);
  }
}

/** The JSON type word Go's decoder uses in its errors. */
function jsonType(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  return typeof v === "object" ? "object" : typeof v === "boolean" ? "bool" : typeof v;
}

type FieldType = "string" | "bool" | "int" | "map[string]interface {}" | "duration";

/** Go's duration syntax (`time.ParseDuration`), e.g. `5m`, `1h30m`, `-1s`, `0`. */
const DURATION = /^[+-]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;

/**
 * Decodes `body` as Go's `encoding/json` decodes it into Ollama's request struct `struct` (an object;
 * `null` fields are left unset): the wrong JSON type for a field is refused with Go's message.
 *
 * @throws {EmbedRequestError} 400.
 */
function decode(body: unknown, struct: string, fields: Record<string, FieldType>): Record<string, unknown> {
  if (body === null) return {};
  const name = struct.replace(/^(api|openai)\./, "");
  if (typeof body !== "object" || Array.isArray(body))
    throw new EmbedRequestError(400, `json: cannot unmarshal ${jsonType(body)} into Go value of type ${struct}`); // prettier-ignore
  const out = body as Record<string, unknown>;
  for (const [field, type] of Object.entries(fields)) {
    const v = out[field];
    if (v === undefined || v === null) continue;
    const wrong = (what = jsonType(v)) => new EmbedRequestError(400, `json: cannot unmarshal ${what} into Go struct field ${name}.${field} of type ${type === "duration" ? "api.Duration" : type}`); // prettier-ignore
    if (type === "string" && typeof v !== "string") throw wrong();
    if (type === "bool" && typeof v !== "boolean") throw wrong();
    if (type === "int" && typeof v !== "number") throw wrong();
    if (type === "int" && !Number.isInteger(v)) throw wrong(`number ${String(v)}`);
    if (type === "map[string]interface {}" && jsonType(v) !== "object") throw wrong();
    if (type === "duration") {
      if (typeof v !== "number" && typeof v !== "string") throw new EmbedRequestError(400, `Unsupported type: '${({ bool: "bool", array: "[]interface {}", object: "map[string]interface {}" } as Record<string, string>)[jsonType(v)]}'`); // prettier-ignore
      if (typeof v === "string" && !DURATION.test(v)) throw new EmbedRequestError(400, `time: invalid duration "${v}"`); // prettier-ignore
    }
  }
  return out;
}

/** Reads the JSON body. @throws {EmbedRequestError} 400 `missing request body` / not JSON; {HttpError} 413. */
async function readRequest(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  if (text.trim() === "") throw new EmbedRequestError(400, "missing request body");
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new EmbedRequestError(400, `invalid JSON body: ${(cause as Error).message}`);
  }
}

/** `input` as Ollama's `EmbedHandler` reads it: `""`/none → no texts. @throws {EmbedRequestError} 400 `invalid input type`. */
function inputOf(input: unknown): string[] {
  if (input === undefined || input === null) return [];
  if (typeof input === "string") return input === "" ? [] : [input];
  if (Array.isArray(input) && input.every((s) => typeof s === "string")) return input as string[];
  throw new EmbedRequestError(400, "invalid input type");
}

/** `truncate`, `dimensions` (> 0 only, as Ollama uses it), `options` when given. */
function extras(body: Record<string, unknown>): Omit<EmbedJobRequest, "model" | "input"> {
  const { truncate, dimensions, options } = body;
  return {
    ...(typeof truncate === "boolean" ? { truncate } : {}),
    ...(typeof dimensions === "number" && dimensions > 0 ? { dimensions } : {}),
    ...(options !== undefined && options !== null ? { options: options as Record<string, unknown> } : {}),
  };
}

/**
 * Runs an embedding request: undefined when the client left before its job was placed; a client
 * that leaves during a split request stops the jobs not yet placed (those placed are paid for).
 */
async function embed(
  ctx: GatewayContext,
  catalog: ModelCatalog,
  req: IncomingMessage,
  res: ServerResponse,
  request: EmbedJobRequest,
  started: number,
): Promise<EmbedJobResult | undefined> {
  // 404 before anything else happens; the built-in classifier computes no embeddings (400, no job)
  if (catalog.resolve(request.model).digest === BUILTIN_DIGEST) throw new EmbedRequestError(400, `"${request.model}" does not support embeddings`); // prettier-ignore
  const gone = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) gone.abort();
  });
  if (req.socket.destroyed) return undefined; // the client hung up: no job
  if (!(await chargeRequest(ctx, req, res, embedMaxTokens(request.input)))) return undefined; // x402: answered
  return runEmbedding(ctx, catalog, request, started, gone.signal);
}

/** The status and message of a failure, as the embed routes answer it (a gateway error's details after its message). */
function failure(error: unknown): { status: number; message: string } {
  if (error instanceof HttpError) return { status: error.status, message: error.reason };
  if (error instanceof GatewayError) return { status: error.status, message: error.details ? `${error.shortMessage}: ${error.details}` : error.shortMessage }; // prettier-ignore
  return { status: 500, message: (error as Error).message?.split("\n")[0] ?? String(error) };
}

/** Ollama's error shape `{ error }`. */
function ollamaHandler(fn: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      await fn(req, res);
    } catch (error) {
      const { status, message } = failure(error);
      if (!res.headersSent) sendJson(res, status, { error: message });
    }
  };
}

/** The error type word of Ollama's `/v1` (`openai.NewError`). */
function openaiType(status: number): string {
  return status === 400 ? "invalid_request_error" : status === 404 ? "not_found_error" : "api_error";
}

/** OpenAI's error shape `{ error: { message, type, param, code } }`. */
function openaiHandler(fn: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      await fn(req, res);
    } catch (error) {
      const { status, message } = failure(error);
      if (!res.headersSent) sendJson(res, status, { error: { message, type: openaiType(status), param: null, code: null } }); // prettier-ignore
    }
  };
}

/** Answers `value` with the job's headers. */
function answer(res: ServerResponse, result: EmbedJobResult, value: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(embedHeaders(result))) res.setHeader(k, v);
  sendJson(res, 200, { ...value, aitbc: embedAitbcField(result) });
}

/** A vector as OpenAI's base64: its float32 values, little-endian. */
export function float32Base64(vector: readonly number[]): string {
  const view = new DataView(new ArrayBuffer(vector.length * 4));
  vector.forEach((x, i) => view.setFloat32(i * 4, x, true));
  return Buffer.from(view.buffer).toString("base64");
}

/** `POST /api/embed`. */
async function apiEmbed(
  ctx: GatewayContext,
  catalog: ModelCatalog,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const started = performance.now();
  const body = decode(await readRequest(req), "api.EmbedRequest", { model: "string", truncate: "bool", dimensions: "int", options: "map[string]interface {}", keep_alive: "duration" }); // prettier-ignore
  const model = (body.model as string | undefined) ?? "";
  if (model.trim() === "") throw new EmbedRequestError(404, `model '${model}' not found`);
  const input = inputOf(body.input);
  catalog.resolve(model);
  if (input.length === 0) return sendJson(res, 200, { model, embeddings: [] });
  const result = await embed(ctx, catalog, req, res, { model, input, ...extras(body) }, started);
  if (!result) return;
  answer(res, result, { model, embeddings: result.embeddings, total_duration: result.totalNs, prompt_eval_count: result.tokenCount }); // prettier-ignore
}

/** `POST /api/embeddings` (legacy). */
async function apiEmbeddings(
  ctx: GatewayContext,
  catalog: ModelCatalog,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const started = performance.now();
  const body = decode(await readRequest(req), "api.EmbeddingRequest", { model: "string", prompt: "string", options: "map[string]interface {}", keep_alive: "duration" }); // prettier-ignore
  const model = (body.model as string | undefined) ?? "";
  if (model.trim() === "") throw new EmbedRequestError(400, "model is required");
  try {
    catalog.resolve(model);
  } catch (e) {
    if (e instanceof UnknownModelError) throw new EmbedRequestError(404, `model "${model}" not found, try pulling it first`); // prettier-ignore
    throw e;
  }
  const prompt = (body.prompt as string | undefined) ?? "";
  if (prompt === "") return sendJson(res, 200, { embedding: [] });
  const result = await embed(
    ctx,
    catalog,
    req,
    res,
    { model, input: [prompt], ...extras({ options: body.options }) },
    started,
  );
  if (!result) return;
  answer(res, result, { embedding: result.embeddings[0] });
}

/** `POST /v1/embeddings`. */
async function v1Embeddings(
  ctx: GatewayContext,
  catalog: ModelCatalog,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const started = performance.now();
  const body = decode(await readRequest(req), "openai.EmbedRequest", { model: "string", dimensions: "int", encoding_format: "string" }); // prettier-ignore
  const format = (body.encoding_format as string | undefined) ?? "";
  if (format !== "" && !/^(float|base64)$/i.test(format))
    throw new EmbedRequestError(400, `Invalid value for 'encoding_format' = ${format}. Supported values: ['float', 'base64'].`); // prettier-ignore
  const raw = body.input === "" ? [""] : body.input;
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) throw new EmbedRequestError(400, "invalid input"); // prettier-ignore
  const model = (body.model as string | undefined) ?? "";
  if (model.trim() === "") throw new EmbedRequestError(404, `model '${model}' not found`);
  const input = inputOf(raw);
  const result = await embed(ctx, catalog, req, res, { model, input, ...extras({ dimensions: body.dimensions }) }, started); // prettier-ignore
  if (!result) return;
  const base64 = format.toLowerCase() === "base64";
  const data = result.embeddings.map((e, index) => ({ object: "embedding", embedding: base64 ? float32Base64(e) : e, index })); // prettier-ignore
  const tokens = result.tokenCount;
  answer(res, result, {
    object: "list",
    data,
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

/** The embedding routes: `/api/embed`, `/api/embeddings`, `/v1/embeddings` (see the module). */
export function embedRoutes(ctx: GatewayContext, catalog: ModelCatalog): Route[] {
  return [
    { methods: ["POST"], path: "/api/embed", handle: ollamaHandler((req, res) => apiEmbed(ctx, catalog, req, res)) },
    { methods: ["POST"], path: "/api/embeddings", handle: ollamaHandler((req, res) => apiEmbeddings(ctx, catalog, req, res)) },
    { methods: ["POST"], path: "/v1/embeddings", handle: openaiHandler((req, res) => v1Embeddings(ctx, catalog, req, res)) },
  ]; // prettier-ignore
}
