import { poseidon1, poseidon3 } from "poseidon-lite";
import { isAddress, type Address } from "viem";

import { InvalidReceiptError } from "../errors/zk.js";
import { bytes32ToBigInt, checkUint, splitBytes32, toField, type Hex } from "./field.js";
import {
  prove,
  toVerifierCalldata,
  verifyProof,
  type ArtifactOptions,
  type CircuitInput,
  type Groth16Proof,
  type VerifierCalldata,
} from "./proof.js";

/** Bit widths the receipt circuit range-checks. */
export const RECEIPT_LIMITS = {
  /** Job ids are uint64 (the escrow's counter); larger ids are rejected, never reduced. */
  jobIdBits: 64,
  /** Token counts are uint32. */
  tokenCountBits: 32,
  /** Prices are uint128 wei per token. */
  pricePerTokenBits: 128,
  /** Chain ids are below 2^64 (the domain packs them above the 160-bit escrow address). */
  chainIdBits: 64,
} as const;

/** Number of public signals of the receipt circuit. */
export const RECEIPT_PUBLIC_SIGNALS = 7;

/** The deployment a receipt is valid for: one escrow contract on one chain. */
export interface ReceiptDeployment {
  /** The chain id (`block.chainid`), below 2^64. */
  chainId: bigint;
  /** The escrow contract's address (`address(this)` in the escrow). */
  escrow: Address;
}

/** The protocol values one receipt binds (what the escrow knows plus what the provider submits). */
export interface ReceiptJob extends ReceiptDeployment {
  /** Escrow job id (uint256 in the contract; must be below 2^64). */
  jobId: bigint;
  /** Digest of the model that served the job (bytes32). */
  modelDigest: Hex;
  /** Hash of the prompt (bytes32). */
  promptHash: Hex;
  /** Hash of the output (bytes32). */
  outputHash: Hex;
  /** Tokens produced (uint32). */
  tokenCount: bigint;
  /** Price per token in wei (uint128). */
  pricePerToken: bigint;
}

/**
 * The receipt circuit's seven public signals, in order:
 * `[nullifier, identityCommitment, domain, packed0, packed1, packed2, packed3]`, where `domain` is
 * {@link receiptDomain} of the escrow and chain, and packed0..3 are the 124-byte string
 * `uint64 jobId ‖ uint32 tokenCount ‖ uint128 pricePerToken ‖ modelDigest ‖ promptHash ‖ outputHash`
 * cut into four 31-byte big-endian words.
 */
export type ReceiptPublicSignals = [
  nullifier: bigint,
  identityCommitment: bigint,
  domain: bigint,
  packed0: bigint,
  packed1: bigint,
  packed2: bigint,
  packed3: bigint,
];

/**
 * The provider's identity commitment, registered in staking: `Poseidon(secret)`.
 *
 * @param secret The provider's identity secret, a BN254 field element (keep it private).
 * @returns The commitment, a field element.
 * @throws {FieldElementOutOfRangeError} if `secret` is not below the field modulus.
 * @example
 * ```ts
 * const commitment = identityCommitment(secret);
 * ```
 */
export function identityCommitment(secret: bigint): bigint {
  return poseidon1([toField(secret, "secret")]);
}

/**
 * The receipt's deployment domain `(chainId << 160) | uint160(escrow)`, the circuit's public
 * `domain` (the Solidity mirror is `ReceiptPublicSignals.domain(block.chainid, address(this))`).
 *
 * @param deployment `{ chainId, escrow }`: chain id below 2^64 and the escrow's address.
 * @returns The domain, below 2^224.
 * @throws {FieldElementOutOfRangeError} if `chainId` is not below 2^64.
 * @throws {InvalidReceiptError} if `chainId` is not a bigint or `escrow` is not a 20-byte address.
 * @example
 * ```ts
 * receiptDomain({ chainId: 31337n, escrow: "0x5FbDB2315678afecb367f032d93F642f64180aa3" });
 * // (31337n << 160n) | 0x5fbdb2315678afecb367f032d93f642f64180aa3n
 * ```
 */
export function receiptDomain(deployment: ReceiptDeployment): bigint {
  if (typeof deployment.chainId !== "bigint") {
    throw new InvalidReceiptError(`chainId must be a bigint, got ${typeof deployment.chainId}`);
  }
  const chainId = checkUint(deployment.chainId, RECEIPT_LIMITS.chainIdBits, "chainId");
  if (typeof deployment.escrow !== "string" || !isAddress(deployment.escrow, { strict: false })) {
    throw new InvalidReceiptError(`escrow ${String(deployment.escrow)} is not a 20-byte address`);
  }
  return (chainId << 160n) | BigInt(deployment.escrow);
}

