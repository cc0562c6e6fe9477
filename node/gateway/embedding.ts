/**
 * One embedding job, whichever API it came in by (`/api/embed`, `/api/embeddings`, `/v1/embeddings`,
 * see `embed-api.ts`): the payload is an {@link EmbedPayload} (`kind: "embed"`), placed on the network
 * like a generation (batch path, else quote path; nothing is paid if no provider accepts), and the
 * answer is the vectors' JSON, checked against its `outputHash` as any answer, then parsed.
 *
 * What the job pays for: the runtime's input tokens (`prompt_eval_count`, the receipt's `tokenCount`),
 * at most `maxTokens` = {@link embedMaxTokens} (the UTF-8 bytes of each input plus 2, summed), which
 * bounds what is reserved (`maxTokens × pricePerToken`): every tokenizer Ollama runs (byte-level BPE,
 * SentencePiece with byte fallback, WordPiece) makes at most one token per byte, plus BOS/EOS
 * (or CLS/SEP). An input larger than every offer's `maxTokens` finds no provider (503, nothing paid).
 */
import { randomBytes } from "node:crypto";

import { keccak256, stringToHex } from "viem";

import { canonicalPayload, type EmbedPayload } from "../shared/protocol.js";
import { relayAnswer, type Answer } from "./answer.js";
import type { GatewayContext, JobIntent } from "./context.js";
import { placeJob } from "./dispatch.js";
import { ProviderAnswerError } from "./errors.js";
import type { ModelCatalog } from "./models.js";
import type { JobRow } from "./state.js";

/** An embedding request, API-neutral (validated by the API that received it; `input` not empty). */
export interface EmbedJobRequest {
  /** The model's name, `name:tag`, or bytes32 digest. */
  model: string;
  /** The texts, one vector each. */
  input: string[];
  /** Ollama's `truncate` (absent: the runtime's default, `true`). */
  truncate?: boolean;
  /** Vectors cut to this many values and re-normalized (Ollama's and OpenAI's `dimensions`). */
  dimensions?: number;
  /** Runtime options (Ollama's `options`). */
  options?: Record<string, unknown>;
}

/** An embedding job that was answered. */
export interface EmbedJobResult {
  /** The job as the network saw it (payload, prompt hash, model digest, tokens reserved). */
  intent: JobIntent;
  /** The checked answer: `output` is the vectors' JSON, `tokenCount` the input tokens paid for. */
  answer: Answer;
  /** The job's row in the gateway's state (job id, max fee). */
  row: JobRow;
  /** One vector per input, in order. */
  embeddings: number[][];
  /** Nanoseconds from the request's arrival to the checked answer. */
  totalNs: number;
}

/** The most input tokens an embedding job of `input` pays for: Σ (UTF-8 bytes + 2). See the module. */
export function embedMaxTokens(input: readonly string[]): number {
  return input.reduce((n, s) => n + Buffer.byteLength(s, "utf8") + 2, 0);
}

/**
 * The job an embedding request asks for: the model resolved, the canonical payload (random nonce)
 * and its keccak256, the tokens reserved ({@link embedMaxTokens}).
 *
 * @throws {UnknownModelError} when the gateway knows no such model (HTTP 404).
 */
export function embedIntentOf(request: EmbedJobRequest, catalog: ModelCatalog): JobIntent {
  const model = catalog.resolve(request.model);
  const payload: EmbedPayload = {
    kind: "embed",
    model: model.name,
    input: request.input,
    ...(request.truncate !== undefined ? { truncate: request.truncate } : {}),
    ...(request.dimensions !== undefined ? { dimensions: request.dimensions } : {}),
    ...(request.options !== undefined ? { options: request.options } : {}),
    nonce: randomBytes(8).toString("hex"),
  };
  const text = canonicalPayload(payload);
  return { model: model.name, modelDigest: model.digest, payload: text, promptHash: keccak256(stringToHex(text)), maxTokens: embedMaxTokens(request.input) }; // prettier-ignore
}

/** The vectors of a checked answer. @throws {ProviderAnswerError} unless one list of finite numbers per input. */
function vectorsOf(answer: Answer, count: number): number[][] {
  let value: unknown;
  try {
    value = JSON.parse(answer.output);
  } catch {
    value = undefined;
  }
  const ok = Array.isArray(value) && value.length === count && value.every((v) => Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isFinite(x))); // prettier-ignore
  if (!ok) throw new ProviderAnswerError(answer.jobKey, `the answer is not ${count} embedding(s)`);
  return value as number[][];
}

/**
 * Runs one embedding job on the network: places it (nothing is paid if no provider accepts), reads
 * the miner's `done` event and checks it (output hash, token count within `maxTokens`), then parses
 * the vectors.
 *
 * @param startedAt `performance.now()` when the client's request arrived.
 * @throws {UnknownModelError} | {NoProviderError} before anything is paid;
 *   {ProviderAnswerError} when the miner's answer fails its checks or is not one vector per input.
 */
export async function runEmbedding(
  ctx: GatewayContext,
  catalog: ModelCatalog,
  request: EmbedJobRequest,
  startedAt: number,
): Promise<EmbedJobResult> {
  const intent = embedIntentOf(request, catalog);
  const placed = await placeJob(ctx, intent);
  ctx.metrics.inFlight.inc();
  try {
    const answer = await relayAnswer(ctx, placed, intent.maxTokens, { token: () => undefined }, startedAt);
    const embeddings = vectorsOf(answer, request.input.length);
    const totalNs = Math.round((performance.now() - startedAt) * 1e6);
    ctx.metrics.jobs.inc({ outcome: "answered" });
    ctx.metrics.jobDuration.observe(totalNs / 1e9);
    return { intent, answer, row: placed.row, embeddings, totalNs };
  } catch (error) {
    ctx.metrics.jobs.inc({ outcome: "failed" });
    throw error;
  } finally {
    placed.endLoad();
    ctx.metrics.inFlight.dec();
  }
}

/**
 * The `aitbc` field of an embedding answer (all three APIs): which job, where, for how much;
 * `output_hash` is keccak256 of the vectors' JSON, `token_count` the input tokens paid for.
 */
export function embedAitbcField(result: EmbedJobResult) {
  const { intent, answer, row } = result;
  return {
    kind: "embed" as const,
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

/** Response headers naming the job (`x-aitbc-job-key`, `x-aitbc-provider`, `x-aitbc-path`). */
export function embedHeaders(result: EmbedJobResult): Record<string, string> {
  return {
    "x-aitbc-job-key": result.answer.jobKey,
    "x-aitbc-provider": result.answer.provider,
    "x-aitbc-path": result.answer.path,
  };
}
