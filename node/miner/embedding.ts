/**
 * Embedding jobs on the miner: a payload with `kind: "embed"` (see `protocol.ts`) travels like any job
 * (batch path or quote path), and {@link runJob} runs it through the backend's `embed`, never as a
 * generation. Its output is the vectors' JSON ({@link embeddingsOutput}): archived, journaled, hashed
 * into the receipt's `outputHash` and sent in the `done` event like a generation's text (no `token`
 * events before it). Its token count is the runtime's input tokens (`prompt_eval_count`), which the
 * caller bounds to the job's `maxTokens` as for a generation.
 */
import { BackendError, type InferenceResult } from "../backends/backend.js";
import { embeddingsOutput, isEmbedPayload, type AnyPayload, type EmbedPayload } from "../shared/protocol.js";
import type { MinerContext } from "./context.js";
import { parsePayload, runInference, type InferenceJob } from "./inference.js";

/**
 * Checks an embedding payload's fields (`kind: "embed"`, `model`, a non-empty `input` of strings,
 * `nonce`, and the optional `truncate`, `dimensions`, `options`).
 *
 * @throws {BackendError} (not transient) naming the first bad field.
 */
export function checkEmbedPayload(p: Partial<EmbedPayload>): EmbedPayload {
  const fail = (what: string): never => {
    throw new BackendError(`the embedding payload needs ${what}`, false);
  };
  if (typeof p.model !== "string" || typeof p.nonce !== "string") fail("model (string) and nonce (string)");
  if (!Array.isArray(p.input) || p.input.length === 0 || !p.input.every((s) => typeof s === "string"))
    fail("input (a non-empty list of strings)");
  if (p.truncate !== undefined && typeof p.truncate !== "boolean") fail("truncate to be a boolean");
  if (p.dimensions !== undefined && !(Number.isInteger(p.dimensions) && p.dimensions > 0))
    fail("dimensions to be a positive integer");
  if (
    p.options !== undefined &&
    (typeof p.options !== "object" || p.options === null || Array.isArray(p.options))
  )
    fail("options to be an object");
  return p as EmbedPayload;
}

/**
 * Parses a payload text of either kind: an embedding payload ({@link checkEmbedPayload}) or a
 * generation payload (`parsePayload`).
 *
 * @throws {BackendError} (not transient) when malformed.
 */
export function parseAnyPayload(text: string): AnyPayload {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BackendError("the payload is not JSON", false);
  }
  if (typeof value === "object" && value !== null && isEmbedPayload(value as AnyPayload))
    return checkEmbedPayload(value as Partial<EmbedPayload>);
  return parsePayload(text);
}

/**
 * Runs the embedding job `job` (waits for an inference slot). `output` is the vectors' JSON,
 * `tokenCount` and `promptTokens` the input tokens.
 *
 * @throws {BackendError} when the model is not served here, the backend has no embeddings
 *   (`EmbeddingUnsupportedError`) or fails.
 */
export async function runEmbedding(
  ctx: MinerContext,
  job: InferenceJob,
  payload: EmbedPayload,
): Promise<InferenceResult> {
  const model = ctx.models.get(job.modelDigest.toLowerCase());
  if (!model) throw new BackendError(`model ${job.modelDigest} is not served here`, false);
  return ctx.inferLimit(async () => {
    ctx.streams.open(job.key);
    const r = await ctx.backend.embed({
      model,
      input: payload.input,
      ...(payload.truncate !== undefined ? { truncate: payload.truncate } : {}),
      ...(payload.dimensions !== undefined ? { dimensions: payload.dimensions } : {}),
      ...(payload.options !== undefined ? { options: payload.options } : {}),
    });
    let output: string;
    try {
      output = embeddingsOutput(r.embeddings);
    } catch (e) {
      throw new BackendError((e as Error).message, true);
    }
    return { output, tokenCount: r.promptTokens, promptTokens: r.promptTokens, modelDigest: r.modelDigest, durationMs: r.durationMs }; // prettier-ignore
  });
}

/**
 * Runs one accepted job of either kind: an embedding payload through {@link runEmbedding}, any other
 * through `runInference` (a generation).
 *
 * @throws {BackendError} as those do.
 */
export function runJob(ctx: MinerContext, job: InferenceJob): Promise<InferenceResult> {
  const payload = parseAnyPayload(job.payloadText);
  return isEmbedPayload(payload) ? runEmbedding(ctx, job, payload) : runInference(ctx, job);
}
