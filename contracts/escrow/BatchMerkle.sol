// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @title BatchMerkle
/// @notice The Merkle root of a batch's job leaves, built so that OpenZeppelin's `MerkleProof.verify`
/// proves any leaf against it: nodes are paired level by level with `Hashes.commutativeKeccak256`
/// (sorted pair, the same rule `MerkleProof` applies), an odd last node is carried up unchanged, and
/// the root of one leaf is that leaf. The SDK's `batchJobsRoot` computes the same root off-chain.
library BatchMerkle {
    /// @notice The root of `leaves` (overwritten: the array is used as the working buffer).
    /// @dev `leaves` must not be empty (the escrow checks the batch size first). Gas: about 110 per pair.
    /// @param leaves The leaf hashes in job order.
    /// @return The Merkle root.
    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        uint256 width = leaves.length;
        while (width > 1) {
            uint256 pairs = width >> 1;
            for (uint256 i = 0; i < pairs; ++i) {
                leaves[i] = Hashes.commutativeKeccak256(leaves[2 * i], leaves[2 * i + 1]);
            }
            // An odd last node moves up one level unchanged.
            if (width & 1 == 1) leaves[pairs] = leaves[width - 1];
            width = pairs + (width & 1);
        }
        return leaves[0];
    }

    /// @notice The Merkle proof of leaf `index` of `leaves` (sibling hashes from the leaf up), as
    /// `MerkleProof.verify` takes it; a level where the node has no sibling adds nothing.
    /// @dev For tests and off-chain helpers (memory-heavy: O(n) per call). `leaves` is not modified.
    /// @param leaves The leaf hashes in job order.
    /// @param index The leaf's position.
    /// @return proof The siblings, bottom up.
    function proofOf(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory proof) {
        uint256 width = leaves.length;
        bytes32[] memory level = new bytes32[](width);
        for (uint256 i = 0; i < width; ++i) level[i] = leaves[i];
        bytes32[] memory siblings = new bytes32[](256);
        uint256 count;
        while (width > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < width) siblings[count++] = level[sibling];
            uint256 pairs = width >> 1;
            for (uint256 i = 0; i < pairs; ++i) {
                level[i] = Hashes.commutativeKeccak256(level[2 * i], level[2 * i + 1]);
            }
            if (width & 1 == 1) level[pairs] = level[width - 1];
            width = pairs + (width & 1);
            index >>= 1;
        }
        proof = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) proof[i] = siblings[i];
    }
}
