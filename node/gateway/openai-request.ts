/**
 * `/v1/chat/completions` and `/v1/completions` bodies → an API-neutral {@link GenerationRequest},
 * every field checked first (a bad request is refused before any job is placed), mapped as Ollama's
 * `/v1` maps them: `max_completion_tokens` / `max_tokens` → the tokens paid for, `seed`, and
 * `stop`, `top_p`, `frequency_penalty`, `presence_penalty` → Ollama `options`; `response_format`
 * `json_object` → `format: "json"`, `json_schema` → its schema; `tools`; `reasoning_effort` →
 * `think`. `temperature` is checked and not used: the network always samples at temperature 0, so a
 * re-execution reproduces the answer. Unknown fields are ignored, as OpenAI-compatible servers do.
 */
import type { GenerationRequest } from "./generation.js";
import { OpenAIRequestError } from "./openai-errors.js";
import { invalidType, invalidValue, object, optionalBoolean, optionalNumber, optionalStop, string, unsupported, type JsonObject } from "./openai-fields.js"; // prettier-ignore
import { chatMessages, toolsOf } from "./openai-messages.js";

/** A checked `/v1` generation request. */
export interface OpenAIRequest {
  /** What the network is asked for. */
  generation: GenerationRequest;
  /** `stream: true`: SSE chunks, `data: [DONE]` last. */
  stream: boolean;
  /** `stream_options.include_usage`: a last chunk with `usage` and no choices. */
  includeUsage: boolean;
  /** The field the request's token limit came from (`max_tokens` or `max_completion_tokens`). */
  maxTokensParam: string;
}

const EFFORTS = ["low", "medium", "high", "none"] as const;

/** The body as an object with a model. @throws {OpenAIRequestError}. */
function common(body: unknown): { b: JsonObject; model: string } {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new OpenAIRequestError(`Invalid type for body: expected an object, but got ${Array.isArray(body) ? "an array" : typeof body} instead.`, null, "invalid_type"); // prettier-ignore
  const b = body as JsonObject;
  if (b.model === undefined || b.model === null || b.model === "") throw new OpenAIRequestError("model is required", "model", "missing_required_parameter"); // prettier-ignore
  return { b, model: string("model", b.model) };
}

/** The fields both endpoints share: sampling, limits, stream. @throws {OpenAIRequestError}. */
function sampling(b: JsonObject, maxParam: "max_tokens" | "max_completion_tokens") {
  optionalNumber("temperature", b.temperature, { min: 0, max: 2 });
  const n = optionalNumber("n", b.n, { min: 1, integer: true });
  if (n !== undefined && n > 1) throw unsupported("n", "above 1: the network answers one choice per job");
  const given = optionalNumber(maxParam, b[maxParam], { min: 1, integer: true });
  const maxTokens = given ?? optionalNumber("max_tokens", b.max_tokens, { min: 1, integer: true });
  const maxTokensParam = given !== undefined ? maxParam : "max_tokens";
  const seed = optionalNumber("seed", b.seed, { min: 0, integer: true });
  const options: Record<string, unknown> = {};
  const stop = optionalStop(b.stop);
  if (stop !== undefined) options.stop = stop;
  const topP = optionalNumber("top_p", b.top_p, { min: 0, max: 1 });
  if (topP !== undefined) options.top_p = topP;
  for (const key of ["frequency_penalty", "presence_penalty"] as const) {
    const v = optionalNumber(key, b[key], { min: -2, max: 2 });
    if (v !== undefined) options[key] = v;
  }
  const stream = optionalBoolean("stream", b.stream) ?? false;
  const so = b.stream_options === undefined || b.stream_options === null ? {} : object("stream_options", b.stream_options); // prettier-ignore
  const includeUsage = stream && (optionalBoolean("stream_options.include_usage", so.include_usage) ?? false);
  const generation = {
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(Object.keys(options).length > 0 ? { options } : {}),
  };
  return { generation, stream, includeUsage, maxTokensParam };
}

