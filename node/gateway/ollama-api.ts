/**
 * Ollama's HTTP API on the gateway: `/api/version`, `/api/tags`, `/api/show`, and `/api/generate` /
 * `/api/chat`, streamed as NDJSON by default (`stream: false` for one JSON answer), as Ollama does.
 * Each generation is a job on the network: the tokens are written as the miner generates them; the
 * final line (`done: true`) carries Ollama's counters and an `aitbc` field naming the job.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

import type { Hex } from "viem";

import type { ChatMessage } from "../backends/backend.js";
import { HttpError, readJson, sendJson } from "../shared/http.js";
import type { GatewayContext } from "./context.js";
import { aitbcField, runGeneration, type GenerationDefaults, type GenerationRequest, type GenerationResult } from "./generation.js"; // prettier-ignore
import type { ModelCatalog } from "./models.js";
import type { Route } from "./routes.js";

/**
 * The generation an Ollama body asks for (`/api/generate` or, with `chat`, `/api/chat`).
 *
 * @throws {HttpError} 400 when `model` is missing or `messages` is not a list.
 */
export function ollamaRequest(body: Record<string, unknown>, chat: boolean): GenerationRequest {
  if (typeof body.model !== "string" || body.model === "") throw new HttpError(400, "bad_request", "model is required"); // prettier-ignore
  const opts = (body.options ?? {}) as { seed?: unknown; num_predict?: unknown };
  const messages = chat ? ((body.messages ?? []) as ChatMessage[]) : undefined;
  if (chat && !Array.isArray(messages)) throw new HttpError(400, "bad_request", "messages must be a list");
  const n = opts.num_predict;
  return {
    model: body.model,
    ...(chat ? { messages: messages!.map((m) => ({ role: m.role, content: String(m.content ?? "") })) } : { prompt: String(body.prompt ?? "") }), // prettier-ignore
    ...(typeof opts.seed === "number" ? { seed: opts.seed } : {}),
    ...(typeof n === "number" && Number.isInteger(n) && n > 0 ? { maxTokens: n } : {}),
  };
}

/**
 * Serves `/api/generate` (`chat` false) or `/api/chat`: places the job, then streams.
 *
 * @throws {HttpError} | {GatewayError} before anything was written (mapped to a JSON error).
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
  const body = (await readJson(req)) as Record<string, unknown>;
  const request = ollamaRequest(body, chat);
  const stream = body.stream !== false;
  const base = () => ({ model: String(body.model), created_at: new Date().toISOString() });
  const piece = (text: string) =>
    chat ? { message: { role: "assistant", content: text } } : { response: text };
  const write = (value: unknown) => {
    if (!res.destroyed) res.write(JSON.stringify(value) + "\n");
  };
  const sink = {
    route: (route: string) => res.setHeader("x-aitbc-route", route),
    token: (text: string) => {
      if (!stream) return;
      if (!res.headersSent) res.writeHead(200, { "content-type": "application/x-ndjson" });
      write({ ...base(), ...piece(text), done: false });
    },
  };
  let result: GenerationResult;
  try {
    result = await runGeneration(ctx, catalog, defaults, request, sink, started);
  } catch (error) {
    if (!res.headersSent) throw error;
    write({ error: (error as Error).message.split("\n")[0] });
    return void res.end();
  }
  const { answer, totalNs } = result;
  const final = { done: true, done_reason: "stop", total_duration: totalNs, load_duration: 0, prompt_eval_count: 0, prompt_eval_duration: 0, eval_count: answer.tokenCount, eval_duration: totalNs, aitbc: aitbcField(result) }; // prettier-ignore
  if (!stream) return sendJson(res, 200, { ...base(), ...piece(answer.output), ...final });
  if (!res.headersSent) res.writeHead(200, { "content-type": "application/x-ndjson" });
  write({ ...base(), ...piece(""), ...final });
  res.end();
}

/** `/api/tags`: the models some provider offers now. */
export function tags(catalog: ModelCatalog) {
  const details = { parent_model: "", format: "aitbc", family: "aitbc", families: ["aitbc"], parameter_size: "", quantization_level: "" }; // prettier-ignore
  return {
    models: catalog.served().map((m) => ({ name: m.name, model: m.name, modified_at: new Date(0).toISOString(), size: 0, digest: m.digest.slice(2), details, aitbc: { providers: m.providers } })), // prettier-ignore
  };
}

/** `/api/show` for one model. @throws {UnknownModelError}. */
export async function show(catalog: ModelCatalog, req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = (await readJson(req)) as Record<string, unknown>;
  const m = catalog.resolve(String(body.model ?? body.name ?? ""));
  const providers = catalog.served().find((s) => s.digest === m.digest)?.providers ?? 0;
  return {
    modelfile: `# served by the AITBC network\nFROM ${m.name}`,
    parameters: "temperature 0",
    template: "{{ .Prompt }}",
    details: { parent_model: "", format: "aitbc", family: "aitbc", families: ["aitbc"], parameter_size: "", quantization_level: "" }, // prettier-ignore
    model_info: { "aitbc.model_digest": m.digest as Hex, "aitbc.providers": providers },
    modified_at: new Date(0).toISOString(),
  };
}

/**
 * Ollama's routes on the gateway: `/api/version`, `/api/tags`, `/api/show`, `/api/generate`,
 * `/api/chat`.
 */
export function ollamaRoutes(
  ctx: GatewayContext,
  catalog: ModelCatalog,
  defaults: GenerationDefaults,
): Route[] {
  return [
    { methods: ["GET"], path: "/api/version", handle: (_q, res) => sendJson(res, 200, { version: "0.6.8-aitbc" }) },
    { methods: ["GET"], path: "/api/tags", handle: (_q, res) => sendJson(res, 200, tags(catalog)) },
    { methods: ["POST"], path: "/api/show", handle: async (req, res) => sendJson(res, 200, await show(catalog, req)) },
    { methods: ["POST"], path: "/api/generate", handle: (req, res) => handleGeneration(ctx, catalog, defaults, req, res, false) },
    { methods: ["POST"], path: "/api/chat", handle: (req, res) => handleGeneration(ctx, catalog, defaults, req, res, true) },
  ]; // prettier-ignore
}
