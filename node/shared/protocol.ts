/**
 * What travels off-chain between gateway, coordinator and miners. A job's prompt is never on-chain:
 * the escrow stores `promptHash = keccak256(canonical JSON of the payload)` and the payload goes
 * through the coordinator's relay, where the miner fetches it and checks the hash; the output goes
 * back the same way and is checked against the `outputHash` of `ResultSubmitted`.
 */
import { keccak256, stringToHex } from "viem";

import type { Hex } from "@aitbc/sdk";
import type { ChatMessage } from "../backends/backend.js";

export interface JobPayload {
  /** Model name (as served by the miners' runtime). */
  model: string;
  prompt?: string;
  messages?: ChatMessage[];
  seed: number;
  /** Makes two identical requests two distinct payloads (the gateway sets a random nonce). */
  nonce: string;
}

/** Canonical JSON (fixed key order, undefined fields dropped). */
export function canonicalPayload(p: JobPayload): string {
  return JSON.stringify({
    model: p.model,
    ...(p.prompt !== undefined ? { prompt: p.prompt } : {}),
    ...(p.messages !== undefined
      ? { messages: p.messages.map((m) => ({ role: m.role, content: m.content })) }
      : {}),
    seed: p.seed,
    nonce: p.nonce,
  });
}

export function payloadHash(p: JobPayload): Hex {
  return keccak256(stringToHex(canonicalPayload(p)));
}

export function outputHash(output: string): Hex {
  return keccak256(stringToHex(output));
}
