/**
 * The OpenAI-compatible API that Ollama serves at `/v1`, on the gateway: `GET /v1/models`,
 * `GET /v1/models/{model}`, `POST /v1/chat/completions` and `POST /v1/completions` (JSON, or SSE
 * with `stream: true`). Each generation is a job on the network; every field is checked before it is
 * placed, so a refused request places no job and pays nothing. The job travels without breaking a
 * client: an extra `aitbc` field (job key and id, provider, path, hashes, token count, max fee) on the
 * completion and the stream's last chunks, and the headers `x-aitbc-job-key`, `x-aitbc-provider`,
 * `x-aitbc-path` (for a stream, sent with its first token). Errors are OpenAI-shaped
 * (`openai-errors.ts`).
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";

import type { ToolCall } from "../backends/backend.js";
import { HttpError, readJson, sendJson } from "../shared/http.js";
import type { Answer, TokenSink } from "./answer.js";
import type { GatewayContext } from "./context.js";
import { UnknownModelError } from "./errors.js";
import { aitbcField, runGeneration, type GenerationDefaults, type GenerationResult } from "./generation.js";
import type { ModelCatalog } from "./models.js";
import { tags } from "./ollama-api.js";
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
  const { name } = catalog.resolve(id);
  const found = modelList(catalog).data.find((m) => m.id === name);
  if (!found) throw new UnknownModelError(id);
  return { ...found, id };
}

/** The outcome of an answered job: `length` when it used every token paid for. */
function outcomeOf(result: GenerationResult, maxTokens: number): Outcome {
  const { output, tokenCount } = result.answer;
  // Tool calls travel in the answer once the miner reports them (`answer.toolCalls`).
  const toolCalls = (result.answer as Answer & { toolCalls?: ToolCall[] }).toolCalls;
  const finish = toolCalls?.length ? "tool_calls" : tokenCount >= maxTokens ? "length" : "stop";
  return { output, tokenCount, finish, aitbc: aitbcField(result), ...(toolCalls?.length ? { toolCalls } : {}) }; // prettier-ignore
}

/** Answers an outcome: one JSON object, or the stream's last chunks and `data: [DONE]`. */
function finish(res: ServerResponse, frame: Frame, request: OpenAIRequest, o: Outcome): void {
  const headers = aitbcHeaders(o.aitbc && { jobKey: o.aitbc.job_key, provider: o.aitbc.provider, path: o.aitbc.path }); // prettier-ignore
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
  const request = (kind === "chat" ? chatRequest : completionRequest)(await body(req));
  const g = request.generation;
  const frame = new Frame(kind, g.model);
  if (kind === "text" && g.prompt === "") {
    catalog.resolve(g.model); // an unknown model is still 404; an empty prompt has nothing to generate
    return finish(res, frame, request, { output: "", tokenCount: 0, finish: "stop" });
  }
  let headers: OutgoingHttpHeaders = {};
  const sink: TokenSink = {
    placed: (job) => void (headers = aitbcHeaders(job)),
    token: (text) => {
      if (!request.stream) return;
      startSse(res, headers);
      sseData(res, frame.chunk(text));
    },
  };
  const result = await runGeneration(ctx, catalog, defaults, g, sink, started);
  finish(res, frame, request, outcomeOf(result, g.maxTokens ?? defaults.maxTokens));
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
