// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IBatchReceiptVerifier} from "../escrow/IBatchReceiptVerifier.sol";

/// @title BatchReceiptVerifierMock
/// @notice TEST ONLY. A batch-receipt "verifier" for Solidity tests (which cannot run the snarkjs prover):
/// it accepts a proof iff `pA[0] == uint256(keccak256(abi.encode(pubSignals)))`, so a mock proof is bound to
/// exactly one pair `[identityCommitment, commitment]` like a real one, and a proof made for another
/// provider, root or job count fails. Never deploy outside tests; the real verifier is covered by mocha tests.
contract BatchReceiptVerifierMock is IBatchReceiptVerifier {
    /// @inheritdoc IBatchReceiptVerifier
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata,
        uint256[2] calldata,
        uint256[2] calldata pubSignals
    ) external pure returns (bool) {
        return pA[0] == uint256(keccak256(abi.encode(pubSignals)));
    }

    /// @notice The mock proof (`settleBatch`'s `proof` argument) that this verifier accepts for `pubSignals`.
    function proofFor(uint256[2] calldata pubSignals) external pure returns (uint256[8] memory proof) {
        proof[0] = uint256(keccak256(abi.encode(pubSignals)));
    }
}