/**
 * The receipt nullifier `Poseidon(secret, domain, jobId)`: the same provider and job on the same
 * escrow and chain always give the same nullifier, so an escrow that records spent nullifiers
 * rejects a second settlement; the same job id on another deployment gives another nullifier.
 *
 * @param secret The provider's identity secret.
 * @param deployment The escrow and chain (see {@link receiptDomain}).
 * @param jobId The job id (below 2^64).
 * @returns The nullifier, a field element.
 * @throws {FieldElementOutOfRangeError} if an argument is out of range.
 * @throws {InvalidReceiptError} if the escrow is not an address.
 * @example
 * ```ts
 * const nullifier = receiptNullifier(secret, { chainId: 31337n, escrow }, jobId);
 * ```
 */
export function receiptNullifier(secret: bigint, deployment: ReceiptDeployment, jobId: bigint): bigint {
  return poseidon3([
    toField(secret, "secret"),
    receiptDomain(deployment),
    checkUint(jobId, RECEIPT_LIMITS.jobIdBits, "jobId"),
  ]);
}

/**
 * The fee the receipt binds: `tokenCount * pricePerToken` wei (below 2^160).
 *
 * @param tokenCount Tokens produced (uint32).
 * @param pricePerToken Wei per token (uint128).
 * @returns The fee in wei.
 * @throws {FieldElementOutOfRangeError} if an argument is out of range.
 * @example
 * ```ts
 * receiptFee(37n, 2n * 10n ** 15n); // 74n * 10n ** 15n wei
 * ```
 */
export function receiptFee(tokenCount: bigint, pricePerToken: bigint): bigint {
  return (
    checkUint(tokenCount, RECEIPT_LIMITS.tokenCountBits, "tokenCount") *
    checkUint(pricePerToken, RECEIPT_LIMITS.pricePerTokenBits, "pricePerToken")
  );
}

/**
 * Packs the job fields into the four 248-bit public words (the Solidity mirror is
 * `ReceiptPublicSignals.pack` over `abi.encodePacked(uint64, uint32, uint128, bytes32 x3)`).
 *
 * @param job The protocol values.
 * @returns `[packed0, packed1, packed2, packed3]`, each below 2^248.
 * @throws {FieldElementOutOfRangeError} if jobId, tokenCount or pricePerToken is too wide.
 * @throws {InvalidBytes32Error} if a digest is not a bytes32 hex string.
 * @example
 * ```ts
 * const [p0, p1, p2, p3] = packReceiptFields(job);
 * ```
 */
export function packReceiptFields(job: ReceiptJob): [bigint, bigint, bigint, bigint] {
  const fields: [bigint, number][] = [
    [checkUint(job.jobId, RECEIPT_LIMITS.jobIdBits, "jobId"), 64],
    [checkUint(job.tokenCount, RECEIPT_LIMITS.tokenCountBits, "tokenCount"), 32],
    [checkUint(job.pricePerToken, RECEIPT_LIMITS.pricePerTokenBits, "pricePerToken"), 128],
    [bytes32ToBigInt(job.modelDigest, "modelDigest"), 256],
    [bytes32ToBigInt(job.promptHash, "promptHash"), 256],
    [bytes32ToBigInt(job.outputHash, "outputHash"), 256],
  ];
  let all = 0n; // the 992-bit string as one integer
  for (const [value, bits] of fields) all = (all << BigInt(bits)) | value;
  const mask = (1n << 248n) - 1n;
  return [(all >> 744n) & mask, (all >> 496n) & mask, (all >> 248n) & mask, all & mask];
}

/**
 * The public signals a verifier must be given for a receipt — what the escrow rebuilds from its
 * storage, its own address and chain id, plus the provider's submission (`outputHash`,
 * `tokenCount`, `nullifier`).
 *
 * @param job The protocol values, with the deployment (`chainId`, `escrow`).
 * @param identity The provider's registered identity commitment.
 * @param nullifier The nullifier the provider submits (see {@link receiptNullifier}).
 * @returns The seven public signals (see {@link ReceiptPublicSignals}).
 * @throws {FieldElementOutOfRangeError} / {InvalidBytes32Error} / {InvalidReceiptError} on
 * out-of-range values.
 * @example
 * ```ts
 * receiptPublicSignals(job, identityCommitment(secret), receiptNullifier(secret, job, job.jobId));
 * ```
 */
export function receiptPublicSignals(
  job: ReceiptJob,
  identity: bigint,
  nullifier: bigint,
): ReceiptPublicSignals {
  return [
    toField(nullifier, "nullifier"),
    toField(identity, "identityCommitment"),
    receiptDomain(job),
    ...packReceiptFields(job),
  ];
}

/** Everything {@link buildReceiptInput} derives. */
export interface ReceiptInput {
  /** The circuit inputs (private and public). */
  input: CircuitInput;
  /** The public signals the proof will have. */
  publicSignals: ReceiptPublicSignals;
  /** `Poseidon(secret, domain, jobId)`. */
  nullifier: bigint;
  /** `Poseidon(secret)`. */
  identityCommitment: bigint;
  /** `tokenCount * pricePerToken`, in wei (computed here and by the escrow, not a circuit input). */
  fee: bigint;
}

