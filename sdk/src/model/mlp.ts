import {
  poseidon2,
  poseidon3,
  poseidon4,
  poseidon5,
  poseidon6,
  poseidon7,
  poseidon8,
  poseidon9,
  poseidon10,
  poseidon11,
  poseidon12,
  poseidon13,
  poseidon14,
  poseidon15,
  poseidon16,
} from "poseidon-lite";

import { sha256, stringToBytes } from "viem";

import { FEATURE_MAX_COUNT, FEATURE_SLOTS } from "./features.js";

/**
 * A quantized two-layer perceptron, exactly as the inference circuit evaluates it:
 *
 * ```
 * z[j]  = b1[j] + sum_i w1[j][i] * x[i]            (x = vocabulary counts, 0..7)
 * h[j]  = z[j] >= 0 ? floor(z[j] / 2^shift) : 0    (ReLU, then a right shift)
 * y[k]  = b2[k] + sum_j w2[k][j] * h[j]            (logits)
 * class = the smallest k with y[k] maximal
 * ```
 *
 * Every weight and bias is a signed 8-bit integer (-128..127).
 */
export interface QuantizedMlp {
  /** Format version, part of the model digest's domain tag. */
  version: number;
  /** Input width (must equal {@link FEATURE_SLOTS}). */
  nIn: number;
  /** Hidden width. */
  nHidden: number;
  /** Number of classes. */
  nOut: number;
  /** Right shift applied after the hidden ReLU. */
  shift: number;
  /** Hidden weights, `nHidden` rows of `nIn`. */
  w1: number[][];
  /** Hidden biases, `nHidden`. */
  b1: number[];
  /** Output weights, `nOut` rows of `nHidden`. */
  w2: number[][];
  /** Output biases, `nOut`. */
  b2: number[];
  /** Class names, `nOut`. */
  labels: string[];
  /** The {@link FEATURE_SLOTS} vocabulary words; slot i counts `vocabulary[i]`. */
  vocabulary: string[];
}

/** Bits per weight in the packed weight words. */
export const WEIGHT_BITS = 8;
/** Offset added to a signed weight before packing (so encoded values are 0..255). */
export const WEIGHT_OFFSET = 1 << (WEIGHT_BITS - 1);
/** Weights per packed 248-bit word. */
export const WEIGHTS_PER_WORD = 31;
/** |z| < 2^HIDDEN_BITS for every input: the hidden pre-activations' range-check width. */
export const HIDDEN_BITS = 16;

/** Result of {@link runMlp}. */
export interface MlpOutput {
  /** Hidden activations after ReLU and shift. */
  hidden: number[];
  /** Output logits. */
  logits: number[];
  /** Index of the predicted class. */
  predictedClass: number;
}

/**
 * Runs the quantized model in integer arithmetic, bit for bit like the circuit.
 *
 * @param model The model.
 * @param features Bucket counts (from `extractFeatures`).
 * @returns Hidden activations, logits and the predicted class.
 * @throws {RangeError} if the model or the features are out of the circuit's ranges.
 * @example
 * ```ts
 * runMlp(BUILTIN_MODEL, extractFeatures("will it rain tomorrow")).predictedClass;
 * ```
 */
export function runMlp(model: QuantizedMlp, features: readonly number[]): MlpOutput {
  validateModel(model);
  if (features.length !== model.nIn) throw new RangeError(`expected ${model.nIn} features`);
  for (const x of features) {
    if (!Number.isInteger(x) || x < 0 || x > FEATURE_MAX_COUNT) {
      throw new RangeError(`feature ${x} is not in 0..${FEATURE_MAX_COUNT}`);
    }
  }
  const hidden = model.w1.map((row, j) => {
    let z = model.b1[j]!;
    for (let i = 0; i < model.nIn; i++) z += row[i]! * features[i]!;
    return z >= 0 ? Math.floor(z / 2 ** model.shift) : 0;
  });
  const logits = model.w2.map((row, k) => {
    let y = model.b2[k]!;
    for (let j = 0; j < model.nHidden; j++) y += row[j]! * hidden[j]!;
    return y;
  });
  let predictedClass = 0;
  for (let k = 1; k < logits.length; k++) {
    if (logits[k]! > logits[predictedClass]!) predictedClass = k;
  }
  return { hidden, logits, predictedClass };
}

/**
 * Checks shapes and ranges of a model (8-bit weights, input width {@link FEATURE_SLOTS}).
 *
 * @param model The model to check.
 * @throws {RangeError} describing the first problem found.
 * @example
 * ```ts
 * validateModel(BUILTIN_MODEL);
 * ```
 */
