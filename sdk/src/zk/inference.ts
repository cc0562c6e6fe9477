import { keccak256 } from "viem";

import { InvalidInferenceError } from "../errors/zk.js";
import { extractFeatures, packFeatures, promptBytes } from "../model/features.js";
import { modelDigest, packWeights, runMlp, vocabularyHash, type QuantizedMlp } from "../model/mlp.js";
import { BUILTIN_MODEL } from "../model/weights.js";
import { bytes32ToBigInt, toField, type Hex } from "./field.js";
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
 * The inference circuit's five public signals, in order:
 * `[predictedClass, modelDigest, features, vocabularyHash, jobKey]` — features = the 64 vocabulary
 * counts of the prompt packed 3 bits each (slot i in bits 3i..3i+2), vocabularyHash =
 * `sha256(vocabulary.join("\n")) >> 8`, jobKey = the job the proof is for (the escrow's job id, or
 * `uint256(requestDigest) >> 8` for a batch job, see `batchJobKey`).
 */
export type InferencePublicSignals = [
  predictedClass: bigint,
  modelDigest: bigint,
  features: bigint,
  vocabularyHash: bigint,
  jobKey: bigint,
];

/** Number of public signals of the inference circuit. */
export const INFERENCE_PUBLIC_SIGNALS = 5;

/**
 * A prompt for the built-in model: the exact prompt payload (a string, taken as its UTF-8 bytes, or
 * the bytes) whose keccak256 is the job's prompt hash — or, for tests and tooling only, the 64
 * vocabulary counts directly.
 */
export type InferencePrompt = string | Uint8Array | readonly number[];

/** Options of {@link buildInferenceInput} and {@link proveInference}. */
export interface InferenceOptions {
  /** The job the proof is for (a field element): the job id, or `batchJobKey(requestDigest)`. */
  jobKey: bigint;
  /** The quantized model (default: the built-in model). */
  model?: QuantizedMlp;
}

