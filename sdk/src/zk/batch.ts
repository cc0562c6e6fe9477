import { poseidon1 } from "poseidon-lite";
import { concat, encodeAbiParameters, isAddress, keccak256, type Address } from "viem";

import { InvalidBatchError } from "../errors/zk.js";
import { bytes32ToBigInt, checkUint, toField, type Hex } from "./field.js";
import {
  prove,
  toVerifierCalldata,
  verifyProof,
  type ArtifactOptions,
  type Groth16Proof,
  type VerifierCalldata,
} from "./proof.js";

/**
 * TypeScript mirror of `BatchEscrow`'s batch rules (contracts/escrow/IBatchEscrow.sol): the leaf
 * hash, the Merkle root of a batch (OpenZeppelin `Hashes.commutativeKeccak256` pairs, level by
 * level, an odd last node carried up unchanged), Merkle proofs that OpenZeppelin
 * `MerkleProof.verify` accepts, the commitment the batch proof binds, and the batch-receipt proof.
 */

/** The most jobs one batch may settle (`IBatchEscrow.MAX_BATCH_SIZE`). */
export const MAX_BATCH_SIZE = 256;

/** Number of public signals of the batch-receipt circuit: `[identityCommitment, commitment]`. */
export const BATCH_RECEIPT_PUBLIC_SIGNALS = 2;

/** One job of a batch, as `IBatchEscrow.BatchLeaf` (amounts in wei). */
export interface BatchLeaf {
  /** Position of the job in the batch (0-based). */
  index: bigint;
  /** EIP-712 digest of the consumer's signed `BatchJobRequest` (bytes32). */
  requestDigest: Hex;
  /** The consumer whose deposit pays the job. */
  consumer: Address;
  /** keccak256 of the output (bytes32). */
  outputHash: Hex;
  /** Tokens produced (uint32). */
  tokenCount: bigint;
  /** `tokenCount * pricePerToken`, in wei (uint256). */
  fee: bigint;
}

/** What the batch proof's public `commitment` binds. */
export interface BatchCommitmentFields {
  /** The chain id (`block.chainid`). */
  chainId: bigint;
  /** The `BatchEscrow` address. */
  escrow: Address;
  /** The provider settling the batch (`msg.sender` of `settleBatch`). */
  provider: Address;
  /** The batch's Merkle root ({@link batchJobsRoot}). */
  jobsRoot: Hex;
  /** Number of jobs in the batch. */
  jobCount: bigint;
}

const LEAF_TYPES = [
  {
    type: "tuple",
    components: [
      { name: "index", type: "uint256" },
      { name: "requestDigest", type: "bytes32" },
      { name: "consumer", type: "address" },
      { name: "outputHash", type: "bytes32" },
      { name: "tokenCount", type: "uint32" },
      { name: "fee", type: "uint256" },
    ],
  },
] as const;

function checkAddress(value: string, what: string): Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false })) {
    throw new InvalidBatchError(`${what} ${String(value)} is not a 20-byte address`);
  }
  return value as Address;
}

function wrap<T>(what: string, run: () => T): T {
  try {
    return run();
  } catch (cause) {
    if (cause instanceof InvalidBatchError) throw cause;
    throw new InvalidBatchError(`${what} does not fit its Solidity type`, cause);
  }
}

/**
 * The leaf hash of one job: `keccak256(abi.encode(BatchLeaf{index, requestDigest, consumer,
 * outputHash, tokenCount, fee}))`, as `BatchEscrow` computes it.
 *
 * @param leaf The job's leaf.
 * @returns The leaf hash (bytes32).
 * @throws {InvalidBatchError} if a field does not fit its type (e.g. tokenCount ≥ 2^32).
 * @example
 * ```ts
 * const hash = batchLeafHash({ index: 0n, requestDigest, consumer, outputHash, tokenCount: 37n, fee });
 * ```
 */
export function batchLeafHash(leaf: BatchLeaf): Hex {
  return wrap("a batch leaf", () => {
    const value = {
      index: checkUint(leaf.index, 256, "index"),
      requestDigest:
        `0x${bytes32ToBigInt(leaf.requestDigest, "requestDigest").toString(16).padStart(64, "0")}` as Hex,
      consumer: checkAddress(leaf.consumer, "consumer"),
      outputHash: `0x${bytes32ToBigInt(leaf.outputHash, "outputHash").toString(16).padStart(64, "0")}` as Hex,
      tokenCount: Number(checkUint(leaf.tokenCount, 32, "tokenCount")),
      fee: checkUint(leaf.fee, 256, "fee"),
    };
    return keccak256(encodeAbiParameters(LEAF_TYPES, [value]));
  });
}

/**
 * OpenZeppelin `Hashes.commutativeKeccak256(a, b)`: keccak256 of the two words, smaller first.
 *
 * @param a A node (bytes32).
 * @param b Another node (bytes32).
 * @returns The parent node.
 * @example
 * ```ts
 * commutativeKeccak256(a, b) === commutativeKeccak256(b, a); // true
 * ```
 */
