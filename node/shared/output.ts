/**
 * A job's output text, the one string the protocol hashes (`outputHash = keccak256(output)`), when
 * an answer has more than text: thinking (`think`) or tool calls (`tools`).
 *
 * A job whose payload asks for neither has the model's text as its output, exactly as before these
 * existed. A job whose payload has `tools` or a truthy `think` always has as its output the canonical
 * JSON `{"content": ..., "thinking"?: ..., "tool_calls"?: [...]}` (keys in that order, `thinking` and
 * `tool_calls` only when non-empty). Which form to expect follows from the payload alone, so the
 * gateway, a watcher re-executing the job and a challenger all decode and hash it the same way, and a
 * tool call or a thought is covered by the receipt like the text is.
 */
import type { GenerationOptions, ToolCall } from "../backends/types.js";
import type { JobPayload } from "./protocol.js";

/** An answer's parts. */
export interface AnswerParts {
  /** The text (Ollama's `response` / `message.content`). */
  content: string;
  /** The model's thinking, when it was asked to think. */
  thinking?: string;
  /** The tools the model called (chat with `tools`). */
  tool_calls?: ToolCall[];
}

/** Whether a job with these options has the structured output (see the module's description). */
export function isStructured(generation: Pick<GenerationOptions, "tools" | "think"> | undefined): boolean {
  return (generation?.tools !== undefined && generation.tools.length > 0) || (generation?.think !== undefined && generation.think !== false); // prettier-ignore
}

/** The output text of an answer for a job with `generation` (see the module's description). */
export function encodeOutput(parts: AnswerParts, generation: GenerationOptions | undefined): string {
  if (!isStructured(generation)) return parts.content;
  return JSON.stringify({
    content: parts.content,
    ...(parts.thinking ? { thinking: parts.thinking } : {}),
    ...(parts.tool_calls && parts.tool_calls.length > 0 ? { tool_calls: parts.tool_calls } : {}),
  });
}

/**
 * The parts of a job's output text; a structured output that does not parse is taken as text (the
 * provider answered wrongly, and the receipt shows what it answered).
 */
export function decodeOutput(output: string, generation: GenerationOptions | undefined): AnswerParts {
  if (!isStructured(generation)) return { content: output };
  try {
    const v = JSON.parse(output) as Partial<AnswerParts>;
    if (typeof v === "object" && v !== null && typeof v.content === "string")
      return {
        content: v.content,
        ...(typeof v.thinking === "string" && v.thinking ? { thinking: v.thinking } : {}),
        ...(Array.isArray(v.tool_calls) && v.tool_calls.length > 0 ? { tool_calls: v.tool_calls } : {}),
      };
  } catch {
    // not the structured form
  }
  return { content: output };
}

/**
 * The `GenerationOptions` a payload asks for, as `InferenceRequest.generation` (absent when none):
 * the same for the miner and a watcher re-executing the job.
 */
export function generationOf(payload: JobPayload): { generation?: GenerationOptions } {
  const { format, options, think, tools, images } = payload;
  const generation: GenerationOptions = {
    ...(format !== undefined ? { format } : {}),
    ...(options !== undefined ? { options } : {}),
    ...(think !== undefined ? { think } : {}),
    ...(tools !== undefined ? { tools } : {}),
    ...(images !== undefined ? { images } : {}),
  };
  return Object.keys(generation).length > 0 ? { generation } : {};
}
