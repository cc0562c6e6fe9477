// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IBatchEscrow} from "../escrow/IBatchEscrow.sol";
import {IBatchReceiptVerifier} from "../escrow/IBatchReceiptVerifier.sol";

/// @title BatchRulesHarness
/// @notice TEST ONLY. An independent Solidity statement of the batch rules of `IBatchEscrow` (leaf
/// hash, Merkle root with OpenZeppelin `Hashes.commutativeKeccak256` pairs level by level and an odd
/// last node carried up, `MerkleProof.verify`, the batch commitment and its proof check), against
/// which the SDK's TypeScript mirror (sdk/src/zk/batch.ts) is tested.
contract BatchRulesHarness {
    /// @notice The generated batch-receipt verifier.
    IBatchReceiptVerifier public immutable verifier;

    /// @notice A batch with no leaves.
    error HarnessEmptyBatch();

    /// @param verifier_ The deployed `BatchReceiptVerifier`.
    constructor(IBatchReceiptVerifier verifier_) {
        verifier = verifier_;
    }

    /// @notice `keccak256(abi.encode(leaf))`.
    /// @param leaf The job's leaf.
    /// @return The leaf hash.
    function leafHash(IBatchEscrow.BatchLeaf calldata leaf) public pure returns (bytes32) {
        return keccak256(abi.encode(leaf));
    }

    /// @notice The Merkle root of the leaf hashes, level by level; one leaf is its own root.
    /// @param leaves The leaf hashes, in batch order (at least one).
    /// @return The root. Reverts with `HarnessEmptyBatch`.
    function root(bytes32[] memory leaves) public pure returns (bytes32) {
        if (leaves.length == 0) revert HarnessEmptyBatch();
        uint256 n = leaves.length;
        while (n > 1) {
            uint256 up = 0;
            for (uint256 i = 0; i < n; i += 2) {
                leaves[up++] = i + 1 < n ? Hashes.commutativeKeccak256(leaves[i], leaves[i + 1]) : leaves[i];
            }
            n = up;
        }
        return leaves[0];
    }

    /// @notice OpenZeppelin `MerkleProof.verify`.
    /// @param proof Sibling hashes, bottom to top.
    /// @param root_ The root.
    /// @param leaf The leaf hash.
    /// @return Whether the proof leads from the leaf to the root.
    function verifyMerkle(bytes32[] calldata proof, bytes32 root_, bytes32 leaf) external pure returns (bool) {
        return MerkleProof.verify(proof, root_, leaf);
    }

    /// @notice The batch commitment of this harness as escrow:
    /// `uint256(keccak256(abi.encode(block.chainid, address(this), provider, jobsRoot, jobCount))) >> 8`.
    /// @param provider The provider.
    /// @param jobsRoot The batch's root.
    /// @param jobCount The number of jobs.
    /// @return The commitment (248 bits).
    function commitment(address provider, bytes32 jobsRoot, uint256 jobCount) public view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), provider, jobsRoot, jobCount))) >> 8;
    }

    /// @notice Checks a batch-receipt proof for `provider`'s batch as an escrow would.
    /// @param proof `[pA[0], pA[1], pB[0][0], pB[0][1], pB[1][0], pB[1][1], pC[0], pC[1]]`.
    /// @param identityCommitment The provider's registered identity commitment.
    /// @param provider The provider (`msg.sender` of `settleBatch` in the escrow).
    /// @param jobsRoot The batch's root.
    /// @param jobCount The number of jobs.
    /// @return Whether the proof is valid.
    function verifyBatch(
        uint256[8] calldata proof,
        uint256 identityCommitment,
        address provider,
        bytes32 jobsRoot,
        uint256 jobCount
    ) external view returns (bool) {
        return
            verifier.verifyProof(
                [proof[0], proof[1]],
                [[proof[2], proof[3]], [proof[4], proof[5]]],
                [proof[6], proof[7]],
                [identityCommitment, commitment(provider, jobsRoot, jobCount)]
            );
    }
}
