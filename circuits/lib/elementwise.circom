pragma circom 2.1.6;

// Element-wise operators of the integer IR (docs/integer-semantics.md, section 4,
// "Element-wise arithmetic"); lowered by sdk/zk/groth16/lowerings/elementwise.ts,
// costs (non-linear constraints after --O2) in sdk/zk/groth16/costs.ts
// elementwiseCost. Activation inputs are range-checked signals of the model
// (graph inputs, or outputs of templates that range-check them); every value a
// template relies on beyond that is range-checked here.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "fixedpoint.circom";

// out = 1 iff in >= 0, for -2^(bits-1) <= in < 2^(bits-1). Costs bits constraints.
template NonNegative(bits) {
    signal input in;
    signal output out;
    component n2b = Num2Bits(bits);
    n2b.in <== in + (1 << (bits - 1));
    out <== n2b.out[bits - 1];
}

// out = saturate(-in) for an actBits activation: only -(-2^(actBits-1)) leaves the range.
// Costs 2 constraints.
template NegSaturate(actBits) {
    signal input in;
    signal output out;
    component atMin = IsZero();
    atMin.in <== in + (1 << (actBits - 1));
    out <== -in - atMin.out;
}

// out = saturate(|in|) for an actBits activation. Costs actBits + 3 constraints.
template AbsSaturate(actBits) {
    signal input in;
    signal output out;
    component sign = NonNegative(actBits);
    sign.in <== in;
    signal magnitude <== (2 * sign.out - 1) * in;
    component atMin = IsZero();
    atMin.in <== in + (1 << (actBits - 1));
    out <== magnitude - atMin.out;
}

// out = max(in, c) for a constant c and |in - c| < 2^bits. Costs bits + 2 constraints.
template MaxConst(bits, c) {
    signal input in;
    signal output out;
    // bit `bits` of in - c + 2^bits is [in >= c]
    component n2b = Num2Bits(bits + 1);
    n2b.in <== in - c + (1 << bits);
    out <== c + n2b.out[bits] * (in - c);
}

// out = min(in, c) for a constant c and |in - c| < 2^bits. Costs bits + 2 constraints.
template MinConst(bits, c) {
    signal input in;
    signal output out;
    // bit `bits` of c - in + 2^bits is [in <= c]
    component n2b = Num2Bits(bits + 1);
    n2b.in <== c - in + (1 << bits);
    out <== c + n2b.out[bits] * (in - c);
}

// out = in >= 0 ? in : saturate(rescale(scaled, shift)), where scaled = in * slope (a linear
// expression: the slope is a constant). LeakyRelu and PRelu. Costs accBits + 7 + actBits + 1.
template ScaleNegative(accBits, shift, actBits) {
    signal input in;
    signal input scaled;
    signal output out;
    component negative = RescaleSaturate(accBits, shift, actBits);
    negative.acc <== scaled;
    component sign = NonNegative(actBits);
    sign.in <== in;
    out <== negative.out + sign.out * (in - negative.out);
}

// out = clamp(rescale(t, shift), 0, hi) for |t| + 2^(shift-1) < 2^(tBits-1), 0 <= hi and
// 2^(tBits-1-shift) + hi < 2^qBits (so both comparisons fit). HardSigmoid.
// Costs tBits + 2 * (qBits + 2) constraints.
template RescaleClamp(tBits, shift, qBits, hi) {
    assert(tBits > shift && tBits <= 252 && qBits <= 252);
    signal input t;
    signal output out;
    var half = shift == 0 ? 0 : 1 << (shift - 1);
    component bits = Num2Bits(tBits);
    bits.in <== t + half + (1 << (tBits - 1));
    // floor((t + half) / 2^shift) = (the bits above the remainder) - 2^(tBits-1-shift); the
    // decomposition has range-checked the remainder 0 <= r < 2^shift.
    var q = 0;
    for (var i = shift; i < tBits; i++) {
        q += bits.out[i] * (1 << (i - shift));
    }
    component low = MaxConst(qBits, 0);
    low.in <== q - (1 << (tBits - 1 - shift));
    component high = MinConst(qBits, hi);
    high.in <== low.out;
    out <== high.out;
}

