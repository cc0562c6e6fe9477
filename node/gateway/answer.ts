/**
 * Reading an accepted job's answer: tokens are handed to the client's sink as they arrive; the
 * `done` event is checked (its job key, `outputHash = keccak256(output)`, the token count within
 * what was paid for), the output is stored and archived for challengers. A stream that breaks after
 * acceptance is not retried elsewhere (the job is the miner's, and paid or signed): the answer is
 * read from the miner's result route instead, and the part not yet streamed is handed on.
 */
import type { Hex } from "viem";

import { outputHash } from "../shared/protocol.js";
import type { StreamEvent } from "../shared/provider-api.js";
import { resultEvents, type Accepted } from "./attempt.js";
import type { GatewayContext } from "./context.js";
import { ProviderAnswerError } from "./errors.js";

/** Where the tokens go (the client's response); writes after a client left are simply dropped. */
export interface TokenSink {
  token(text: string): void;
  /**
   * Hears where the generation runs, before its first token (an API sets its `x-aitbc-route`
   * header here); called again with `network` when a local run falls back before its first token.
   */
  route?(route: "local" | "network"): void;
  /** Called once, before the first token, with the accepted job (e.g. for response headers). */
  placed?(job: { jobKey: Hex; provider: string; path: "batch" | "quote" }): void;
  /**
   * The streamed text part of a job's output (default: all of it): for a job that asked for tools
   * or thinking, the output is `{content, thinking?, tool_calls?}` JSON and only `content` is
   * streamed (`node/shared/output.ts`). Used to hand on the part not yet streamed.
   */
  textOf?(output: string): string;
}

/** A checked answer. */
export interface Answer {
  jobKey: Hex;
  output: string;
  outputHash: Hex;
  tokenCount: number;
  provider: string;
  path: "batch" | "quote";
  /** ms from the start of the job to its first token (undefined if none was streamed). */
  firstTokenMs?: number;
}

/** Checks a `done` event against the job; returns the problem, if any. */
function problemOf(done: Extract<StreamEvent, { type: "done" }>, accepted: Accepted, maxTokens: number) {
  if (done.jobKey.toLowerCase() !== accepted.jobKey.toLowerCase())
    return `the answer is for job ${done.jobKey}`;
  if (done.outputHash.toLowerCase() !== outputHash(done.output).toLowerCase())
    return "the output hash does not match the output";
  if (done.tokenCount > maxTokens) return `${done.tokenCount} tokens, more than the ${maxTokens} paid for`;
  return undefined;
}

/**
 * Streams an accepted job's tokens into `sink` and returns the checked answer (state `answered`).
 *
 * @param startedAt `performance.now()` when the client's request arrived (for first-token latency).
 * @throws {ProviderAnswerError} on an `error` event or an answer that does not check.
 */
export async function relayAnswer(
  ctx: GatewayContext,
  accepted: Accepted,
  maxTokens: number,
  sink: TokenSink,
  startedAt: number,
): Promise<Answer> {
  sink.placed?.({ jobKey: accepted.jobKey, provider: accepted.provider, path: accepted.row.path });
  let events = accepted.events;
  let readingResult = false; // the stream broke once already: events come from the result route
  let streamed = "";
  let firstTokenMs: number | undefined;
  for (;;) {
    let step: IteratorResult<StreamEvent>;
    try {
      step = await events.next();
    } catch (cause) {
      // the result route gave up (504: no answer in time; 503: the gateway closed): the job stays
      // `accepted` in the store and is resumed at the next start
      if (readingResult) throw cause;
      readingResult = true;
      ctx.log(`job ${accepted.jobKey.slice(0, 10)}: stream from ${accepted.provider} broke (${(cause as Error).message.split("\n")[0]}); reading its result`); // prettier-ignore
      ctx.metrics.errors.inc({ kind: "stream_broken" });
      events = resultEvents(accepted.client, accepted.jobKey, ctx.policy.resultTimeoutMs, ctx.shutdown);
      continue;
    }
    if (step.done) throw new ProviderAnswerError(accepted.jobKey, "the stream ended without a done event");
    const event = step.value;
    if (event.type === "token") {
      if (firstTokenMs === undefined) {
        firstTokenMs = performance.now() - startedAt;
        ctx.metrics.firstTokenSeconds.observe(firstTokenMs / 1000);
      }
      streamed += event.text;
      sink.token(event.text);
      continue;
    }
    if (event.type === "error") {
      ctx.state.update(accepted.row.promptHash, { state: "failed", reason: `miner error: ${event.error}` });
      throw new ProviderAnswerError(accepted.jobKey, `the miner failed: ${event.error}`);
    }
    const problem = problemOf(event, accepted, maxTokens);
    if (problem) throw new ProviderAnswerError(accepted.jobKey, problem);
    const text = sink.textOf?.(event.output) ?? event.output;
    if (text.startsWith(streamed) && text.length > streamed.length) sink.token(text.slice(streamed.length));
    ctx.state.update(accepted.row.promptHash, { state: "answered", output: event.output, tokenCount: event.tokenCount }); // prettier-ignore
    ctx.archive.put(accepted.jobKey, { output: event.output });
    return { jobKey: accepted.jobKey, output: event.output, outputHash: event.outputHash, tokenCount: event.tokenCount, provider: accepted.provider, path: accepted.row.path, ...(firstTokenMs !== undefined ? { firstTokenMs } : {}) }; // prettier-ignore
  }
}
