pragma circom 2.1.6;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "./lib/packing.circom";

/*
 * AITBC inference-job receipt.
 *
 * Proves: the prover knows `secret` with Poseidon(secret) == identityCommitment (the provider's
 * identity registered in staking), and binds to that identity, for one deployment `domain`, one job's
 *   jobId (uint64), tokenCount (uint32), pricePerToken (uint128, wei),
 *   modelDigest, promptHash, outputHash (bytes32 each, as 128-bit hi/lo limbs),
 * and outputs nullifier = Poseidon(secret, domain, jobId). The fee is not an input: it is
 * tokenCount * pricePerToken, both bound (range-checked) here, and the escrow computes it.
 *
 * Private inputs: secret, jobId, tokenCount, pricePerToken,
 *                 modelDigest[2], promptHash[2], outputHash[2]   ([0] = hi, [1] = lo)
 * Public signals (snarkjs order: outputs first, then public inputs in declaration order), 7 in total:
 *   [0] nullifier          = Poseidon(secret, domain, jobId)
 *   [1] identityCommitment = Poseidon(secret)
 *   [2] domain             = (chainId << 160) | uint160(escrow), chainId < 2^64 (set by the escrow
 *                            from block.chainid and address(this); a proof for one escrow on one
 *                            chain verifies for no other, and its nullifier differs per deployment)
 *   [3..6] packed[0..3]    = the 124-byte string
 *         B = uint64 jobId || uint32 tokenCount || uint128 pricePerToken
 *             || bytes32 modelDigest || bytes32 promptHash || bytes32 outputHash
 *       cut into four 31-byte big-endian words: packed[i] = uint248(B[31i : 31i + 31]).
 *       In Solidity: abi.encodePacked(uint64, uint32, uint128, bytes32, bytes32, bytes32).
 * Mirrored by receiptPublicSignals() in sdk/src/zk/receipt.ts and by
 * contracts/verifiers/ReceiptPublicSignals.sol.
 */
template Receipt() {
    signal input identityCommitment;
    signal input domain;
    signal input packed[4];

    signal input secret;
    signal input jobId;
    signal input tokenCount;
    signal input pricePerToken;
    signal input modelDigest[2];
    signal input promptHash[2];
    signal input outputHash[2];

    signal output nullifier;

    // Identity: the prover knows the secret behind the registered commitment.
    component identity = Poseidon(1);
    identity.inputs[0] <== secret;
    identity.out === identityCommitment;

    // Nullifier: deterministic in (secret, domain, jobId), so a second settlement of the job is
    // caught, and the same job id on another escrow or chain has another nullifier. `domain` is
    // bound by this constraint (it is a Poseidon input), so no extra constraint is needed for it.
    component nullifierHash = Poseidon(3);
    nullifierHash.inputs[0] <== secret;
    nullifierHash.inputs[1] <== domain;
    nullifierHash.inputs[2] <== jobId;
    nullifier <== nullifierHash.out;

    // Range checks, in byte-string order; each gives the field's bits most-significant first.
    component job = BigEndianBits(64);
    job.in <== jobId;
    component tokens = BigEndianBits(32);
    tokens.in <== tokenCount;
    component price = BigEndianBits(128);
    price.in <== pricePerToken;
    component limbs[6];
    for (var i = 0; i < 6; i++) {
        limbs[i] = BigEndianBits(128);
    }
    limbs[0].in <== modelDigest[0];
    limbs[1].in <== modelDigest[1];
    limbs[2].in <== promptHash[0];
    limbs[3].in <== promptHash[1];
    limbs[4].in <== outputHash[0];
    limbs[5].in <== outputHash[1];

    // The 992-bit string B, most-significant bit first.
    signal bits[992];
    for (var i = 0; i < 64; i++) {
        bits[i] <== job.out[i];
    }
    for (var i = 0; i < 32; i++) {
        bits[64 + i] <== tokens.out[i];
    }
    for (var i = 0; i < 128; i++) {
        bits[96 + i] <== price.out[i];
    }
    for (var l = 0; l < 6; l++) {
        for (var i = 0; i < 128; i++) {
            bits[224 + 128 * l + i] <== limbs[l].out[i];
        }
    }

    // packed[w] = big-endian value of bits[248w .. 248w + 247].
    for (var w = 0; w < 4; w++) {
        var word = 0;
        for (var i = 0; i < 248; i++) {
            word += bits[248 * w + i] * (1 << (247 - i));
        }
        packed[w] === word;
    }
}

component main {public [identityCommitment, domain, packed]} = Receipt();
