/**
 * Feature extraction of the built-in model: a bag of words over a fixed 64-word vocabulary.
 *
 * The input is the exact prompt payload bytes the job's prompt hash commits to (a string is taken
 * as its UTF-8 bytes). Tokens are the maximal runs of ASCII letters and digits, with `A`-`Z`
 * lower-cased; every other byte (including every byte of a non-ASCII character) separates tokens
 * and is dropped — byte for byte what `TopicClassifierChecker` does on-chain. Each token found in the model's vocabulary increments
 * that word's count; other tokens are ignored. Counts saturate at 7 so each fits in 3 bits. The 64
 * counts are packed into one 192-bit integer (slot i in bits 3i..3i+2), which is the inference
 * circuit's public input `features`.
 *
 * (Feature hashing into 32 or 64 buckets was tried first: unseen words then collide with trained
 * ones, and held-out accuracy on unseen phrasings fell to about 45%; see circuits/README.md.)
 */

/** Number of vocabulary slots (input width of the network). */
export const FEATURE_SLOTS = 64;
/** Bits per slot count in the packed feature word. */
export const FEATURE_COUNT_BITS = 3;
/** Largest slot count; larger counts saturate to it. */
export const FEATURE_MAX_COUNT = (1 << FEATURE_COUNT_BITS) - 1;

/**
 * The bytes of a prompt, as the prompt hash commits to them.
 *
 * @param prompt A string (UTF-8 encoded) or the bytes themselves (returned as is).
 * @returns The bytes.
 * @example
 * ```ts
 * keccak256(promptBytes(canonicalPayload(payload))) === payloadHash(payload); // true
 * ```
 */
export function promptBytes(prompt: string | Uint8Array): Uint8Array {
  return typeof prompt === "string" ? new TextEncoder().encode(prompt) : prompt;
}

/**
 * Splits a prompt into the model's tokens, byte by byte: maximal runs of `[A-Za-z0-9]` bytes,
 * `A`-`Z` lower-cased. Only ASCII is case-folded (so no Unicode rule, e.g. the Kelvin sign K
 * becoming "k", can make a token the on-chain tokenizer does not see).
 *
 * @param text The prompt, as a string (its UTF-8 bytes are used) or as bytes.
 * @returns Lower-case ASCII alphanumeric tokens in order of appearance.
 * @example
 * ```ts
 * tokenize("Will it RAIN in Paris?"); // ["will", "it", "rain", "in", "paris"]
 * ```
 */
export function tokenize(text: string | Uint8Array): string[] {
  const tokens: string[] = [];
  let current = "";
  for (const byte of promptBytes(text)) {
    const lower = byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte;
    if ((lower >= 0x61 && lower <= 0x7a) || (lower >= 0x30 && lower <= 0x39)) {
      current += String.fromCharCode(lower);
    } else if (current !== "") {
      tokens.push(current);
      current = "";
    }
  }
  if (current !== "") tokens.push(current);
  return tokens;
}

/**
 * Computes the model's input vector for a prompt.
 *
 * @param text The prompt payload (a string as its UTF-8 bytes, or the bytes).
 * @param vocabulary The model's {@link FEATURE_SLOTS} words (distinct, lower-case).
 * @returns {@link FEATURE_SLOTS} integers in 0..{@link FEATURE_MAX_COUNT}.
 * @throws {RangeError} if the vocabulary does not have {@link FEATURE_SLOTS} distinct words.
 * @example
 * ```ts
 * extractFeatures("rain rain rain", BUILTIN_MODEL.vocabulary).reduce((a, b) => a + b); // 3
 * ```
 */
export function extractFeatures(text: string | Uint8Array, vocabulary: readonly string[]): number[] {
  if (vocabulary.length !== FEATURE_SLOTS || new Set(vocabulary).size !== FEATURE_SLOTS) {
    throw new RangeError(`the vocabulary must have ${FEATURE_SLOTS} distinct words`);
  }
  const index = new Map(vocabulary.map((word, i) => [word, i]));
  const counts = new Array<number>(FEATURE_SLOTS).fill(0);
  for (const token of tokenize(text)) {
    const slot = index.get(token);
    if (slot !== undefined) counts[slot] = Math.min(FEATURE_MAX_COUNT, counts[slot]! + 1);
  }
  return counts;
}

/**
 * Packs a feature vector into the circuit's public `features` signal.
 *
 * @param features {@link FEATURE_SLOTS} integers in 0..7.
 * @returns `sum(features[i] * 8^i)`, an integer below 2^192.
 * @throws {RangeError} if the vector has the wrong length or a count is out of range.
 * @example
 * ```ts
 * packFeatures([1, 2, ...new Array(62).fill(0)]); // 0x11n (1 + 2 * 8)
 * ```
 */
export function packFeatures(features: readonly number[]): bigint {
  if (features.length !== FEATURE_SLOTS) {
    throw new RangeError(`expected ${FEATURE_SLOTS} features, got ${features.length}`);
  }
  let packed = 0n;
  for (let i = FEATURE_SLOTS - 1; i >= 0; i--) {
    const count = features[i]!;
    if (!Number.isInteger(count) || count < 0 || count > FEATURE_MAX_COUNT) {
      throw new RangeError(`feature ${i} = ${count} is not in 0..${FEATURE_MAX_COUNT}`);
    }
    packed = (packed << BigInt(FEATURE_COUNT_BITS)) | BigInt(count);
  }
  return packed;
}

/**
 * Inverse of {@link packFeatures}.
 *
 * @param packed A packed feature word, 0 <= packed < 2^192.
 * @returns The {@link FEATURE_SLOTS} counts.
 * @throws {RangeError} if `packed` does not fit in 192 bits.
 * @example
 * ```ts
 * unpackFeatures(0x11n).slice(0, 2); // [1, 2]
 * ```
 */
export function unpackFeatures(packed: bigint): number[] {
  const width = BigInt(FEATURE_SLOTS * FEATURE_COUNT_BITS);
  if (packed < 0n || packed >= 1n << width) {
    throw new RangeError(`packed features must be below 2^${width}`);
  }
  const mask = BigInt(FEATURE_MAX_COUNT);
  const counts: number[] = [];
  for (let i = 0; i < FEATURE_SLOTS; i++) {
    counts.push(Number((packed >> BigInt(i * FEATURE_COUNT_BITS)) & mask));
  }
  return counts;
}
