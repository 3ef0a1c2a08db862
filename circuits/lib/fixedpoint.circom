pragma circom 2.1.6;

// Fixed-point primitives of the integer IR (docs/integer-semantics.md).
// Signed integers live in the field as x (x >= 0) or p + x (x < 0). Every
// template below range-checks what it relies on: unlike circomlib-ml, no
// rescale remainder is left unconstrained.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// Range check: -2^(bits-1) <= in < 2^(bits-1). Costs bits + 1 constraints.
template SignedRange(bits) {
    assert(bits >= 1 && bits <= 252);
    signal input in;
    // Shifting by 2^(bits-1) maps the signed range onto [0, 2^bits), which
    // Num2Bits decomposes uniquely because bits < log2(p).
    component n2b = Num2Bits(bits);
    n2b.in <== in + (1 << (bits - 1));
}

// The pieces of q = rescale(acc, shift) = floor((acc + 2^(shift-1)) / 2^shift)
// needed to saturate q to actBits bits, from one bit decomposition of
//   t = acc + 2^(shift-1) + 2^(accBits-1)   in [0, 2^accBits).
// accBits must make |acc| + 2^(shift-1) < 2^(accBits-1) for every honest
// accumulator (the quantizer's accumulatorBound guarantees it); the compiler
// also makes accBits >= shift + actBits + 1 so at least one "middle" bit exists.
//   nonNegative: 1 iff q >= 0
//   low:         the low actBits-1 bits of q (q mod 2^(actBits-1))
//   overflow:    1 iff q >= 2^(actBits-1)           (only meaningful when q >= 0)
//   underflow:   1 iff q < -2^(actBits-1)           (only meaningful when q < 0)
// Costs accBits + 1 (decomposition) + 4 (two zero tests) constraints.
template RescaleParts(accBits, shift, actBits) {
    assert(accBits <= 252);
    assert(actBits >= 2);
    assert(accBits >= shift + actBits + 1);
    signal input acc;
    signal output nonNegative;
    signal output low;
    signal output overflow;
    signal output underflow;

    var half = shift == 0 ? 0 : 1 << (shift - 1);
    component bits = Num2Bits(accBits);
    bits.in <== acc + half + (1 << (accBits - 1));

    // The shift low bits are the rounding remainder; the decomposition above
    // has already range-checked them (0 <= r < 2^shift).
    var lowSum = 0;
    for (var i = 0; i < actBits - 1; i++) {
        lowSum += bits.out[shift + i] * (1 << i);
    }
    low <== lowSum;

    // Middle bits: positions actBits-1 .. accBits-shift-2 of the biased quotient.
    var middle = accBits - shift - actBits;
    var middleSum = 0;
    for (var i = 0; i < middle; i++) {
        middleSum += bits.out[shift + actBits - 1 + i];
    }
    nonNegative <== bits.out[accBits - 1];

    // q >= 0 overflows iff any middle bit is set; q < 0 underflows iff not all are.
    component noneSet = IsZero();
    noneSet.in <== middleSum;
    component allSet = IsEqual();
    allSet.in[0] <== middleSum;
    allSet.in[1] <== middle;
    overflow <== 1 - noneSet.out;
    underflow <== 1 - allSet.out;
}

// y = saturate(rescale(acc, shift)) to actBits signed bits.
// Costs accBits + 8 constraints.
template RescaleSaturate(accBits, shift, actBits) {
    signal input acc;
    signal output out;

    var maxValue = (1 << (actBits - 1)) - 1;
    component parts = RescaleParts(accBits, shift, actBits);
    parts.acc <== acc;

    // INVARIANT: q = low - 2^(actBits-1) * (1 - nonNegative) when it does not saturate.
    signal positiveOverflow <== parts.nonNegative * parts.overflow;
    signal negativeOverflow <== (1 - parts.nonNegative) * parts.underflow;
    signal inRange <== 1 - positiveOverflow - negativeOverflow;
    signal unsaturated <== inRange * (parts.low - (1 << (actBits - 1)) * (1 - parts.nonNegative));
    out <== unsaturated + positiveOverflow * maxValue - negativeOverflow * (maxValue + 1);
}

// y = relu(saturate(rescale(acc, shift))): a linear node followed by Relu, fused.
// Costs accBits + 7 constraints.
template RescaleSaturateRelu(accBits, shift, actBits) {
    signal input acc;
    signal output out;

    var maxValue = (1 << (actBits - 1)) - 1;
    component parts = RescaleParts(accBits, shift, actBits);
    parts.acc <== acc;

    // q < 0 -> 0; q > max -> max; else q (= low when q >= 0).
    signal clipped <== parts.overflow * (maxValue - parts.low);
    out <== parts.nonNegative * (parts.low + clipped);
}

// y = max(0, x) for x in the signed actBits range. Costs actBits + 2 constraints.
template Relu(actBits) {
    signal input in;
    signal output out;
    component n2b = Num2Bits(actBits);
    n2b.in <== in + (1 << (actBits - 1));
    out <== n2b.out[actBits - 1] * in;
}

// y = saturate(in) for |in| < 2^(inBits-1), to actBits bits (Add of two activations).
template Saturate(inBits, actBits) {
    signal input in;
    signal output out;
    component s = RescaleSaturate(inBits, 0, actBits);
    s.acc <== in;
    out <== s.out;
}

// out = max(a, b) for a, b in the signed actBits range. Costs actBits + 3 constraints.
template Max2(actBits) {
    signal input a;
    signal input b;
    signal output out;
    // a - b lies in (-2^actBits, 2^actBits); bit actBits of (a - b + 2^actBits) is [a >= b].
    component n2b = Num2Bits(actBits + 1);
    n2b.in <== a - b + (1 << actBits);
    out <== b + n2b.out[actBits] * (a - b);
}

