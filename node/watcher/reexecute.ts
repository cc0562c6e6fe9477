/**
 * Re-executing one job deterministically (same model digest, the payload's seed, temperature 0, the job's
 * token limit, the payload's `format`, `options`, `think`, `tools` and `images`) and comparing with what the provider submitted: output hash and token count, the count
 * normalised as the miner does (`max(1, min(eval_count, maxTokens))`).
 */
import type { Hex } from "viem";

import type { InferenceBackend } from "../backends/backend.js";
import { generationOf } from "../shared/output.js";
import { outputHash, type JobPayload } from "../shared/protocol.js";
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
  const payload = JSON.parse(payloadText) as JobPayload;
  const result = await verifier.backend.infer({
    model: verifier.model,
    ...(payload.messages ? { messages: payload.messages } : { prompt: payload.prompt ?? "" }),
    seed: payload.seed,
    maxTokens: job.maxTokens,
    ...generationOf(payload),
  });
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
