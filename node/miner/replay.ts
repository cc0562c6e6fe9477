/**
 * Replaying a journaled answer to a client that asks again (a gateway resuming after a restart, or a
 * broken stream read once more): the events a live run would have sent — the streamed text as one
 * token event, then `done` with the output the receipt covers.
 *
 * The streamed text is not always the output: a job that asked for tools or thinking streams only its
 * `content` while its output is the JSON `{content, thinking?, tool_calls?}` (`node/shared/output.ts`),
 * and an embedding job streams nothing (its output is the vectors' JSON).
 */
import { BackendError } from "../backends/backend.js";
import { decodeOutput, generationOf } from "../shared/output.js";
import { isEmbedPayload } from "../shared/protocol.js";
import type { StreamEvent } from "../shared/provider-api.js";
import { parseAnyPayload } from "./embedding.js";
import type { JobStream } from "./streams.js";

/**
 * The text a live run of the job with this payload streamed before `done`.
 *
 * @param payloadText The job's payload (canonical JSON), or undefined when the archive lacks it: the
 *   output is then taken as text, as before structured outputs existed.
 */
export function streamedText(payloadText: string | undefined, output: string): string {
  if (payloadText === undefined) return output;
  try {
    const payload = parseAnyPayload(payloadText);
    if (isEmbedPayload(payload)) return "";
    return decodeOutput(output, generationOf(payload).generation).content;
  } catch (error) {
    if (error instanceof BackendError) return output; // a malformed payload was never run
    throw error;
  }
}

/** Pushes the replayed events of an answered job into `stream`: its streamed text (if any), then `done`. */
export function replayAnswer(
  stream: JobStream,
  payloadText: string | undefined,
  done: Extract<StreamEvent, { type: "done" }>,
): void {
  const text = streamedText(payloadText, done.output);
  if (text !== "") stream.push({ type: "token", text });
  stream.push(done);
}
