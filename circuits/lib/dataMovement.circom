pragma circom 2.1.6;

// Data movement costs nothing in a circuit: a moved element is the same signal (sdk/zk/groth16/lowerings/dataMovement.ts).
// The one exception is a lookup at an index known only at proving time (Gather of a constant table at
// token ids or an ArgMax output), which selects a row with a one-hot vector.

// The one-hot vector of an index in [-n, n) (ONNX Gather's range: a negative index counts from the
// end): out[v] = 1 exactly for v = in + n * (in < 0). Any other `in` leaves the constraints
// unsatisfiable, so the index is range-checked to the table by construction. A row of a constant
// table is then a linear combination sum_v out[v] * table[v] (no constraint).
// Cost: n + 1 constraints (n binary selectors and a binary sign; both sums are linear), 1 for n = 1.
template OneHotIndex(n) {
    signal input in;
    signal output out[n];
    signal negative;
    negative <-- in < 0 ? 1 : 0;
    negative * (negative - 1) === 0;
    var count = 0;
    var position = 0;
    for (var v = 0; v < n; v++) {
        out[v] <-- in + negative * n == v ? 1 : 0;
        out[v] * (out[v] - 1) === 0;
        count += out[v];
        position += v * out[v];
    }
    // exactly one selector is set, and it sits at the normalised index
    count === 1;
    position === in + negative * n;
}