// out = saturate(rescale(in * clamp(t, 0, one), shift)) where t is HardSigmoid's affine part at
// exponent shift (|t| + one < 2^tBits), the product below 2^(accBits-1) - 2^(shift-1). HardSwish.
// Costs 2 * (tBits + 2) + 1 + accBits + 7 constraints.
template ClampProduct(tBits, one, accBits, shift, actBits) {
    signal input in;
    signal input t;
    signal output out;
    component low = MaxConst(tBits, 0);
    low.in <== t;
    component high = MinConst(tBits, one);
    high.in <== low.out;
    component rescaled = RescaleSaturate(accBits, shift, actBits);
    rescaled.acc <== in * high.out;
    out <== rescaled.out;
}

// out = saturate(roundHalfUp(a * 2^k / d)) = saturate(floor((2 a 2^k + d) / (2 d))) for two actBits
// activations; d = 0 has no witness (d * inverse = 1). The divisor's sign s normalises the division:
//   s (2 a 2^k + d) = q * 2|d| + r,  0 <= r < 2|d| <= 2^actBits,  |q| < 2^(qBits-1)
// with every term far below p/2, so q is the exact floor. Costs 3 * actBits + qBits + 11 constraints.
template DivActivations(k, qBits, actBits) {
    assert(qBits >= actBits + k + 1);
    signal input a;
    signal input d;
    signal output out;
    signal inverse <-- d != 0 ? 1 / d : 0;
    d * inverse === 1;
    component sign = NonNegative(actBits);
    sign.in <== d;
    signal magnitude <== (2 * sign.out - 1) * d;
    signal numerator <== (2 * sign.out - 1) * (2 * a * (1 << k) + d);
    signal divisor <== 2 * magnitude;
    // the witness's floor division, on the numerator made positive by an offset of divisor * 2^qBits
    signal q <-- ((numerator + divisor * (1 << qBits)) \ divisor) - (1 << qBits);
    signal r <== numerator - q * divisor;
    component rLow = Num2Bits(actBits);
    rLow.in <== r;
    component rHigh = Num2Bits(actBits);
    rHigh.in <== divisor - 1 - r;
    component saturated = RescaleSaturate(qBits, 0, actBits);
    saturated.acc <== q;
    out <== saturated.out;
}

// out = saturate(roundHalfUp(a * 2^k / d)) for an activation a and a constant d = (negative ? -1 : 1) * magnitude,
// magnitude >= 1: (negative ? -1 : 1) * (2 a 2^k + d) = q * 2 magnitude + r, 0 <= r < 2 magnitude < 2^rBits.
// Costs 2 * rBits + qBits + 7 constraints.
template DivConstant(k, magnitude, negative, qBits, rBits, actBits) {
    assert(magnitude >= 1 && 2 * magnitude <= (1 << rBits));
    signal input a;
    signal output out;
    var s = negative == 1 ? -1 : 1;
    var divisor = 2 * magnitude;
    signal numerator <== s * (2 * a * (1 << k) + s * magnitude);
    signal q <-- ((numerator + divisor * (1 << qBits)) \ divisor) - (1 << qBits);
    signal r <== numerator - q * divisor;
    component rLow = Num2Bits(rBits);
    rLow.in <== r;
    component rHigh = Num2Bits(rBits);
    rHigh.in <== divisor - 1 - r;
    component saturated = RescaleSaturate(qBits, 0, actBits);
    saturated.acc <== q;
    out <== saturated.out;
}

// out = [a < b] for a - b in (-2^bits, 2^bits). Costs bits + 1 constraints.
template LessThanSigned(bits) {
    signal input a;
    signal input b;
    signal output out;
    // bit `bits` of a - b + 2^bits is [a >= b]
    component n2b = Num2Bits(bits + 1);
    n2b.in <== a - b + (1 << bits);
    out <== 1 - n2b.out[bits];
}

// out = condition != 0 ? a : b for a boolean condition signal (a comparison's output). Costs 1 constraint.
template Select() {
    signal input condition;
    signal input a;
    signal input b;
    signal output out;
    out <== b + condition * (a - b);
}
