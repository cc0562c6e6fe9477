pragma circom 2.1.6;

include "circomlib/circuits/poseidon.circom";

/// Chained Poseidon over n field elements with a domain tag:
/// h = tag; for each chunk c of up to 15 elements: h = Poseidon(h, ...c); out = h.
/// Mirrored by `modelDigest` in sdk/src/model/mlp.ts.
template PoseidonChain(tag, n) {
    signal input in[n];
    signal output out;
    var nChunks = (n + 14) \ 15;
    component hashers[nChunks];
    for (var c = 0; c < nChunks; c++) {
        var size = n - c * 15;
        if (size > 15) {
            size = 15;
        }
        hashers[c] = Poseidon(size + 1);
        if (c == 0) {
            hashers[c].inputs[0] <== tag;
        } else {
            hashers[c].inputs[0] <== hashers[c - 1].out;
        }
        for (var i = 0; i < size; i++) {
            hashers[c].inputs[i + 1] <== in[c * 15 + i];
        }
    }
    out <== hashers[nChunks - 1].out;
}
