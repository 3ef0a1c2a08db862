// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {NodeProgram, OperandRef} from "../../interfaces/IOneStepExecutor.sol";
import {IOpKernel} from "../../interfaces/IOpKernel.sol";
import {IntegerSemantics} from "../IntegerSemantics.sol";
import {OneStep_BadParams, OneStep_UnknownOp, ProgramParams as P} from "../operands/ProgramParams.sol";

/// @title ReductionKernel
/// @notice Kernel family 2 of the one-step executor (op codes 48..63, of which 48..52 are used):
///         GlobalAveragePool 48, ReduceMean 49, ReduceSum 50, ReduceMax 51, ReduceMin 52, bit for bit the
///         integer interpreter (sdk/ops/reduce.ts, docs/integer-semantics.md section 4). TypeScript twin:
///         sdk/opml/kernels/reduction.ts.
/// @dev Params (every word below 2^64, checked by the executor):
///        [0..2] X loc  [3] activation bits A  [4] rank r, then r x (size, reduced flag), outermost first.
///      Output element e is row-major over the kept dims (keepdims does not change the order), term t row-major
///      over the reduced dims, and the operand of (e, t) is X at sum_d coord_d * stride_d (row-major strides of
///      the sizes). K is the product of the reduced sizes (1 when no dim is reduced: noop_with_empty_axes).
///        GlobalAveragePool, ReduceMean  0; [x]: mac(acc, x, 1); []: divRoundHalfUp(acc, K)
///        ReduceSum                      0; [x]: mac(acc, x, 1); []: add(acc, 0, A) (saturate)
///        ReduceMax / ReduceMin          int256 min / max; [x]: max / min(acc, x); []: acc
///      GlobalAveragePool reduces exactly the spatial dims of [N, C, spatial...] (r >= 3, flags 0, 0, 1, ...).
contract ReductionKernel is IOpKernel {
    uint8 internal constant OP_GLOBAL_AVERAGE_POOL = 48;
    uint8 internal constant OP_REDUCE_MEAN = 49;
    uint8 internal constant OP_REDUCE_SUM = 50;
    uint8 internal constant OP_REDUCE_MAX = 51;
    uint8 internal constant OP_REDUCE_MIN = 52;

    uint256 internal constant X = 0;
    uint256 internal constant BITS = 3;
    uint256 internal constant RANK = 4;

    /// @inheritdoc IOpKernel
    function outputCount(NodeProgram calldata p) external pure returns (uint256 count) {
        uint8 op = p.op;
        if (op < OP_GLOBAL_AVERAGE_POOL || op > OP_REDUCE_MIN) revert OneStep_UnknownOp(op);
        uint256[] calldata q = p.params;
        uint256 n = q.length;
        if (n < RANK + 1 || q[RANK] > n || n != RANK + 1 + 2 * q[RANK]) revert OneStep_BadParams(op, n);
        if (q[X] == P.SOURCE_NONE || q[X] > P.SOURCE_WEIGHT) revert OneStep_BadParams(op, X);
        uint256 rank = q[RANK];
        if (op == OP_GLOBAL_AVERAGE_POOL && rank < 3) revert OneStep_BadParams(op, RANK);
        uint256 all = 1;
        count = 1;
        for (uint256 d = 0; d < rank; ++d) {
            uint256 at = RANK + 1 + 2 * d;
            if (q[at] == 0) revert OneStep_BadParams(op, at);
            uint256 flag = q[at + 1];
            if (flag > 1 || (op == OP_GLOBAL_AVERAGE_POOL && flag != (d >= 2 ? 1 : 0)))
                revert OneStep_BadParams(op, at + 1);
            // Every factor is below 2^64 and the running product is kept below 2^64: no overflow.
            all *= q[at];
            if (all >= P.PARAM_LIMIT) revert OneStep_BadParams(op, RANK);
            if (flag == 0) count *= q[at];
        }
    }

    /// @inheritdoc IOpKernel
    function termCount(NodeProgram calldata p, uint256) external pure returns (uint256 terms) {
        return _termCount(p.params);
    }

    /// @inheritdoc IOpKernel
    function initialAccumulator(NodeProgram calldata p, uint256) external pure returns (int256 acc) {
        if (p.op == OP_REDUCE_MAX) return type(int256).min;
        if (p.op == OP_REDUCE_MIN) return type(int256).max;
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
        if (term == _termCount(q)) return new OperandRef[](0);
        uint256 index;
        uint256 stride = 1;
        for (uint256 d = q[RANK]; d > 0; --d) {
            uint256 at = RANK + 2 * d - 1; // dim d - 1's size; its flag follows
            uint256 size = q[at];
            uint256 coord;
            if (q[at + 1] == 1) {
                coord = term % size;
                term /= size;
            } else {
                coord = element % size;
                element /= size;
            }
            index += coord * stride;
            stride *= size;
        }
        refs = new OperandRef[](1);
        refs[0] = P.ref(q, X, index);
    }

    /// @inheritdoc IOpKernel
    function fold(
        NodeProgram calldata p,
        uint256,
        uint256,
        int256 acc,
        int256[] calldata values
    ) external pure returns (int256 next) {
        uint8 op = p.op;
        if (op == OP_REDUCE_MAX) return IntegerSemantics.max(acc, values[0]);
        if (op == OP_REDUCE_MIN) return values[0] < acc ? values[0] : acc;
        return IntegerSemantics.mac(acc, values[0], 1);
    }

    /// @inheritdoc IOpKernel
    function epilogue(NodeProgram calldata p, uint256, int256 acc, int256[] calldata) external pure returns (int256 y) {
        uint8 op = p.op;
        uint256[] calldata q = p.params;
        if (op == OP_REDUCE_SUM) return IntegerSemantics.add(acc, 0, q[BITS]);
        // K < 2^64: the cast is exact
        if (op == OP_GLOBAL_AVERAGE_POOL || op == OP_REDUCE_MEAN)
            return IntegerSemantics.divRoundHalfUp(acc, int256(_termCount(q)));
        return acc; // ReduceMax, ReduceMin
    }

    /// @notice K: the product of the reduced sizes (below 2^64: outputCount bounded the product of all sizes).
    function _termCount(uint256[] calldata q) private pure returns (uint256 terms) {
        terms = 1;
        uint256 rank = q[RANK];
        for (uint256 d = 0; d < rank; ++d) if (q[RANK + 2 + 2 * d] == 1) terms *= q[RANK + 1 + 2 * d];
    }
}
