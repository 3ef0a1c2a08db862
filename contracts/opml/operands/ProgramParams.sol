// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {NodeProgram, OperandRef} from "../../interfaces/IOneStepExecutor.sol";

/// @notice The program names an op code the executor does not know.
/// @param op The op code.
error OneStep_UnknownOp(uint8 op);
/// @notice The program's params are malformed for its op (wrong length, a zero size, a bad source or flag, a
///         word or a size product of 2^64 or more).
/// @param op The op code.
/// @param word The first offending word's position (the params' length when the length is wrong).
error OneStep_BadParams(uint8 op, uint256 word);
/// @notice ArgMax's running best index (the accumulator) is not an index along the axis.
/// @param acc The accumulator.
error OneStep_BadAccumulator(int256 acc);

/// @title ProgramParams
/// @notice Op codes, params layouts and their validation for the one-step executor (twin of
///         sdk/opml/program.ts and sdk/opml/operands.ts, where the encoding is documented).
/// @dev A "loc" is three words (source, step, offset): source 1 the trace (step `step`, first element
///      `offset`), 2 the weight stream (first weight `offset`), 0 no operand.
library ProgramParams {
    uint8 internal constant OP_GEMM = 1;
    uint8 internal constant OP_MATMUL = 2;
    uint8 internal constant OP_CONV = 3;
    uint8 internal constant OP_RELU = 4;
    uint8 internal constant OP_MAXPOOL = 5;
    uint8 internal constant OP_AVERAGEPOOL = 6;
    uint8 internal constant OP_ADD = 7;
    uint8 internal constant OP_ARGMAX = 8;
    uint8 internal constant OP_FLATTEN = 9;
    uint8 internal constant OP_RESHAPE = 10;

    uint8 internal constant SOURCE_NONE = 0;
    uint8 internal constant SOURCE_TRACE = 1;
    uint8 internal constant SOURCE_WEIGHT = 2;

    /// @notice Every param, and every product of sizes, is below this bound: index arithmetic cannot overflow.
    uint256 internal constant PARAM_LIMIT = 1 << 64;
    /// @notice Words per window dim: input size, output size, kernel, stride, pad begin, pad end, dilation.
    uint256 internal constant WINDOW_DIM_WORDS = 7;

    // Gemm / MatMul
    uint256 internal constant LIN_A = 0;
    uint256 internal constant LIN_B = 3;
    uint256 internal constant LIN_C = 6;
    uint256 internal constant LIN_M = 9;
    uint256 internal constant LIN_K = 10;
    uint256 internal constant LIN_N = 11;
    uint256 internal constant LIN_A_ROW = 12;
    uint256 internal constant LIN_A_K = 13;
    uint256 internal constant LIN_B_K = 14;
    uint256 internal constant LIN_B_COL = 15;
    uint256 internal constant LIN_C_ROW = 16;
    uint256 internal constant LIN_C_COL = 17;
    uint256 internal constant LIN_SHIFT = 18;
    uint256 internal constant LIN_BIAS_SHIFT = 19;
    uint256 internal constant LIN_BITS = 20;
    uint256 internal constant LIN_RANK = 21;
    // Conv
    uint256 internal constant CONV_X = 0;
    uint256 internal constant CONV_W = 3;
    uint256 internal constant CONV_B = 6;
    uint256 internal constant CONV_BATCH = 9;
    uint256 internal constant CONV_CHANNELS = 10;
    uint256 internal constant CONV_FILTERS = 11;
    uint256 internal constant CONV_GROUP = 12;
    uint256 internal constant CONV_SHIFT = 13;
    uint256 internal constant CONV_BITS = 14;
    uint256 internal constant CONV_RANK = 15;
    // MaxPool / AveragePool
    uint256 internal constant POOL_X = 0;
    uint256 internal constant POOL_PLANES = 3;
    uint256 internal constant POOL_INCLUDE_PAD = 4;
    uint256 internal constant POOL_RANK = 5;
    // Relu / Flatten / Reshape
    uint256 internal constant COPY_X = 0;
    uint256 internal constant COPY_COUNT = 3;
    uint256 internal constant COPY_LENGTH = 4;
    // Add
    uint256 internal constant ADD_A = 0;
    uint256 internal constant ADD_B = 3;
    uint256 internal constant ADD_BITS = 6;
    uint256 internal constant ADD_RANK = 7;
    // ArgMax
    uint256 internal constant ARGMAX_X = 0;
    uint256 internal constant ARGMAX_OUTER = 3;
    uint256 internal constant ARGMAX_LENGTH = 4;
    uint256 internal constant ARGMAX_INNER = 5;
    uint256 internal constant ARGMAX_SELECT_LAST = 6;
    uint256 internal constant ARGMAX_SIZE = 7;

    /// @notice Reverts with OneStep_UnknownOp / OneStep_BadParams unless `p` is well formed (the same checks,
    ///         in the same order, as checkProgram in sdk/opml/operands.ts).
    /// @param p The node's program.
    function check(NodeProgram calldata p) internal pure {
        uint8 op = p.op;
        if (op < OP_GEMM || op > OP_RESHAPE) revert OneStep_UnknownOp(op);
        uint256[] calldata q = p.params;
        for (uint256 i = 0; i < q.length; ++i) if (q[i] >= PARAM_LIMIT) revert OneStep_BadParams(op, i);
        if (op == OP_GEMM || op == OP_MATMUL) {
            _dims(op, q, LIN_RANK, 3, false);
            _source(op, q, LIN_A, false);
            _source(op, q, LIN_B, false);
            _source(op, q, LIN_C, true);
            _positive(op, q, LIN_M);
            _positive(op, q, LIN_K);
            _positive(op, q, LIN_N);
            _bounded(op, LIN_RANK, _product(q, LIN_RANK, 3, 0) * q[LIN_M] * q[LIN_N]);
        } else if (op == OP_CONV) {
            _dims(op, q, CONV_RANK, WINDOW_DIM_WORDS, true);
            _source(op, q, CONV_X, false);
            _source(op, q, CONV_W, false);
            _source(op, q, CONV_B, true);
            _positive(op, q, CONV_BATCH);
            _positive(op, q, CONV_CHANNELS);
            _positive(op, q, CONV_FILTERS);
            _positive(op, q, CONV_GROUP);
            if (q[CONV_CHANNELS] % q[CONV_GROUP] != 0) revert OneStep_BadParams(op, CONV_CHANNELS);
            if (q[CONV_FILTERS] % q[CONV_GROUP] != 0) revert OneStep_BadParams(op, CONV_FILTERS);
            _bounded(op, CONV_RANK, q[CONV_BATCH] * q[CONV_FILTERS] * _product(q, CONV_RANK, WINDOW_DIM_WORDS, 1));
            _bounded(op, CONV_RANK, q[CONV_CHANNELS] * _product(q, CONV_RANK, WINDOW_DIM_WORDS, 2));
        } else if (op == OP_MAXPOOL || op == OP_AVERAGEPOOL) {
            _dims(op, q, POOL_RANK, WINDOW_DIM_WORDS, true);
            _source(op, q, POOL_X, false);
            _positive(op, q, POOL_PLANES);
            if (q[POOL_INCLUDE_PAD] > (op == OP_MAXPOOL ? 0 : 1)) revert OneStep_BadParams(op, POOL_INCLUDE_PAD);
            _bounded(op, POOL_RANK, q[POOL_PLANES] * _product(q, POOL_RANK, WINDOW_DIM_WORDS, 1));
            _bounded(op, POOL_RANK, _product(q, POOL_RANK, WINDOW_DIM_WORDS, 2));
        } else if (op == OP_ADD) {
            _dims(op, q, ADD_RANK, 3, false);
            _source(op, q, ADD_A, false);
            _source(op, q, ADD_B, false);
        } else if (op == OP_ARGMAX) {
            if (q.length != ARGMAX_SIZE) revert OneStep_BadParams(op, q.length);
            _source(op, q, ARGMAX_X, false);
            _positive(op, q, ARGMAX_OUTER);
            _positive(op, q, ARGMAX_LENGTH);
            _positive(op, q, ARGMAX_INNER);
            if (q[ARGMAX_SELECT_LAST] > 1) revert OneStep_BadParams(op, ARGMAX_SELECT_LAST);
            _bounded(op, ARGMAX_OUTER, q[ARGMAX_OUTER] * q[ARGMAX_INNER]);
        } else {
            if (q.length != COPY_LENGTH) revert OneStep_BadParams(op, q.length);
            _source(op, q, COPY_X, false);
            _positive(op, q, COPY_COUNT);
        }
    }

    /// @notice The operand at `loc` plus `index`: (source, step, offset + index).
    /// @param q The params.
    /// @param loc The loc's first word.
    /// @param index The element's index within the tensor.
    /// @return r The operand's reference.
    function ref(uint256[] calldata q, uint256 loc, uint256 index) internal pure returns (OperandRef memory r) {
        r.source = uint8(q[loc]);
        r.step = q[loc + 1];
        r.index = q[loc + 2] + index;
    }

    /// @notice The product of word `word` of every dim (dims of `words` words after the rank at `rankAt`).
    /// @param q The params (already checked).
    /// @param rankAt The rank's position.
    /// @param words Words per dim.
    /// @param word Which word of each dim.
    /// @return prod The product (each factor below 2^64; the caller bounds the product).
    function product(
        uint256[] calldata q,
        uint256 rankAt,
        uint256 words,
        uint256 word
    ) internal pure returns (uint256 prod) {
        return _product(q, rankAt, words, word);
    }

    function _product(
        uint256[] calldata q,
        uint256 rankAt,
        uint256 words,
        uint256 word
    ) private pure returns (uint256 prod) {
        prod = 1;
        uint256 rank = q[rankAt];
        for (uint256 d = 0; d < rank; ++d) {
            prod *= q[rankAt + 1 + d * words + word];
            if (prod >= PARAM_LIMIT) return PARAM_LIMIT; // every factor >= 1: the product stays out of bound
        }
    }

    function _dims(uint8 op, uint256[] calldata q, uint256 rankAt, uint256 words, bool window) private pure {
        uint256 n = q.length;
        if (n < rankAt + 1 || q[rankAt] > n || n != rankAt + 1 + q[rankAt] * words) revert OneStep_BadParams(op, n);
        uint256 rank = q[rankAt];
        for (uint256 d = 0; d < rank; ++d) {
            uint256 at = rankAt + 1 + d * words;
            _positive(op, q, at);
            if (window) {
                _positive(op, q, at + 1); // output size
                _positive(op, q, at + 2); // kernel
                _positive(op, q, at + 3); // stride
                _positive(op, q, at + 6); // dilation
            }
        }
        _bounded(op, rankAt, _product(q, rankAt, words, 0)); // input sizes (window) or sizes
    }

    function _source(uint8 op, uint256[] calldata q, uint256 at, bool optional) private pure {
        uint256 s = q[at];
        if (s > SOURCE_WEIGHT || (!optional && s == SOURCE_NONE)) revert OneStep_BadParams(op, at);
    }

    function _positive(uint8 op, uint256[] calldata q, uint256 at) private pure {
        if (q[at] == 0) revert OneStep_BadParams(op, at);
    }

    function _bounded(uint8 op, uint256 at, uint256 value) private pure {
        if (value >= PARAM_LIMIT) revert OneStep_BadParams(op, at);
    }
}
