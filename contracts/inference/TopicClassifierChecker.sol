// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Arrays} from "@openzeppelin/contracts/utils/Arrays.sol";
import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";

import {IInferenceVerifier} from "./IInferenceVerifier.sol";
import {ITopicClassifierChecker} from "./ITopicClassifierChecker.sol";

/// @title TopicClassifierChecker
/// @notice Checks the full proof of inference of the built-in topic classifier for one job: the
/// model's input is computed here from the prompt payload bytes (whose keccak256 must be the job's
/// prompt hash), the class from the output hash (keccak256 of one of the four labels), and the proof
/// must verify for exactly these, the model digest, the vocabulary hash and the job key.
/// See {ITopicClassifierChecker} for the tokenizer.
/// @dev The vocabulary lookup table is 64 words `(word left-aligned in 31 bytes) | slot`, sorted, kept
/// as the runtime code of a data contract created at construction (a STOP byte, then the 2,048
/// bytes; sorted with OpenZeppelin `Arrays.sort`), so a check reads it with one EXTCODECOPY (about
/// 3k gas) and finds each token by a 6-step binary search instead of one cold SLOAD per token.
contract TopicClassifierChecker is ITopicClassifierChecker {
    uint256 private constant SLOTS = 64;
    uint256 private constant LABEL_COUNT = 4;
    uint256 private constant MAX_COUNT = 7;
    uint256 private constant MAX_WORD_BYTES = 31;
    uint256 private constant TABLE_BYTES = 2_048; // SLOTS × 32
    /// @dev Bit b set iff byte b is an ASCII digit or letter ('0'-'9', 'A'-'Z', 'a'-'z').
    uint256 private constant ALNUM = 0x7fffffe07fffffe03ff000000000000;
    /// @dev `abi.encode(bytes, uint256[8])`: the bytes' offset word, 8 proof words, then its length word.
    uint256 private constant PROMPT_OFFSET = 9 * 32;
    uint256 private constant PROMPT_DATA = 10 * 32;

    /// @inheritdoc ITopicClassifierChecker
    IInferenceVerifier public immutable verifier;
    /// @notice The model digest this checker verifies (the circuit's public `modelDigest`).
    bytes32 public immutable modelDigest;
    /// @inheritdoc ITopicClassifierChecker
    uint256 public immutable vocabularyHash;
    bytes32 private immutable _label0;
    bytes32 private immutable _label1;
    bytes32 private immutable _label2;
    bytes32 private immutable _label3;
    /// @dev The data contract holding the sorted lookup table.
    address private immutable _table;

    /// @param verifier_ The generated verifier of the inference circuit (5 public signals).
    /// @param modelDigest_ The model digest the circuit's weights hash to (its public `modelDigest`).
    /// @param vocabulary The 64 vocabulary words in slot order (slot i is feature i): distinct,
    /// 1–31 bytes of lower-case ASCII letters and digits.
    /// @param labels The 4 class labels in class order (the outputs of the model's jobs), distinct.
    /// Reverts with `InferenceInvalidVocabulary`, `InferenceInvalidLabels`.
    constructor(
        IInferenceVerifier verifier_,
        bytes32 modelDigest_,
        string[] memory vocabulary,
        string[] memory labels
    ) {
        if (vocabulary.length != SLOTS) revert InferenceInvalidVocabulary(vocabulary.length);
        uint256[] memory entries = new uint256[](SLOTS);
        bytes memory joined = bytes(vocabulary[0]);
        for (uint256 i = 0; i < SLOTS; ++i) {
            entries[i] = _entryOf(bytes(vocabulary[i]), i);
            if (i != 0) joined = bytes.concat(joined, "\n", bytes(vocabulary[i]));
        }
        Arrays.sort(entries);
        for (uint256 i = 1; i < SLOTS; ++i) {
            if (entries[i] >> 8 == entries[i - 1] >> 8) revert InferenceInvalidVocabulary(entries[i] & 0xff);
        }
        bytes32[LABEL_COUNT] memory hashes = _labelHashes(labels);
        verifier = verifier_;
        modelDigest = modelDigest_;
        vocabularyHash = uint256(sha256(joined)) >> 8;
        (_label0, _label1, _label2, _label3) = (hashes[0], hashes[1], hashes[2], hashes[3]);
        // Creation code returning the table as runtime code: PUSH2 len, DUP1, PUSH1 10, RETURNDATASIZE,
        // CODECOPY, RETURNDATASIZE, RETURN, then the code itself (a STOP byte so it cannot be called).
        bytes memory code = abi.encodePacked(bytes1(0x00), entries);
        bytes memory init = abi.encodePacked(hex"61", uint16(code.length), hex"80600a3d393df3", code);
        _table = Create2.deploy(0, bytes32(0), init);
    }

    /// @inheritdoc ITopicClassifierChecker
    function labelHash(uint256 classIndex) public view returns (bytes32) {
        if (classIndex == 0) return _label0;
        if (classIndex == 1) return _label1;
        if (classIndex == 2) return _label2;
        if (classIndex == 3) return _label3;
        return bytes32(0);
    }

    /// @inheritdoc ITopicClassifierChecker
    function features(bytes calldata prompt) external view returns (uint256) {
        return _features(prompt);
    }

    /// @notice Checks a proof of inference of the built-in model for one job.
    /// @param jobKey The job id (`JobEscrow`) or `uint256(requestDigest) >> 8` (`BatchEscrow`).
    /// @param promptHash keccak256 of the prompt payload bytes in `evidence`.
    /// @param outputHash keccak256 of the label of the predicted class.
    /// @param tokenCount Must be 1 (the output is one label).
    /// @param evidence `abi.encode(bytes prompt, uint256[8] proof)`, strictly encoded.
    /// Reverts with `InferenceMalformedEvidence`, `InferencePromptMismatch`, `InferenceOutputMismatch`
    /// (`expected` zero: the output hash is no label's), `InferenceTokenCountMismatch`, `InferenceInvalidProof`.
    function checkInference(
        uint256 jobKey,
        bytes32 promptHash,
        bytes32 outputHash,
        uint256 tokenCount,
        bytes calldata evidence
    ) external view {
        (bytes calldata prompt, uint256[8] calldata proof) = _decode(evidence);
        bytes32 actual = keccak256(prompt);
        if (actual != promptHash) revert InferencePromptMismatch(promptHash, actual);
        uint256 predicted = _classOf(outputHash);
        if (tokenCount != 1) revert InferenceTokenCountMismatch(tokenCount, 1);
        uint256[5] memory signals = [predicted, uint256(modelDigest), _features(prompt), vocabularyHash, jobKey];
        bool valid = verifier.verifyProof(
            [proof[0], proof[1]],
            [[proof[2], proof[3]], [proof[4], proof[5]]],
            [proof[6], proof[7]],
            signals
        );
        if (!valid) revert InferenceInvalidProof(jobKey);
    }

    // ---------------------------------------------------------------- internals

    /// @dev The tokenizer and feature packing of {ITopicClassifierChecker}, in one pass over the
    /// calldata bytes. Written in assembly because it runs once per byte and once per token: the
    /// Solidity version (with OpenZeppelin `Arrays.lowerBoundMemory` per token) cost about 400 gas
    /// a byte and 1.9k a token; this one about 100 and 500. Steps: copy the sorted table to scratch
    /// memory (one EXTCODECOPY); then, per token, skip separators, read the run of `ALNUM` bytes
    /// (letters lower-cased by `| 0x20`, which leaves digits unchanged) into a left-aligned key of at
    /// most 31 bytes, and for a run of at most 31 bytes find the first table entry `>= key` by binary
    /// search over the 64 entries; an entry whose top 31 bytes equal the key is the word, its low byte
    /// the slot, whose 3-bit count is raised unless it is already 7.
    function _features(bytes calldata prompt) private view returns (uint256 packed) {
        address table = _table;
        assembly ("memory-safe") {
            // Scratch memory past the free memory pointer (never allocated, nothing else runs here).
            let base := mload(0x40)
            extcodecopy(table, base, 1, TABLE_BYTES)
            let p := prompt.offset
            let end := add(p, prompt.length)
            for {} 1 {} {
                // Reading past the end of calldata gives zero bytes, which are separators.
                for {} and(lt(p, end), iszero(and(shr(byte(0, calldataload(p)), ALNUM), 1))) {
                    p := add(p, 1)
                } {}
                if iszero(lt(p, end)) {
                    break
                }
                let start := p
                let key := 0
                for {} and(lt(p, end), and(shr(byte(0, calldataload(p)), ALNUM), 1)) {
                    p := add(p, 1)
                } {
                    let at := sub(p, start)
                    if lt(at, 31) {
                        key := or(key, shl(sub(248, shl(3, at)), or(byte(0, calldataload(p)), 0x20)))
                    }
                }
                if lt(sub(p, start), 32) {
                    let lo := 0
                    let hi := SLOTS
                    for {} lt(lo, hi) {} {
                        let mid := shr(1, add(lo, hi))
                        switch lt(mload(add(base, shl(5, mid))), key)
                        case 1 {
                            lo := add(mid, 1)
                        }
                        default {
                            hi := mid
                        }
                    }
                    if lt(lo, SLOTS) {
                        let entry := mload(add(base, shl(5, lo)))
                        if eq(shr(8, entry), shr(8, key)) {
                            let shift := mul(3, and(entry, 0xff))
                            if lt(and(shr(shift, packed), MAX_COUNT), MAX_COUNT) {
                                packed := add(packed, shl(shift, 1))
                            }
                        }
                    }
                }
            }
        }
    }

    function _classOf(bytes32 outputHash) private view returns (uint256) {
        for (uint256 i = 0; i < LABEL_COUNT; ++i) if (labelHash(i) == outputHash) return i;
        revert InferenceOutputMismatch(outputHash, bytes32(0));
    }

    /// @dev Splits strictly ABI-encoded `(bytes prompt, uint256[8] proof)` in calldata, copying nothing.
    function _decode(bytes calldata evidence) private pure returns (bytes calldata prompt, uint256[8] calldata proof) {
        if (evidence.length < PROMPT_DATA) revert InferenceMalformedEvidence();
        uint256 offset = uint256(bytes32(evidence[0:32]));
        uint256 len = uint256(bytes32(evidence[PROMPT_OFFSET:PROMPT_DATA]));
        if (offset != PROMPT_OFFSET || len > type(uint32).max) revert InferenceMalformedEvidence();
        if (evidence.length != PROMPT_DATA + ((len + 31) / 32) * 32) revert InferenceMalformedEvidence();
        prompt = evidence[PROMPT_DATA:PROMPT_DATA + len];
        assembly ("memory-safe") {
            proof := add(evidence.offset, 0x20)
        }
    }

    /// @dev `word` left-aligned in the top 31 bytes, `slot` in the low byte; checks the word's form.
    function _entryOf(bytes memory word, uint256 slot) private pure returns (uint256 entry) {
        uint256 len = word.length;
        if (len == 0 || len > MAX_WORD_BYTES) revert InferenceInvalidVocabulary(slot);
        for (uint256 j = 0; j < len; ++j) {
            uint256 b = uint8(word[j]);
            if (!((b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39))) revert InferenceInvalidVocabulary(slot);
            entry |= b << (248 - 8 * j);
        }
        entry |= slot;
    }

    function _labelHashes(string[] memory labels) private pure returns (bytes32[LABEL_COUNT] memory hashes) {
        if (labels.length != LABEL_COUNT) revert InferenceInvalidLabels();
        for (uint256 i = 0; i < LABEL_COUNT; ++i) {
            hashes[i] = keccak256(bytes(labels[i]));
            for (uint256 j = 0; j < i; ++j) if (hashes[j] == hashes[i]) revert InferenceInvalidLabels();
        }
    }
}
