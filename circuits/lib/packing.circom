pragma circom 2.1.6;

// The model input as packed public signals (sdk/zk/groth16/packing.ts,
// docs/groth16.md): n signed bits-wide values, each offset by 2^(bits-1) into
// [0, 2^bits), big-endian (the chunk's first value in the top bits, as the
// request's int16 bytes read), per = floor(253 / bits) values per signal, m_k of
// them in signal k (per, or what is left for the last one):
//   packed[k] = sum_{j < m_k, i = k*per + j} (in[i] + 2^(bits-1)) * 2^(bits*(m_k-1-j))
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
        var m = n - k * per < per ? n - k * per : per;
        var sum = 0;
        for (var j = 0; j < m; j++) {
            sum += (in[k * per + j] + 2 ** (bits - 1)) * 2 ** (bits * (m - 1 - j));
        }
        packed[k] === sum;
    }
}

// The model output as packed public signals, the same packing as PackedInputs:
// packed[k] = sum_j (in[k*per + j] + 2^(bits-1)) * 2^(bits*(m_k-1-j)). The outputs are
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
        var m = n - k * per < per ? n - k * per : per;
        var sum = 0;
        for (var j = 0; j < m; j++) {
            sum += (in[k * per + j] + 2 ** (bits - 1)) * 2 ** (bits * (m - 1 - j));
        }
        packed[k] <== sum;
    }
}
