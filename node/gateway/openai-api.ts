/**
 * The OpenAI-compatible API that Ollama serves at `/v1`, on the gateway: `GET /v1/models`,
 * `GET /v1/models/{model}`, `POST /v1/chat/completions` and `POST /v1/completions` (JSON, or SSE
 * with `stream: true`). Each generation is a job on the network. Nothing is paid for a refused
 * request: the body is read (at most 1 MiB, else 413), every field checked (`openai-request.ts`), the
 * model found among the served ones (404) and the request's needs checked against its capabilities
 * (tools, vision, thinking: 400) before any job is placed; a client that disconnects before its job is
 * placed opens none (as on Ollama's API). The answer's text, thinking (`reasoning`) and tool calls
 * are decoded from the job's output (`node/shared/output.ts`). The job travels without breaking a
 * client: an extra `aitbc` field (job key and id, provider, path, hashes, token count, max fee) on the
 * completion and the stream's last chunks, and the headers `x-aitbc-job-key`, `x-aitbc-provider`,
 * `x-aitbc-path` (and `x-aitbc-route` when the hybrid router reports it; for a stream, sent with its
 * first token). Errors are OpenAI-shaped (`openai-errors.ts`).
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";

import { HttpError, readJson, sendJson } from "../shared/http.js";
import { decodeOutput } from "../shared/output.js";
import type { TokenSink } from "./answer.js";
import type { GatewayContext } from "./context.js";
import { UnknownModelError } from "./errors.js";
import { aitbcField, runGeneration, type GenerationDefaults, type GenerationRequest, type GenerationResult } from "./generation.js"; // prettier-ignore
import type { Capability, ModelCatalog, NamedModel } from "./models.js";
import { tags } from "./ollama-models.js";
import { OpenAIRequestError, sendOpenAIError } from "./openai-errors.js";
import { chatRequest, completionRequest, type OpenAIRequest } from "./openai-request.js";
import { aitbcHeaders, Frame, type Outcome } from "./openai-shape.js";
import { sseData, sseDone, startSse } from "./openai-sse.js";
import type { Route } from "./routes.js";

/** OpenAI's model object. */
export interface OpenAIModel {
  /** The model's name (`llama3.2:1b`). */
  id: string;
  object: "model";
  /** Unix seconds: the model's `modified_at` in `/api/tags`. */
  created: number;
  /** The name's namespace, as Ollama answers (`library` for a plain name, `org` in `org/model`). */
  owned_by: string;
}

/** The namespace of a model name, as Ollama parses it (`[host/][namespace/]model[:tag]`). */
export function ownerOf(name: string): string {
  const parts = name.split(":")[0]!.split("/");
  return parts.length >= 3 ? parts[parts.length - 2]! : parts.length === 2 ? parts[0]! : "library";
}

/** `GET /v1/models`: the models some provider serves now (those of `/api/tags`). */
export function modelList(catalog: ModelCatalog): { object: "list"; data: OpenAIModel[] } {
  return {
    object: "list",
    data: tags(catalog).models.map((m) => ({ id: m.name, object: "model", created: Math.floor(Date.parse(m.modified_at) / 1000), owned_by: ownerOf(m.name) })), // prettier-ignore
  };
}

/** `GET /v1/models/{model}`. @throws {UnknownModelError} when no provider serves it (HTTP 404). */
export function retrieveModel(catalog: ModelCatalog, id: string): OpenAIModel {
  const { name } = catalog.servedModel(id);
  const found = modelList(catalog).data.find((m) => m.id === name);
  if (!found) throw new UnknownModelError(id);
  return { ...found, id };
}

/**
 * The outcome of an answered job: its text, thinking and tool calls decoded from the output
 * (`node/shared/output.ts`); `length` when it used every token paid for.
 */
function outcomeOf(result: GenerationResult, g: GenerationRequest, maxTokens: number): Outcome {
  const { content, thinking, tool_calls: toolCalls } = decodeOutput(result.answer.output, g);
  const { tokenCount } = result.answer;
  const finish = toolCalls?.length ? "tool_calls" : tokenCount >= maxTokens ? "length" : "stop";
  return { output: content, tokenCount, finish, aitbc: aitbcField(result), ...(toolCalls?.length ? { toolCalls } : {}), ...(thinking ? { reasoning: thinking } : {}) }; // prettier-ignore
}

/** The request fields that need a capability, for the error's `param`. */
const NEEDS: [Capability, string, (g: GenerationRequest) => boolean][] = [
  [
    "vision",
    "messages",
    (g) => g.images !== undefined || (g.messages ?? []).some((m) => m.images !== undefined),
  ],
  ["tools", "tools", (g) => (g.tools ?? []).length > 0],
  ["thinking", "reasoning_effort", (g) => g.think !== undefined && g.think !== false],
];

/**
 * Refuses, as Ollama does, a request its model cannot serve (`"m" does not support tools`).
 *
 * @throws {OpenAIRequestError} 400 `unsupported_capability`.
 */
function checkCapabilities(catalog: ModelCatalog, model: NamedModel, g: GenerationRequest): void {
  const caps = catalog.capabilities(model.digest);
  const missing = NEEDS.filter(([cap, , asked]) => asked(g) && !caps.includes(cap));
  if (missing.length > 0)
    throw new OpenAIRequestError(`"${g.model}" does not support ${missing.map(([c]) => c).join(" ")}`, missing[0]![1], "unsupported_capability"); // prettier-ignore
}

