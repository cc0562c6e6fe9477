// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IBatchReceiptVerifier
/// @notice The function of the snarkjs-generated Groth16 verifier of the batch-receipt circuit
/// (contracts/verifiers/BatchReceiptVerifier.sol) that `BatchEscrow` calls.
interface IBatchReceiptVerifier {
    /// @notice Checks a proof against the circuit's two public signals `[identityCommitment, commitment]`.
    /// @return Whether the proof is valid (false, never a revert, for an invalid proof).
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[2] calldata pubSignals
    ) external view returns (bool);
}