// out = floor((2 * sum + count) / (2 * count)) (AveragePool), for a sum of
// `count` actBits-bit values: 2*sum + count = out * 2*count + r, 0 <= r < 2*count,
// with out range-checked so the equation cannot wrap around the field.
template DivRoundHalfUp(count, actBits) {
    assert(count >= 1);
    signal input sum;
    signal output out;
    var divisor = 2 * count;
    var rBits = 1;
    while ((1 << rBits) < divisor) {
        rBits++;
    }
    out <-- ((2 * sum + count + divisor * (1 << actBits)) \ divisor) - (1 << actBits);
    signal r <== 2 * sum + count - out * divisor;
    component outRange = SignedRange(actBits);
    outRange.in <== out;
    // 0 <= r and r <= divisor - 1, each by a decomposition into rBits bits.
    component rLow = Num2Bits(rBits);
    rLow.in <== r;
    component rHigh = Num2Bits(rBits);
    rHigh.in <== divisor - 1 - r;
}

// ---- Interval-driven templates (docs/groth16.md, "Declared input ranges"). A model that declares
// its input ranges gets, for every accumulator, an integer interval that holds for every accepted
// input (sdk/quant/intervals.ts); the compiler then decomposes only the bits that interval needs and
// drops the saturation it proves cannot trigger. Each template below is exact on its interval and
// unsatisfiable beyond the width it decomposes.

// The smallest b with v < 2^b (0 for v = 0), for 0 <= v < 2^252.
function bitLength(v) {
    var b = 0;
    while (b < 252 && (v >> b) > 0) {
        b++;
    }
    return b;
}

// The product signals InRange needs for D = hi - lo of b bits: one per 1-bit of D below its top
// bit that has a 0-bit of D somewhere below it.
function inRangeProducts(D, b) {
    var count = 0;
    var zeroBelow = 0;
    for (var i = 0; i < b - 1; i++) {
        if (((D >> i) & 1) == 0) {
            zeroBelow = 1;
        } else if (zeroBelow == 1) {
            count++;
        }
    }
    return count;
}

// lo <= in <= hi for constants lo < hi (a declared input range; lo may be negative).
// d = in - lo is decomposed into b = bitLength(hi - lo) bits, then d <= D = hi - lo is checked from
// the top bit down: `equal` is 1 iff d's bits above the current position equal D's. Where D has a
// run of 0-bits, d > D iff d has a 1 there after an equal prefix, so equal * (sum of d's bits in
// the run) = 0 (the bits are 0/1, so the sum is 0 iff each is). Where D has a 1-bit, equal becomes
// equal * d_i (one product, needed only while a 0-bit of D lies below).
// Costs b + (runs of 0-bits in D) + inRangeProducts(D, b): b alone when D = 2^b - 1; [0, 256]: 10.
template InRange(lo, hi) {
    assert(hi > lo);
    signal input in;
    var D = hi - lo;
    var b = bitLength(D);
    component n2b = Num2Bits(b);
    n2b.in <== in - lo;

    var lowestZero = b;
    for (var k = b - 1; k > 0; k--) {
        if (((D >> (k - 1)) & 1) == 0) {
            lowestZero = k - 1;
        }
    }
    signal prefix[inRangeProducts(D, b)];
    var equal = n2b.out[b - 1];
    var used = 0;
    var run = 0;
    var open = 0;
    var pos = 0;
    for (var j = 0; j < b - 1; j++) {
        pos = b - 2 - j;
        if (((D >> pos) & 1) == 0) {
            run += n2b.out[pos];
            open = 1;
        } else {
            if (open == 1) {
                equal * run === 0;
                run = 0;
                open = 0;
            }
            if (lowestZero < pos) {
                prefix[used] <== equal * n2b.out[pos];
                equal = prefix[used];
                used++;
            }
        }
    }
    if (open == 1) {
        equal * run === 0;
    }
}

// y = rescale(acc, shift) where the accumulator's interval proves q >= qlo and
// t = acc + 2^(shift-1) - qlo * 2^shift < 2^bits, with q within the activation range (no
// saturation can trigger): one decomposition of t; its low shift bits are the rounding remainder
// (range-checked), the others q - qlo. qlo may be negative. Costs bits constraints.
template RescaleBounded(bits, shift, qlo) {
    assert(bits > shift && bits <= 252);
    signal input acc;
    signal output out;
    var half = shift == 0 ? 0 : 1 << (shift - 1);
    component n2b = Num2Bits(bits);
    n2b.in <== acc + half - qlo * (1 << shift);
    var q = 0;
    for (var i = shift; i < bits; i++) {
        q += n2b.out[i] * (1 << (i - shift));
    }
    out <== q + qlo;
}

// y = max(0, rescale(acc, shift)) where the accumulator's interval proves
// -2^(bits-shift-1) <= q < 2^(bits-shift-1) (q below the activation maximum: no saturation can
// trigger; below the minimum ReLU gives 0 either way): t = acc + 2^(shift-1) + 2^(bits-1) lies in
// [0, 2^bits), its top bit is [q >= 0] and bits shift .. bits-2 are q when q >= 0.
// A Relu on its own is RescaleRelu(bits, 0). Costs bits + 1 constraints.
template RescaleRelu(bits, shift) {
    assert(bits > shift && bits <= 252);
    signal input acc;
    signal output out;
    var half = shift == 0 ? 0 : 1 << (shift - 1);
    component n2b = Num2Bits(bits);
    n2b.in <== acc + half + (1 << (bits - 1));
    var q = 0;
    for (var i = shift; i < bits - 1; i++) {
        q += n2b.out[i] * (1 << (i - shift));
    }
    out <== n2b.out[bits - 1] * q;
}
