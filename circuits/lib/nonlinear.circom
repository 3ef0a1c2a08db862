pragma circom 2.1.6;

// Non-linear functions of the integer IR (docs/integer-semantics.md, section 4, "Non-linear
// functions"); lowered by sdk/zk/groth16/lowerings/nonlinear.ts, costs (non-linear constraints
// after --O2) in sdk/zk/groth16/costs.ts nonlinearCost. The smooth functions evaluate the
// piecewise polynomials of circuits/lib/nonlinearTables.circom (generated with the TypeScript
// tables): the segment is picked by the bits the input's range check decomposes anyway, its
// coefficients are linear combinations of a one-hot vector of those bits (no lookup), and every
// Horner step's rescale is a range-checked bit decomposition.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "fixedpoint.circom";
include "elementwise.circom";
include "nonlinearTables.circom";

// Where in lies against the table range [lo, lo + 2^w), for -2^(inBits-1) <= in < 2^(inBits-1)
// and |lo| <= 2^(inBits-1): below / inside / above (one of them is 1), and inside the range the
// segment bits of in - lo (its bits s .. w-1) and the offset u = (in - lo) mod 2^s.
// Costs inBits + 4 constraints.
template TableInput(inBits, lo, w, s) {
    assert(w < inBits && s <= w);
    signal input in;
    signal output below;
    signal output inside;
    signal output above;
    signal output segment[w - s];
    signal output offset;
    // in - lo + 2^inBits lies in [0, 2^(inBits+1)); its bit inBits is [in >= lo].
    component n2b = Num2Bits(inBits + 1);
    n2b.in <== in - lo + (1 << inBits);
    var high = 0;
    for (var i = w; i < inBits; i++) {
        high += n2b.out[i];
    }
    component small = IsZero();
    small.in <== high;
    inside <== n2b.out[inBits] * small.out;
    above <== n2b.out[inBits] - inside;
    below <== 1 - n2b.out[inBits];
    for (var i = s; i < w; i++) {
        segment[i - s] <== n2b.out[i];
    }
    var u = 0;
    for (var i = 0; i < s; i++) {
        u += n2b.out[i] * (1 << i);
    }
    offset <== u;
}

// out[e] = 1 iff sum_i bits[i] 2^i = e, for k >= 2 bits. Costs 2^k - 2 constraints.
template OneHot(k) {
    assert(k >= 2);
    signal input bits[k];
    signal output out[1 << k];
    signal products[(1 << k) - 2];
    var level[1 << k];
    level[0] = 1 - bits[0];
    level[1] = bits[0];
    var used = 0;
    for (var j = 1; j < k; j++) {
        // Splitting every entry e of the first 2^j on bit j: e * b goes to e + 2^j, e - e * b stays.
        for (var e = 0; e < (1 << j); e++) {
            products[used] <== level[e] * bits[j];
            level[e + (1 << j)] = products[used];
            level[e] = level[e] - products[used];
            used++;
        }
    }
    for (var e = 0; e < (1 << k); e++) {
        out[e] <== level[e];
    }
}

// h_0 of table id at in (inside its range), as sdk/quant/functions.ts evaluateHigh computes it:
// h_d = c[i][d], h_j = rescale(h_{j+1} * u, s) + c[i][j], with |h_{j+1} * u| + 2^(s-1) < 2^(accBits-1)
// at every step; below / inside / above as TableInput. Outside the range h is the polynomial of
// some segment at some offset (bounded alike), for the caller to discard.
// Costs inBits + 4 + 2^k - 2 + d * (accBits + 1) constraints.
template TableHigh(id, inBits, lo, w, k, d, accBits) {
    var s = w - k;
    assert(s >= 1 && accBits > s && accBits <= 252);
    signal input in;
    signal output below;
    signal output inside;
    signal output above;
    signal output h;
    component where = TableInput(inBits, lo, w, s);
    where.in <== in;
    below <== where.below;
    inside <== where.inside;
    above <== where.above;
    component pick = OneHot(k);
    pick.bits <== where.segment;

    var c[8];
    for (var j = 0; j <= d; j++) {
        c[j] = 0;
        for (var e = 0; e < (1 << k); e++) {
            c[j] += pick.out[e] * nonlinearCoefficient(id, e, j);
        }
    }
    signal products[d];
    component rescaled[d];
    var acc = c[d];
    for (var j = d - 1; j >= 0; j--) {
        products[j] <== acc * where.offset;
        rescaled[j] = Num2Bits(accBits);
        rescaled[j].in <== products[j] + (1 << (s - 1)) + (1 << (accBits - 1));
        var q = 0;
        for (var i = s; i < accBits; i++) {
            q += rescaled[j].out[i] * (1 << (i - s));
        }
        acc = q - (1 << (accBits - 1 - s)) + c[j];
    }
    h <== acc;
}

