// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IReceiptVerifier
/// @notice The function of the snarkjs-generated Groth16 verifier of the receipt circuit
/// (contracts/verifiers/ReceiptVerifier.sol) that the escrow calls.
interface IReceiptVerifier {
    /// @notice Checks a Groth16 proof against the seven public signals of the receipt circuit
    /// `[nullifier, identityCommitment, domain, packed0, packed1, packed2, packed3]` (see ReceiptPublicSignals).
    /// @return Whether the proof is valid (false, never a revert, for an invalid proof).
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[7] calldata pubSignals
    ) external view returns (bool);
}
