/**
 * {@link BuiltinBackend}: the SDK's built-in topic classifier, which needs no GPU and comes with a full
 * Groth16 proof of inference. Its answer is one token (the label), streamed as soon as it is known.
 */
import {
  BUILTIN_MODEL,
  modelDigest as builtinDigest,
  buildInferenceInput,
  proveInference,
  type InferenceProof,
  type Hex,
} from "@aitbc/sdk";
import { EmbeddingUnsupportedError, UnknownModelError } from "./errors.js";
import type { EmbeddingRequest, EmbeddingResult, InferenceBackend, InferenceRequest, InferenceResult, ModelInfo } from "./types.js"; // prettier-ignore

/** The name under which the built-in model is served. */
export const BUILTIN_MODEL_NAME = "aitbc-topic:builtin";

/** bytes32 digest of the built-in model (the Poseidon field element, as the circuit binds it). */
export const BUILTIN_DIGEST: Hex = `0x${builtinDigest(BUILTIN_MODEL).toString(16).padStart(64, "0")}`;

/** The SDK's built-in topic classifier with its full proof of inference. */
export class BuiltinBackend implements InferenceBackend {
  readonly kind = "builtin" as const;
  constructor(private readonly options: { prove?: boolean } = {}) {}

  async listModels(): Promise<ModelInfo[]> {
    return [{ name: BUILTIN_MODEL_NAME, digest: BUILTIN_DIGEST }];
  }

  async modelDigest(model: string): Promise<Hex> {
    if (model !== BUILTIN_MODEL_NAME) throw new UnknownModelError(model, "builtin");
    return BUILTIN_DIGEST;
  }

  async infer(request: InferenceRequest): Promise<InferenceResult> {
    await this.modelDigest(request.model);
    const text = request.messages
      ? request.messages
          .filter((m) => m.role === "user")
          .map((m) => m.content)
          .join("\n")
      : (request.prompt ?? "");
    const input = request.payload ?? text;
    const started = performance.now();
    let label: string;
    let inferenceProof: InferenceProof | undefined;
    if (this.options.prove === false) {
      label = buildInferenceInput(input, { jobKey: request.jobKey ?? 0n }).label;
    } else {
      inferenceProof = await proveInference(input, { jobKey: request.jobKey ?? 0n });
      label = inferenceProof.label;
    }
    request.onToken?.(label);
    return {
      output: label,
      tokenCount: 1,
      promptTokens: text.split(/\s+/).filter(Boolean).length,
      modelDigest: BUILTIN_DIGEST,
      durationMs: performance.now() - started,
      ...(inferenceProof ? { inferenceProof } : {}),
    };
  }

  /**
   * The built-in classifier has no embeddings.
   * @throws {UnknownModelError} for another model; {EmbeddingUnsupportedError} always otherwise.
   */
  async embed(request: EmbeddingRequest): Promise<EmbeddingResult> {
    await this.modelDigest(request.model);
    throw new EmbeddingUnsupportedError(request.model, "the built-in topic classifier only labels text");
  }
}
