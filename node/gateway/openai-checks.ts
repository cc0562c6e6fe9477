/**
 * What a `/v1` request is checked against beyond its own fields, before any job is placed: its
 * model's capabilities (tools, vision, thinking; as Ollama refuses them) and the most tokens any
 * offer for the model takes.
 */
import type { GatewayContext } from "./context.js";
import type { GenerationRequest } from "./generation.js";
import type { Capability, ModelCatalog, NamedModel } from "./models.js";
import { OpenAIRequestError } from "./openai-errors.js";
import type { OpenAIRequest } from "./openai-request.js";

/** The request fields that need a capability, for the error's `param`. */
const NEEDS: [Capability, string, (g: GenerationRequest) => boolean][] = [
  [
    "vision",
    "messages",
    (g) => g.images !== undefined || (g.messages ?? []).some((m) => m.images !== undefined),
  ],
  ["tools", "tools", (g) => (g.tools ?? []).length > 0],
  ["thinking", "reasoning_effort", (g) => g.think !== undefined && g.think !== false],
];

/**
 * Refuses, as Ollama does, a request its model cannot serve (`"m" does not support tools`).
 *
 * @throws {OpenAIRequestError} 400 `unsupported_capability`.
 */
export function checkCapabilities(catalog: ModelCatalog, model: NamedModel, g: GenerationRequest): void {
  const caps = catalog.capabilities(model.digest);
  const missing = NEEDS.filter(([cap, , asked]) => asked(g) && !caps.includes(cap));
  if (missing.length > 0)
    throw new OpenAIRequestError(`"${g.model}" does not support ${missing.map(([c]) => c).join(" ")}`, missing[0]![1], "unsupported_capability"); // prettier-ignore
}

/**
 * Refuses a token limit above what every offer for the model takes (no provider could accept it),
 * in OpenAI's words.
 *
 * @throws {OpenAIRequestError} 400 `invalid_value` on the request's token-limit field.
 */
export async function checkTokenLimit(
  ctx: GatewayContext,
  model: NamedModel,
  request: OpenAIRequest,
  maxTokens: number,
): Promise<void> {
  const offers = await ctx.offers.candidates(model.digest);
  const most = offers.reduce((m, c) => (c.offer.maxTokens > m ? c.offer.maxTokens : m), 0n);
  if (offers.length > 0 && BigInt(maxTokens) > most)
    throw new OpenAIRequestError(`${request.maxTokensParam} is too large: ${maxTokens}. This model supports at most ${most} completion tokens, whereas you provided ${maxTokens}.`, request.maxTokensParam, "invalid_value"); // prettier-ignore
}
