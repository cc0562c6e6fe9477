/**
 * One generation, whichever API it came in by: Ollama's `/api/generate` and `/api/chat`
 * (`ollama-api.ts`), OpenAI's `/v1/completions` and `/v1/chat/completions` (`openai-api.ts`). Each
 * API turns its body into a {@link GenerationRequest}; {@link runGeneration} resolves the model,
 * builds the job's payload, places it on the network and relays the miner's tokens to a sink; the
 * API then shapes the answer as its clients expect.
 */
import { randomBytes } from "node:crypto";

import { keccak256, stringToHex } from "viem";

import type { ChatMessage, GenerationOptions } from "../backends/backend.js";
import { canonicalPayload, type JobPayload } from "../shared/protocol.js";
import { relayAnswer, type Answer, type TokenSink } from "./answer.js";
import type { GatewayContext, JobIntent } from "./context.js";
import { placeJob } from "./dispatch.js";
import type { ModelCatalog } from "./models.js";
import type { JobRow } from "./state.js";

/** Defaults of a generation request. */
export interface GenerationDefaults {
  /** `num_predict` when the request has none. */
  maxTokens: number;
}

/**
 * A generation request, API-neutral (already validated by the API that received it). The
 * {@link GenerationOptions} (`format`, `options`, `think`, `tools`, `images`) go into the job's payload
 * as given, and the miner passes them to its runtime.
 */
export interface GenerationRequest extends GenerationOptions {
  /** The model's name, `name:tag`, or bytes32 digest. */
  model: string;
  /** A plain prompt (`/api/generate`, `/v1/completions`) ... */
  prompt?: string;
  /** ... or chat messages (`/api/chat`, `/v1/chat/completions`). */
  messages?: ChatMessage[];
  /** Sampling seed (default 0; temperature is always 0, so a re-execution reproduces the answer). */
  seed?: number;
  /** Most tokens to generate (`num_predict`, `max_tokens`); the gateway's default when absent. */
  maxTokens?: number;
}

/** A generation that was answered. */
export interface GenerationResult {
  /** The job as the network saw it (payload, prompt hash, model digest, tokens paid for). */
  intent: JobIntent;
  /** The checked answer (output, its hash, token count, provider, path). */
  answer: Answer;
  /** The job's row in the gateway's state (job id, max fee). */
  row: JobRow;
  /** Nanoseconds from the request's arrival to the checked answer. */
  totalNs: number;
}

/**
 * The job a request asks for: the model resolved, the canonical payload (random nonce, so two equal
 * requests are two jobs) and its keccak256, the tokens paid for.
 *
 * @throws {UnknownModelError} when the gateway knows no such model name or digest (HTTP 404).
 */
export function intentOf(
  request: GenerationRequest,
  catalog: ModelCatalog,
  defaults: GenerationDefaults,
): JobIntent {
  const model = catalog.resolve(request.model);
  const payload: JobPayload = {
    model: model.name,
    ...(request.messages !== undefined ? { messages: request.messages } : { prompt: request.prompt ?? "" }), // prettier-ignore
    seed: request.seed ?? 0,
    nonce: randomBytes(8).toString("hex"),
    ...(request.images !== undefined ? { images: request.images } : {}),
    ...(request.format !== undefined ? { format: request.format } : {}),
    ...(request.options !== undefined ? { options: request.options } : {}),
    ...(request.think !== undefined ? { think: request.think } : {}),
    ...(request.tools !== undefined ? { tools: request.tools } : {}),
  };
  const maxTokens = request.maxTokens ?? defaults.maxTokens;
  const text = canonicalPayload(payload);
  return { model: model.name, modelDigest: model.digest, payload: text, promptHash: keccak256(stringToHex(text)), maxTokens }; // prettier-ignore
}

/**
 * Runs one generation on the network: places the job (nothing is paid if no provider accepts) and
 * streams its tokens into `sink` as the miner generates them, then checks the answer.
 *
 * @param startedAt `performance.now()` when the client's request arrived.
 * @param signal Aborted when the client left: no job is placed after that (see {@link placeJob}).
 * @throws {UnknownModelError} | {NoProviderError} | {ClientGoneError} before anything is paid;
 *   {ProviderAnswerError} when the miner's answer fails its checks.
 */
export async function runGeneration(
  ctx: GatewayContext,
  catalog: ModelCatalog,
  defaults: GenerationDefaults,
  request: GenerationRequest,
  sink: TokenSink,
  startedAt: number,
  signal?: AbortSignal,
): Promise<GenerationResult> {
  const intent = intentOf(request, catalog, defaults);
  const placed = await placeJob(ctx, intent, signal);
  ctx.metrics.inFlight.inc();
  try {
    const answer = await relayAnswer(ctx, placed, intent.maxTokens, sink, startedAt);
    const totalNs = Math.round((performance.now() - startedAt) * 1e6);
    ctx.metrics.jobs.inc({ outcome: "answered" });
    ctx.metrics.jobDuration.observe(totalNs / 1e9);
    return { intent, answer, row: placed.row, totalNs };
  } catch (error) {
    ctx.metrics.jobs.inc({ outcome: "failed" });
    throw error;
  } finally {
    placed.endLoad();
    ctx.metrics.inFlight.dec();
  }
}

/** The `aitbc` field an answer carries (both APIs): which job, where, for how much. */
export function aitbcField(result: GenerationResult) {
  const { intent, answer, row } = result;
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
