// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {NodeProgram, OperandRef} from "../../interfaces/IOneStepExecutor.sol";
import {IOpKernel} from "../../interfaces/IOpKernel.sol";
import {
    OneStep_BadAccumulator,
    OneStep_BadParams,
    OneStep_UnknownOp,
    ProgramParams as P
} from "../operands/ProgramParams.sol";

/// @title DataMovementKernel
/// @notice Kernel family 0 of the one-step executor (op codes 16..31): Transpose 16, Concat 17, Slice 18,
///         Squeeze 19, Unsqueeze 20, Gather 21, Pad 22, Expand 23. They move integers without arithmetic:
///         every element is one copy (K = 1, acc_0 = 0, fold = the value read or Pad's value, epilogue = acc),
///         except a Gather at run-time indices (K = 2: the index, then the row element it selects).
///         Twin of sdk/opml/kernels/dataMovement.ts, where the params are documented.
/// @dev Layouts (signed words are stored plus 2^63):
///        VIEW (16, 18, 19, 20, 22, 23; Gather kind 0 from word 1): X loc, pad mode, pad value, rank r, then
///          r x (size, input size, start, step, input stride); c = start + o * step, mapped by the mode.
///        Concat: outer, inner, operands s, then s x (loc, extent).
///        Gather: kind; kind 1: X loc, outer, L, inner, n, n indices; kind 2: data loc, indices loc, outer,
///          L, inner, n.
contract DataMovementKernel is IOpKernel {
    uint8 internal constant OP_TRANSPOSE = 16;
    uint8 internal constant OP_CONCAT = 17;
    uint8 internal constant OP_GATHER = 21;
    uint8 internal constant OP_LAST = 23;

    uint256 internal constant SIGNED_OFFSET = 1 << 63;
    uint256 internal constant MAX_TABLE = 4096;
    uint256 internal constant VIEW_HEADER = 6;
    uint256 internal constant VIEW_DIM_WORDS = 5;
    uint256 internal constant GATHER_VIEW = 0;
    uint256 internal constant GATHER_TABLE = 1;
    uint256 internal constant GATHER_LOOKUP = 2;

    /// @inheritdoc IOpKernel
    function outputCount(NodeProgram calldata p) external pure returns (uint256 count) {
        return _check(p);
    }

    /// @inheritdoc IOpKernel
    function termCount(NodeProgram calldata p, uint256) external pure returns (uint256 terms) {
        return _isLookup(p) ? 2 : 1;
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
        int256 acc
    ) external pure returns (OperandRef[] memory refs) {
        uint256[] calldata q = p.params;
        if (_isLookup(p)) {
            if (term == 2) return new OperandRef[](0);
            refs = new OperandRef[](1);
            refs[0] = _lookupRef(q, element, term, acc);
            return refs;
        }
        if (term == 1) return new OperandRef[](0); // the epilogue reads nothing
        refs = new OperandRef[](1);
        if (p.op == OP_CONCAT) {
            refs[0] = _concatRef(q, element);
        } else if (_isView(p)) {
            (refs[0], ) = _viewRef(q, _viewBase(p), element);
        } else {
            refs[0] = _tableRef(q, element);
        }
    }

    /// @inheritdoc IOpKernel
    function fold(
        NodeProgram calldata p,
        uint256 element,
        uint256 term,
        int256,
        int256[] calldata values
    ) external pure returns (int256 next) {
        if (_isLookup(p)) {
            int256 v = values[0];
            // a negative index counts from the end (L < 2^64: no overflow)
            return term == 0 && v < 0 ? v + int256(p.params[8]) : v;
        }
        if (_isView(p)) {
            uint256 b = _viewBase(p);
            (, bool padding) = _viewRef(p.params, b, element);
            if (padding) return _signed(p.params[b + 4]);
        }
        return values[0];
    }

    /// @inheritdoc IOpKernel
    function epilogue(NodeProgram calldata, uint256, int256 acc, int256[] calldata) external pure returns (int256 y) {
        return acc;
    }

    // ------------------------------------------------------------ checks

    function _check(NodeProgram calldata p) private pure returns (uint256) {
        uint8 op = p.op;
        if (op < OP_TRANSPOSE || op > OP_LAST) revert OneStep_UnknownOp(op);
        if (op == OP_CONCAT) return _checkConcat(p);
        if (op == OP_GATHER) return _checkGather(p);
        return _checkView(p, 0);
    }

    function _checkView(NodeProgram calldata p, uint256 b) private pure returns (uint256 count) {
        uint256[] calldata q = p.params;
        uint256 n = q.length;
        if (n < b + VIEW_HEADER) revert OneStep_BadParams(p.op, n);
        _source(p, b);
        if (q[b + 3] > 3) revert OneStep_BadParams(p.op, b + 3);
        uint256 r = q[b + 5];
        if (r > n || n != b + VIEW_HEADER + r * VIEW_DIM_WORDS) revert OneStep_BadParams(p.op, n);
        count = 1;
        for (uint256 d = 0; d < r; ++d) {
            uint256 at = b + VIEW_HEADER + d * VIEW_DIM_WORDS;
            if (q[at] == 0) revert OneStep_BadParams(p.op, at);
            if (q[at + 1] == 0) revert OneStep_BadParams(p.op, at + 1);
            count *= q[at]; // both factors < 2^64
            if (count >= P.PARAM_LIMIT) revert OneStep_BadParams(p.op, b + 5);
        }
    }

    function _checkConcat(NodeProgram calldata p) private pure returns (uint256 count) {
        uint256[] calldata q = p.params;
        uint256 n = q.length;
        if (n < 3) revert OneStep_BadParams(p.op, n);
        uint256 s = q[2];
        if (s == 0 || s > n || n != 3 + 4 * s) revert OneStep_BadParams(p.op, n);
        if (q[0] == 0) revert OneStep_BadParams(p.op, 0);
        if (q[1] == 0) revert OneStep_BadParams(p.op, 1);
        uint256 total = 0;
        for (uint256 k = 0; k < s; ++k) {
            _source(p, 3 + 4 * k);
            total += q[6 + 4 * k]; // s < 2^64 words below 2^64 each
        }
        if (total == 0) revert OneStep_BadParams(p.op, 2);
        count = q[0] * total * q[1]; // < 2^64 * 2^128 * 2^64
        if (count >= P.PARAM_LIMIT) revert OneStep_BadParams(p.op, 2);
    }

    function _checkGather(NodeProgram calldata p) private pure returns (uint256 count) {
        uint256[] calldata q = p.params;
        uint256 n = q.length;
        if (n < 1) revert OneStep_BadParams(p.op, n);
        uint256 kind = q[0];
        if (kind == GATHER_VIEW) return _checkView(p, 1);
        uint256 g; // the first of outer, L, inner, count
        if (kind == GATHER_TABLE) {
            if (n < 8) revert OneStep_BadParams(p.op, n);
            _source(p, 1);
            g = 4;
            if (q[7] > MAX_TABLE || n != 8 + q[7]) revert OneStep_BadParams(p.op, n);
            for (uint256 j = 8; j < n; ++j) if (q[j] >= q[5]) revert OneStep_BadParams(p.op, j);
        } else if (kind == GATHER_LOOKUP) {
            if (n != 11) revert OneStep_BadParams(p.op, n);
            _source(p, 1);
            _source(p, 4);
            g = 7;
        } else {
            revert OneStep_BadParams(p.op, 0);
        }
        for (uint256 w = g; w < g + 4; ++w) if (q[w] == 0) revert OneStep_BadParams(p.op, w);
        count = q[g] * q[g + 3] * q[g + 2];
        if (count >= P.PARAM_LIMIT) revert OneStep_BadParams(p.op, g);
    }

    function _source(NodeProgram calldata p, uint256 at) private pure {
        uint256 s = p.params[at];
        if (s != P.SOURCE_TRACE && s != P.SOURCE_WEIGHT) revert OneStep_BadParams(p.op, at);
    }

    // ------------------------------------------------------------ indexing

    function _isLookup(NodeProgram calldata p) private pure returns (bool) {
        return p.op == OP_GATHER && p.params[0] == GATHER_LOOKUP;
    }

    function _isView(NodeProgram calldata p) private pure returns (bool) {
        return p.op != OP_CONCAT && (p.op != OP_GATHER || p.params[0] == GATHER_VIEW);
    }

    function _viewBase(NodeProgram calldata p) private pure returns (uint256) {
        return p.op == OP_GATHER ? 1 : 0;
    }

    function _signed(uint256 w) private pure returns (int256) {
        return int256(w) - int256(SIGNED_OFFSET); // w < 2^64
    }

    /// @notice The operand of element `e` of the VIEW at word `b`, and whether it is constant padding (source 0).
    function _viewRef(
        uint256[] calldata q,
        uint256 b,
        uint256 e
    ) private pure returns (OperandRef memory r, bool padding) {
        uint256 mode = q[b + 3];
        uint256 index = 0;
        for (uint256 d = q[b + 5]; d > 0; --d) {
            uint256 at = b + VIEW_HEADER + (d - 1) * VIEW_DIM_WORDS;
            uint256 size = q[at];
            // |start|, |step|, o < 2^64: c fits easily in int256
            int256 c = _signed(q[at + 2]) + int256(e % size) * _signed(q[at + 3]);
            e /= size;
            c = _coordinate(mode, c, int256(q[at + 1]));
            if (c < 0) return (r, true); // source 0: reads nothing
            index += uint256(c) * q[at + 4];
        }
        r = P.ref(q, b, index);
    }

    /// @notice sdk/ops/view.ts padCoordinate: the input coordinate `c` reads along an axis of `n` under
    ///         `mode` (0 constant, 1 edge, 2 reflect, 3 wrap), or -1 in constant mode outside the axis.
    function _coordinate(uint256 mode, int256 c, int256 n) private pure returns (int256) {
        if (c >= 0 && c < n) return c;
        if (mode == 0) return -1;
        if (mode == 1) return c < 0 ? int256(0) : n - 1;
        if (mode == 2) {
            if (n == 1) return 0;
            int256 period = 2 * (n - 1);
            int256 m = _mod(c, period);
            return m < n ? m : period - m;
        }
        return _mod(c, n);
    }

    function _mod(int256 a, int256 n) private pure returns (int256) {
        int256 r = a % n;
        return r < 0 ? r + n : r;
    }

    /// @notice Term 0 of a lookup reads index j; term 1 the data element (o, acc, i) (acc: the normalised index).
    function _lookupRef(
        uint256[] calldata q,
        uint256 element,
        uint256 term,
        int256 acc
    ) private pure returns (OperandRef memory) {
        if (term == 0) return P.ref(q, 4, (element / q[9]) % q[10]);
        // acc < L < 2^64: the cast is exact
        if (acc < 0 || uint256(acc) >= q[8]) revert OneStep_BadAccumulator(acc);
        return P.ref(q, 1, _rowIndex(element, q[9], q[10], q[8], uint256(acc)));
    }

    /// @notice Element (o, j, i) of a Gather at constant indices reads X at (o, index_j, i).
    function _tableRef(uint256[] calldata q, uint256 element) private pure returns (OperandRef memory) {
        uint256 row = q[8 + ((element / q[6]) % q[7])];
        return P.ref(q, 1, _rowIndex(element, q[6], q[7], q[5], row));
    }

    /// @notice The flat index of data element (o, row, i) for output element (o, j, i) over outer x count x inner.
    function _rowIndex(
        uint256 element,
        uint256 inner,
        uint256 count,
        uint256 length,
        uint256 row
    ) private pure returns (uint256) {
        return ((element / inner / count) * length + row) * inner + (element % inner);
    }

    /// @notice Element (o, c, i) of a Concat reads operand k at (o, c - start_k, i).
    function _concatRef(uint256[] calldata q, uint256 e) private pure returns (OperandRef memory r) {
        uint256 inner = q[1];
        uint256 s = q[2];
        uint256 total = 0;
        for (uint256 k = 0; k < s; ++k) total += q[6 + 4 * k];
        uint256 o = e / (total * inner);
        uint256 c = (e / inner) % total;
        for (uint256 k = 0; k < s; ++k) {
            uint256 extent = q[6 + 4 * k];
            if (c < extent) return P.ref(q, 3 + 4 * k, (o * extent + c) * inner + (e % inner));
            c -= extent;
        }
        // unreachable: c < total, the sum of the extents
    }
}
