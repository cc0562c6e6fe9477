/**
 * OpenAI chat messages and tools → the gateway's {@link ChatMessage}s and {@link ToolDefinition}s,
 * as Ollama's `/v1/chat/completions` converts them: `content` a string or a list of parts (`text`
 * parts joined by a newline, `image_url` parts as base64 data URLs → the message's `images`), the
 * `developer` role as `system`, an assistant's `tool_calls` with their JSON `arguments` parsed, a
 * `tool` message named by `name` or by the `tool_call_id` of an earlier call.
 */
import type { ChatMessage, ToolCall, ToolDefinition } from "../backends/backend.js";
import { OpenAIRequestError } from "./openai-errors.js";
import { invalidType, invalidValue, missing, object, string, type JsonObject } from "./openai-fields.js";

const ROLES = ["system", "developer", "user", "assistant", "tool"] as const;
/** `data:image/<png|jpeg|jpg|webp>;base64,` or Ollama's bare `data:;base64,`. */
const DATA_URL = /^data:(?:image\/(?:png|jpe?g|webp))?;base64,([A-Za-z0-9+/]*={0,2})$/;

/** An image part's URL → its base64. @throws {OpenAIRequestError} for anything but a base64 data URL. */
function imageOf(param: string, part: JsonObject): string {
  const ref = part.image_url;
  const url = typeof ref === "string" ? ref : string(`${param}.image_url.url`, object(`${param}.image_url`, ref).url); // prettier-ignore
  const m = DATA_URL.exec(url);
  if (!m) throw new OpenAIRequestError("invalid image input: only base64 data URLs (data:image/png;base64,...) are taken", `${param}.image_url.url`, "invalid_value"); // prettier-ignore
  return m[1]!;
}

/** A message's `content` → its text and images. */
function contentOf(param: string, v: unknown): { text: string; images: string[] } {
  if (typeof v === "string") return { text: v, images: [] };
  if (v === null || v === undefined) return { text: "", images: [] };
  if (!Array.isArray(v)) throw invalidType(param, "one of a string or array of objects", v);
  const texts: string[] = [];
  const images: string[] = [];
  v.forEach((p, i) => {
    const part = object(`${param}[${i}]`, p);
    if (part.type === "text") texts.push(string(`${param}[${i}].text`, part.text));
    else if (part.type === "image_url") images.push(imageOf(`${param}[${i}]`, part));
    else throw invalidValue(`${param}[${i}].type`, part.type, ["text", "image_url"]);
  });
  return { text: texts.join("\n"), images };
}

/** An assistant's `tool_calls` → Ollama's (arguments parsed). @throws {OpenAIRequestError}. */
function toolCallsOf(param: string, v: unknown): { ids: string[]; calls: ToolCall[] } {
  if (!Array.isArray(v)) throw invalidType(param, "an array", v);
  const ids: string[] = [];
  const calls = v.map((c, i) => {
    const call = object(`${param}[${i}]`, c);
    const fn = object(`${param}[${i}].function`, call.function);
    const name = string(`${param}[${i}].function.name`, fn.name);
    let args: unknown;
    try {
      args = JSON.parse(string(`${param}[${i}].function.arguments`, fn.arguments));
    } catch (cause) {
      if (cause instanceof OpenAIRequestError) throw cause;
      args = undefined;
    }
    if (typeof args !== "object" || args === null || Array.isArray(args))
      throw new OpenAIRequestError("invalid tool call arguments", `${param}[${i}].function.arguments`, "invalid_value"); // prettier-ignore
    ids.push(typeof call.id === "string" ? call.id : "");
    return { function: { name, arguments: args as Record<string, unknown> } };
  });
  return { ids, calls };
}

/**
 * `messages` → the gateway's chat messages.
 *
 * @throws {OpenAIRequestError} when absent, empty, or a message is malformed (its field named).
 */
export function chatMessages(v: unknown): ChatMessage[] {
  if (v === undefined || v === null) throw missing("messages");
  if (!Array.isArray(v)) throw invalidType("messages", "an array", v);
  if (v.length === 0) throw new OpenAIRequestError("[] is too short - 'messages'", "messages", "empty_array");
  const callNames = new Map<string, string>();
  return v.map((m, i): ChatMessage => {
    const msg = object(`messages[${i}]`, m);
    if (msg.role === undefined) throw missing(`messages[${i}].role`);
    if (!ROLES.includes(msg.role as (typeof ROLES)[number])) throw invalidValue(`messages[${i}].role`, msg.role, ROLES); // prettier-ignore
    const role = msg.role === "developer" ? "system" : (msg.role as ChatMessage["role"]);
    const { text, images } = contentOf(`messages[${i}].content`, msg.content);
    const out: ChatMessage = { role, content: text, ...(images.length > 0 ? { images } : {}) };
    if (role === "assistant" && msg.tool_calls !== undefined && msg.tool_calls !== null) {
      const { ids, calls } = toolCallsOf(`messages[${i}].tool_calls`, msg.tool_calls);
      ids.forEach((id, k) => id && callNames.set(id, calls[k]!.function.name));
      if (calls.length > 0) out.tool_calls = calls;
    }
    if (role === "tool") {
      const name = typeof msg.name === "string" && msg.name ? msg.name : callNames.get(String(msg.tool_call_id ?? "")); // prettier-ignore
      if (name) out.tool_name = name;
    }
    return out;
  });
}

/** `tools` → tool definitions; undefined when absent. @throws {OpenAIRequestError}. */
export function toolsOf(v: unknown): ToolDefinition[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw invalidType("tools", "an array", v);
  return v.map((t, i) => {
    const tool = object(`tools[${i}]`, t);
    if (tool.type !== "function") throw invalidValue(`tools[${i}].type`, tool.type, ["function"]);
    const fn = object(`tools[${i}].function`, tool.function);
    const name = string(`tools[${i}].function.name`, fn.name);
    const description = fn.description === undefined ? undefined : string(`tools[${i}].function.description`, fn.description); // prettier-ignore
    const parameters = fn.parameters === undefined ? undefined : object(`tools[${i}].function.parameters`, fn.parameters); // prettier-ignore
    return { type: "function", function: { name, ...(description !== undefined ? { description } : {}), ...(parameters ? { parameters } : {}) } }; // prettier-ignore
  });
}