export function validateModel(model: QuantizedMlp): void {
  if (model.nIn !== FEATURE_SLOTS) throw new RangeError(`nIn must be ${FEATURE_SLOTS}`);
  if (!Number.isInteger(model.shift) || model.shift < 0 || model.shift >= HIDDEN_BITS) {
    throw new RangeError(`shift must be in 0..${HIDDEN_BITS - 1}`);
  }
  const shapeOk =
    model.w1.length === model.nHidden &&
    model.w1.every((row) => row.length === model.nIn) &&
    model.b1.length === model.nHidden &&
    model.w2.length === model.nOut &&
    model.w2.every((row) => row.length === model.nHidden) &&
    model.b2.length === model.nOut &&
    model.labels.length === model.nOut &&
    model.vocabulary.length === FEATURE_SLOTS &&
    new Set(model.vocabulary).size === FEATURE_SLOTS;
  if (!shapeOk) throw new RangeError("model arrays do not match nIn/nHidden/nOut");
  for (const w of flattenParams(model)) {
    if (!Number.isInteger(w) || w < -WEIGHT_OFFSET || w >= WEIGHT_OFFSET) {
      throw new RangeError(`weight ${w} is not a signed ${WEIGHT_BITS}-bit integer`);
    }
  }
  // |z| bound used by the circuit's ReLU range check.
  const zBound = (model.nIn * FEATURE_MAX_COUNT + 1) * WEIGHT_OFFSET;
  if (zBound >= 2 ** HIDDEN_BITS) throw new RangeError("hidden pre-activations may overflow");
}

/**
 * All parameters in circuit order: w1 row by row, b1, w2 row by row, b2.
 *
 * @param model The model.
 * @returns The signed parameters.
 * @example
 * ```ts
 * const flat = flattenParams(BUILTIN_MODEL);
 * ```
 */
export function flattenParams(model: QuantizedMlp): number[] {
  return [...model.w1.flat(), ...model.b1, ...model.w2.flat(), ...model.b2];
}

/**
 * Packs the parameters into the circuit's private `weights` words: parameter n is stored as
 * `n_value + 128` in bits 8*(n mod 31) .. 8*(n mod 31)+7 of word floor(n / 31).
 *
 * @param model The model.
 * @returns ceil(params / 31) words, each below 2^248.
 * @example
 * ```ts
 * const packed = packWeights(BUILTIN_MODEL);
 * ```
 */
export function packWeights(model: QuantizedMlp): bigint[] {
  const params = flattenParams(model);
  const words: bigint[] = [];
  for (let start = 0; start < params.length; start += WEIGHTS_PER_WORD) {
    let word = 0n;
    const chunk = params.slice(start, start + WEIGHTS_PER_WORD);
    for (let slot = chunk.length - 1; slot >= 0; slot--) {
      word = (word << BigInt(WEIGHT_BITS)) | BigInt(chunk[slot]! + WEIGHT_OFFSET);
    }
    words.push(word);
  }
  return words;
}

/**
 * Domain tag of the model digest: encodes the architecture so two shapes never share a digest.
 * `tag = version + 2^8 nIn + 2^16 nHidden + 2^24 nOut + 2^32 shift + 2^40 WEIGHT_BITS`.
 *
 * @param model The model.
 * @returns The tag as a field element.
 * @example
 * ```ts
 * const tag = modelTag(BUILTIN_MODEL);
 * ```
 */
export function modelTag(model: QuantizedMlp): bigint {
  return (
    BigInt(model.version) +
    (BigInt(model.nIn) << 8n) +
    (BigInt(model.nHidden) << 16n) +
    (BigInt(model.nOut) << 24n) +
    (BigInt(model.shift) << 32n) +
    (BigInt(WEIGHT_BITS) << 40n)
  );
}

/**
 * Hash of the vocabulary, so the model digest also fixes the feature extraction:
 * `sha256(utf8(vocabulary.join("\\n"))) >> 8` (248 bits, a field element).
 *
 * @param model The model.
 * @returns The vocabulary hash.
 * @example
 * ```ts
 * const h = vocabularyHash();
 * ```
 */
export function vocabularyHash(model: QuantizedMlp): bigint {
  return BigInt(sha256(stringToBytes(model.vocabulary.join("\n")))) >> 8n;
}

const POSEIDON: Record<number, (inputs: bigint[]) => bigint> = {
  2: poseidon2,
  3: poseidon3,
  4: poseidon4,
  5: poseidon5,
  6: poseidon6,
  7: poseidon7,
  8: poseidon8,
  9: poseidon9,
  10: poseidon10,
  11: poseidon11,
  12: poseidon12,
  13: poseidon13,
  14: poseidon14,
  15: poseidon15,
  16: poseidon16,
};

/**
 * The model digest the inference circuit binds the weights to (chained Poseidon over the
 * vocabulary hash followed by the packed weight words):
 * `e = [vocabularyHash, ...packWeights]; h = tag; for each chunk c of up to 15 elements of e:
 * h = Poseidon(h, ...c)`; digest = h.
 *
 * @param model The model.
 * @returns The digest, a BN254 field element (use `bigIntToBytes32` for the protocol's bytes32).
 * @example
 * ```ts
 * bigIntToBytes32(modelDigest(BUILTIN_MODEL)); // the built-in model's modelDigest
 * ```
 */
export function modelDigest(model: QuantizedMlp): bigint {
  validateModel(model);
  const words = [vocabularyHash(model), ...packWeights(model)];
  let hash = modelTag(model);
  for (let start = 0; start < words.length; start += 15) {
    const chunk = words.slice(start, start + 15);
    hash = POSEIDON[chunk.length + 1]!([hash, ...chunk]);
  }
  return hash;
}