export function commutativeKeccak256(a: Hex, b: Hex): Hex {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

function checkLeaves(leaves: readonly Hex[]): Hex[] {
  if (leaves.length === 0 || leaves.length > MAX_BATCH_SIZE) {
    throw new InvalidBatchError(`a batch has 1 to ${MAX_BATCH_SIZE} jobs, got ${leaves.length}`);
  }
  return leaves.map((leaf, i) =>
    wrap(`leaf ${i}`, () => `0x${bytes32ToBigInt(leaf, `leaf ${i}`).toString(16).padStart(64, "0")}` as Hex),
  );
}

function leafHashes(leaves: readonly (BatchLeaf | Hex)[]): Hex[] {
  return checkLeaves(leaves.map((leaf) => (typeof leaf === "string" ? leaf : batchLeafHash(leaf))));
}

/** The next level up: pairs hashed, an odd last node carried up unchanged. */
function parentLevel(level: readonly Hex[]): Hex[] {
  const up: Hex[] = [];
  for (let i = 0; i < level.length; i += 2) {
    up.push(i + 1 < level.length ? commutativeKeccak256(level[i]!, level[i + 1]!) : level[i]!);
  }
  return up;
}

/**
 * The batch's Merkle root as `BatchEscrow` builds it: leaf hashes in batch order, paired with
 * `commutativeKeccak256` level by level, an odd last node carried up unchanged; one leaf → the
 * root is that leaf.
 *
 * @param leaves The batch's leaves (or their hashes), in order, 1 to {@link MAX_BATCH_SIZE}.
 * @returns The root (bytes32).
 * @throws {InvalidBatchError} if the batch is empty, too large, or a leaf is malformed.
 * @example
 * ```ts
 * const jobsRoot = batchJobsRoot(leaves);
 * ```
 */
export function batchJobsRoot(leaves: readonly (BatchLeaf | Hex)[]): Hex {
  let level = leafHashes(leaves);
  while (level.length > 1) level = parentLevel(level);
  return level[0]!;
}

/**
 * The Merkle proof of leaf `index`: the sibling at every level where the node has one (none where
 * it is carried up), bottom to top — what OpenZeppelin `MerkleProof.verify(proof, root, leaf)` and
 * `IBatchEscrow`'s per-job dispute functions take.
 *
 * @param leaves The batch's leaves (or their hashes), in order.
 * @param index The leaf's position, 0 ≤ index < leaves.length.
 * @returns The proof (bytes32 array; empty for a one-job batch).
 * @throws {InvalidBatchError} if the batch is malformed or `index` is out of range.
 * @example
 * ```ts
 * const proof = batchMerkleProof(leaves, 3);
 * await merkleProofLib.verify(proof, batchJobsRoot(leaves), batchLeafHash(leaves[3])); // true
 * ```
 */
export function batchMerkleProof(leaves: readonly (BatchLeaf | Hex)[], index: number): Hex[] {
  let level = leafHashes(leaves);
  if (!Number.isInteger(index) || index < 0 || index >= level.length) {
    throw new InvalidBatchError(`leaf index ${index} is not in 0..${level.length - 1}`);
  }
  const proof: Hex[] = [];
  let position = index;
  while (level.length > 1) {
    const sibling = position ^ 1;
    if (sibling < level.length) proof.push(level[sibling]!);
    level = parentLevel(level);
    position >>= 1;
  }
  return proof;
}

/**
 * Checks a Merkle proof the way OpenZeppelin `MerkleProof.verify` does (commutative pairs).
 *
 * @param proof The sibling hashes, bottom to top.
 * @param root The batch's root.
 * @param leaf The leaf hash.
 * @returns `true` iff the proof leads from the leaf to the root.
 * @example
 * ```ts
 * verifyBatchMerkleProof(batchMerkleProof(leaves, 1), batchJobsRoot(leaves), batchLeafHash(leaves[1]!)); // true
 * ```
 */
export function verifyBatchMerkleProof(proof: readonly Hex[], root: Hex, leaf: Hex): boolean {
  let node = leaf;
  for (const sibling of proof) node = commutativeKeccak256(node, sibling);
  return BigInt(node) === BigInt(root);
}

/**
 * The batch proof's public `commitment`: `uint256(keccak256(abi.encode(chainId, escrow, provider,
 * jobsRoot, jobCount))) >> 8` (248 bits), as `BatchEscrow.batchCommitment` computes it.
 *
 * @param fields Chain id, escrow, provider, jobs root and job count.
 * @returns The commitment, below 2^248.
 * @throws {InvalidBatchError} if an address or the root is malformed, or jobCount is not 1..MAX_BATCH_SIZE.
 * @example
 * ```ts
 * const commitment = batchCommitment({ chainId: 31337n, escrow, provider, jobsRoot, jobCount: 32n });
 * ```
 */
export function batchCommitment(fields: BatchCommitmentFields): bigint {
  if (fields.jobCount < 1n || fields.jobCount > BigInt(MAX_BATCH_SIZE)) {
    throw new InvalidBatchError(`a batch has 1 to ${MAX_BATCH_SIZE} jobs, got ${fields.jobCount}`);
  }
  const encoded = wrap("the commitment's fields", () =>
    encodeAbiParameters(
      [
        { type: "uint256" },
        { type: "address" },
        { type: "address" },
        { type: "bytes32" },
        { type: "uint256" },
      ],
      [
        checkUint(fields.chainId, 256, "chainId"),
        checkAddress(fields.escrow, "escrow"),
        checkAddress(fields.provider, "provider"),
        `0x${bytes32ToBigInt(fields.jobsRoot, "jobsRoot").toString(16).padStart(64, "0")}` as Hex,
        fields.jobCount,
      ],
    ),
  );
  return BigInt(keccak256(encoded)) >> 8n;
}

/**
 * The job key a proof of inference of a batch job is bound to: `uint256(requestDigest) >> 8`
 * (the top 248 bits of the consumer's signed request digest, a field element).
 *
 * @param requestDigest The EIP-712 digest of the job's `BatchJobRequest`.
 * @returns The job key for `proveInference` / `IInferenceChecker.checkInference`.
 * @throws {InvalidBatchError} if the digest is not bytes32.
 * @example
 * ```ts
 * await proveInference(payload, { jobKey: batchJobKey(requestDigest) });
 * ```
 */
export function batchJobKey(requestDigest: Hex): bigint {
  return wrap("requestDigest", () => bytes32ToBigInt(requestDigest, "requestDigest") >> 8n);
}

/** The batch-receipt circuit's public signals: `[identityCommitment, commitment]`. */
export type BatchReceiptPublicSignals = [identityCommitment: bigint, commitment: bigint];

/** A batch-receipt proof ready to submit with `settleBatch`. */
export interface BatchReceiptProof {
  proof: Groth16Proof;
  publicSignals: BatchReceiptPublicSignals;
  /** Arguments for `BatchReceiptVerifier.verifyProof`. */
  verifierCalldata: VerifierCalldata;
  /**
   * The proof as `settleBatch`'s `uint256[8]`: `[pA[0], pA[1], pB[0][0], pB[0][1], pB[1][0],
   * pB[1][1], pC[0], pC[1]]`, the generated verifier's argument order.
   */
  calldata: readonly [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
}

function checkCommitment(commitment: bigint): bigint {
  return wrap("commitment", () => checkUint(commitment, 248, "commitment"));
}

/**
 * Proves a batch receipt: knowledge of the identity secret behind the provider's registered
 * commitment, bound to the batch's `commitment` (Groth16).
 *
 * @param secret The provider's identity secret (a field element).
 * @param batch `{ commitment }` from {@link batchCommitment}.
 * @param options Artifact location.
 * @returns Proof, public signals, and the `uint256[8]` for `settleBatch`.
 * @throws {InvalidBatchError} if the commitment is not below 2^248; {FieldElementOutOfRangeError}
 * if the secret is not a field element; {WitnessGenerationError} if the circuit rejects the inputs.
 * @example
 * ```ts
 * const commitment = batchCommitment({ chainId, escrow, provider, jobsRoot: batchJobsRoot(leaves), jobCount });
 * const { calldata } = await proveBatchReceipt(secret, { commitment });
 * await batchEscrow.write.settleBatch([jobs, calldata]);
 * ```
 */
export async function proveBatchReceipt(
  secret: bigint,
  batch: { commitment: bigint },
  options: ArtifactOptions = {},
): Promise<BatchReceiptProof> {
  const commitment = checkCommitment(batch.commitment);
  const identity = poseidon1([toField(secret, "secret")]);
  const { proof, publicSignals } = await prove(
    "batch_receipt",
    { identityCommitment: identity, commitment, secret },
    options,
  );
  const verifierCalldata = toVerifierCalldata(proof, publicSignals);
  const { pA, pB, pC } = verifierCalldata;
  return {
    proof,
    publicSignals: publicSignals as BatchReceiptPublicSignals,
    verifierCalldata,
    calldata: [pA[0], pA[1], pB[0][0], pB[0][1], pB[1][0], pB[1][1], pC[0], pC[1]],
  };
}

/**
 * Verifies a batch-receipt proof off-chain against the provider's identity and the commitment the
 * escrow would compute.
 *
 * @param proof The proof.
 * @param expected `{ identityCommitment, commitment }`.
 * @param options Artifact location.
 * @returns `true` iff the proof is valid for exactly this identity and commitment.
 * @throws {InvalidBatchError} if the commitment is not below 2^248; {MalformedProofError} if a
 * signal is not a field element.
 * @example
 * ```ts
 * await verifyBatchReceipt(result.proof, { identityCommitment: identityCommitment(secret), commitment }); // true
 * ```
 */
export async function verifyBatchReceipt(
  proof: Groth16Proof,
  expected: { identityCommitment: bigint; commitment: bigint },
  options: ArtifactOptions = {},
): Promise<boolean> {
  const signals: BatchReceiptPublicSignals = [
    expected.identityCommitment,
    checkCommitment(expected.commitment),
  ];
  return verifyProof("batch_receipt", proof, signals, options);
}
