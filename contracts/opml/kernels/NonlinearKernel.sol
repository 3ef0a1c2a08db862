// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IOpKernel} from "../../interfaces/IOpKernel.sol";
import {NodeProgram, OperandRef} from "../../interfaces/IOneStepExecutor.sol";
import {IntegerSemantics as S} from "../IntegerSemantics.sol";
import {OneStep_BadParams, OneStep_UnknownOp, ProgramParams as P} from "../operands/ProgramParams.sol";
import {NonlinearTables as T} from "./NonlinearTables.sol";

/// @notice A Softmax exponent x - max lies above the exp table's range (an x above the row's maximum: no honest
///         step computes it).
/// @param v The exponent (exponent F).
error Nonlinear_OutOfRange(int256 v);

/// @title NonlinearKernel
/// @notice Kernel family 3 of the one-step executor, op codes 64..79: Sigmoid 64, Tanh 65, Exp 66, Erf 67, Gelu 68,
///         Sqrt 69, Reciprocal 70, Pow 71, Softmax 72, LogSoftmax 73, LayerNormalization 74, bit for bit
///         the integer interpreter (docs/integer-semantics.md section 4, "Non-linear functions"; tables:
///         NonlinearTables.sol, generated with sdk/quant/functionTables.ts). TypeScript twin, where the params and
///         the terms are documented: sdk/opml/kernels/nonlinear.ts.
/// @dev Params: [0..2] X loc, [3] A (16), [4] F (8), [5] outer, [6] D, [7] inner (element e = (o D + j) inner + i;
///      unary ops: D = inner = 1), [8] the table id / Pow's mode (1 x, 2 x^2, 3 x^0.5) / 0; LayerNormalization also
///      [9..11] Scale loc, [12..14] B loc, [15] E, [16] shift e_g, [17] Scale's and [18] B's stride along the row.
///        unary      K = 1:  [x_e] -> f(x_e); [] -> acc
///        Softmax    K = 2D: t < D [x_t] -> max, t >= D [x_(t-D)] -> sum += exp; [x_e] -> divRound(exp 2^F, sum)
///        LogSoftmax K = 2D: as Softmax; [x_e] -> saturate(rescale((x_e - max) 2^G - L(sum), G)), L = _logSum
///        LayerNorm  K = D:  [x_t] -> (S1 + x, S2 + x^2); [x_e, g_j, b_j] -> saturate(rescale(z g + b, e_g))
///      Softmax and LogSoftmax pack acc = sum * 2^64 + (max + 2^63); LayerNormalization acc = S1 * 2^64 + S2.
contract NonlinearKernel is IOpKernel {
    uint8 internal constant OP_SIGMOID = 64;
    uint8 internal constant OP_TANH = 65;
    uint8 internal constant OP_EXP = 66;
    uint8 internal constant OP_ERF = 67;
    uint8 internal constant OP_GELU = 68;
    uint8 internal constant OP_SQRT = 69;
    uint8 internal constant OP_RECIPROCAL = 70;
    uint8 internal constant OP_POW = 71;
    uint8 internal constant OP_SOFTMAX = 72;
    uint8 internal constant OP_LOG_SOFTMAX = 73;
    uint8 internal constant OP_LAYER_NORM = 74;

    uint256 internal constant X = 0;
    uint256 internal constant BITS = 3;
    uint256 internal constant FRAC = 4;
    uint256 internal constant OUTER = 5;
    uint256 internal constant LENGTH = 6;
    uint256 internal constant INNER = 7;
    uint256 internal constant C = 8;
    uint256 internal constant SCALE = 9;
    uint256 internal constant BIAS = 12;
    uint256 internal constant EPSILON = 15;
    uint256 internal constant SHIFT = 16;
    uint256 internal constant SCALE_STRIDE = 17;
    uint256 internal constant BIAS_STRIDE = 18;
    uint256 internal constant UNARY_WORDS = 9;
    uint256 internal constant LAYER_NORM_WORDS = 19;

    /// @notice The tables' format: A = 16, F = 8, guard bits G = 8.
    uint256 internal constant ACTIVATION_BITS = 16;
    uint256 internal constant FRAC_BITS = 8;
    uint256 internal constant GUARD_BITS = 8;
    /// @notice K of LayerNormalization's inv = round(2^K / sqrt(T)) (LAYER_NORM_SHIFT in sdk/quant/functions.ts).
    uint256 internal constant LAYER_NORM_SHIFT = 40;
    /// @notice P: T = Q * 2^P + E (LAYER_NORM_EPSILON_SHIFT in sdk/quant/functions.ts).
    uint256 internal constant LAYER_NORM_EPSILON_SHIFT = 16;
    /// @notice The exp table's id (Softmax's exponentials).
    uint256 internal constant EXP_TABLE = 2;
    /// @notice The lnMantissa table's id (LogSoftmax's logarithm of the sum's mantissa).
    uint256 internal constant LN_TABLE = 6;
    /// @notice W: the mantissa bits the lnMantissa table reads (LN_MANTISSA_BITS in sdk/quant/functions.ts).
    uint256 internal constant LN_MANTISSA_BITS = 14;
    /// @notice round(ln 2 * 2^(F+G)) (LN2_HIGH in sdk/quant/functions.ts).
    int256 internal constant LN2_HIGH = 45426;
    int256 internal constant TWO_63 = 2 ** 63;

    /// @inheritdoc IOpKernel
    function outputCount(NodeProgram calldata p) external pure returns (uint256 count) {
        return _check(p);
    }

    /// @inheritdoc IOpKernel
    function termCount(NodeProgram calldata p, uint256) external pure returns (uint256 terms) {
        return _terms(p);
    }

    /// @inheritdoc IOpKernel
    function initialAccumulator(NodeProgram calldata, uint256) external pure returns (int256 acc) {
        return 0;
    }

    /// @inheritdoc IOpKernel
    function operandsOf(
        NodeProgram calldata p,
        uint256 element,
        uint256 term,
        int256
    ) external pure returns (OperandRef[] memory refs) {
        uint256[] calldata q = p.params;
        uint8 op = p.op;
        if (term < _terms(p)) {
            refs = new OperandRef[](1);
            if (_rowOp(op)) refs[0] = P.ref(q, X, _rowIndex(q, element, term >= q[LENGTH] ? term - q[LENGTH] : term));
            else if (op == OP_LAYER_NORM) refs[0] = P.ref(q, X, _rowIndex(q, element, term));
            else refs[0] = P.ref(q, X, element);
            return refs;
        }
        if (_rowOp(op)) {
            refs = new OperandRef[](1);
            refs[0] = P.ref(q, X, element);
        } else if (op == OP_LAYER_NORM) {
            uint256 j = (element / q[INNER]) % q[LENGTH];
            refs = new OperandRef[](3);
            refs[0] = P.ref(q, X, element);
            refs[1] = P.ref(q, SCALE, j * q[SCALE_STRIDE]);
            refs[2] = P.ref(q, BIAS, j * q[BIAS_STRIDE]);
        }
    }

    /// @notice The flat index of element j of the row of `element`: (o D + j) inner + i.
    function _rowIndex(uint256[] calldata q, uint256 element, uint256 j) private pure returns (uint256) {
        uint256 inner = q[INNER];
        uint256 d = q[LENGTH];
        return ((element / inner / d) * d + j) * inner + (element % inner);
    }

    /// @inheritdoc IOpKernel
    function fold(
        NodeProgram calldata p,
        uint256,
        uint256 term,
        int256 acc,
        int256[] calldata values
    ) external pure returns (int256 next) {
        uint256[] calldata q = p.params;
        uint8 op = p.op;
        int256 x = values[0];
        _checkBelow(x);
        if (_rowOp(op)) {
            (int256 sum, int256 low) = _unpack(acc);
            _checkBelow(sum);
            int256 best = low - TWO_63;
            if (term < q[LENGTH]) return (sum << 64) + ((x > best ? x : best) + TWO_63);
            int256 total = sum + _softmaxExp(x - best);
            _checkBelow(total);
            return (total << 64) + low;
        }
        if (op == OP_LAYER_NORM) {
            (int256 s1, int256 s2) = _unpack(acc);
            _checkBelow(s1);
            int256 n1 = s1 + x;
            int256 n2 = s2 + x * x; // 0 <= s2 < 2^64, |x| < 2^52: no overflow
            _checkBelow(n1);
            _checkBelow(n2);
            return (n1 << 64) + n2;
        }
        return _unary(op, q[C], x);
    }

    /// @inheritdoc IOpKernel
    function epilogue(
        NodeProgram calldata p,
        uint256,
        int256 acc,
        int256[] calldata values
    ) external pure returns (int256 y) {
        uint256[] calldata q = p.params;
        for (uint256 k = 0; k < values.length; ++k) _checkBelow(values[k]);
        if (p.op == OP_LAYER_NORM) return _layerNorm(q, acc, values);
        if (!_rowOp(p.op)) return acc;
        (int256 sum, int256 low) = _unpack(acc);
        _checkBelow(sum);
        int256 v = values[0] - (low - TWO_63);
        if (p.op == OP_LOG_SOFTMAX)
            return S.saturate(S.rescale(v * int256(1 << GUARD_BITS) - _logSum(sum), GUARD_BITS), q[BITS]);
        int256 e = _softmaxExp(v);
        return S.floorDiv(2 * e * int256(1 << FRAC_BITS) + sum, 2 * sum);
    }

    /// @notice f(x) of a unary op (|x| < 2^52): a table, the rounded square root, the reciprocal, Pow.
    function _unary(uint8 op, uint256 c, int256 x) private pure returns (int256) {
        if (op == OP_SQRT || (op == OP_POW && c == 3)) return _sqrtRound(x);
        if (op == OP_RECIPROCAL)
            return S.saturate(_divRound(int256(1 << (2 * FRAC_BITS)), x == 0 ? int256(1) : x), ACTIVATION_BITS);
        if (op == OP_POW) return c == 1 ? x : S.saturate(S.rescale(x * x, FRAC_BITS), ACTIVATION_BITS);
        return _table(c, x);
    }

    /// @notice The table function of table `id` on x (sdk/quant/functions.ts evaluateTable).
    function _table(uint256 id, int256 x) private pure returns (int256) {
        T.Table memory t = T.table(id);
        int256 v = x - t.lo;
        if (v < 0) return S.saturate(t.belowSlope * x + t.belowValue, ACTIVATION_BITS);
        if (v >= int256(1 << t.rangeBits)) return S.saturate(t.aboveSlope * x + t.aboveValue, ACTIVATION_BITS);
        return S.saturate(S.rescale(_high(t, uint256(v)), GUARD_BITS), ACTIVATION_BITS);
    }

    /// @notice h_0 of table t at offset v - lo in [0, 2^w): Horner, each step rounded half up.
    function _high(T.Table memory t, uint256 offset) private pure returns (int256 h) {
        bytes memory coefficients = T.COEFFICIENTS;
        uint256 s = t.rangeBits - t.segmentBits;
        uint256 d = t.degree;
        int256 u = int256(offset & ((1 << s) - 1));
        uint256 at = t.offset + (offset >> s) * (d + 1) * 4;
        h = _coefficient(coefficients, at + d * 4);
        for (uint256 j = d; j > 0; --j) h = S.rescale(h * u, s) + _coefficient(coefficients, at + (j - 1) * 4);
    }

    /// @notice The 4-byte big-endian two's complement coefficient at byte `at` of `coefficients`.
    function _coefficient(bytes memory coefficients, uint256 at) private pure returns (int256 c) {
        // One mload instead of four byte reads: the coefficients are the hot loop of every table step.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            c := signextend(3, shr(224, mload(add(add(coefficients, 32), at))))
        }
    }

    /// @notice Softmax's exponential exp(v / 2^F) * 2^(F+G): 0 below the exp table, its h_0 inside.
    function _softmaxExp(int256 v) private pure returns (int256) {
        T.Table memory t = T.table(EXP_TABLE);
        int256 offset = v - t.lo;
        if (offset < 0) return 0;
        if (offset >= int256(1 << t.rangeBits)) revert Nonlinear_OutOfRange(v);
        return _high(t, uint256(offset));
    }

    /// @notice ln(sum / 2^(F+G)) * 2^(F+G), unrounded (sdk/quant/functions.ts logSumHigh): b = floor(log2 sum),
    ///         the mantissa's first W bits u = floor(sum 2^W / 2^b) - 2^W, h_0 of the lnMantissa table at u plus
    ///         (b - F - G) ln 2.
    function _logSum(int256 sum) private pure returns (int256) {
        if (sum <= 0) revert S.Semantics_NonPositiveDivisor(sum);
        uint256 b = Math.log2(uint256(sum));
        uint256 u = ((uint256(sum) << LN_MANTISSA_BITS) >> b) - (1 << LN_MANTISSA_BITS);
        return _high(T.table(LN_TABLE), u) + (int256(b) - int256(FRAC_BITS + GUARD_BITS)) * LN2_HIGH;
    }

    /// @notice round(sqrt(x 2^F)) = (isqrt(4 x 2^F) + 1) / 2 for x > 0, else 0.
    function _sqrtRound(int256 x) private pure returns (int256) {
        if (x <= 0) return 0;
        return int256((Math.sqrt(uint256(x) << (FRAC_BITS + 2)) + 1) >> 1);
    }

    /// @notice roundHalfUp(n / d), d != 0: floor((2n + d) / (2d)) with the divisor's sign moved to the numerator.
    function _divRound(int256 n, int256 d) private pure returns (int256) {
        return d > 0 ? S.floorDiv(2 * n + d, 2 * d) : S.floorDiv(-2 * n - d, -2 * d);
    }

    /// @notice LayerNormalization's output element from acc = S1 * 2^64 + S2 and [x, g, b].
    function _layerNorm(uint256[] calldata q, int256 acc, int256[] calldata v) private pure returns (int256) {
        (int256 s1, int256 s2) = _unpack(acc);
        _checkBelow(s1);
        _checkBelow(s2);
        int256 n = int256(q[LENGTH]); // < 2^64
        int256 t = ((n * s2 - s1 * s1) << LAYER_NORM_EPSILON_SHIFT) + int256(q[EPSILON]); // |.| < 2^150
        if (t <= 0) revert S.Semantics_NonPositiveDivisor(t);
        int256 inv = int256(
            (Math.sqrt((uint256(1) << (2 * LAYER_NORM_SHIFT + LAYER_NORM_EPSILON_SHIFT + 2)) / uint256(t)) + 1) >> 1
        );
        int256 z = S.rescale((n * v[0] - s1) * inv, LAYER_NORM_SHIFT - q[FRAC]);
        return S.saturate(S.rescale(z * v[1] + v[2], q[SHIFT]), q[BITS]);
    }

    /// @notice (high, low) with acc = high * 2^64 + low, 0 <= low < 2^64.
    function _unpack(int256 acc) private pure returns (int256 high, int256 low) {
        high = acc >> 64;
        low = acc - (high << 64);
    }

    /// @notice Whether op folds a row's maximum and sum of exponentials (Softmax, LogSoftmax).
    function _rowOp(uint8 op) private pure returns (bool) {
        return op == OP_SOFTMAX || op == OP_LOG_SOFTMAX;
    }

    /// @notice K: 2D for Softmax and LogSoftmax, D for LayerNormalization, 1 for the unary ops.
    function _terms(NodeProgram calldata p) private pure returns (uint256) {
        uint256 d = p.params[LENGTH];
        return
            _rowOp(p.op)
                ? 2 * d
                : p.op == OP_LAYER_NORM
                    ? d
                    : 1;
    }

    function _checkBelow(int256 v) private pure {
        if (v >= S.ACCUMULATOR_LIMIT || v <= -S.ACCUMULATOR_LIMIT) revert S.Semantics_Overflow(v);
    }

    /// @notice Whether word c names a table / mode op `op` may use.
    function _validC(uint8 op, uint256 c) private pure returns (bool) {
        if (op == OP_SIGMOID) return c == 0;
        if (op == OP_TANH) return c == 1;
        if (op == OP_EXP) return c == 2;
        if (op == OP_ERF) return c == 3;
        if (op == OP_GELU) return c == 4 || c == 5;
        if (op == OP_POW) return c >= 1 && c <= 3;
        return c == 0;
    }

    /// @notice The params' checks, in the twin's order (checkParams); returns the output count.
    function _check(NodeProgram calldata p) private pure returns (uint256 count) {
        uint8 op = p.op;
        if (op < OP_SIGMOID || op > OP_LAYER_NORM) revert OneStep_UnknownOp(op);
        uint256[] calldata q = p.params;
        bool layerNorm = op == OP_LAYER_NORM;
        if (q.length != (layerNorm ? LAYER_NORM_WORDS : UNARY_WORDS)) revert OneStep_BadParams(op, q.length);
        if (q[X] == P.SOURCE_NONE || q[X] > P.SOURCE_WEIGHT) revert OneStep_BadParams(op, X);
        if (q[BITS] != ACTIVATION_BITS) revert OneStep_BadParams(op, BITS);
        if (q[FRAC] != FRAC_BITS) revert OneStep_BadParams(op, FRAC);
        if (q[OUTER] == 0) revert OneStep_BadParams(op, OUTER);
        if (q[LENGTH] == 0) revert OneStep_BadParams(op, LENGTH);
        if (q[INNER] == 0) revert OneStep_BadParams(op, INNER);
        bool unary = !_rowOp(op) && !layerNorm;
        if (unary && q[LENGTH] != 1) revert OneStep_BadParams(op, LENGTH);
        if (unary && q[INNER] != 1) revert OneStep_BadParams(op, INNER);
        if (!_validC(op, q[C])) revert OneStep_BadParams(op, C);
        count = q[OUTER] * q[LENGTH] * q[INNER]; // each factor < 2^64: below 2^192
        if (count >= P.PARAM_LIMIT) revert OneStep_BadParams(op, OUTER);
        if (layerNorm) {
            if (q[SCALE] == P.SOURCE_NONE || q[SCALE] > P.SOURCE_WEIGHT) revert OneStep_BadParams(op, SCALE);
            if (q[BIAS] > P.SOURCE_WEIGHT) revert OneStep_BadParams(op, BIAS);
            if (q[EPSILON] == 0 || q[EPSILON] >= uint256(S.ACCUMULATOR_LIMIT)) revert OneStep_BadParams(op, EPSILON);
            if (q[SHIFT] > 52) revert OneStep_BadParams(op, SHIFT);
            if (q[SCALE_STRIDE] > 1) revert OneStep_BadParams(op, SCALE_STRIDE);
            if (q[BIAS_STRIDE] > 1) revert OneStep_BadParams(op, BIAS_STRIDE);
        }
    }
}
