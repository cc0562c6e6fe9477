// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReceiptPublicSignals} from "../verifiers/ReceiptPublicSignals.sol";
import {ReceiptVerifier} from "../verifiers/ReceiptVerifier.sol";

/// @title ReceiptPublicSignalsHarness
/// @notice Test harness: exposes the `ReceiptPublicSignals` library and checks a receipt proof the
/// way JobEscrow does (public signals rebuilt on-chain from protocol values, with this contract's
/// own deployment domain `(block.chainid << 160) | address(this)`).
contract ReceiptPublicSignalsHarness {
    /// @notice The generated receipt verifier.
    ReceiptVerifier public immutable verifier;
    /// @notice Nullifiers of settled receipts (what an escrow must keep to stop replays).
    mapping(uint256 nullifier => bool spent) public nullifierSpent;

    /// @notice Emitted when a receipt is settled.
    /// @param jobId The job.
    /// @param nullifier Its nullifier, now spent.
    event ReceiptSettled(uint256 indexed jobId, uint256 nullifier);

    /// @notice The proof does not verify for the given values.
    error HarnessInvalidReceipt();
    /// @notice The nullifier was already used by a settled receipt.
    /// @param nullifier The reused nullifier.
    error HarnessNullifierSpent(uint256 nullifier);

    /// @param verifier_ The deployed `ReceiptVerifier`.
    constructor(ReceiptVerifier verifier_) {
        verifier = verifier_;
    }

    /// @notice See {ReceiptPublicSignals.domain}.
    /// @param chainId The chain id (< 2^64).
    /// @param escrow The escrow address.
    /// @return The domain public signal. Reverts with `ReceiptChainIdTooLarge`.
    function domain(uint256 chainId, address escrow) external pure returns (uint256) {
        return ReceiptPublicSignals.domain(chainId, escrow);
    }

    /// @notice See {ReceiptPublicSignals.build}.
    /// @param nullifier The submitted nullifier.
    /// @param identityCommitment The provider's identity commitment.
    /// @param domain_ The deployment domain.
    /// @param jobId Escrow job id.
    /// @param tokenCount Tokens produced.
    /// @param pricePerToken Wei per token.
    /// @param modelDigest Model digest.
    /// @param promptHash Prompt hash.
    /// @param outputHash Output hash.
    /// @return The seven public signals.
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
    ) external pure returns (uint256[7] memory) {
        return
            ReceiptPublicSignals.build(
                nullifier,
                identityCommitment,
                domain_,
                jobId,
                tokenCount,
                pricePerToken,
                modelDigest,
                promptHash,
                outputHash
            );
    }

    /// @notice Rebuilds the public signals from protocol values and this deployment's domain
    /// (`block.chainid`, `address(this)`), and verifies the proof.
    /// @param proof `[pA[0], pA[1], pB[0][0], pB[0][1], pB[1][0], pB[1][1], pC[0], pC[1]]`.
    /// @param nullifier The submitted nullifier.
    /// @param identityCommitment The provider's identity commitment.
    /// @param jobId Escrow job id.
    /// @param tokenCount Tokens produced.
    /// @param pricePerToken Wei per token.
    /// @param digests `[modelDigest, promptHash, outputHash]`.
    /// @return True iff the proof is valid for exactly these values.
    function verifyReceipt(
        uint256[8] calldata proof,
        uint256 nullifier,
        uint256 identityCommitment,
        uint256 jobId,
        uint256 tokenCount,
        uint256 pricePerToken,
        bytes32[3] calldata digests
    ) public view returns (bool) {
        uint256[7] memory signals = ReceiptPublicSignals.build(
            nullifier,
            identityCommitment,
            ReceiptPublicSignals.domain(block.chainid, address(this)),
            jobId,
            tokenCount,
            pricePerToken,
            digests[0],
            digests[1],
            digests[2]
        );
        return
            verifier.verifyProof(
                [proof[0], proof[1]],
                [[proof[2], proof[3]], [proof[4], proof[5]]],
                [proof[6], proof[7]],
                signals
            );
    }

    /// @notice Settles a receipt like an escrow would: verify, then spend the nullifier.
    /// @param proof See {verifyReceipt}.
    /// @param nullifier The submitted nullifier.
    /// @param identityCommitment The provider's identity commitment.
    /// @param jobId Escrow job id.
    /// @param tokenCount Tokens produced.
    /// @param pricePerToken Wei per token.
    /// @param digests `[modelDigest, promptHash, outputHash]`.
    /// Emits `ReceiptSettled`. Reverts with `HarnessNullifierSpent` or `HarnessInvalidReceipt`.
    function settle(
        uint256[8] calldata proof,
        uint256 nullifier,
        uint256 identityCommitment,
        uint256 jobId,
        uint256 tokenCount,
        uint256 pricePerToken,
        bytes32[3] calldata digests
    ) external {
        if (nullifierSpent[nullifier]) revert HarnessNullifierSpent(nullifier);
        if (!verifyReceipt(proof, nullifier, identityCommitment, jobId, tokenCount, pricePerToken, digests)) {
            revert HarnessInvalidReceipt();
        }
        nullifierSpent[nullifier] = true;
        emit ReceiptSettled(jobId, nullifier);
    }
}
