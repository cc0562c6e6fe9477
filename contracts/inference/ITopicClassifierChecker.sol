// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceChecker} from "../escrow/IInferenceChecker.sol";
import {IInferenceVerifier} from "./IInferenceVerifier.sol";

/// @title ITopicClassifierChecker
/// @notice The checker of the built-in model (a bag-of-words topic classifier proved in
/// circuits/inference.circom): it computes the model's input from the job's prompt payload on-chain,
/// derives the claimed class from the output hash, and verifies the Groth16 proof of inference with
/// public signals `[predictedClass, modelDigest, features, vocabularyHash, jobKey]`.
/// @dev Tokenizer (the definition the SDK's `extractFeatures` mirrors): the prompt payload bytes are
/// split into maximal runs of ASCII letters and digits (`[A-Za-z0-9]`); every other byte, including
/// every byte of a multi-byte UTF-8 character, separates tokens. Letters `A`–`Z` are lower-cased.
/// A token equal to vocabulary word i adds 1 to count i; counts saturate at 7; tokens that are no
/// vocabulary word (including any of 32 bytes or more) are ignored. `features = Σ count_i · 8^i`.
interface ITopicClassifierChecker is IInferenceChecker {
    /// @notice A vocabulary word is empty, longer than 31 bytes, not lower-case ASCII alphanumeric,
    /// or a duplicate; or the vocabulary does not have 64 words (`index` = its length then).
    error InferenceInvalidVocabulary(uint256 index);
    /// @notice There are not 4 labels, or two labels are equal.
    error InferenceInvalidLabels();

    /// @notice The generated Groth16 verifier of the inference circuit.
    function verifier() external view returns (IInferenceVerifier);

    /// @notice The circuit's public `vocabularyHash`: `uint256(sha256(join(vocabulary, "\n"))) >> 8`,
    /// computed at construction from the vocabulary this checker tokenizes with.
    function vocabularyHash() external view returns (uint256);

    /// @notice keccak256 of the label of class `classIndex` (0–3): the output hash of a job whose
    /// answer is that class.
    function labelHash(uint256 classIndex) external view returns (bytes32);

    /// @notice The model's input for a prompt payload: `Σ count_i · 8^i` (see the tokenizer above).
    /// @param prompt The exact payload bytes the job's prompt hash commits to.
    function features(bytes calldata prompt) external view returns (uint256);
}
