pragma circom 2.1.6;

include "circomlib/circuits/poseidon.circom";

// Poseidon chain of the SDK (sdk/commit/poseidon.ts):
//   h_0 = n;  h_{i+1} = Poseidon(h_i, x_{15i+1}, ..., x_{15i+15})   (zero-padded)
template PoseidonChain(n) {
    signal input in[n];
    signal output out;
    var chunk = 15;
    var steps = n == 0 ? 1 : (n + chunk - 1) \ chunk;
    component hash[steps];
    for (var s = 0; s < steps; s++) {
        hash[s] = Poseidon(chunk + 1);
        hash[s].inputs[0] <== s == 0 ? n : hash[s - 1].out;
        for (var i = 0; i < chunk; i++) {
            var k = s * chunk + i;
            hash[s].inputs[i + 1] <== k < n ? in[k] : 0;
        }
    }
    out <== hash[steps - 1].out;
}
