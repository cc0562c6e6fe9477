/**
 * Inference backends behind one interface ({@link InferenceBackend}):
 * - {@link OllamaBackend} (`ollama.ts`): a real Ollama runtime through its streaming HTTP API;
 * - {@link BuiltinBackend} (`builtin.ts`): the SDK's built-in topic classifier with a full proof of inference.
 *
 * Both pass the answer's text to `request.onToken` as it is generated. This file is the folder's entry.
 */
import { keccak256, stringToHex } from "viem";

import type { Hex } from "@aitbc/sdk";

export * from "./types.js";
export * from "./errors.js";
export * from "./ollama.js";
export * from "./builtin.js";

/** keccak256 of the UTF-8 text (prompt and output hashes of the protocol). */
export function textHash(text: string): Hex {
  return keccak256(stringToHex(text));
}