/**
 * Refuses a token limit above what every offer for the model takes (no provider could accept it),
 * in OpenAI's words.
 *
 * @throws {OpenAIRequestError} 400 `invalid_value` on the request's token-limit field.
 */
async function checkTokenLimit(
  ctx: GatewayContext,
  model: NamedModel,
  request: OpenAIRequest,
  maxTokens: number,
): Promise<void> {
  // prettier-ignore
  const offers = await ctx.offers.candidates(model.digest);
  const most = offers.reduce((m, c) => (c.offer.maxTokens > m ? c.offer.maxTokens : m), 0n);
  if (offers.length > 0 && BigInt(maxTokens) > most)
    throw new OpenAIRequestError(`${request.maxTokensParam} is too large: ${maxTokens}. This model supports at most ${most} completion tokens, whereas you provided ${maxTokens}.`, request.maxTokensParam, "invalid_value"); // prettier-ignore
}

/**
 * Answers an outcome: one JSON object, or the stream's last chunks and `data: [DONE]`.
 *
 * @param headers The job's `x-aitbc-*` headers (when it was placed).
 */
function finish(
  res: ServerResponse,
  frame: Frame,
  request: OpenAIRequest,
  o: Outcome,
  headers: OutgoingHttpHeaders = {},
): void {
  // prettier-ignore
  if (!request.stream) {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v!);
    return sendJson(res, 200, frame.completion(o));
  }
  startSse(res, headers);
  for (const chunk of frame.finalChunks(o, request.includeUsage)) sseData(res, chunk);
  sseDone(res);
}

/** The body as JSON. @throws {OpenAIRequestError} 400 when it is not JSON; {HttpError} 413. */
async function body(req: IncomingMessage): Promise<unknown> {
  try {
    return await readJson(req);
  } catch (error) {
    if (error instanceof HttpError && error.status === 400)
      throw new OpenAIRequestError("We could not parse the JSON body of your request.", null, null);
    throw error;
  }
}

/**
 * Serves `/v1/chat/completions` (`kind` chat) or `/v1/completions` (`text`).
 *
 * @throws {OpenAIRequestError} | {HttpError} | {GatewayError}, answered by {@link sendOpenAIError}
 *   (as an SSE error event once the stream started).
 */
async function serveGeneration(
  ctx: GatewayContext,
  catalog: ModelCatalog,
  defaults: GenerationDefaults,
  req: IncomingMessage,
  res: ServerResponse,
  kind: "chat" | "text",
): Promise<void> {
  const started = performance.now();
  const left = new AbortController(); // a client gone before its job is placed opens none
  res.once("close", () => {
    if (res.writableFinished) return;
    ctx.log(`${req.url}: the client disconnected before the answer was sent`);
    left.abort(new Error("the client disconnected"));
  });
  const request = (kind === "chat" ? chatRequest : completionRequest)(await body(req));
  const g = request.generation;
  const model = catalog.servedModel(g.model);
  checkCapabilities(catalog, model, g);
  await checkTokenLimit(ctx, model, request, g.maxTokens ?? defaults.maxTokens);
  const frame = new Frame(kind, g.model);
  if (kind === "text" && g.prompt === "")
    return finish(res, frame, request, { output: "", tokenCount: 0, finish: "stop" }); // nothing to generate, as Ollama answers
  const headers: OutgoingHttpHeaders = {};
  const sink: TokenSink & { route?(route: string): void } = {
    placed: (job) => void Object.assign(headers, aitbcHeaders(job)),
    route: (route: string) => void (headers["x-aitbc-route"] = route), // the hybrid router says where it runs
    textOf: (output) => decodeOutput(output, g).content,
    token: (text) => {
      if (!request.stream) return;
      startSse(res, headers);
      sseData(res, frame.chunk(text));
    },
  };
  const result = await runGeneration(ctx, catalog, defaults, g, sink, started, left.signal);
  finish(res, frame, request, outcomeOf(result, g, g.maxTokens ?? defaults.maxTokens), headers);
}

/** A route handler whose failures answer OpenAI-shaped errors. */
function openai(handle: Route["handle"]): Route["handle"] {
  return async (req, res, params) => {
    try {
      await handle(req, res, params);
    } catch (error) {
      sendOpenAIError(res, error);
    }
  };
}

/**
 * The `/v1` routes: `GET /v1/models`, `GET /v1/models/{model}` (names may hold `:` and `/`),
 * `POST /v1/chat/completions`, `POST /v1/completions`.
 */
export function openaiRoutes(
  ctx: GatewayContext,
  catalog: ModelCatalog,
  defaults: GenerationDefaults,
): Route[] {
  return [
    { methods: ["GET"], path: "/v1/models", handle: openai((_q, res) => sendJson(res, 200, modelList(catalog))) },
    { methods: ["GET"], path: /\/v1\/models\/(.+)/, handle: openai((_q, res, [id]) => sendJson(res, 200, retrieveModel(catalog, id!))) },
    { methods: ["POST"], path: "/v1/chat/completions", handle: openai((req, res) => serveGeneration(ctx, catalog, defaults, req, res, "chat")) },
    { methods: ["POST"], path: "/v1/completions", handle: openai((req, res) => serveGeneration(ctx, catalog, defaults, req, res, "text")) },
  ]; // prettier-ignore
}
