pragma circom 2.1.6;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";

/*
 * AITBC batch receipt: one proof for a whole batch of jobs settled by `BatchEscrow.settleBatch`.
 *
 * Proves: the prover knows `secret` with Poseidon(secret) == identityCommitment (the provider's
 * identity registered in staking), and binds that knowledge to `commitment`, which the escrow
 * computes itself from what it checked:
 *   commitment = uint256(keccak256(abi.encode(block.chainid, address(escrow), provider, jobsRoot,
 *                jobCount))) >> 8
 * where jobsRoot is the Merkle root of the batch's leaves (each leaf binds the job's index, the
 * consumer's signed request digest, consumer, outputHash, tokenCount and fee). Every per-job value
 * is thus bound through the root; the request nonces (the per-job nullifiers) are spent by the
 * escrow. The proof cannot be moved to another batch, provider, escrow or chain: each changes the
 * commitment, a public input of the proof.
 *
 * Private inputs: secret
 * Public signals (snarkjs order: outputs first, then public inputs in declaration order), 2 in total:
 *   [0] identityCommitment = Poseidon(secret)
 *   [1] commitment         < 2^248 (range-checked), bound by a square constraint
 * Mirrored by batchCommitment() / proveBatchReceipt() in sdk/src/zk/batch.ts; verified on-chain by
 * contracts/verifiers/BatchReceiptVerifier.sol (IBatchReceiptVerifier).
 */
template BatchReceipt() {
    signal input identityCommitment;
    signal input commitment;

    signal input secret;

    // Identity: the prover knows the secret behind the registered commitment.
    component identity = Poseidon(1);
    identity.inputs[0] <== secret;
    identity.out === identityCommitment;

    // The commitment is a 248-bit value (the escrow shifts the keccak digest right by 8 bits), so
    // it is a canonical field element with a unique encoding.
    component commitmentBits = Num2Bits(248);
    commitmentBits.in <== commitment;

    // Binds the public commitment by a non-linear constraint of its own, so that no optimisation
    // can drop it from the proof's statement.
    signal commitmentSquare;
    commitmentSquare <== commitment * commitment;
}

component main {public [identityCommitment, commitment]} = BatchReceipt();
