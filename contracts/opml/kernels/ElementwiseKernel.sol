// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IOpKernel} from "../../interfaces/IOpKernel.sol";
import {NodeProgram, OperandRef} from "../../interfaces/IOneStepExecutor.sol";
import {IntegerSemantics as S} from "../IntegerSemantics.sol";
import {OneStep_BadParams, OneStep_UnknownOp, ProgramParams as P} from "../operands/ProgramParams.sol";

/// @notice A Div step's divisor is 0: the integer model has no value for it (docs/integer-semantics.md).
/// @param dividend The dividend read with it.
error Elementwise_DivisionByZero(int256 dividend);

/// @title ElementwiseKernel
/// @notice Kernel family 1 of the one-step executor, op codes 32..46: the element-wise operators Mul, Sub,
///         Div, Neg, Abs, Clip, LeakyRelu, PRelu, HardSigmoid, HardSwish, BatchNormalization, Where, Equal,
///         Less, Greater, with multidirectional broadcasting (twin of sdk/opml/kernels/elementwise.ts, where
///         the params and the arithmetic are documented; semantics: docs/integer-semantics.md section 4).
/// @dev Every output element is one term (K = 1): term 0 reads all of the op's operands (at their
///      broadcast indices) and its fold computes the element; the epilogue reads nothing and returns it.
///      Params: [0..2] [3..5] [6..8] the locs of operands 0, 1, 2 (all zero where the op has fewer),
///      [9] activation bits A, [10..13] the op's constants c0..c3 (signed: 64-bit two's complement),
///      [14] rank r, then r x (size, stride of operand 0, 1, 2), outermost first.
contract ElementwiseKernel is IOpKernel {
    uint8 internal constant OP_MUL = 32;
    uint8 internal constant OP_SUB = 33;
    uint8 internal constant OP_DIV = 34;
    uint8 internal constant OP_NEG = 35;
    uint8 internal constant OP_ABS = 36;
    uint8 internal constant OP_CLIP = 37;
    uint8 internal constant OP_LEAKY_RELU = 38;
    uint8 internal constant OP_PRELU = 39;
    uint8 internal constant OP_HARD_SIGMOID = 40;
    uint8 internal constant OP_HARD_SWISH = 41;
    uint8 internal constant OP_BATCH_NORM = 42;
    uint8 internal constant OP_WHERE = 43;
    uint8 internal constant OP_EQUAL = 44;
    uint8 internal constant OP_LESS = 45;
    uint8 internal constant OP_GREATER = 46;

    uint256 internal constant BITS = 9;
    uint256 internal constant CONSTANTS = 10;
    uint256 internal constant RANK = 14;
    uint256 internal constant DIM_WORDS = 4;
    /// @notice The largest rescale shift (IntegerSemantics.MAX_ACCUMULATOR_SHIFT).
    uint256 internal constant MAX_SHIFT = 52;

    // What each constant word of an op must hold.
    uint8 internal constant ZERO = 0;
    uint8 internal constant SHIFT = 1; // 0..52
    uint8 internal constant SIGNED = 2; // any 64-bit two's complement value
    uint8 internal constant ACTIVATION = 3; // a signed value in the A-bit range

    /// @inheritdoc IOpKernel
    function outputCount(NodeProgram calldata p) external pure returns (uint256 count) {
        return _check(p);
    }

    /// @inheritdoc IOpKernel
    function termCount(NodeProgram calldata, uint256) external pure returns (uint256 terms) {
        return 1;
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
        if (term == 1) return new OperandRef[](0);
        uint256[] calldata q = p.params;
        uint256 k = _operandCount(p.op);
        uint256[3] memory index;
        uint256 e = element;
        for (uint256 d = q[RANK]; d > 0; --d) {
            uint256 at = RANK + 1 + (d - 1) * DIM_WORDS;
            uint256 x = e % q[at];
            e /= q[at];
            for (uint256 j = 0; j < k; ++j) index[j] += x * q[at + 1 + j];
        }
        refs = new OperandRef[](k);
        for (uint256 j = 0; j < k; ++j) refs[j] = P.ref(q, 3 * j, index[j]);
    }

    /// @inheritdoc IOpKernel
    function fold(
        NodeProgram calldata p,
        uint256,
        uint256,
        int256,
        int256[] calldata values
    ) external pure returns (int256 next) {
        for (uint256 j = 0; j < values.length; ++j) _checkBelow(values[j]);
        return _apply(p.op, p.params, values);
    }

    /// @inheritdoc IOpKernel
    function epilogue(NodeProgram calldata, uint256, int256 acc, int256[] calldata) external pure returns (int256 y) {
        return acc;
    }

    /// @notice The element from the operands' values (each below 2^52 in magnitude).
    function _apply(uint8 op, uint256[] calldata q, int256[] calldata v) private pure returns (int256) {
        uint256 bits = q[BITS];
        if (op == OP_MUL) return S.linearEpilogue(S.mac(0, v[0], v[1]), 0, 0, q[CONSTANTS], bits, false);
        if (op == OP_SUB) return S.add(v[0], -v[1], bits);
        if (op == OP_DIV) return _divide(v[0], v[1], q[CONSTANTS], bits);
        if (op == OP_NEG) return S.saturate(-v[0], bits);
        if (op == OP_ABS) return S.saturate(v[0] < 0 ? -v[0] : v[0], bits);
        if (op == OP_CLIP) return _clamp(v[0], _signed(q[CONSTANTS]), _signed(q[CONSTANTS + 1]));
        if (op == OP_LEAKY_RELU || op == OP_PRELU) {
            if (v[0] >= 0) return v[0];
            int256 slope = op == OP_PRELU ? v[1] : _signed(q[CONSTANTS]);
            uint256 shift = op == OP_PRELU ? q[CONSTANTS] : q[CONSTANTS + 1];
            return S.linearEpilogue(S.mac(0, v[0], slope), 0, 0, shift, bits, false);
        }
        if (op == OP_HARD_SIGMOID || op == OP_HARD_SWISH) {
            // t = x * m + c at exponent F + P
            int256 t = S.mac(_signed(q[CONSTANTS + 1]), v[0], _signed(q[CONSTANTS]));
            uint256 p = q[CONSTANTS + 2];
            uint256 f = q[CONSTANTS + 3];
            if (op == OP_HARD_SIGMOID) {
                // saturate(clamp(rescale(t, P), 0, 2^F)) = clamp(saturate(rescale(t, P)), 0, saturate(2^F))
                return _clamp(S.linearEpilogue(t, 0, 0, p, bits, false), 0, S.saturate(int256(1) << f, bits));
            }
            int256 h = _clamp(t, 0, int256(1) << (f + p));
            return S.linearEpilogue(S.mac(0, v[0], h), 0, 0, f + p, bits, false);
        }
        if (op == OP_BATCH_NORM) return S.linearEpilogue(S.mac(0, v[0], v[1]), v[2], 0, q[CONSTANTS], bits, false);
        if (op == OP_WHERE) return v[0] != 0 ? v[1] : v[2];
        if (op == OP_EQUAL) return v[0] == v[1] ? int256(1) : int256(0);
        if (op == OP_LESS) return v[0] < v[1] ? int256(1) : int256(0);
        return v[0] > v[1] ? int256(1) : int256(0); // Greater
    }

    /// @notice Div: saturate(roundHalfUp(a * 2^k / d)) = saturate(floor((a 2^(k+1) + d) / (2d))), the divisor's
    ///         sign moved to the numerator; reverts for d = 0 and unless |a 2^(k+1) + d| < 2^52 (the quantizer's bound).
    function _divide(int256 a, int256 d, uint256 k, uint256 bits) private pure returns (int256) {
        if (d == 0) revert Elementwise_DivisionByZero(a);
        int256 t = (a << (k + 1)) + d; // |a|, |d| < 2^52 and k <= 52: below 2^106
        _checkBelow(t);
        return S.saturate(d > 0 ? S.floorDiv(t, 2 * d) : S.floorDiv(-t, -2 * d), bits);
    }

    /// @notice min(max(v, lo), hi): hi wins when lo > hi (ONNX Clip).
    function _clamp(int256 v, int256 lo, int256 hi) private pure returns (int256) {
        int256 m = v < lo ? lo : v;
        return m > hi ? hi : m;
    }

    /// @notice A param word as a signed 64-bit two's complement value (every word is below 2^64).
    function _signed(uint256 w) private pure returns (int256) {
        return w >= 1 << 63 ? int256(w) - int256(1 << 64) : int256(w);
    }

    /// @notice Reverts with Semantics_Overflow unless |v| < 2^52.
    function _checkBelow(int256 v) private pure {
        if (v >= S.ACCUMULATOR_LIMIT || v <= -S.ACCUMULATOR_LIMIT) revert S.Semantics_Overflow(v);
    }

    /// @notice How many operands op `op` reads (0: not an op of this family).
    function _operandCount(uint8 op) private pure returns (uint256) {
        if (op == OP_NEG || op == OP_ABS || op == OP_CLIP || op == OP_LEAKY_RELU) return 1;
        if (op == OP_HARD_SIGMOID || op == OP_HARD_SWISH) return 1;
        if (op == OP_BATCH_NORM || op == OP_WHERE) return 3;
        if (op >= OP_MUL && op <= OP_GREATER) return 2;
        return 0;
    }

    /// @notice What constant word `i` (0..3) of op `op` must hold.
    function _constantKind(uint8 op, uint256 i) private pure returns (uint8) {
        if (op == OP_MUL || op == OP_DIV || op == OP_PRELU || op == OP_BATCH_NORM) return i == 0 ? SHIFT : ZERO;
        if (op == OP_CLIP) return i < 2 ? ACTIVATION : ZERO;
        if (op == OP_LEAKY_RELU)
            return
                i == 0
                    ? SIGNED
                    : i == 1
                        ? SHIFT
                        : ZERO;
        if (op == OP_HARD_SIGMOID || op == OP_HARD_SWISH) return i < 2 ? SIGNED : SHIFT;
        return ZERO;
    }

    /// @notice Reverts OneStep_UnknownOp / OneStep_BadParams unless `p` is well formed (the twin's checkParams,
    ///         same checks in the same order); returns the output count.
    function _check(NodeProgram calldata p) private pure returns (uint256 count) {
        uint8 op = p.op;
        uint256 k = _operandCount(op);
        if (k == 0) revert OneStep_UnknownOp(op);
        uint256[] calldata q = p.params;
        uint256 n = q.length;
        if (n < RANK + 1 || q[RANK] > n || n != RANK + 1 + q[RANK] * DIM_WORDS) revert OneStep_BadParams(op, n);
        for (uint256 j = 0; j < 3; ++j) {
            if (j < k) {
                if (q[3 * j] == P.SOURCE_NONE || q[3 * j] > P.SOURCE_WEIGHT) revert OneStep_BadParams(op, 3 * j);
            } else {
                for (uint256 w = 3 * j; w < 3 * j + 3; ++w) if (q[w] != 0) revert OneStep_BadParams(op, w);
            }
        }
        uint256 bits = q[BITS];
        if (bits < S.MIN_ACTIVATION_BITS || bits > S.MAX_ACTIVATION_BITS) revert OneStep_BadParams(op, BITS);
        for (uint256 i = 0; i < 4; ++i) {
            uint256 w = q[CONSTANTS + i];
            uint8 kind = _constantKind(op, i);
            bool ok =
                kind == SIGNED ||
                    (kind == ZERO && w == 0) ||
                    (kind == SHIFT && w <= MAX_SHIFT) ||
                    (kind == ACTIVATION &&
                        _signed(w) >= -(int256(1) << (bits - 1)) &&
                        _signed(w) < int256(1) << (bits - 1));
            if (!ok) revert OneStep_BadParams(op, CONSTANTS + i);
        }
        if ((op == OP_HARD_SIGMOID || op == OP_HARD_SWISH) && q[CONSTANTS + 2] + q[CONSTANTS + 3] > MAX_SHIFT) {
            revert OneStep_BadParams(op, CONSTANTS + 3);
        }
        count = 1;
        for (uint256 d = 0; d < q[RANK]; ++d) {
            uint256 at = RANK + 1 + d * DIM_WORDS;
            if (q[at] == 0) revert OneStep_BadParams(op, at);
            for (uint256 j = k; j < 3; ++j) if (q[at + 1 + j] != 0) revert OneStep_BadParams(op, at + 1 + j);
            count *= q[at];
            if (count >= P.PARAM_LIMIT) revert OneStep_BadParams(op, RANK);
        }
    }
}
