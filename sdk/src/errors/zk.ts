import { AitbcError } from "./base.js";

/**
 * A value cannot be used as a BN254 scalar-field element (or as a narrower circuit field) without
 * aliasing: it is negative, at or above the limit, or not an integer.
 *
 * @example
 * ```ts
 * toField(BN254_FIELD_MODULUS); // throws FieldElementOutOfRangeError
 * ```
 */
export class FieldElementOutOfRangeError extends AitbcError {
  override name = "FieldElementOutOfRangeError";
  /** The rejected value. */
  readonly value: bigint;
  /** The exclusive upper bound the value had to stay below. */
  readonly limit: bigint;

  /**
   * @param args.what Which value, e.g. "jobId".
   * @param args.value The rejected value.
   * @param args.limit Exclusive upper bound (e.g. the field modulus or 2^64).
   */
  constructor(args: { what: string; value: bigint; limit: bigint }) {
    super(`${args.what} is out of range for the circuit.`, {
      details: `${args.what} = ${args.value} must satisfy 0 <= value < ${args.limit}`,
    });
    this.value = args.value;
    this.limit = args.limit;
  }
}

/** A hex string is not a well-formed `bytes32` (0x followed by exactly 64 hex digits). */
export class InvalidBytes32Error extends AitbcError {
  override name = "InvalidBytes32Error";

  /**
   * @param args.what Which value, e.g. "promptHash".
   * @param args.value The rejected string.
   */
  constructor(args: { what: string; value: string }) {
    super(`${args.what} is not a bytes32 hex string.`, {
      details: `expected 0x followed by 64 hex digits, got ${JSON.stringify(args.value)}`,
    });
  }
}

/** Protocol values are inconsistent (e.g. more tokens than the job allows). */
export class InvalidReceiptError extends AitbcError {
  override name = "InvalidReceiptError";

  /** @param details What is inconsistent. */
  constructor(details: string) {
    super("The receipt values are inconsistent.", { details });
  }
}

/** A circuit artifact (wasm, zkey, verification key, manifest) is missing or unreadable. */
export class CircuitArtifactNotFoundError extends AitbcError {
  override name = "CircuitArtifactNotFoundError";

  /**
   * @param args.path The path that was looked up.
   * @param args.cause The file-system error.
   */
  constructor(args: { path: string; cause?: unknown }) {
    super("A circuit artifact could not be read.", {
      details: `${args.path} (run \`npm run circuits:build\` or pass an artifacts directory)`,
      cause: args.cause,
    });
  }
}

/** Witness generation failed: the inputs do not satisfy the circuit's constraints. */
export class WitnessGenerationError extends AitbcError {
  override name = "WitnessGenerationError";

  /**
   * @param args.circuit Circuit name ("receipt" or "inference").
   * @param args.cause The error raised by the witness calculator.
   */
  constructor(args: { circuit: string; cause: unknown }) {
    super(`The ${args.circuit} circuit rejected its inputs (a constraint is not satisfied).`, {
      cause: args.cause,
    });
  }
}

/** Proof calldata or public signals are malformed (wrong length, values not in the field). */
export class MalformedProofError extends AitbcError {
  override name = "MalformedProofError";

  /** @param details What is malformed. */
  constructor(details: string) {
    super("The proof or its public signals are malformed.", { details });
  }
}

/**
 * What an inference proof is to be checked against is malformed (e.g. an expected model digest
 * that is not a field element).
 *
 * @example
 * ```ts
 * await verifyInference(result, { prompt, modelDigest: "0x1234", jobKey: 1n }); // throws InvalidInferenceError
 * ```
 */
export class InvalidInferenceError extends AitbcError {
  override name = "InvalidInferenceError";

  /**
   * @param details What is malformed.
   * @param cause The underlying range error, if any.
   */
  constructor(details: string, cause?: unknown) {
    super("The inference check's expected values are malformed.", { details, cause });
  }
}

/**
 * A batch of receipts is malformed: no leaves, more than the escrow's maximum, a leaf index out of
 * range, or a leaf whose field does not fit its Solidity type.
 *
 * @example
 * ```ts
 * batchJobsRoot([]); // throws InvalidBatchError
 * ```
 */
export class InvalidBatchError extends AitbcError {
  override name = "InvalidBatchError";

  /**
   * @param details What is malformed.
   * @param cause The underlying error, if any.
   */
  constructor(details: string, cause?: unknown) {
    super("The batch is malformed.", { details, cause });
  }
}
