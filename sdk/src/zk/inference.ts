import { extractFeatures, packFeatures } from "../model/features.js";
import { modelDigest, packWeights, runMlp, vocabularyHash, type QuantizedMlp } from "../model/mlp.js";
import { BUILTIN_MODEL } from "../model/weights.js";
import {
  prove,
  toVerifierCalldata,
  verifyProof,
  type ArtifactOptions,
  type CircuitInput,
  type Groth16Proof,
  type VerifierCalldata,
} from "./proof.js";

/**
 * The inference circuit's three public signals, in order:
 * `[predictedClass, modelDigest, features]` (features = the 64 vocabulary counts packed 3 bits each,
 * slot i in bits 3i..3i+2).
 */
export type InferencePublicSignals = [predictedClass: bigint, modelDigest: bigint, features: bigint];

/** Everything {@link buildInferenceInput} derives. */
export interface InferenceInput {
  /** The circuit inputs (the model's packed weights are private). */
  input: CircuitInput;
  /** The public signals the proof will have. */
  publicSignals: InferencePublicSignals;
  /** The class index the model outputs. */
  predictedClass: number;
  /** Its name. */
  label: string;
  /** The model's logits (for inspection). */
  logits: number[];
}

const digests = new WeakMap<QuantizedMlp, bigint>();
/** The model digest, computed once per model object (Poseidon in JavaScript takes milliseconds). */
function cachedDigest(model: QuantizedMlp): bigint {
  let digest = digests.get(model);
  if (digest === undefined) {
    digest = modelDigest(model);
    digests.set(model, digest);
  }
  return digest;
}

/**
 * Builds the inference circuit's inputs for a prompt (or a precomputed feature vector).
 *
 * @param prompt The text, or the 64 vocabulary counts.
 * @param model The quantized model (default: the built-in model).
 * @returns Circuit inputs, public signals, and the model's output computed in TypeScript.
 * @throws {RangeError} if the model or the features are out of range.
 * @example
 * ```ts
 * buildInferenceInput("will it snow in paris tomorrow").label; // "weather"
 * ```
 */
export function buildInferenceInput(
  prompt: string | readonly number[],
  model: QuantizedMlp = BUILTIN_MODEL,
): InferenceInput {
  const features = typeof prompt === "string" ? extractFeatures(prompt, model.vocabulary) : [...prompt];
  const output = runMlp(model, features);
  const packed = packFeatures(features);
  const digest = cachedDigest(model);
  return {
    input: {
      modelDigest: digest,
      features: packed,
      vocabularyHash: vocabularyHash(model),
      weights: packWeights(model),
    },
    publicSignals: [BigInt(output.predictedClass), digest, packed],
    predictedClass: output.predictedClass,
    label: model.labels[output.predictedClass]!,
    logits: output.logits,
  };
}

/** An inference proof. */
export interface InferenceProof {
  proof: Groth16Proof;
  publicSignals: InferencePublicSignals;
  /** Arguments for `InferenceVerifier.verifyProof`. */
  calldata: VerifierCalldata;
  predictedClass: number;
  label: string;
}

/**
 * Runs the model on a prompt and proves the result (Groth16; median 0.34 s after warm-up on a
 * 2-core machine).
 *
 * @param prompt The text, or the 64 vocabulary counts.
 * @param options The model (default built-in) and artifact location. The circuit has the
 * built-in model's shape (64-8-4); other weights of that shape work, other shapes do not.
 * @returns Proof, public signals, calldata and the predicted class.
 * @throws {WitnessGenerationError} if the circuit rejects the inputs.
 * @example
 * ```ts
 * const { label, calldata } = await proveInference("is bitcoin too volatile");
 * ```
 */
export async function proveInference(
  prompt: string | readonly number[],
  options: { model?: QuantizedMlp } & ArtifactOptions = {},
): Promise<InferenceProof> {
  const built = buildInferenceInput(prompt, options.model);
  const { proof, publicSignals } = await prove("inference", built.input, options);
  return {
    proof,
    publicSignals: publicSignals as InferencePublicSignals,
    calldata: toVerifierCalldata(proof, publicSignals),
    predictedClass: built.predictedClass,
    label: built.label,
  };
}

/**
 * Verifies an inference proof off-chain: that `predictedClass` is the output, on `features`, of
 * the model with digest `digest`.
 *
 * @param proof The proof.
 * @param publicSignals `[predictedClass, modelDigest, features]`.
 * @param options Artifact location.
 * @returns `true` iff valid.
 * @throws {MalformedProofError} if the signals are malformed.
 * @example
 * ```ts
 * const ok = await verifyInference(result.proof, result.publicSignals);
 * ```
 */
export async function verifyInference(
  proof: Groth16Proof,
  publicSignals: InferencePublicSignals,
  options: ArtifactOptions = {},
): Promise<boolean> {
  return verifyProof("inference", proof, publicSignals, options);
}
