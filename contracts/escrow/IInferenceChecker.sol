// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IInferenceChecker
/// @notice Checks a full proof of inference for one job of one model: that the submitted output is the
/// model's output on the job's prompt. The market policy (`IMarketPolicy.checkerOf`) names, per model
/// digest, the checker whose proof a job of that model needs to settle; a model without a checker is
/// settled by receipt and challenge window.
/// @dev Implementations revert with the `Inference*` errors below (never return false), so the escrow
/// bubbles the exact reason up.
interface IInferenceChecker {
    /// @notice The evidence does not decode as the checker expects.
    error InferenceMalformedEvidence();
    /// @notice keccak256 of the prompt in the evidence is not the job's prompt hash.
    error InferencePromptMismatch(bytes32 promptHash, bytes32 actual);
    /// @notice The output hash is not keccak256 of the output the proof gives.
    error InferenceOutputMismatch(bytes32 outputHash, bytes32 expected);
    /// @notice The token count is not the one the model's output has.
    error InferenceTokenCountMismatch(uint256 tokenCount, uint256 expected);
    /// @notice The proof of inference does not verify for this job, prompt and model.
    error InferenceInvalidProof(uint256 jobKey);

    /// @notice The model digest this checker verifies (the circuit's public `modelDigest`).
    function modelDigest() external view returns (bytes32);

    /// @notice Checks a proof of inference for one job; reverts with an `Inference*` error if it fails.
    /// @param jobKey Field element the proof is bound to: the job id (`JobEscrow`) or the top 248 bits
    /// of the EIP-712 digest of the consumer's signed request, `uint256(requestDigest) >> 8` (`BatchEscrow`).
    /// @param promptHash The job's prompt hash: keccak256 of the prompt bytes in `evidence`.
    /// @param outputHash The submitted output hash: must be keccak256 of the model's output.
    /// @param tokenCount The submitted token count: must be the output's.
    /// @param evidence Checker-specific: for the built-in model `abi.encode(bytes prompt, uint256[8] proof)`
    /// (the proof as `[pA[0], pA[1], pB[0][0], pB[0][1], pB[1][0], pB[1][1], pC[0], pC[1]]`, the generated
    /// verifier's argument order, as the SDK's `toVerifierCalldata` gives it).
    function checkInference(
        uint256 jobKey,
        bytes32 promptHash,
        bytes32 outputHash,
        uint256 tokenCount,
        bytes calldata evidence
    ) external view;
}
