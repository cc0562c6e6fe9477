// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IInferenceVerifier
/// @notice The function of the snarkjs-generated Groth16 verifier of the inference circuit
/// (contracts/verifiers/InferenceVerifier.sol) that `TopicClassifierChecker` calls.
interface IInferenceVerifier {
    /// @notice Checks a Groth16 proof against the five public signals of the inference circuit,
    /// `[predictedClass, modelDigest, features, vocabularyHash, jobKey]`.
    /// @return Whether the proof is valid (false, never a revert, for an invalid proof).
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[5] calldata pubSignals
    ) external view returns (bool);
}
