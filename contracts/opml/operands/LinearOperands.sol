// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {OperandRef} from "../../interfaces/IOneStepExecutor.sol";
import {ProgramParams as P} from "./ProgramParams.sol";
import {WindowOperands} from "./WindowOperands.sol";

/// @title LinearOperands
/// @notice Indexing of the linear operators (twin of sdk/opml/operands.ts): Gemm and MatMul (term t reads
///         op(A)[i, t] and op(B)[t, j] of batch p, the kernels' loop over K), Conv (term t = c * kernelSize + k:
///         input channel c of the filter's group, then kernel position k row-major, as sdk/ops/conv.ts loops;
///         padding taps read nothing). Epilogue operand: Gemm's C (broadcast) or Conv's bias.
/// @dev Params are checked (ProgramParams.check): every size product is below 2^64, nothing overflows.
library LinearOperands {
    uint256 private constant BATCH_WORDS = 3;
    uint256 private constant WINDOW_OUT = 1;
    uint256 private constant WINDOW_KERNEL = 2;
    uint256 private constant WINDOW_IN = 0;

    /// @notice Gemm/MatMul's output count: batch × M × N.
    /// @param q The params.
    /// @return The count.
    function matrixOutputCount(uint256[] calldata q) internal pure returns (uint256) {
        return P.product(q, P.LIN_RANK, BATCH_WORDS, 0) * q[P.LIN_M] * q[P.LIN_N];
    }

    /// @notice Gemm/MatMul term `t` of element `e` = (p, i, j): [A element, B element].
    /// @param q The params.
    /// @param e The element.
    /// @param t The term (< K).
    /// @return refs Two references.
    function matrixTermRefs(
        uint256[] calldata q,
        uint256 e,
        uint256 t
    ) internal pure returns (OperandRef[] memory refs) {
        uint256 n = q[P.LIN_N];
        uint256 mn = q[P.LIN_M] * n;
        uint256 b = e / mn;
        uint256 aOff = ((e % mn) / n) * q[P.LIN_A_ROW] + t * q[P.LIN_A_K];
        uint256 bOff = t * q[P.LIN_B_K] + (e % n) * q[P.LIN_B_COL];
        for (uint256 d = q[P.LIN_RANK]; d > 0; --d) {
            uint256 at = P.LIN_RANK + 1 + (d - 1) * BATCH_WORDS;
            uint256 x = b % q[at];
            b /= q[at];
            aOff += x * q[at + 1];
            bOff += x * q[at + 2];
        }
        refs = new OperandRef[](2);
        refs[0] = P.ref(q, P.LIN_A, aOff);
        refs[1] = P.ref(q, P.LIN_B, bOff);
    }

    /// @notice Gemm's epilogue operand for element `e`: C[i, j] broadcast, source 0 without C.
    /// @param q The params.
    /// @param e The element.
    /// @return refs One reference.
    function matrixEpilogueRefs(uint256[] calldata q, uint256 e) internal pure returns (OperandRef[] memory refs) {
        refs = new OperandRef[](1);
        if (q[P.LIN_C] != P.SOURCE_NONE) {
            uint256 n = q[P.LIN_N];
            uint256 i = (e % (q[P.LIN_M] * n)) / n;
            refs[0] = P.ref(q, P.LIN_C, i * q[P.LIN_C_ROW] + (e % n) * q[P.LIN_C_COL]);
        }
    }

    /// @notice Conv's output count: N × filters × output positions.
    /// @param q The params.
    /// @return The count.
    function convOutputCount(uint256[] calldata q) internal pure returns (uint256) {
        return q[P.CONV_BATCH] * q[P.CONV_FILTERS] * P.product(q, P.CONV_RANK, P.WINDOW_DIM_WORDS, WINDOW_OUT);
    }

    /// @notice Conv's term count: input channels per group × kernel size.
    /// @param q The params.
    /// @return The count K.
    function convTermCount(uint256[] calldata q) internal pure returns (uint256) {
        return (q[P.CONV_CHANNELS] / q[P.CONV_GROUP]) * P.product(q, P.CONV_RANK, P.WINDOW_DIM_WORDS, WINDOW_KERNEL);
    }

    /// @notice Conv term `t` of element `e` = (n, m, o): [x, w], both source 0 on a padding tap.
    /// @param q The params.
    /// @param e The element.
    /// @param t The term (< K).
    /// @return refs Two references.
    function convTermRefs(uint256[] calldata q, uint256 e, uint256 t) internal pure returns (OperandRef[] memory) {
        uint256 outSize = P.product(q, P.CONV_RANK, P.WINDOW_DIM_WORDS, WINDOW_OUT);
        uint256 kSize = P.product(q, P.CONV_RANK, P.WINDOW_DIM_WORDS, WINDOW_KERNEL);
        (bool inside, uint256 offset) = WindowOperands.tap(q, P.CONV_RANK, e % outSize, t % kSize);
        if (!inside) return new OperandRef[](2);
        return _convRefs(q, e / outSize, t, kSize, offset);
    }

    /// @notice The operands of an inside tap: x at spatial `offset` of its input plane, and the filter's weight.
    function _convRefs(
        uint256[] calldata q,
        uint256 nm,
        uint256 t,
        uint256 kSize,
        uint256 offset
    ) private pure returns (OperandRef[] memory refs) {
        (uint256 plane, uint256 row) = _convPlane(q, nm, t / kSize);
        refs = new OperandRef[](2);
        refs[0] = P.ref(q, P.CONV_X, plane * P.product(q, P.CONV_RANK, P.WINDOW_DIM_WORDS, WINDOW_IN) + offset);
        refs[1] = P.ref(q, P.CONV_W, row * kSize + (t % kSize));
    }

    /// @notice For output plane `nm` = (n, m) and input channel `c` of the filter's group: the input plane
    ///         (n, first channel of m's group + c) and the filter row m * perGroupIn + c.
    function _convPlane(uint256[] calldata q, uint256 nm, uint256 c) private pure returns (uint256 plane, uint256 row) {
        uint256 filters = q[P.CONV_FILTERS];
        uint256 m = nm % filters;
        uint256 perGroupIn = q[P.CONV_CHANNELS] / q[P.CONV_GROUP];
        plane = (nm / filters) * q[P.CONV_CHANNELS] + (m / (filters / q[P.CONV_GROUP])) * perGroupIn + c;
        row = m * perGroupIn + c;
    }

    /// @notice Conv's epilogue operand for element `e`: bias[m], source 0 without bias.
    /// @param q The params.
    /// @param e The element.
    /// @return refs One reference.
    function convEpilogueRefs(uint256[] calldata q, uint256 e) internal pure returns (OperandRef[] memory refs) {
        refs = new OperandRef[](1);
        if (q[P.CONV_B] != P.SOURCE_NONE) {
            uint256 outSize = P.product(q, P.CONV_RANK, P.WINDOW_DIM_WORDS, WINDOW_OUT);
            refs[0] = P.ref(q, P.CONV_B, (e / outSize) % q[P.CONV_FILTERS]);
        }
    }
}
