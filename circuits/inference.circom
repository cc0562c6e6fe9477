pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "./lib/packing.circom";
include "./lib/poseidon_chain.circom";

/*
 * Full proof of inference for the AITBC built-in model (sdk/src/model): a quantized MLP
 * N_IN -> N_HID (ReLU, then >> SHIFT) -> N_OUT over bag-of-words counts.
 *
 * Proves: predictedClass is exactly the model's output on `features`, for the model whose weights
 * and vocabulary hash hash to the public modelDigest, for the job `jobKey`.
 *
 * The model's input is the job's prompt: the exact prompt payload bytes that the job's prompt
 * hash commits to (promptHash = keccak256(bytes)). Whoever checks the proof recomputes `features`
 * from those bytes (lower-cased ASCII alphanumeric runs counted over the vocabulary, counts
 * saturating at 2^COUNT_BITS - 1) and `vocabularyHash` from the vocabulary, and compares both with
 * the public signals (TopicClassifierChecker on-chain, verifyInference in sdk/src/zk/inference.ts).
 *
 * Private inputs:
 *   weights[N_WORDS]        signed 8-bit parameters packed 31 per word (see UnpackSigned), in the
 *                           order w1 (row per hidden unit), b1, w2 (row per class), b2
 * Public signals (snarkjs order: outputs first, then public inputs in declaration order), 5 in total:
 *   [0] predictedClass      smallest k with maximal logit y[k], 0 <= k < N_OUT
 *   [1] modelDigest         PoseidonChain(tag, [vocabularyHash, ...weights]),
 *                           tag = VERSION + 2^8 N_IN + 2^16 N_HID + 2^24 N_OUT + 2^32 SHIFT + 2^40 * 8
 *   [2] features            sum_i x[i] * 2^(COUNT_BITS * i), x[i] in 0..2^COUNT_BITS - 1
 *   [3] vocabularyHash      sha256(vocabulary joined by "\n") >> 8 (binds the feature extraction)
 *   [4] jobKey              the job the proof is for: the escrow's job id (JobEscrow) or
 *                           uint256(requestDigest) >> 8 (BatchEscrow); bound by a square constraint
 * Arithmetic (bit-exact with runMlp in sdk/src/model/mlp.ts):
 *   z[j] = b1[j] + sum_i w1[j][i] x[i];  h[j] = z[j] >= 0 ? floor(z[j] / 2^SHIFT) : 0
 *   y[k] = b2[k] + sum_j w2[k][j] h[j]
 */

/// ReLU followed by a right shift, for |in| < 2^zBits. Constraints: zBits + 2.
template ReluShift(zBits, shift) {
    signal input in;
    signal output out;
    component bits = Num2Bits(zBits + 1);
    bits.in <== in + (1 << zBits);
    // bits.out[zBits] == 1 iff in >= 0; then bits 0..zBits-1 are in's bits.
    var magnitude = 0;
    for (var i = shift; i < zBits; i++) {
        magnitude += bits.out[i] * (1 << (i - shift));
    }
    out <== bits.out[zBits] * magnitude;
}

