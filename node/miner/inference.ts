/**
 * Runs one accepted job's prompt through the backend in an inference slot, streaming each piece of text
 * to the job's {@link JobStream} as it is generated, and timing the first token (metric
 * `aitbc_first_token_seconds`). The caller archives and journals the answer, then pushes `done`.
 */
import { BackendError, type InferenceResult } from "../backends/backend.js";
import { generationOf } from "../shared/output.js";
import type { JobPayload } from "../shared/protocol.js";
import type { MinerContext } from "./context.js";

/** One job as the backend is asked for it. */
export interface InferenceJob {
  /** The stream key (job id or request digest). */
  key: string;
  /** The key a proof of inference binds (job id, or the batch job key). */
  jobKey: bigint;
  modelDigest: string;
  /** The exact payload text whose keccak256 is the prompt hash. */
  payloadText: string;
  maxTokens: number;
}

/** Parses a payload text into a {@link JobPayload}. @throws {BackendError} (not transient) when malformed. */
export function parsePayload(text: string): JobPayload {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BackendError("the payload is not JSON", false);
  }
  const p = value as Partial<JobPayload>;
  if (
    typeof p !== "object" ||
    p === null ||
    typeof p.model !== "string" ||
    typeof p.seed !== "number" ||
    typeof p.nonce !== "string"
  )
    // prettier-ignore
    throw new BackendError("the payload needs model (string), seed (number) and nonce (string)", false);
  if (p.prompt === undefined && !Array.isArray(p.messages))
    throw new BackendError("the payload needs a prompt or messages", false);
  return p as JobPayload;
}

/**
 * Runs the inference of `job` (waits for a slot), streaming tokens to `ctx.streams`.
 *
 * @throws {BackendError} when the model is not served or the backend fails.
 */
export async function runInference(ctx: MinerContext, job: InferenceJob): Promise<InferenceResult> {
  const model = ctx.models.get(job.modelDigest.toLowerCase());
  if (!model) throw new BackendError(`model ${job.modelDigest} is not served here`, false);
  const payload = parsePayload(job.payloadText);
  return ctx.inferLimit(async () => {
    const stream = ctx.streams.open(job.key);
    const firstToken = ctx.metrics.firstTokenSeconds.startTimer();
    let first = true;
    return ctx.backend.infer({
      model,
      ...(payload.messages ? { messages: payload.messages } : { prompt: payload.prompt ?? "" }),
      seed: payload.seed,
      maxTokens: job.maxTokens,
      ...generationOf(payload),
      payload: job.payloadText,
      jobKey: job.jobKey,
      onToken: (text) => {
        if (first) firstToken();
        first = false;
        stream.push({ type: "token", text });
      },
    });
  });
}