// A smooth unary function from table id on an actBits activation:
//   below: belowSlope * in + belowValue, above: aboveSlope * in + aboveValue (slopes 0 or 1),
//   inside: saturate(rescale(h_0, guard)), |h_0| + 2^(guard-1) < 2^(hBits-1).
// Costs TableHigh + hBits + 7 + 1 + belowSlope + aboveSlope constraints.
template TableFunction(id, actBits, lo, w, k, d, accBits, hBits, guard, belowSlope, belowValue, aboveSlope, aboveValue) {
    signal input in;
    signal output out;
    component table = TableHigh(id, actBits, lo, w, k, d, accBits);
    table.in <== in;
    component rounded = RescaleSaturate(hBits, guard, actBits);
    rounded.acc <== table.h;
    signal polynomial <== table.inside * rounded.out;
    var tails = table.below * belowValue + table.above * aboveValue;
    signal belowLine;
    signal aboveLine;
    if (belowSlope == 1) {
        belowLine <== table.below * in;
    } else {
        belowLine <== 0;
    }
    if (aboveSlope == 1) {
        aboveLine <== table.above * in;
    } else {
        aboveLine <== 0;
    }
    out <== polynomial + tails + belowLine + aboveLine;
}

// out = round(sqrt(max(in, 0) * 2^frac)) = (isqrt(4 n) + 1) >> 1, n = max(in, 0) * 2^frac: the
// witness a = isqrt(4 n) satisfies a^2 <= 4 n <= a^2 + 2a (so 4 n < (a + 1)^2), every quantity far
// below p. aBits: 4 n < 2^(2 aBits). Costs actBits + 1 + aBits + 1 + 2 (aBits + 1) constraints.
template SqrtRound(actBits, frac, aBits) {
    signal input in;
    signal output out;
    component positive = Relu(actBits);
    positive.in <== in;
    var n4 = positive.out * (1 << (frac + 2));
    var guess = 0;
    for (var i = aBits - 1; i >= 0; i--) {
        if ((guess + (1 << i)) * (guess + (1 << i)) <= n4) {
            guess += 1 << i;
        }
    }
    signal a <-- guess;
    component aRange = Num2Bits(aBits);
    aRange.in <== a;
    signal square <== a * a;
    component low = Num2Bits(aBits + 1);
    low.in <== n4 - square;
    component high = Num2Bits(aBits + 1);
    high.in <== square + 2 * a - n4;
    var y = aRange.out[0];
    for (var i = 1; i < aBits; i++) {
        y += aRange.out[i] * (1 << (i - 1));
    }
    out <== y;
}

// out = saturate(roundHalfUp(2^(2 frac) / d)), d = in, or 1 where in = 0 (1/0 saturates to the
// largest activation). Costs 2 + DivActivations(frac, qBits, actBits) constraints.
template ReciprocalRound(actBits, frac, qBits) {
    signal input in;
    signal output out;
    component zero = IsZero();
    zero.in <== in;
    component div = DivActivations(frac, qBits, actBits);
    div.a <== 1 << frac;
    div.d <== in + zero.out;
    out <== div.out;
}

// out = floor((2 e 2^frac + sum) / (2 sum)) for 0 <= 2 sum < 2^rBits and an output in [0, 2^(frac+1)):
// 2 e 2^frac + sum = out * 2 sum + r with 0 <= r < 2 sum. Costs 1 + 2 rBits + frac + 1 constraints.
template SoftmaxDivide(frac, rBits) {
    signal input e;
    signal input sum;
    signal output out;
    var numerator = 2 * e * (1 << frac) + sum;
    // The witness's floor division (both operands non-negative for every honest value).
    out <-- numerator \ (2 * sum);
    component outRange = Num2Bits(frac + 1);
    outRange.in <== out;
    signal quotient <== out * 2 * sum;
    signal r <== numerator - quotient;
    component rLow = Num2Bits(rBits);
    rLow.in <== r;
    component rHigh = Num2Bits(rBits);
    rHigh.in <== 2 * sum - 1 - r;
}

