/**
 * The Merkle tree of a batch's jobs as `BatchEscrow` builds it (lead's design, item 1): leaves
 * `keccak256(abi.encode(BatchLeaf{index, requestDigest, consumer, outputHash, tokenCount, fee}))`,
 * paired level by level with OpenZeppelin's `Hashes.commutativeKeccak256` (the smaller word first),
 * an odd last node carried up unchanged, one leaf → root = that leaf. A proof is the list of siblings
 * from the leaf up (levels where the node was carried up contribute none), which is what
 * `MerkleProof.verify(proof, root, leaf)` takes.
 */
import { concat, encodeAbiParameters, keccak256, type Hex } from "viem";

import type { BatchJobLeaf } from "../../../sdk/src/index.js";

const LEAF_TYPE = [
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

/**
 * `IBatchEscrow.leafHash(leaf)`: keccak256 of the ABI-encoded leaf struct.
 * @example
 * ```ts
 * const leaf = batchLeafHash({ index: 0n, requestDigest, consumer, outputHash, tokenCount: 12, fee });
 * ```
 */
export function batchLeafHash(leaf: BatchJobLeaf): Hex {
  return keccak256(encodeAbiParameters(LEAF_TYPE, [{ ...leaf, tokenCount: Number(leaf.tokenCount) }]));
}

/**
 * OpenZeppelin `Hashes.commutativeKeccak256(a, b)`: keccak256 of the two words, smaller first.
 * @example
 * ```ts
 * commutativeKeccak256(a, b) === commutativeKeccak256(b, a); // true
 * ```
 */
export function commutativeKeccak256(a: Hex, b: Hex): Hex {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/** The tree's levels, leaves first, root last. */
function levels(leaves: readonly Hex[]): Hex[][] {
  if (leaves.length === 0) throw new RangeError("a batch has at least one job");
  const out: Hex[][] = [[...leaves]];
  while (out.at(-1)!.length > 1) {
    const level = out.at(-1)!;
    const next: Hex[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(i + 1 < level.length ? commutativeKeccak256(level[i]!, level[i + 1]!) : level[i]!);
    out.push(next);
  }
  return out;
}

/**
 * The root over leaf hashes in index order.
 * @throws {RangeError} for no leaves.
 * @example
 * ```ts
 * const root = batchRootOf(jobs.map(batchLeafHash));
 * ```
 */
export function batchRootOf(leafHashes: readonly Hex[]): Hex {
  return levels(leafHashes).at(-1)![0]!;
}

/**
 * The Merkle proof of leaf `index` (siblings from the leaf up) for `MerkleProof.verify`.
 * @throws {RangeError} for an index outside the leaves.
 * @example
 * ```ts
 * const proof = batchProofOf(jobs.map(batchLeafHash), 3);
 * ```
 */
export function batchProofOf(leafHashes: readonly Hex[], index: number): Hex[] {
  if (!Number.isInteger(index) || index < 0 || index >= leafHashes.length)
    throw new RangeError(`leaf ${index} is not in a batch of ${leafHashes.length}`);
  const proof: Hex[] = [];
  let i = index;
  for (const level of levels(leafHashes).slice(0, -1)) {
    const sibling = i % 2 === 0 ? i + 1 : i - 1;
    if (sibling < level.length) proof.push(level[sibling]!);
    i = Math.floor(i / 2);
  }
  return proof;
}

/**
 * `MerkleProof.verify(proof, root, leaf)` with commutative hashing (to check a proof before spending a
 * dispute bond on it).
 * @example
 * ```ts
 * verifyBatchProof(proof, root, leafHash); // true
 * ```
 */
export function verifyBatchProof(proof: readonly Hex[], root: Hex, leaf: Hex): boolean {
  return proof.reduce((node, sibling) => commutativeKeccak256(node, sibling), leaf).toLowerCase() === root.toLowerCase(); // prettier-ignore
}
