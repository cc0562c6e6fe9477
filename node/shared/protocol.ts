/**
 * What travels off-chain between gateway, coordinator and miners. A job's prompt is never on-chain:
 * the escrow stores `promptHash = keccak256(canonical JSON of the payload)` and the payload goes
 * through the coordinator's relay, where the miner fetches it and checks the hash; the output goes
 * back the same way and is checked against the `outputHash` of `ResultSubmitted`.
 */
import { keccak256, stringToHex } from "viem";

import type { Hex } from "@aitbc/sdk";
import type { ChatMessage, GenerationOptions } from "../backends/backend.js";

/**
 * A generation job's payload. The optional {@link GenerationOptions} fields (`format`, `options`,
 * `think`, `tools`, `images`) are in the canonical JSON only when set, so a payload without them
 * hashes exactly as before they existed.
 */
export interface JobPayload extends GenerationOptions {
  /** Model name (as served by the miners' runtime). */
  model: string;
  prompt?: string;
  messages?: ChatMessage[];
  seed: number;
  /** Makes two identical requests two distinct payloads (the gateway sets a random nonce). */
  nonce: string;
}

/** A chat message in canonical form: `role`, `content`, then `images`, `tool_calls`, `tool_name` when set. */
function canonicalMessage(m: ChatMessage): ChatMessage {
  return {
    role: m.role,
    content: m.content,
    ...(m.images !== undefined ? { images: m.images } : {}),
    ...(m.tool_calls !== undefined ? { tool_calls: m.tool_calls } : {}),
    ...(m.tool_name !== undefined ? { tool_name: m.tool_name } : {}),
  };
}

/** Canonical JSON (fixed key order, undefined fields dropped; nested objects as given, in their key order). */
export function canonicalPayload(p: JobPayload): string {
  return JSON.stringify({
    model: p.model,
    ...(p.prompt !== undefined ? { prompt: p.prompt } : {}),
    ...(p.messages !== undefined ? { messages: p.messages.map(canonicalMessage) } : {}),
    seed: p.seed,
    nonce: p.nonce,
    ...(p.images !== undefined ? { images: p.images } : {}),
    ...(p.format !== undefined ? { format: p.format } : {}),
    ...(p.options !== undefined ? { options: p.options } : {}),
    ...(p.think !== undefined ? { think: p.think } : {}),
    ...(p.tools !== undefined ? { tools: p.tools } : {}),
  });
}

export function payloadHash(p: JobPayload): Hex {
  return keccak256(stringToHex(canonicalPayload(p)));
}

export function outputHash(output: string): Hex {
  return keccak256(stringToHex(output));
}
