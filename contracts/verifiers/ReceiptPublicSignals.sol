// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ReceiptPublicSignals
/// @notice Builds the seven public signals of the AITBC receipt circuit (circuits/receipt.circom)
/// from protocol values, for `ReceiptVerifier.verifyProof`. Hand-written (NOT generated); mirrors
/// `receiptPublicSignals` in sdk/src/zk/receipt.ts, and tests check that both agree.
/// @dev Layout: `[nullifier, identityCommitment, domain, packed0, packed1, packed2, packed3]`, where
/// `domain = (chainId << 160) | uint160(escrow)` binds the proof to one escrow on one chain (the
/// nullifier is `Poseidon(secret, domain, jobId)`), and the packed words are the 124-byte string
/// `abi.encodePacked(uint64 jobId, uint32 tokenCount, uint128 pricePerToken, bytes32 modelDigest,
/// bytes32 promptHash, bytes32 outputHash)` cut into four 31-byte big-endian words. Computed with
/// shifts only (no hashing): about 1k gas.
library ReceiptPublicSignals {
    /// @notice The BN254 scalar field modulus; every public signal must be below it.
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @notice The job id does not fit in 64 bits (the circuit's range).
    /// @param jobId The rejected id.
    error ReceiptJobIdTooLarge(uint256 jobId);
    /// @notice The token count does not fit in 32 bits.
    /// @param tokenCount The rejected count.
    error ReceiptTokenCountTooLarge(uint256 tokenCount);
    /// @notice The price per token (wei) does not fit in 128 bits.
    /// @param pricePerToken The rejected price.
    error ReceiptPriceTooLarge(uint256 pricePerToken);
    /// @notice A nullifier or identity commitment is not a BN254 field element.
    /// @param value The rejected value.
    error ReceiptNotAFieldElement(uint256 value);
    /// @notice The chain id does not fit in 64 bits (the domain packs it above the escrow address).
    /// @param chainId The rejected chain id.
    error ReceiptChainIdTooLarge(uint256 chainId);

    /// @notice The receipt's deployment domain: `(chainId << 160) | uint160(escrow)`, below 2^224.
    /// @param chainId The chain id (`block.chainid`), must be < 2^64.
    /// @param escrow The escrow the receipt settles on (`address(this)` in the escrow).
    /// @return The domain public signal.
    /// Reverts with `ReceiptChainIdTooLarge`.
    function domain(uint256 chainId, address escrow) internal pure returns (uint256) {
        if (chainId > type(uint64).max) revert ReceiptChainIdTooLarge(chainId);
        return (chainId << 160) | uint256(uint160(escrow));
    }

    /// @notice Packs the job fields into the four 248-bit public words.
    /// @param jobId Escrow job id (must be < 2^64).
    /// @param tokenCount Tokens produced (must be < 2^32).
    /// @param pricePerToken Price in wei per token (must be < 2^128).
    /// @param modelDigest Digest of the model.
    /// @param promptHash Hash of the prompt.
    /// @param outputHash Hash of the output.
    /// @return p0 Bytes 0..30 of the packed string, big-endian.
    /// @return p1 Bytes 31..61.
    /// @return p2 Bytes 62..92.
    /// @return p3 Bytes 93..123.
    /// Reverts with `ReceiptJobIdTooLarge`, `ReceiptTokenCountTooLarge` or `ReceiptPriceTooLarge`.
    function pack(
        uint256 jobId,
        uint256 tokenCount,
        uint256 pricePerToken,
        bytes32 modelDigest,
        bytes32 promptHash,
        bytes32 outputHash
    ) internal pure returns (uint256 p0, uint256 p1, uint256 p2, uint256 p3) {
        if (jobId > type(uint64).max) revert ReceiptJobIdTooLarge(jobId);
        if (tokenCount > type(uint32).max) revert ReceiptTokenCountTooLarge(tokenCount);
        if (pricePerToken > type(uint128).max) revert ReceiptPriceTooLarge(pricePerToken);
        // The 992-bit string: jobId(64) | tokens(32) | price(128) | model(256) | prompt(256) | output(256).
        p0 = (jobId << 184) | (tokenCount << 152) | (pricePerToken << 24) | (uint256(modelDigest) >> 232);
        p1 = ((uint256(modelDigest) & ((1 << 232) - 1)) << 16) | (uint256(promptHash) >> 240);
        p2 = ((uint256(promptHash) & ((1 << 240) - 1)) << 8) | (uint256(outputHash) >> 248);
        p3 = uint256(outputHash) & ((1 << 248) - 1);
    }

    /// @notice Builds the full public-signal array for `ReceiptVerifier.verifyProof`.
    /// @param nullifier The nullifier the provider submits (Poseidon(secret, domain, jobId)); the
    /// caller must also record it as spent.
    /// @param identityCommitment The provider's registered identity commitment (Poseidon(secret)).
    /// @param domain_ The deployment domain, {domain}(block.chainid, address(this)).
    /// @param jobId Escrow job id (< 2^64).
    /// @param tokenCount Tokens produced (< 2^32); the caller checks it against the job's maximum.
    /// @param pricePerToken Price in wei per token (< 2^128); the fee is tokenCount * pricePerToken.
    /// @param modelDigest Digest of the model.
    /// @param promptHash Hash of the prompt.
    /// @param outputHash Hash of the output.
    /// @return signals `[nullifier, identityCommitment, domain, p0, p1, p2, p3]`.
    /// Reverts with `ReceiptNotAFieldElement` or the errors of {pack}.
    function build(
        uint256 nullifier,
        uint256 identityCommitment,
        uint256 domain_,
        uint256 jobId,
        uint256 tokenCount,
        uint256 pricePerToken,
        bytes32 modelDigest,
        bytes32 promptHash,
        bytes32 outputHash
    ) internal pure returns (uint256[7] memory signals) {
        if (nullifier >= SNARK_SCALAR_FIELD) revert ReceiptNotAFieldElement(nullifier);
        if (identityCommitment >= SNARK_SCALAR_FIELD) revert ReceiptNotAFieldElement(identityCommitment);
        if (domain_ >= SNARK_SCALAR_FIELD) revert ReceiptNotAFieldElement(domain_);
        signals[0] = nullifier;
        signals[1] = identityCommitment;
        signals[2] = domain_;
        (signals[3], signals[4], signals[5], signals[6]) = pack(
            jobId,
            tokenCount,
            pricePerToken,
            modelDigest,
            promptHash,
            outputHash
        );
    }
}
