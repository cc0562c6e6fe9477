pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";

/// Range-checks `in` to `n` bits and returns its bits most-significant first.
/// Constraints: n + 1.
template BigEndianBits(n) {
    signal input in;
    signal output out[n];
    component bits = Num2Bits(n);
    bits.in <== in;
    for (var i = 0; i < n; i++) {
        out[i] <== bits.out[n - 1 - i];
    }
}

/// Unpacks `total` signed integers of `bits` bits, stored `perWord` per word in offset encoding
/// (value + 2^(bits-1)), value n in bits bits*(n mod perWord) .. of word floor(n / perWord).
/// Every word is range-checked to exactly the bits it uses, so the encoding is unique.
/// Constraints: total * bits.
template UnpackSigned(nWords, perWord, total, bits) {
    signal input words[nWords];
    signal output values[total];
    assert(nWords * perWord >= total && (nWords - 1) * perWord < total);
    assert(perWord * bits <= 252);
    component decode[nWords];
    for (var w = 0; w < nWords; w++) {
        var count = total - w * perWord;
        if (count > perWord) {
            count = perWord;
        }
        decode[w] = Num2Bits(count * bits);
        decode[w].in <== words[w];
        for (var s = 0; s < count; s++) {
            var value = 0;
            for (var b = 0; b < bits; b++) {
                value += decode[w].out[s * bits + b] * (1 << b);
            }
            values[w * perWord + s] <== value - (1 << (bits - 1));
        }
    }
}