/** Everything {@link buildInferenceInput} derives. */
export interface InferenceInput {
  /** The circuit inputs (the model's packed weights are private). */
  input: CircuitInput;
  /** The public signals the proof will have. */
  publicSignals: InferencePublicSignals;
  /** The class index the model outputs. */
  predictedClass: number;
  /** Its name (the output text of a built-in job). */
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

function features(prompt: InferencePrompt, model: QuantizedMlp): number[] {
  return typeof prompt === "string" || prompt instanceof Uint8Array
    ? extractFeatures(prompt, model.vocabulary)
    : [...prompt];
}

/**
 * Builds the inference circuit's inputs for a job's prompt.
 *
 * @param prompt The prompt payload (string or bytes; see {@link InferencePrompt}).
 * @param options `jobKey` (required) and the model (default: the built-in model).
 * @returns Circuit inputs, public signals, and the model's output computed in TypeScript.
 * @throws {RangeError} if the model or the features are out of range.
 * @throws {FieldElementOutOfRangeError} if `jobKey` is not a field element.
 * @example
 * ```ts
 * buildInferenceInput("will it snow in paris tomorrow", { jobKey: 7n }).label; // "weather"
 * ```
 */
export function buildInferenceInput(prompt: InferencePrompt, options: InferenceOptions): InferenceInput {
  const model = options.model ?? BUILTIN_MODEL;
  const jobKey = toField(options.jobKey, "jobKey");
  const counts = features(prompt, model);
  const output = runMlp(model, counts);
  const packed = packFeatures(counts);
  const digest = cachedDigest(model);
  const vocabulary = vocabularyHash(model);
  return {
    input: {
      modelDigest: digest,
      features: packed,
      vocabularyHash: vocabulary,
      jobKey,
      weights: packWeights(model),
    },
    publicSignals: [BigInt(output.predictedClass), digest, packed, vocabulary, jobKey],
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
 * Runs the model on a job's prompt and proves the result for that job (Groth16; about 0.35 s after
 * warm-up on a 2-core machine).
 *
 * @param prompt The prompt payload (string or bytes; see {@link InferencePrompt}).
 * @param options `jobKey` (required), the model (default built-in) and artifact location. The
 * circuit has the built-in model's shape (64-8-4); other weights of that shape work, other shapes
 * do not.
 * @returns Proof, public signals, calldata and the predicted class.
 * @throws {WitnessGenerationError} if the circuit rejects the inputs.
 * @example
 * ```ts
 * const { label, calldata } = await proveInference(payload, { jobKey: jobId });
 * ```
 */
export async function proveInference(
  prompt: InferencePrompt,
  options: InferenceOptions & ArtifactOptions,
): Promise<InferenceProof> {
  const built = buildInferenceInput(prompt, options);
  const { proof, publicSignals } = await prove("inference", built.input, options);
  return {
    proof,
    publicSignals: publicSignals as InferencePublicSignals,
    calldata: toVerifierCalldata(proof, publicSignals),
    predictedClass: built.predictedClass,
    label: built.label,
  };
}

/** What {@link verifyInference} checks a proof against: everything except the claimed class. */
export interface InferenceExpectation {
  /** The job's prompt payload (string or bytes), e.g. fetched and checked against its prompt hash. */
  prompt: string | Uint8Array;
  /** The model digest the job requires (bytes32 or field element), e.g. `IInferenceChecker.modelDigest()`. */
  modelDigest: Hex | bigint;
  /** The job the proof must be for. */
  jobKey: bigint;
  /** The model whose vocabulary defines the features (default: the built-in model). */
  model?: QuantizedMlp;
  /** If given, the proof's class must also be this one (e.g. the index of the submitted label). */
  predictedClass?: number;
  /** If given, `keccak256(prompt bytes)` must equal it (the job's on-chain prompt hash), as the checker requires. */
  promptHash?: Hex;
}

/**
 * Verifies an inference proof off-chain for a given job: the features and the vocabulary hash are
 * RECOMPUTED from the prompt and the model's vocabulary, the model digest and job key are the
 * expected ones, and only the predicted class is taken from the proof — so a proof made for
 * another prompt, another job or another model does not verify.
 *
 * @param proof The proof with the public signals the prover claims (only the class is used).
 * @param expected The prompt, expected model digest and job key (see {@link InferenceExpectation}).
 * @param options Artifact location.
 * @returns `true` iff the proof shows that its class is the expected model's output on this prompt,
 * for this job (and, if `promptHash` is given, the prompt is the one it commits to).
 * @throws {InvalidInferenceError} if the expectation is malformed (digest not bytes32 or not a field
 * element, job key not a field element, prompt hash not bytes32); {MalformedProofError} if the
 * proof's signals are.
 * @example
 * ```ts
 * const ok = await verifyInference(result, { prompt: payload, modelDigest: BUILTIN_DIGEST, jobKey: jobId });
 * ```
 */
export async function verifyInference(
  proof: Pick<InferenceProof, "proof"> & { publicSignals: readonly bigint[] },
  expected: InferenceExpectation,
  options: ArtifactOptions = {},
): Promise<boolean> {
  const model = expected.model ?? BUILTIN_MODEL;
  let digest: bigint;
  let jobKey: bigint;
  try {
    digest = toField(
      typeof expected.modelDigest === "bigint"
        ? expected.modelDigest
        : bytes32ToBigInt(expected.modelDigest, "modelDigest"),
      "modelDigest",
    );
    jobKey = toField(expected.jobKey, "jobKey");
  } catch (cause) {
    throw new InvalidInferenceError("the expected model digest or job key is not a field element", cause);
  }
  if (expected.promptHash !== undefined) {
    const actual = BigInt(keccak256(promptBytes(expected.prompt)));
    let wanted: bigint;
    try {
      wanted = bytes32ToBigInt(expected.promptHash, "promptHash");
    } catch (cause) {
      throw new InvalidInferenceError("the expected prompt hash is not bytes32", cause);
    }
    if (actual !== wanted) return false;
  }
  const claimedClass = proof.publicSignals[0];
  if (claimedClass === undefined || claimedClass < 0n || claimedClass >= BigInt(model.nOut)) return false;
  if (expected.predictedClass !== undefined && BigInt(expected.predictedClass) !== claimedClass) return false;
  const signals: InferencePublicSignals = [
    claimedClass,
    digest,
    packFeatures(extractFeatures(expected.prompt, model.vocabulary)),
    vocabularyHash(model),
    jobKey,
  ];
  return verifyProof("inference", proof.proof, signals, options);
}