/**
 * Builds the receipt circuit's inputs from protocol values. Every value is range-checked first
 * (ids and prices are never reduced modulo the field; digests are split into 128-bit limbs).
 *
 * @param secret The provider's identity secret (a field element).
 * @param job The protocol values.
 * @param options.maxTokens The job's token limit; if given, `tokenCount` above it is rejected.
 * @returns Circuit inputs, public signals, nullifier, identity commitment and fee.
 * @throws {FieldElementOutOfRangeError} if a value is out of range.
 * @throws {InvalidBytes32Error} if a digest is malformed.
 * @throws {InvalidReceiptError} if `tokenCount > maxTokens` or the escrow is not an address.
 * @example
 * ```ts
 * const { input, publicSignals } = buildReceiptInput(secret, {
 *   chainId: 31337n, escrow, jobId: 7n, modelDigest, promptHash, outputHash, tokenCount: 120n,
 *   pricePerToken: 10n ** 12n,
 * });
 * ```
 */
export function buildReceiptInput(
  secret: bigint,
  job: ReceiptJob,
  options: { maxTokens?: bigint } = {},
): ReceiptInput {
  if (options.maxTokens !== undefined && job.tokenCount > options.maxTokens) {
    throw new InvalidReceiptError(`tokenCount ${job.tokenCount} exceeds maxTokens ${options.maxTokens}`);
  }
  const commitment = identityCommitment(secret);
  const nullifier = receiptNullifier(secret, job, job.jobId);
  const fee = receiptFee(job.tokenCount, job.pricePerToken);
  const publicSignals = receiptPublicSignals(job, commitment, nullifier);
  const input: CircuitInput = {
    identityCommitment: commitment,
    domain: publicSignals[2],
    packed: publicSignals.slice(3),
    secret,
    jobId: job.jobId,
    tokenCount: job.tokenCount,
    pricePerToken: job.pricePerToken,
    modelDigest: splitBytes32(job.modelDigest, "modelDigest"),
    promptHash: splitBytes32(job.promptHash, "promptHash"),
    outputHash: splitBytes32(job.outputHash, "outputHash"),
  };
  return { input, publicSignals, nullifier, identityCommitment: commitment, fee };
}

/** A receipt proof ready to submit. */
export interface ReceiptProof {
  proof: Groth16Proof;
  publicSignals: ReceiptPublicSignals;
  /** Arguments for `ReceiptVerifier.verifyProof`. */
  calldata: VerifierCalldata;
  nullifier: bigint;
  fee: bigint;
}

/**
 * Proves a receipt (Groth16; median 0.10 s after warm-up on a 2-core machine).
 *
 * @param secret The provider's identity secret.
 * @param job The protocol values, with the deployment the receipt is for (`chainId`, `escrow`):
 * the proof verifies for that escrow on that chain only.
 * @param options `maxTokens` check and artifact location.
 * @returns Proof, public signals, verifier calldata, nullifier and fee.
 * @throws {WitnessGenerationError} if the circuit rejects the inputs; range errors as
 * {@link buildReceiptInput}.
 * @example
 * ```ts
 * const receipt = await proveReceipt(secret, { ...job, chainId: 31337n, escrow: escrowAddress });
 * await escrow.submitResult(job.jobId, job.outputHash, job.tokenCount, receipt.nullifier, receipt.calldata);
 * ```
 */
export async function proveReceipt(
  secret: bigint,
  job: ReceiptJob,
  options: { maxTokens?: bigint } & ArtifactOptions = {},
): Promise<ReceiptProof> {
  const built = buildReceiptInput(secret, job, options);
  const { proof, publicSignals } = await prove("receipt", built.input, options);
  return {
    proof,
    publicSignals: publicSignals as ReceiptPublicSignals,
    calldata: toVerifierCalldata(proof, publicSignals),
    nullifier: built.nullifier,
    fee: built.fee,
  };
}

/**
 * Verifies a receipt proof off-chain against the values the escrow would use.
 *
 * @param proof The proof.
 * @param job The protocol values, with the deployment (`chainId`, `escrow`).
 * @param identity The provider's registered identity commitment.
 * @param nullifier The submitted nullifier.
 * @param options Artifact location.
 * @returns `true` iff the proof binds exactly these values to that identity and deployment.
 * @throws range errors as {@link receiptPublicSignals}.
 * @example
 * ```ts
 * const ok = await verifyReceipt(receipt.proof, job, identityCommitment(secret), receipt.nullifier);
 * ```
 */
export async function verifyReceipt(
  proof: Groth16Proof,
  job: ReceiptJob,
  identity: bigint,
  nullifier: bigint,
  options: ArtifactOptions = {},
): Promise<boolean> {
  return verifyProof("receipt", proof, receiptPublicSignals(job, identity, nullifier), options);
}
