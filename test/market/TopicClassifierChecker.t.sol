// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceChecker} from "../../contracts/escrow/IInferenceChecker.sol";
import {IInferenceVerifier} from "../../contracts/inference/IInferenceVerifier.sol";
import {ITopicClassifierChecker} from "../../contracts/inference/ITopicClassifierChecker.sol";
import {TopicClassifierChecker} from "../../contracts/inference/TopicClassifierChecker.sol";
import {vm} from "../utils/Vm.sol";

/// @dev Stands in for the generated inference verifier (Solidity tests cannot prove): accepts exactly
/// one proof (`pA[0] == 1`) for exactly the public signals it was told to expect, so a test sees
/// which signals the checker computed. The real verifier with real proofs: test/market/inference.ts.
contract ExpectingInferenceVerifier is IInferenceVerifier {
    bytes32 public expected;

    function expect(uint256[5] calldata signals) external {
        expected = keccak256(abi.encode(signals));
    }

    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata,
        uint256[2] calldata,
        uint256[5] calldata pubSignals
    ) external view returns (bool) {
        return pA[0] == 1 && keccak256(abi.encode(pubSignals)) == expected;
    }
}

/**
 * @title TopicClassifierCheckerTest
 * @notice The on-chain tokenizer (edge cases: case, digits, non-ASCII bytes, long tokens, empty
 * prompt, punctuation, saturation, JSON payloads), the constructor's checks, and every attack on
 * `checkInference` with its exact `Inference*` error. The built-in vocabulary is written out here
 * (sdk/src/model/weights.ts); test/market/inference.ts compares the tokenizer with the SDK's
 * `extractFeatures` on every data-set sentence.
 */
