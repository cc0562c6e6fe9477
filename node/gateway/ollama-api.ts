/**
 * Ollama's HTTP API on the gateway: `/api/version`, `/api/tags`, `/api/show`, and `/api/generate` /
 * `/api/chat`, streamed as NDJSON by default (`stream: false` for one JSON answer), as Ollama does.
 * Each generation is a job on the network: the tokens are written as the miner generates them; the
 * final line (`done: true`) carries Ollama's counters and an `aitbc` field naming the job.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

import { keccak256, stringToHex, type Hex } from "viem";

import type { ChatMessage } from "../backends/backend.js";
import { HttpError, readJson, sendJson } from "../shared/http.js";
import { canonicalPayload, type JobPayload } from "../shared/protocol.js";
import { relayAnswer, type Answer } from "./answer.js";
import type { GatewayContext, JobIntent } from "./context.js";
import { placeJob } from "./dispatch.js";
import type { ModelCatalog } from "./models.js";

/** Defaults of a generation request. */
export interface GenerationDefaults {
  /** `num_predict` when the request has none. */
  maxTokens: number;
}

/** The job a request asks for. @throws {UnknownModelError} | {HttpError} 400. */
export function intentOf(
  body: Record<string, unknown>,
  chat: boolean,
  catalog: ModelCatalog,
  defaults: GenerationDefaults,
): JobIntent {
  // prettier-ignore
  if (typeof body.model !== "string" || body.model === "") throw new HttpError(400, "bad_request", "model is required"); // prettier-ignore
  const model = catalog.resolve(body.model);
  const opts = (body.options ?? {}) as { seed?: unknown; num_predict?: unknown };
  const messages = chat ? ((body.messages ?? []) as ChatMessage[]) : undefined;
  if (chat && !Array.isArray(messages)) throw new HttpError(400, "bad_request", "messages must be a list");
  const payload: JobPayload = {
    model: model.name,
    ...(chat ? { messages: messages!.map((m) => ({ role: m.role, content: String(m.content ?? "") })) } : { prompt: String(body.prompt ?? "") }), // prettier-ignore
    seed: typeof opts.seed === "number" ? opts.seed : 0,
    nonce: randomBytes(8).toString("hex"),
  };
  const n = opts.num_predict;
  const maxTokens = typeof n === "number" && Number.isInteger(n) && n > 0 ? n : defaults.maxTokens;
  const text = canonicalPayload(payload);
  return { model: model.name, modelDigest: model.digest, payload: text, promptHash: keccak256(stringToHex(text)), maxTokens }; // prettier-ignore
}

/** The `aitbc` field of a final answer. */
function aitbcField(intent: JobIntent, answer: Answer, row: { jobId?: string; maxFee: string }) {
  return {
    job_key: answer.jobKey,
    ...(row.jobId ? { job_id: row.jobId } : {}),
    path: answer.path,
    provider: answer.provider,
    model_digest: intent.modelDigest,
    prompt_hash: intent.promptHash,
    output_hash: answer.outputHash,
    token_count: answer.tokenCount,
    max_fee: row.maxFee,
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
  // prettier-ignore
  const started = performance.now();
  const body = (await readJson(req)) as Record<string, unknown>;
  const intent = intentOf(body, chat, catalog, defaults);
  const stream = body.stream !== false;
  const base = () => ({ model: String(body.model), created_at: new Date().toISOString() });
  const piece = (text: string) =>
    chat ? { message: { role: "assistant", content: text } } : { response: text };
  const placed = await placeJob(ctx, intent);
  ctx.metrics.inFlight.inc();
  const write = (value: unknown) => {
    if (!res.destroyed) res.write(JSON.stringify(value) + "\n");
  };
  if (stream) res.writeHead(200, { "content-type": "application/x-ndjson" });
  try {
    const sink = { token: (text: string) => stream && write({ ...base(), ...piece(text), done: false }) };
    const answer = await relayAnswer(ctx, placed, intent.maxTokens, sink, started);
    const totalNs = Math.round((performance.now() - started) * 1e6);
    const final = { done: true, done_reason: "stop", total_duration: totalNs, load_duration: 0, prompt_eval_count: 0, prompt_eval_duration: 0, eval_count: answer.tokenCount, eval_duration: totalNs, aitbc: aitbcField(intent, answer, placed.row) }; // prettier-ignore
    ctx.metrics.jobs.inc({ outcome: "answered" });
    ctx.metrics.jobDuration.observe(totalNs / 1e9);
    if (!stream) return sendJson(res, 200, { ...base(), ...piece(answer.output), ...final });
    write({ ...base(), ...piece(""), ...final });
    res.end();
  } catch (error) {
    ctx.metrics.jobs.inc({ outcome: "failed" });
    if (!stream || res.headersSent === false) throw error;
    write({ error: (error as Error).message.split("\n")[0] });
    res.end();
  } finally {
    placed.endLoad();
    ctx.metrics.inFlight.dec();
  }
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
