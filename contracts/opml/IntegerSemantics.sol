// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IntegerSemantics
/// @notice The integer arithmetic of the IR (docs/integer-semantics.md), bit for bit as the
///         TypeScript interpreter computes it (sdk/quant/scheme.ts, sdk/interp/integer.ts and the
///         kernels in sdk/ops): the primitives OPML's one-step executor re-executes on chain.
/// @dev Every function is exact on int256 (no wrap-around). Functions that model an accumulator
///      (mac, linearEpilogue, add, divRoundHalfUp) also enforce the bound the quantizer proves
///      for every honest execution (section 5: |accumulator| + 2^max(s-1, 0) < 2^52) and revert
///      with Semantics_Overflow outside it, so a value no honest trace can hold is never computed
///      with. The operator-specific indexing (which taps, broadcasting, count_include_pad) is the
///      caller's.
library IntegerSemantics {
    /// @notice Every accumulator stays below this magnitude (section 5; ACCUMULATOR_LIMIT in
    ///         sdk/quant/scheme.ts).
    int256 internal constant ACCUMULATOR_LIMIT = 2 ** 52;
    /// @notice The smallest activation width A a model may declare (checkConfig in sdk/quant/scheme.ts).
    uint256 internal constant MIN_ACTIVATION_BITS = 2;
    /// @notice The largest activation width A a model may declare (checkConfig in sdk/quant/scheme.ts).
    uint256 internal constant MAX_ACTIVATION_BITS = 32;
    /// @notice The largest rescale shift an accumulator op can have: 2^(s-1) < 2^52 (section 5).
    uint256 internal constant MAX_ACCUMULATOR_SHIFT = 52;

    /// @notice A value left the bound of section 5 (or would have left int256).
    /// @param value The offending value (an operand, the accumulator, or the sum being bounded).
    error Semantics_Overflow(int256 value);
    /// @notice The activation width is outside the range sdk/quant/scheme.ts checkConfig admits (2..32).
    /// @param bits The width given.
    error Semantics_BadActivationBits(uint256 bits);
    /// @notice A division by zero or by a negative number (floorDiv and divRoundHalfUp need n > 0).
    /// @param divisor The divisor given.
    error Semantics_NonPositiveDivisor(int256 divisor);

    /// @notice rescale(v, s) of section 2: v / 2^s rounded half towards plus infinity,
    ///         floor((v + 2^(s-1)) / 2^s); the identity for s = 0.
    /// @dev Computed as floor(v / 2^s) + bit (s-1) of v, which equals the spec's
    ///      (v + (1 << (s-1))) >> s but cannot overflow: exact for every int256 and every shift
    ///      (a shift of 256 or more gives 0). The IR has no negative shift (the quantizer rejects
    ///      one), hence the unsigned type.
    /// @param v The value (an accumulator).
    /// @param shift The right shift s.
    /// @return The rounded quotient.
    function rescale(int256 v, uint256 shift) internal pure returns (int256) {
        if (shift == 0) return v;
        unchecked {
            return (v >> shift) + ((v >> (shift - 1)) & 1);
        }
    }

    /// @notice saturate(v) of section 2: clamps v to the activation range [-2^(A-1), 2^(A-1) - 1].
    /// @param v The value.
    /// @param bits The activation width A (2..32).
    /// @return The clamped value.
    function saturate(int256 v, uint256 bits) internal pure returns (int256) {
        if (bits < MIN_ACTIVATION_BITS || bits > MAX_ACTIVATION_BITS) revert Semantics_BadActivationBits(bits);
        int256 hi = (int256(1) << (bits - 1)) - 1;
        int256 lo = -(int256(1) << (bits - 1));
        return
            v > hi
                ? hi
                : v < lo
                    ? lo
                    : v;
    }

    /// @notice Relu of section 4: max(0, x).
    /// @param x The activation.
    /// @return x if positive, else 0.
    function relu(int256 x) internal pure returns (int256) {
        return x > 0 ? x : int256(0);
    }

    /// @notice One multiply-accumulate term of Gemm/MatMul/Conv (section 4): acc + a * w.
    /// @dev Reverts with Semantics_Overflow unless |acc|, |a|, |w| and the result are all below
    ///      ACCUMULATOR_LIMIT: every partial sum of an honest execution is within the node's
    ///      accumulator bound, which the quantizer proves below 2^52 (section 5).
    /// @param acc The running accumulator before the term.
    /// @param a The activation operand.
    /// @param w The weight (or second activation) operand.
    /// @return The running accumulator after the term.
    function mac(int256 acc, int256 a, int256 w) internal pure returns (int256) {
        _checkBelow(acc, ACCUMULATOR_LIMIT);
        _checkBelow(a, ACCUMULATOR_LIMIT);
        _checkBelow(w, ACCUMULATOR_LIMIT);
        int256 r;
        unchecked {
            r = acc + a * w; // |a * w| < 2^104: no wrap
        }
        _checkBelow(r, ACCUMULATOR_LIMIT);
        return r;
    }

    /// @notice The epilogue of Gemm/MatMul/Conv (section 4, integerArithmetic.linear in
    ///         sdk/interp/integer.ts): y = saturate(rescale(acc + bias * 2^L, s)), then Relu when a
    ///         following Relu node is fused in.
    /// @dev The bias is a constant at the accumulator's exponent (L = 0; Conv B, Gemm constant C)
    ///      or a Gemm activation C (L = biasShiftLeft); pass 0 when the node has none. Reverts with
    ///      Semantics_Overflow unless |acc|, |bias * 2^L| < 2^52 and |acc + bias * 2^L| + 2^max(s-1, 0) < 2^52,
    ///      the quantizer's own check (sdk/quant/quantize.ts visit).
    /// @param acc The sum of products.
    /// @param bias The bias element added to this output (0 for none).
    /// @param biasShiftLeft L, the left shift aligning the bias to the accumulator.
    /// @param shift s, the node's rescale shift.
    /// @param bits The activation width A.
    /// @param withRelu Whether to apply Relu to the result (a fused Relu node).
    /// @return The output element.
    function linearEpilogue(
        int256 acc,
        int256 bias,
        uint256 biasShiftLeft,
        uint256 shift,
        uint256 bits,
        bool withRelu
    ) internal pure returns (int256) {
        _checkBelow(acc, ACCUMULATOR_LIMIT);
        int256 aligned;
        if (bias != 0) {
            // |bias| >= 1, so |bias * 2^L| >= 2^52 for L >= 52: out of bound (and no shift may wrap).
            if (biasShiftLeft >= MAX_ACCUMULATOR_SHIFT) revert Semantics_Overflow(bias);
            _checkBelow(bias, ACCUMULATOR_LIMIT);
            aligned = bias << biasShiftLeft; // |bias| < 2^52, L < 52: below 2^104
            _checkBelow(aligned, ACCUMULATOR_LIMIT);
        }
        int256 v = acc + aligned;
        if (shift > MAX_ACCUMULATOR_SHIFT) revert Semantics_Overflow(v);
        _checkBelow(v, ACCUMULATOR_LIMIT - int256(shift == 0 ? 1 : uint256(1) << (shift - 1)));
        int256 y = saturate(rescale(v, shift), bits);
        return withRelu ? relu(y) : y;
    }

    /// @notice Add of section 4 (integerArithmetic.add): y = saturate(a + b), both operands at
    ///         exponent F (aligned, no shift).
    /// @dev Reverts with Semantics_Overflow unless |a|, |b| < 2^52 and |a + b| + 1 < 2^52 (the
    ///      quantizer's check with s = 0).
    /// @param a The first operand.
    /// @param b The second operand (after broadcasting, the caller's).
    /// @param bits The activation width A.
    /// @return The output element.
    function add(int256 a, int256 b, uint256 bits) internal pure returns (int256) {
        _checkBelow(a, ACCUMULATOR_LIMIT);
        _checkBelow(b, ACCUMULATOR_LIMIT);
        int256 s;
        unchecked {
            s = a + b;
        }
        _checkBelow(s, ACCUMULATOR_LIMIT - 1);
        return saturate(s, bits);
    }

    /// @notice floor(a / b) towards minus infinity, also for negative a (section 2; floorDiv in
    ///         sdk/quant/scheme.ts).
    /// @param a The dividend.
    /// @param b The divisor, positive.
    /// @return The floor of the quotient.
    function floorDiv(int256 a, int256 b) internal pure returns (int256) {
        if (b <= 0) revert Semantics_NonPositiveDivisor(b);
        unchecked {
            int256 q = a / b; // b > 0: truncation towards zero, no overflow
            return (a % b != 0 && a < 0) ? q - 1 : q;
        }
    }

    /// @notice divRoundHalfUp(S, n) of section 2, the AveragePool output (section 4):
    ///         floor((2*S + n) / (2*n)).
    /// @dev Which taps count in n (count_include_pad) is the caller's. Reverts with
    ///      Semantics_NonPositiveDivisor for n <= 0 and with Semantics_Overflow unless |S|, n < 2^52
    ///      and |2*S + n| + 1 < 2^52 (the quantity section 5 bounds for AveragePool).
    /// @param sum S, the sum of the window's taps.
    /// @param count n, the number of taps counted.
    /// @return The average rounded half up.
    function divRoundHalfUp(int256 sum, int256 count) internal pure returns (int256) {
        if (count <= 0) revert Semantics_NonPositiveDivisor(count);
        _checkBelow(sum, ACCUMULATOR_LIMIT);
        _checkBelow(count, ACCUMULATOR_LIMIT);
        int256 t;
        unchecked {
            t = 2 * sum + count;
        }
        _checkBelow(t, ACCUMULATOR_LIMIT - 1);
        return floorDiv(t, 2 * count);
    }

    /// @notice The MaxPool step of section 4: the larger of the running maximum and a tap.
    /// @param best The running maximum.
    /// @param v The next tap.
    /// @return max(best, v).
    function max(int256 best, int256 v) internal pure returns (int256) {
        return v > best ? v : best;
    }

    /// @notice The ArgMax (and MaxPool Indices) comparison of section 4: whether the candidate at a
    ///         later index replaces the running best.
    /// @dev Ties keep the first index (strictly greater wins), or go to the last with
    ///      select_last_index = 1. MaxPool Indices always keep the first maximum (false).
    /// @param best The running best value (at the lower index).
    /// @param candidate The value at the next index.
    /// @param selectLastIndex ArgMax's select_last_index attribute.
    /// @return True when the candidate's index becomes the running argmax.
    function argMaxTakes(int256 best, int256 candidate, bool selectLastIndex) internal pure returns (bool) {
        return candidate > best || (selectLastIndex && candidate == best);
    }

    /// @notice Reverts with Semantics_Overflow unless -limit < v < limit.
    /// @param v The value.
    /// @param limit The exclusive bound on |v| (positive).
    function _checkBelow(int256 v, int256 limit) private pure {
        if (v >= limit || v <= -limit) revert Semantics_Overflow(v);
    }
}
