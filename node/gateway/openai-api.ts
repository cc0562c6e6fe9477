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
import { chargeRequest } from "./x402.js";
import { decodeOutput } from "../shared/output.js";
import type { TokenSink } from "./answer.js";
import type { GatewayContext } from "./context.js";
import { aitbcField, runGeneration, servedOrLocal, type GenerationDefaults, type GenerationRequest, type GenerationResult } from "./generation.js"; // prettier-ignore
import type { ModelCatalog } from "./models.js";
import { checkCapabilities, checkTokenLimit } from "./openai-checks.js";
import { OpenAIRequestError, sendOpenAIError } from "./openai-errors.js";
import { modelList, retrieveModel } from "./openai-models.js";
import { chatRequest, completionRequest, type OpenAIRequest } from "./openai-request.js";
import { aitbcHeaders, Frame, type Outcome } from "./openai-shape.js";
import { sseData, sseDone, startSse } from "./openai-sse.js";
import type { Route } from "./routes.js";

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
  const model = await servedOrLocal(ctx, catalog, g.model); // undefined: only the local Ollama has it
  if (model) {
    checkCapabilities(catalog, model, g);
    await checkTokenLimit(ctx, model, request, g.maxTokens ?? defaults.maxTokens);
  }
  const frame = new Frame(kind, g.model);
  if (kind === "text" && g.prompt === "")
    return finish(res, frame, request, { output: "", tokenCount: 0, finish: "stop" }); // nothing to generate, as Ollama answers
  if (!(await chargeRequest(ctx, req, res, g.maxTokens ?? defaults.maxTokens))) return; // x402: answered
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
