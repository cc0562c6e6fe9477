/**
 * Checking an Ollama `/api/generate` or `/api/chat` body before any job exists, with Ollama's statuses
 * and `{"error": ...}` wording: a body Ollama would refuse is refused here, so nothing is signed or
 * paid for it. Type errors are worded as Ollama's (Go's `encoding/json`) are, e.g. `json: cannot
 * unmarshal number into Go struct field GenerateRequest.prompt of type string`; a missing model is
 * 400 `model is required`; an option of the wrong type 400 `option "num_predict" must be of type
 * integer`; a `format` neither `"json"` nor an object 400 `invalid format: ...`; a capability the model
 * lacks 400 `"<model>" does not support vision` (also `tools`, `thinking`).
 *
 * Accepted and ignored (documented differences): `keep_alive` (providers keep their own models
 * loaded), `raw`, `template`, `context`, `suffix`; `options.temperature` (the job fixes 0, so a
 * re-execution reproduces the answer). `options.seed` and `options.num_predict` become the job's seed
 * and token limit; the other options go to the provider's runtime as given.
 */
import type { ChatMessage, GenerationOptions, ToolDefinition } from "../backends/backend.js";
import { HttpError } from "../shared/http.js";
import type { GenerationRequest } from "./generation.js";
import type { Capability } from "./models.js";

/** A 400 with Ollama's error text. */
const bad = (message: string) => new HttpError(400, "bad_request", message);

/** Go's name of a JSON value's type, as `encoding/json` words it. */
function jsonType(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  return typeof v === "object" ? "object" : typeof v === "boolean" ? "bool" : String(typeof v);
}

/** Go's unmarshal error for `field` of `struct` (a Go type name such as `string`, `[]string`). */
function typeError(struct: string, field: string, value: unknown, goType: string): HttpError {
  return bad(`json: cannot unmarshal ${jsonType(value)} into Go struct field ${struct}.${field} of type ${goType}`); // prettier-ignore
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A string field (absent or null is allowed). @throws {HttpError} 400 otherwise. */
function optString(body: Record<string, unknown>, struct: string, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw typeError(struct, field, v, "string");
  return v;
}

/** A list of strings (images). @throws {HttpError} 400 otherwise. */
function optImages(value: unknown, struct: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw typeError(struct, "images", value, "[]api.ImageData");
  for (const i of value) if (typeof i !== "string") throw typeError(struct, "images", i, "api.ImageData");
  return value as string[];
}

/** Options whose Go type is an integer, as Ollama's `api.Options` declares them. */
const INTEGER_OPTIONS = new Set(["num_predict", "seed", "num_ctx", "num_batch", "num_gpu", "main_gpu", "num_thread", "num_keep", "top_k", "repeat_last_n"]); // prettier-ignore
/** Options whose Go type is a float. */
const FLOAT_OPTIONS = new Set(["temperature", "top_p", "min_p", "typical_p", "repeat_penalty", "presence_penalty", "frequency_penalty"]); // prettier-ignore

/** `options`, type-checked as Ollama's `Options.FromMap`. @throws {HttpError} 400. */
function checkOptions(value: unknown, struct: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw typeError(struct, "options", value, "map[string]interface {}");
  for (const [key, v] of Object.entries(value)) {
    if (v === null) continue;
    if (INTEGER_OPTIONS.has(key) && typeof v !== "number") throw bad(`option "${key}" must be of type integer`); // prettier-ignore
    if (FLOAT_OPTIONS.has(key) && typeof v !== "number") throw bad(`option "${key}" must be of type float32`); // prettier-ignore
    if (key === "stop" && !(Array.isArray(v) && v.every((s) => typeof s === "string")))
      throw bad(`option "stop" must be of type array`);
  }
  return value;
}

/** `format`: `"json"`, a JSON schema object, or unset (`""`, null). @throws {HttpError} 400. */
function checkFormat(value: unknown): GenerationOptions["format"] {
  if (value === undefined || value === null || value === "") return undefined;
  if (value === "json" || isObject(value)) return value as GenerationOptions["format"];
  throw bad(`invalid format: ${JSON.stringify(value)}; expected "json" or a valid JSON Schema object`);
}

/** `think`: a boolean or a level. @throws {HttpError} 400. */
function checkThink(value: unknown): GenerationOptions["think"] {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "boolean" || value === "low" || value === "medium" || value === "high") return value;
  throw bad(`invalid think value: ${JSON.stringify(value)} (must be "true", "false", "high", "medium", or "low")`); // prettier-ignore
}

