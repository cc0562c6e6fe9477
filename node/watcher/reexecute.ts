/**
 * Re-executing one job deterministically (same model digest, the payload's seed, temperature 0, the job's
 * token limit, the payload's `format`, `options`, `think`, `tools` and `images`) and comparing with what the provider submitted: output hash and token count, the count
 * normalised as the miner does (`max(1, min(eval_count, maxTokens))`). An embedding job (`kind: "embed"`)
 * is re-embedded instead: the output is the vectors' JSON (`embeddingsOutput`), the count the input
 * tokens (`prompt_eval_count`), normalised the same way. (Vectors are compared bit for bit through
 * their hash: a verifier must run the same model digest on a runtime that computes the same floats.)
 */
import type { Hex } from "viem";

import type { InferenceBackend } from "../backends/backend.js";
import { generationOf } from "../shared/output.js";
import { embeddingsOutput, isEmbedPayload, outputHash, type AnyPayload, type EmbedPayload, type JobPayload } from "../shared/protocol.js"; // prettier-ignore
import type { WatchedJob } from "./types.js";

/** A re-execution's verdict. */
export interface Verdict {
  outcome: "match" | "mismatch";
  expected: { outputHash: Hex; tokenCount: number };
  /** What differs (outcome "mismatch"): "output hash differs", "token count 37 ≠ 100 claimed". */
  reason?: string;
}

/**
 * Re-executes `payloadText` on `verifier` and compares with `job`.
 * @param job The submitted result (`outputHash`, `tokenCount`, `maxTokens`).
 * @param payloadText The payload whose keccak256 is the job's `promptHash`.
 * @param verifier The backend serving the job's model, and the model's name there.
 * @example
 * ```ts
 * const v = await reexecute(job, data.payload.text, { model: "llama3.2:1b", backend });
 * if (v.outcome === "mismatch") await dispute(job, v.reason);
 * ```
 */
export async function reexecute(
  job: WatchedJob,
  payloadText: string,
  verifier: { model: string; backend: InferenceBackend },
): Promise<Verdict> {
  const embedding = JSON.parse(payloadText) as AnyPayload;
  if (isEmbedPayload(embedding)) return verdictOf(job, await reembed(embedding, verifier));
  const payload = JSON.parse(payloadText) as JobPayload;
  const result = await verifier.backend.infer({
    model: verifier.model,
    ...(payload.messages ? { messages: payload.messages } : { prompt: payload.prompt ?? "" }),
    seed: payload.seed,
    maxTokens: job.maxTokens,
    ...generationOf(payload),
  });
  return verdictOf(job, result);
}

/** Compares a re-execution's output and token count with what `job` claimed. */
function verdictOf(job: WatchedJob, result: { output: string; tokenCount: number }): Verdict {
  const expected = {
    outputHash: outputHash(result.output),
    tokenCount: Math.max(1, Math.min(result.tokenCount, job.maxTokens)),
  };
  const reasons = [
    ...(expected.outputHash.toLowerCase() !== job.outputHash.toLowerCase() ? ["output hash differs"] : []),
    ...(expected.tokenCount !== job.tokenCount ? [`token count ${expected.tokenCount} ≠ ${job.tokenCount} claimed`] : []), // prettier-ignore
  ];
  if (reasons.length === 0) return { outcome: "match", expected };
  return { outcome: "mismatch", expected, reason: reasons.join("; ") };
}

/** An embedding job's output (the vectors' JSON) and input tokens, as the miner computes them. */
async function reembed(
  payload: EmbedPayload,
  verifier: { model: string; backend: InferenceBackend },
): Promise<{ output: string; tokenCount: number }> {
  const r = await verifier.backend.embed({
    model: verifier.model,
    input: payload.input,
    ...(payload.truncate !== undefined ? { truncate: payload.truncate } : {}),
    ...(payload.dimensions !== undefined ? { dimensions: payload.dimensions } : {}),
    ...(payload.options !== undefined ? { options: payload.options } : {}),
  });
  return { output: embeddingsOutput(r.embeddings), tokenCount: r.promptTokens };
}
