// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceChecker} from "../escrow/IInferenceChecker.sol";

/// @title BatchInferenceCheckerMock
/// @notice TEST ONLY. An `IInferenceChecker` that accepts evidence iff it is
/// `abi.encode(jobKey, promptHash, outputHash, tokenCount)` (so a test sees exactly what the escrow passed)
/// and reverts `InferenceInvalidProof(jobKey)` otherwise. The real checker is `TopicClassifierChecker`.
contract BatchInferenceCheckerMock is IInferenceChecker {
    /// @inheritdoc IInferenceChecker
    bytes32 public immutable modelDigest;

    constructor(bytes32 modelDigest_) {
        modelDigest = modelDigest_;
    }

    /// @inheritdoc IInferenceChecker
    function checkInference(
        uint256 jobKey,
        bytes32 promptHash,
        bytes32 outputHash,
        uint256 tokenCount,
        bytes calldata evidence
    ) external pure {
        if (keccak256(evidence) != keccak256(abi.encode(jobKey, promptHash, outputHash, tokenCount))) {
            revert InferenceInvalidProof(jobKey);
        }
    }
}
