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

/**
 * An embedding job's payload (`/api/embed`, `/api/embeddings`, `/v1/embeddings`): the vectors of each
 * `input` text. Its canonical JSON starts with `"kind":"embed"`, which no generation payload has, so
 * the two kinds are never confused and generation payloads hash exactly as before this kind existed.
 */
export interface EmbedPayload {
  kind: "embed";
  /** Model name (as served by the miners' runtime). */
  model: string;
  /** The texts to embed, one vector each, in order (never empty: an empty input places no job). */
  input: string[];
  /** Ollama's `truncate` (runtime default `true`); `false`: an input over the context length fails. */
  truncate?: boolean;
  /** Ollama's `dimensions`: vectors cut to this many values and re-normalized. */
  dimensions?: number;
  /** Runtime options (Ollama's `options`, e.g. `num_ctx`). */
  options?: Record<string, unknown>;
  /** Makes two identical requests two distinct payloads (the gateway sets a random nonce). */
  nonce: string;
}

/** Any job's payload: a generation ({@link JobPayload}) or an embedding ({@link EmbedPayload}). */
export type AnyPayload = JobPayload | EmbedPayload;

/** Whether `p` is an embedding job's payload (`kind: "embed"`). */
export function isEmbedPayload(p: AnyPayload): p is EmbedPayload {
  return (p as { kind?: unknown }).kind === "embed";
}

/** Canonical JSON of an embedding payload: `kind`, `model`, `input`, then `truncate`, `dimensions`, `options` when set, `nonce`. */
function canonicalEmbedPayload(p: EmbedPayload): string {
  return JSON.stringify({
    kind: "embed",
    model: p.model,
    input: p.input,
    ...(p.truncate !== undefined ? { truncate: p.truncate } : {}),
    ...(p.dimensions !== undefined ? { dimensions: p.dimensions } : {}),
    ...(p.options !== undefined ? { options: p.options } : {}),
    nonce: p.nonce,
  });
}

/**
 * Canonical JSON (fixed key order, undefined fields dropped; nested objects as given, in their key
 * order) of a generation or, with `kind: "embed"`, an embedding payload.
 */
export function canonicalPayload(p: AnyPayload): string {
  if (isEmbedPayload(p)) return canonicalEmbedPayload(p);
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

/** keccak256 of the payload's canonical JSON: the job's `promptHash`. */
export function payloadHash(p: AnyPayload): Hex {
  return keccak256(stringToHex(canonicalPayload(p)));
}

/** keccak256 of the UTF-8 output text: the job's `outputHash`. */
export function outputHash(output: string): Hex {
  return keccak256(stringToHex(output));
}

/**
 * The output text of an embedding job: the JSON of the vectors (`[[0.1,-0.2,...],...]`, one per input,
 * numbers in JavaScript's shortest round-trip form). The miner streams it in its `done` event, its
 * keccak256 ({@link outputHash}) is the receipt's `outputHash`, and the watcher re-computes it.
 *
 * @throws {TypeError} when a value is not a finite number (JSON has no NaN or Infinity).
 */
export function embeddingsOutput(embeddings: readonly (readonly number[])[]): string {
  for (const v of embeddings)
    if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isFinite(x)))
      throw new TypeError("an embedding is not a list of finite numbers");
  return JSON.stringify(embeddings);
}