/** `response_format` → Ollama's `format`. @throws {OpenAIRequestError}. */
function formatOf(v: unknown): GenerationRequest["format"] {
  if (v === undefined || v === null) return undefined;
  const rf = object("response_format", v);
  if (rf.type === "text") return undefined;
  if (rf.type === "json_object") return "json";
  if (rf.type !== "json_schema") throw invalidValue("response_format.type", rf.type, ["text", "json_object", "json_schema"]); // prettier-ignore
  if (rf.json_schema === undefined) throw new OpenAIRequestError("Missing required parameter: 'response_format.json_schema'.", "response_format.json_schema", "missing_required_parameter"); // prettier-ignore
  const js = object("response_format.json_schema", rf.json_schema);
  return js.schema === undefined ? {} : object("response_format.json_schema.schema", js.schema);
}

/** `reasoning_effort` (or `reasoning.effort`) → `think`. @throws {OpenAIRequestError}. */
function thinkOf(b: JsonObject): GenerationRequest["think"] {
  const reasoning = b.reasoning === undefined || b.reasoning === null ? undefined : object("reasoning", b.reasoning); // prettier-ignore
  const param = reasoning ? "reasoning.effort" : "reasoning_effort";
  const effort = reasoning ? reasoning.effort : b.reasoning_effort;
  if (effort === undefined || effort === null) return undefined;
  if (!EFFORTS.includes(effort as (typeof EFFORTS)[number])) throw invalidValue(param, effort, EFFORTS);
  return effort === "none" ? false : (effort as "low" | "medium" | "high");
}

/**
 * A `/v1/chat/completions` body.
 *
 * @throws {OpenAIRequestError} 400 naming the field at fault (`model is required`,
 *   `[] is too short - 'messages'`, `Invalid type for 'seed': ...`).
 */
export function chatRequest(body: unknown): OpenAIRequest {
  const { b, model } = common(body);
  const messages = chatMessages(b.messages);
  const { generation, stream, includeUsage, maxTokensParam } = sampling(b, "max_completion_tokens");
  if (b.logprobs === true) throw unsupported("logprobs", "is not served: the network returns no log probabilities"); // prettier-ignore
  const format = formatOf(b.response_format);
  const tools = toolsOf(b.tools);
  const think = thinkOf(b);
  return {
    generation: { model, messages, ...generation, ...(format !== undefined ? { format } : {}), ...(tools ? { tools } : {}), ...(think !== undefined ? { think } : {}) }, // prettier-ignore
    stream,
    includeUsage,
    maxTokensParam,
  };
}

/**
 * A `/v1/completions` body: `prompt` a string or a list of one string (`""` is taken: Ollama answers
 * it with an empty text, and so does the gateway, placing no job); `suffix` and `echo` are refused.
 *
 * @throws {OpenAIRequestError} 400 naming the field at fault.
 */
export function completionRequest(body: unknown): OpenAIRequest {
  const { b, model } = common(body);
  let prompt = b.prompt ?? "";
  if (Array.isArray(prompt)) {
    if (prompt.length > 1) throw unsupported("prompt", "as a list of more than one prompt: send one request per prompt"); // prettier-ignore
    prompt = prompt.length === 0 ? "" : prompt[0];
  }
  if (typeof prompt !== "string") throw invalidType(Array.isArray(b.prompt) ? "prompt[0]" : "prompt", "a string", prompt); // prettier-ignore
  if (b.suffix !== undefined && b.suffix !== null && b.suffix !== "") throw unsupported("suffix", "is not served: the network's jobs take one prompt"); // prettier-ignore
  if (b.echo === true) throw unsupported("echo", "is not served");
  if (b.logprobs !== undefined && b.logprobs !== null && b.logprobs !== 0) throw unsupported("logprobs", "is not served: the network returns no log probabilities"); // prettier-ignore
  const { generation, stream, includeUsage, maxTokensParam } = sampling(b, "max_tokens");
  return { generation: { model, prompt, ...generation }, stream, includeUsage, maxTokensParam };
}
