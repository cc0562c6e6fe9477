/**
 * The objects OpenAI's clients read, as Ollama's `/v1` shapes them: `chat.completion` and
 * `chat.completion.chunk` (`chatcmpl-...`), `text_completion` (`cmpl-...`), `usage`, tool calls with
 * their arguments as a JSON string, and the extra `aitbc` field naming the job on the completion
 * and on the stream's last chunks (clients ignore fields they do not know).
 */
import { randomBytes } from "node:crypto";
import type { OutgoingHttpHeaders } from "node:http";

import type { ToolCall } from "../backends/backend.js";
import type { aitbcField } from "./generation.js";

/** The gateway's `system_fingerprint` (Ollama answers `fp_ollama`). */
export const SYSTEM_FINGERPRINT = "fp_aitbc";

/** What an answer says, whichever way it was made. */
export interface Outcome {
  output: string;
  /** Tokens generated (the job's token count). */
  tokenCount: number;
  /** Calls the model made (when the answer carries them). */
  toolCalls?: ToolCall[];
  /** The model's thinking (Ollama's `thinking`, OpenAI-compatible servers' `reasoning`). */
  reasoning?: string;
  /** `tool_calls` when the model called tools, `length` when it used every token paid for, else `stop`. */
  finish: "stop" | "length" | "tool_calls";
  /** The job (absent when none was placed: an empty prompt). */
  aitbc?: ReturnType<typeof aitbcField>;
}

/** The job's response headers: `x-aitbc-job-key`, `x-aitbc-provider`, `x-aitbc-path` (none without a job). */
export function aitbcHeaders(
  job: { jobKey: string; provider: string; path: string } | undefined,
): OutgoingHttpHeaders {
  if (!job) return {};
  return { "x-aitbc-job-key": job.jobKey, "x-aitbc-provider": job.provider, "x-aitbc-path": job.path };
}

/** OpenAI's `usage` (the network reports no prompt token count: `prompt_tokens` is 0). */
export function usageOf(o: Outcome) {
  return { prompt_tokens: 0, completion_tokens: o.tokenCount, total_tokens: o.tokenCount };
}

/** Ollama's tool calls → OpenAI's (`id`, `index`, `type: "function"`, arguments as a JSON string). */
export function openAIToolCalls(calls: readonly ToolCall[]) {
  return calls.map((c, index) => ({ id: `call_${randomBytes(12).toString("hex")}`, index, type: "function" as const, function: { name: c.function.name, arguments: JSON.stringify(c.function.arguments) } })); // prettier-ignore
}

/** One response's frame: its id, creation time and model, and the objects built in it. */
export class Frame {
  /** `chatcmpl-<hex>` or `cmpl-<hex>`. */
  readonly id: string;
  /** Unix seconds. */
  readonly created = Math.floor(Date.now() / 1000);

  /**
   * @param kind `chat` (`/v1/chat/completions`) or `text` (`/v1/completions`).
   * @param model The model as the request named it.
   */
  constructor(
    readonly kind: "chat" | "text",
    readonly model: string,
  ) {
    this.id = `${kind === "chat" ? "chatcmpl" : "cmpl"}-${randomBytes(12).toString("hex")}`;
  }

  private head(object: string) {
    return { id: this.id, object, created: this.created, model: this.model, system_fingerprint: SYSTEM_FINGERPRINT }; // prettier-ignore
  }

  /** The non-streamed answer: `chat.completion` or `text_completion`, with `usage` and `aitbc`. */
  completion(o: Outcome) {
    const tail = { usage: usageOf(o), ...(o.aitbc ? { aitbc: o.aitbc } : {}) };
    if (this.kind === "text")
      return { ...this.head("text_completion"), choices: [{ text: o.output, index: 0, logprobs: null, finish_reason: o.finish }], ...tail }; // prettier-ignore
    const extra = { ...(o.reasoning ? { reasoning: o.reasoning } : {}), ...(o.toolCalls?.length ? { tool_calls: openAIToolCalls(o.toolCalls) } : {}) }; // prettier-ignore
    return { ...this.head("chat.completion"), choices: [{ index: 0, message: { role: "assistant", content: o.output, ...extra }, logprobs: null, finish_reason: o.finish }], ...tail }; // prettier-ignore
  }

  /** A streamed piece of text (`finish_reason: null`). */
  chunk(text: string) {
    if (this.kind === "text")
      return { ...this.head("text_completion"), choices: [{ text, index: 0, logprobs: null, finish_reason: null }] }; // prettier-ignore
    return { ...this.head("chat.completion.chunk"), choices: [{ index: 0, delta: { role: "assistant", content: text }, logprobs: null, finish_reason: null }] }; // prettier-ignore
  }

  /**
   * The stream's last chunks (before `data: [DONE]`): the thinking and tool calls (if any), the one with the
   * `finish_reason` and `aitbc`, and with `includeUsage` one with `usage`, no choices and `aitbc`.
   */
  finalChunks(o: Outcome, includeUsage: boolean): unknown[] {
    const aitbc = o.aitbc ? { aitbc: o.aitbc } : {};
    const chat = this.kind === "chat";
    const object = chat ? "chat.completion.chunk" : "text_completion";
    const out: unknown[] = [];
    if (chat && (o.toolCalls?.length || o.reasoning)) {
      const extra = { ...(o.reasoning ? { reasoning: o.reasoning } : {}), ...(o.toolCalls?.length ? { tool_calls: openAIToolCalls(o.toolCalls) } : {}) }; // prettier-ignore
      out.push({ ...this.head(object), choices: [{ index: 0, delta: { role: "assistant", content: "", ...extra }, logprobs: null, finish_reason: null }] }); // prettier-ignore
    }
    const choice = chat ? { index: 0, delta: {}, logprobs: null, finish_reason: o.finish } : { text: "", index: 0, logprobs: null, finish_reason: o.finish }; // prettier-ignore
    out.push({ ...this.head(object), choices: [choice], ...aitbc });
    if (includeUsage) out.push({ ...this.head(object), choices: [], usage: usageOf(o), ...aitbc });
    return out;
  }
}