template InferenceMlp(VERSION, N_IN, N_HID, N_OUT, SHIFT, COUNT_BITS) {
    var WEIGHT_BITS = 8;
    var PER_WORD = 31;
    var N_PARAMS = N_HID * N_IN + N_HID + N_OUT * N_HID + N_OUT;
    var N_WORDS = (N_PARAMS + PER_WORD - 1) \ PER_WORD;
    var Z_BITS = 16;
    var MAX_COUNT = (1 << COUNT_BITS) - 1;
    var HALF = 1 << (WEIGHT_BITS - 1);
    // |z| <= (N_IN * MAX_COUNT + 1) * 128 must stay below 2^Z_BITS.
    assert((N_IN * MAX_COUNT + 1) * HALF < (1 << Z_BITS));
    // 0 <= h < 2^(Z_BITS - SHIFT); |y| <= (N_HID * 2^(Z_BITS - SHIFT) + 1) * 128; margins < 2^Y_BITS.
    var Y_BITS = Z_BITS - SHIFT + WEIGHT_BITS + 3;
    var nh = N_HID;
    while (nh > 1) {
        Y_BITS += 1;
        nh = (nh + 1) \ 2;
    }
    assert(Y_BITS < 250);
    var TAG = VERSION + N_IN * (1 << 8) + N_HID * (1 << 16) + N_OUT * (1 << 24) + SHIFT * (1 << 32)
        + WEIGHT_BITS * (1 << 40);

    signal input modelDigest;
    signal input features;
    signal input vocabularyHash;
    signal input jobKey;
    signal input weights[N_WORDS];
    signal output predictedClass;

    // The job the proof is for: used in no other constraint, so bound by a non-linear constraint
    // of its own (a proof for one job then verifies for no other job key).
    signal jobKeySquare;
    jobKeySquare <== jobKey * jobKey;

    // Weights are bound to the public digest.
    component digest = PoseidonChain(TAG, N_WORDS + 1);
    digest.in[0] <== vocabularyHash;
    for (var w = 0; w < N_WORDS; w++) {
        digest.in[w + 1] <== weights[w];
    }
    digest.out === modelDigest;

    component params = UnpackSigned(N_WORDS, PER_WORD, N_PARAMS, WEIGHT_BITS);
    params.words <== weights;
    var B1 = N_HID * N_IN;
    var W2 = B1 + N_HID;
    var B2 = W2 + N_OUT * N_HID;

    // Inputs: N_IN counts of COUNT_BITS bits each.
    component featureBits = Num2Bits(N_IN * COUNT_BITS);
    featureBits.in <== features;
    signal x[N_IN];
    for (var i = 0; i < N_IN; i++) {
        var count = 0;
        for (var b = 0; b < COUNT_BITS; b++) {
            count += featureBits.out[COUNT_BITS * i + b] * (1 << b);
        }
        x[i] <== count;
    }

    // Hidden layer.
    signal prod1[N_HID][N_IN];
    component relu[N_HID];
    signal h[N_HID];
    for (var j = 0; j < N_HID; j++) {
        var z = params.values[B1 + j];
        for (var i = 0; i < N_IN; i++) {
            prod1[j][i] <== params.values[j * N_IN + i] * x[i];
            z += prod1[j][i];
        }
        relu[j] = ReluShift(Z_BITS, SHIFT);
        relu[j].in <== z;
        h[j] <== relu[j].out;
    }

    // Output layer.
    signal prod2[N_OUT][N_HID];
    signal y[N_OUT];
    for (var k = 0; k < N_OUT; k++) {
        var acc = params.values[B2 + k];
        for (var j = 0; j < N_HID; j++) {
            prod2[k][j] <== params.values[W2 + k * N_HID + j] * h[j];
            acc += prod2[k][j];
        }
        y[k] <== acc;
    }

    // Argmax (smallest index among maxima): hint, then check.
    var best = 0;
    for (var k = 1; k < N_OUT; k++) {
        if (y[k] > y[best]) {
            best = k;
        }
    }
    predictedClass <-- best;
    component isClass[N_OUT];
    signal selected[N_OUT];
    var oneHotSum = 0;
    var bestLogit = 0;
    for (var k = 0; k < N_OUT; k++) {
        isClass[k] = IsEqual();
        isClass[k].in[0] <== predictedClass;
        isClass[k].in[1] <== k;
        oneHotSum += isClass[k].out;
        selected[k] <== isClass[k].out * y[k];
        bestLogit += selected[k];
    }
    oneHotSum === 1;
    // margin[k] = y[c] - y[k] - [k < c] must be in [0, 2^Y_BITS).
    component margin[N_OUT];
    for (var k = 0; k < N_OUT; k++) {
        var classAbove = 0;
        for (var m = k + 1; m < N_OUT; m++) {
            classAbove += isClass[m].out;
        }
        margin[k] = Num2Bits(Y_BITS);
        margin[k].in <== bestLogit - y[k] - classAbove;
    }
}

component main {public [modelDigest, features, vocabularyHash, jobKey]} = InferenceMlp(1, 64, 8, 4, 0, 3);
