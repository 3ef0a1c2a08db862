pragma circom 2.1.6;

// Templates of the reductions (sdk/zk/groth16/lowerings/reduce.ts) beyond fixedpoint.circom's
// Max2, Saturate and DivRoundHalfUp.

include "circomlib/circuits/bitify.circom";

// out = min(a, b) for a, b in the signed actBits range (ReduceMin). Costs actBits + 2 constraints,
// like Max2: a - b lies in (-2^actBits, 2^actBits); bit actBits of (a - b + 2^actBits) is [a >= b].
template Min2(actBits) {
    signal input a;
    signal input b;
    signal output out;
    component n2b = Num2Bits(actBits + 1);
    n2b.in <== a - b + (1 << actBits);
    out <== a + n2b.out[actBits] * (b - a);
}
