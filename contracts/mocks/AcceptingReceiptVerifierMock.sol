// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IReceiptVerifier} from "../escrow/IReceiptVerifier.sol";

/// @title AcceptingReceiptVerifierMock
/// @notice TEST ONLY. A receipt "verifier" that accepts a proof iff `pA[0] == 1`, so that Solidity
/// invariant tests (which cannot run the snarkjs prover) can drive the escrow through submitted
/// results. Never deploy outside tests.
contract AcceptingReceiptVerifierMock is IReceiptVerifier {
    /// @inheritdoc IReceiptVerifier
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata,
        uint256[2] calldata,
        uint256[7] calldata
    ) external pure returns (bool) {
        return pA[0] == 1;
    }
}