contract TopicClassifierCheckerTest {
    bytes32 private constant DIGEST = 0x07b8a509a57e3ad5eef0ee3b32f931c99d42183f67fba0d9ce06d3b0f24219b4;
    /// @dev sha256 of the 64 words joined by "\n", shifted right 8 bits (computed with node:crypto).
    uint256 private constant VOCABULARY_HASH =
        236577917544091150715676547207370948546092916048099197122390519525878605917;
    uint256 private constant RAIN = 42;
    uint256 private constant BANK = 29;
    uint256 private constant LAPTOP = 0;
    uint256 private constant ENCRYPTED = 63;
    uint256 private constant RAINFALL = 51;
    uint256 private constant JOB = 7;

    ExpectingInferenceVerifier private verifier;
    TopicClassifierChecker private checker;

    error AssertionFailed(uint256 actual, uint256 expected);

    function setUp() public {
        verifier = new ExpectingInferenceVerifier();
        checker = new TopicClassifierChecker(verifier, DIGEST, _vocabulary(), _labels());
    }

    // ------------------------------------------------------------ construction

    function test_constructionComputesHashes() public view {
        _eq(checker.vocabularyHash(), VOCABULARY_HASH);
        vm.assertTrue(checker.modelDigest() == DIGEST, "digest");
        vm.assertTrue(checker.labelHash(0) == keccak256("weather"), "label 0");
        vm.assertTrue(checker.labelHash(3) == keccak256("technology"), "label 3");
        vm.assertTrue(checker.labelHash(4) == bytes32(0), "no label 4");
        vm.assertTrue(address(checker.verifier()) == address(verifier), "verifier");
    }

    function test_constructorRefusesBadVocabularies() public {
        string[] memory words = _vocabulary();
        words[5] = "Bonds"; // upper case
        _expectVocabulary(5, words);
        words = _vocabulary();
        words[9] = ""; // empty
        _expectVocabulary(9, words);
        words = _vocabulary();
        words[10] = "abcdefghijklmnopqrstuvwxyz012345"; // 32 bytes
        _expectVocabulary(10, words);
        words = _vocabulary();
        words[11] = "bro wser"; // a separator inside
        _expectVocabulary(11, words);
        words = _vocabulary();
        words[12] = "rain"; // duplicate of slot 42 (reported: the later one in sorted order)
        vm.expectRevert(abi.encodeWithSelector(ITopicClassifierChecker.InferenceInvalidVocabulary.selector, 42));
        new TopicClassifierChecker(verifier, DIGEST, words, _labels());
        string[] memory short = new string[](63);
        for (uint256 i = 0; i < 63; ++i) short[i] = _vocabulary()[i];
        _expectVocabulary(63, short);
    }

    function test_constructorRefusesBadLabels() public {
        string[] memory labels = _labels();
        labels[2] = "weather";
        vm.expectRevert(abi.encodeWithSelector(ITopicClassifierChecker.InferenceInvalidLabels.selector));
        new TopicClassifierChecker(verifier, DIGEST, _vocabulary(), labels);
        string[] memory three = new string[](3);
        vm.expectRevert(abi.encodeWithSelector(ITopicClassifierChecker.InferenceInvalidLabels.selector));
        new TopicClassifierChecker(verifier, DIGEST, _vocabulary(), three);
    }

    // ------------------------------------------------------------ tokenizer

    function test_tokenizerEdgeCases() public view {
        _eq(checker.features(""), 0);
        _eq(checker.features("rain"), _one(RAIN, 1));
        _eq(checker.features("RAIN Rain rAiN"), _one(RAIN, 3));
        // Punctuation and whitespace of every kind separate tokens.
        _eq(checker.features("rain,rain.rain!rain?\nrain\train-rain_rain"), _one(RAIN, 7));
        // Counts saturate at 7.
        _eq(checker.features("rain rain rain rain rain rain rain rain rain rain"), _one(RAIN, 7));
        // Digits belong to tokens: rain2 and 2rain are not rain.
        _eq(checker.features("rain2 2rain rain 2 rain22"), _one(RAIN, 1));
        // A vocabulary word inside a longer token is not counted; rainfall is its own word.
        _eq(checker.features("rainfall rains"), _one(RAINFALL, 1));
        // Non-ASCII bytes separate tokens: e-acute (c3 a9), the Kelvin sign (e2 84 aa), a NUL byte.
        _eq(checker.features(hex"7261696ec3a97261696e"), _one(RAIN, 2));
        _eq(checker.features(hex"62616ee284aa"), 0); // "ban" + Kelvin sign: not "bank"
        _eq(checker.features(hex"72616900006e"), 0);
        _eq(checker.features(hex"ff7261696eff"), _one(RAIN, 1));
        // First and last slots (bits 0..2 and 189..191).
        _eq(checker.features("laptop ENCRYPTED"), _one(LAPTOP, 1) + _one(ENCRYPTED, 1));
        _eq(checker.features("bank bank BANK"), _one(BANK, 3));
    }

    function test_tokenizerIgnoresLongTokens() public view {
        // 31 bytes (the longest word the table can hold) that are no word; then 32, 33 and 40 bytes
        // starting with a vocabulary word: none counted, and a word after them still is.
        _eq(checker.features("rainrainrainrainrainrainrainrai"), 0);
        _eq(checker.features("rainrainrainrainrainrainrainrain"), 0);
        _eq(checker.features("laptopxxxxxxxxxxxxxxxxxxxxxxxxxxx rain"), _one(RAIN, 1));
        _eq(checker.features("encryptedencryptedencryptedencrypted!"), 0);
    }

    function test_tokenizerOnCanonicalPayload() public view {
        // JSON keys, the model name, seed and nonce are no vocabulary words; JSON escapes are bytes too.
        // solhint-disable quotes
        bytes memory payload = bytes(
            '{"model":"aitbc-topic","prompt":"Will it rain in Paris tonight? Bring an umbrella",'
            '"seed":42,"nonce":"0badc0ffee"}'
        );
        _eq(checker.features(payload), _one(RAIN, 1) + _one(8, 1) + _one(30, 1) + _one(47, 1));
        // "\n" is escaped in JSON: the bytes are a backslash and an n, so "\nrain" is the token "nrain".
        _eq(checker.features(bytes('{"prompt":"x\\nrain \\"rain\\""}')), _one(RAIN, 1));
        // solhint-enable quotes
    }

    // ------------------------------------------------------------ checkInference

    function test_acceptsTheProofForExactlyItsSignals() public {
        bytes memory prompt = _payload("will the stocks drop");
        uint256 features = checker.features(prompt);
        vm.assertTrue(features != 0, "has features");
        verifier.expect([uint256(2), uint256(DIGEST), features, VOCABULARY_HASH, JOB]);
        checker.checkInference(JOB, keccak256(prompt), keccak256("finance"), 1, _evidence(prompt));
    }

    function test_attackWrongClassLabel() public {
        bytes memory prompt = _expectFinance();
        // The proof says finance (class 2); the provider submits "sports".
        vm.expectRevert(abi.encodeWithSelector(IInferenceChecker.InferenceInvalidProof.selector, JOB));
        checker.checkInference(JOB, keccak256(prompt), keccak256("sports"), 1, _evidence(prompt));
    }

    function test_attackOutputThatIsNoLabel() public {
        bytes memory prompt = _expectFinance();
        bytes32 output = keccak256("finance ");
        vm.expectRevert(abi.encodeWithSelector(IInferenceChecker.InferenceOutputMismatch.selector, output, bytes32(0)));
        checker.checkInference(JOB, keccak256(prompt), output, 1, _evidence(prompt));
    }

    function test_attackAnotherPrompt() public {
        bytes memory prompt = _expectFinance();
        bytes memory other = _payload("will the laptop update");
        // The evidence carries another prompt than the job's hash commits to.
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceChecker.InferencePromptMismatch.selector,
                keccak256(prompt),
                keccak256(other)
            )
        );
        checker.checkInference(JOB, keccak256(prompt), keccak256("finance"), 1, _evidence(other));
        // Consistent hash and evidence for the other prompt: its features differ from the proof's.
        vm.expectRevert(abi.encodeWithSelector(IInferenceChecker.InferenceInvalidProof.selector, JOB));
        checker.checkInference(JOB, keccak256(other), keccak256("finance"), 1, _evidence(other));
    }

    function test_attackAnotherModelDigest() public {
        bytes memory prompt = _expectFinance();
        // A made-up model whose only difference is its digest: its checker binds that digest.
        TopicClassifierChecker madeUp = new TopicClassifierChecker(
            verifier,
            keccak256("made-up model"),
            _vocabulary(),
            _labels()
        );
        vm.expectRevert(abi.encodeWithSelector(IInferenceChecker.InferenceInvalidProof.selector, JOB));
        madeUp.checkInference(JOB, keccak256(prompt), keccak256("finance"), 1, _evidence(prompt));
    }

    function test_attackProofForAnotherJobKey() public {
        bytes memory prompt = _expectFinance();
        vm.expectRevert(abi.encodeWithSelector(IInferenceChecker.InferenceInvalidProof.selector, JOB + 1));
        checker.checkInference(JOB + 1, keccak256(prompt), keccak256("finance"), 1, _evidence(prompt));
    }

    function test_attackTokenCount() public {
        bytes memory prompt = _expectFinance();
        for (uint256 count = 0; count < 3; count += 2) {
            vm.expectRevert(abi.encodeWithSelector(IInferenceChecker.InferenceTokenCountMismatch.selector, count, 1));
            checker.checkInference(JOB, keccak256(prompt), keccak256("finance"), count, _evidence(prompt));
        }
        vm.expectRevert(abi.encodeWithSelector(IInferenceChecker.InferenceTokenCountMismatch.selector, 100, 1));
        checker.checkInference(JOB, keccak256(prompt), keccak256("finance"), 100, _evidence(prompt));
    }

    function test_attackInvalidProof() public {
        bytes memory prompt = _expectFinance();
        uint256[8] memory proof;
        proof[0] = 2;
        vm.expectRevert(abi.encodeWithSelector(IInferenceChecker.InferenceInvalidProof.selector, JOB));
        checker.checkInference(JOB, keccak256(prompt), keccak256("finance"), 1, abi.encode(prompt, proof));
    }

    function test_attackMalformedEvidence() public {
        bytes memory prompt = _expectFinance();
        bytes memory good = _evidence(prompt);
        bytes memory malformed = bytes.concat(good, bytes1(0));
        _expectMalformed(prompt, malformed); // trailing byte
        _expectMalformed(prompt, bytes.concat(good, new bytes(32))); // trailing word
        _expectMalformed(prompt, ""); // empty
        uint256[8] memory proof;
        proof[0] = 1;
        _expectMalformed(prompt, abi.encode(proof, prompt)); // wrong order: offset is not 288
        // Declared length larger than the data.
        bytes memory longer = good;
        assembly ("memory-safe") {
            mstore(add(longer, add(0x20, 288)), 1000)
        }
        _expectMalformed(prompt, longer);
    }

    // ------------------------------------------------------------ helpers

    function _expectFinance() private returns (bytes memory prompt) {
        prompt = _payload("will the stocks drop");
        verifier.expect([uint256(2), uint256(DIGEST), checker.features(prompt), VOCABULARY_HASH, JOB]);
    }

    function _expectMalformed(bytes memory prompt, bytes memory evidence) private {
        vm.expectRevert(abi.encodeWithSelector(IInferenceChecker.InferenceMalformedEvidence.selector));
        checker.checkInference(JOB, keccak256(prompt), keccak256("finance"), 1, evidence);
    }

    function _payload(string memory text) private pure returns (bytes memory) {
        // solhint-disable-next-line quotes
        return abi.encodePacked('{"model":"aitbc-topic","prompt":"', text, '","seed":0,"nonce":"01"}');
    }

    function _evidence(bytes memory prompt) private pure returns (bytes memory) {
        uint256[8] memory proof;
        proof[0] = 1;
        return abi.encode(prompt, proof);
    }

    function _one(uint256 slot, uint256 count) private pure returns (uint256) {
        return count << (3 * slot);
    }

    function _expectVocabulary(uint256 index, string[] memory words) private {
        vm.expectRevert(abi.encodeWithSelector(ITopicClassifierChecker.InferenceInvalidVocabulary.selector, index));
        new TopicClassifierChecker(verifier, DIGEST, words, _labels());
    }

    function _labels() private pure returns (string[] memory labels) {
        labels = new string[](4);
        (labels[0], labels[1], labels[2], labels[3]) = ("weather", "sports", "finance", "technology");
    }

    // A data list: the 64 words, one a line.
    // solhint-disable-next-line function-max-lines
    function _vocabulary() private pure returns (string[] memory words) {
        string[64] memory v = [
            "laptop",
            "score",
            "storms",
            "currencies",
            "race",
            "bonds",
            "dividend",
            "memory",
            "tonight",
            "bandwidth",
            "router",
            "browser",
            "database",
            "earnings",
            "firmware",
            "frost",
            "lineup",
            "match",
            "playoff",
            "temperature",
            "server",
            "standings",
            "fog",
            "goals",
            "latency",
            "mortgage",
            "shares",
            "stocks",
            "tournament",
            "bank",
            "bring",
            "buy",
            "central",
            "drop",
            "fix",
            "game",
            "going",
            "gold",
            "improve",
            "leads",
            "moved",
            "portfolio",
            "rain",
            "reboot",
            "striker",
            "team",
            "too",
            "umbrella",
            "update",
            "won",
            "cloudy",
            "rainfall",
            "thunder",
            "battery",
            "final",
            "football",
            "humidity",
            "bitcoin",
            "forecast",
            "overvalued",
            "slow",
            "sunshine",
            "basketball",
            "encrypted"
        ];
        words = new string[](64);
        for (uint256 i = 0; i < 64; ++i) words[i] = v[i];
    }

    function _eq(uint256 actual, uint256 expected) private pure {
        if (actual != expected) revert AssertionFailed(actual, expected);
    }
}