// inv = round(2^K / sqrt(t)) for 1 <= t: (2 inv - 1)^2 t <= 2^(2K+2) < (2 inv + 1)^2 t, inv < 2^invBits,
// both gaps below 2^gapBits (every value far below p). Costs invBits + 3 + 2 gapBits constraints.
template LayerNormFactor(K, invBits, gapBits) {
    signal input t;
    signal output inv;
    // Witness: inv = floor((isqrt(floor(2^(2K+2) / t)) + 1) / 2), by bisection on the square root.
    var r = (1 << (2 * K + 2)) \ t;
    var root = 0;
    for (var i = invBits; i >= 0; i--) {
        if ((root + (1 << i)) * (root + (1 << i)) <= r) {
            root += 1 << i;
        }
    }
    inv <-- (root + 1) \ 2;
    component invRange = Num2Bits(invBits);
    invRange.in <== inv;
    signal square <== (2 * inv - 1) * (2 * inv - 1);
    signal low <== square * t;
    signal invT <== inv * t;
    component lowGap = Num2Bits(gapBits);
    lowGap.in <== (1 << (2 * K + 2)) - low;
    component highGap = Num2Bits(gapBits);
    highGap.in <== low + 8 * invT - (1 << (2 * K + 2)) - 1;
}

// rescale(v, shift) for |v| + 2^(shift-1) < 2^(bits-1), shift >= 1. Costs bits constraints.
template Rescale(bits, shift) {
    signal input in;
    signal output out;
    component n2b = Num2Bits(bits);
    n2b.in <== in + (1 << (shift - 1)) + (1 << (bits - 1));
    var q = 0;
    for (var i = shift; i < bits; i++) {
        q += n2b.out[i] * (1 << (i - shift));
    }
    out <== q - (1 << (bits - 1 - shift));
}

// L = ln(sum / 2^fg) * 2^fg, unrounded, as sdk/quant/functions.ts logSumHigh computes it, for
// 2^bLo <= sum < 2^(bHi+1): the witness's b = floor(log2 sum) is one of bHi - bLo + 1 selectors,
// u and r satisfy sum * 2^W = (2^W + u) * 2^b + r with 0 <= r < 2^b and u inside the table's range
// [0, 2^W) (which makes 2^b <= sum < 2^(b+1)), and L = h_0(table id, u) + (b - fg) * ln2.
// Costs (bHi - bLo + 1) + 1 + 2 bHi + TableHigh(W + 1, ...) constraints.
template LogSum(id, bLo, bHi, W, k, d, accBits, fg, ln2) {
    assert(bLo <= bHi && bHi + W + 2 <= 252);
    signal input sum;
    signal output out;
    var n = bHi - bLo + 1;
    var top = bLo;
    for (var i = bLo + 1; i <= bHi; i++) {
        if (sum >= (1 << i)) {
            top = i;
        }
    }
    signal select[n];
    var count = 0;
    var pow = 0;
    var b = 0;
    for (var i = 0; i < n; i++) {
        select[i] <-- top == bLo + i ? 1 : 0;
        select[i] * (select[i] - 1) === 0;
        count += select[i];
        pow += select[i] * (1 << (bLo + i));
        b += select[i] * (bLo + i);
    }
    count === 1;
    signal u <-- (sum * (1 << W)) \ (1 << top) - (1 << W);
    signal quotient <== ((1 << W) + u) * pow;
    signal r <== sum * (1 << W) - quotient;
    component rLow = Num2Bits(bHi);
    rLow.in <== r;
    component rHigh = Num2Bits(bHi);
    rHigh.in <== pow - 1 - r;
    component table = TableHigh(id, W + 1, 0, W, k, d, accBits);
    table.in <== u;
    table.inside === 1;
    out <== table.h + (b - fg) * ln2;
}
