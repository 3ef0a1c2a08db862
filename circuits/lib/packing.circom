pragma circom 2.1.6;

// The model input as packed public signals (sdk/zk/groth16/packing.ts,
// docs/groth16.md): n signed bits-wide values, each offset by 2^(bits-1) into
// [0, 2^bits), little-endian, per = floor(253 / bits) values per signal:
//   packed[k] = sum_{j < per, i = k*per + j < n} (in[i] + 2^(bits-1)) * 2^(bits*j)
// The caller range-checks every in[i] (SignedRange(bits)): then each packed
// value is below 2^253 < p and determines the inputs uniquely. The constraints
// are linear, so after --O2 they cost no non-linear constraint.
template PackedInputs(n, bits) {
    assert(n >= 1);
    assert(bits >= 1 && bits <= 253);
    var per = 253 \ bits;
    var count = (n + per - 1) \ per;
    signal input in[n];
    signal input packed[count];
    for (var k = 0; k < count; k++) {
        var sum = 0;
        for (var j = 0; j < per && k * per + j < n; j++) {
            sum += (in[k * per + j] + 2 ** (bits - 1)) * 2 ** (bits * j);
        }
        packed[k] === sum;
    }
}

// The model output as packed public signals, the same packing as PackedInputs:
// packed[k] = sum_j (in[k*per + j] + 2^(bits-1)) * 2^(bits*j). The outputs are
// activations, each already determined by the circuit's constraints; the
// packing is linear (no non-linear constraint), and the adapter range-checks
// the output it packs, so a packed value stands for one output only.
template PackedOutputs(n, bits) {
    assert(n >= 1);
    assert(bits >= 1 && bits <= 253);
    var per = 253 \ bits;
    var count = (n + per - 1) \ per;
    signal input in[n];
    signal output packed[count];
    for (var k = 0; k < count; k++) {
        var sum = 0;
        for (var j = 0; j < per && k * per + j < n; j++) {
            sum += (in[k * per + j] + 2 ** (bits - 1)) * 2 ** (bits * j);
        }
        packed[k] <== sum;
    }
}