/** `tools`: a list of `{ type: "function", function: { name, ... } }`. @throws {HttpError} 400. */
function checkTools(value: unknown): ToolDefinition[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw typeError("ChatRequest", "tools", value, "api.Tools");
  for (const t of value) {
    if (!isObject(t)) throw typeError("ChatRequest", "tools", t, "api.Tool");
    const fn = t.function;
    if (!isObject(fn) || typeof fn.name !== "string" || fn.name === "")
      throw bad("invalid tool: each tool needs function.name (a string)");
  }
  return value.length > 0 ? (value as ToolDefinition[]) : undefined;
}

const ROLES = new Set(["system", "user", "assistant", "tool"]);

/** One chat message. @throws {HttpError} 400. */
function checkMessage(m: unknown, i: number): ChatMessage {
  if (!isObject(m)) throw typeError("ChatRequest", "messages", m, "api.Message");
  const role = m.role;
  if (typeof role !== "string") throw typeError("Message", "messages.role", role, "string");
  if (!ROLES.has(role)) throw bad(`invalid role "${role}" in message ${i}: must be one of system, user, assistant, tool`); // prettier-ignore
  const content = m.content ?? "";
  if (typeof content !== "string") throw typeError("Message", "messages.content", content, "string");
  const images = optImages(m.images, "Message.messages");
  const toolCalls = m.tool_calls ?? undefined;
  if (toolCalls !== undefined && !Array.isArray(toolCalls))
    throw typeError("Message", "messages.tool_calls", toolCalls, "[]api.ToolCall");
  const toolName = optString(m, "Message", "tool_name");
  return {
    role: role as ChatMessage["role"],
    content,
    ...(images && images.length > 0 ? { images } : {}),
    ...(toolCalls && toolCalls.length > 0 ? { tool_calls: toolCalls as ChatMessage["tool_calls"] } : {}),
    ...(toolName ? { tool_name: toolName } : {}),
  };
}

/** A checked Ollama body: the generation it asks for, and whether it only asks to load the model. */
export interface OllamaRequest {
  /** The API-neutral request (the job's payload is built from it). */
  request: GenerationRequest;
  /** Whether the answer is streamed (Ollama's default) or one JSON object (`stream: false`). */
  stream: boolean;
  /**
   * An empty prompt (`/api/generate`) or no messages (`/api/chat`): Ollama only loads the model and
   * answers `done_reason: "load"`; the gateway answers the same without a job.
   */
  load: boolean;
  /** The capabilities the request needs of its model (`completion`, and `vision`, `tools`, `thinking` as asked). */
  needs: Capability[];
}

/**
 * Checks an Ollama body (see the module's description) and builds its {@link GenerationRequest}.
 *
 * @param chat `/api/chat` (else `/api/generate`).
 * @throws {HttpError} 400 with Ollama's wording when a field is missing or of the wrong type.
 */
export function checkOllamaBody(body: unknown, chat: boolean): OllamaRequest {
  const struct = chat ? "ChatRequest" : "GenerateRequest";
  if (!isObject(body))
    throw bad(`json: cannot unmarshal ${jsonType(body)} into Go value of type api.${struct}`);
  const model = optString(body, struct, "model");
  if (!model) throw bad("model is required");
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== "boolean")
    throw typeError(struct, "stream", body.stream, "bool");
  for (const f of ["system", "template", "suffix"]) optString(body, struct, f);
  const options = checkOptions(body.options, struct);
  const format = checkFormat(body.format);
  const think = checkThink(body.think);
  const { seed, num_predict: numPredict, temperature: _t, ...rest } = options;
  let messages: ChatMessage[] | undefined;
  let prompt: string | undefined;
  let images: string[] | undefined;
  let tools: ToolDefinition[] | undefined;
  if (chat) {
    const list = body.messages ?? [];
    if (!Array.isArray(list)) throw typeError(struct, "messages", list, "[]api.Message");
    messages = list.map(checkMessage);
    tools = checkTools(body.tools);
  } else {
    prompt = optString(body, struct, "prompt") ?? "";
    images = optImages(body.images, struct);
    if (images?.length === 0) images = undefined;
  }
  const needs: Capability[] = ["completion"];
  if (images || messages?.some((m) => m.images)) needs.push("vision");
  if (tools) needs.push("tools");
  if (think !== undefined && think !== false) needs.push("thinking");
  const request: GenerationRequest = {
    model,
    ...(chat ? { messages } : { prompt }),
    ...(typeof seed === "number" ? { seed: Math.trunc(seed) } : {}),
    ...(typeof numPredict === "number" && numPredict >= 1 ? { maxTokens: Math.trunc(numPredict) } : {}),
    ...(format !== undefined ? { format } : {}),
    ...(Object.keys(rest).length > 0 ? { options: rest } : {}),
    ...(think !== undefined ? { think } : {}),
    ...(tools ? { tools } : {}),
    ...(images ? { images } : {}),
  };
  return { request, stream: body.stream !== false, load: chat ? messages!.length === 0 : prompt === "", needs }; // prettier-ignore
}
