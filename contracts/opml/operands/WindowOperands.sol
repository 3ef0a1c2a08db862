// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {OperandRef} from "../../interfaces/IOneStepExecutor.sol";
import {IntegerSemantics} from "../IntegerSemantics.sol";
import {ProgramParams as P} from "./ProgramParams.sol";

/// @title WindowOperands
/// @notice Sliding-window indexing of Conv, MaxPool and AveragePool (twin of sdk/opml/operands.ts, after
///         sdk/ops/window.ts): taps in row-major kernel order; a tap outside the input (padding) reads nothing.
/// @dev The window is `rank` dims of WINDOW_DIM_WORDS words after the rank word at `rankAt`: input size, output
///      size, kernel, stride, pad begin, pad end, dilation, outermost first. Params are checked
///      (ProgramParams.check): every product of sizes is below 2^64, so nothing here overflows.
library WindowOperands {
    uint256 private constant IN = 0;
    uint256 private constant OUT = 1;
    uint256 private constant KERNEL = 2;
    uint256 private constant STRIDE = 3;
    uint256 private constant PAD_BEGIN = 4;
    uint256 private constant PAD_END = 5;
    uint256 private constant DILATION = 6;

    /// @notice Tap `k` (flat kernel position) of output position `o` (flat spatial).
    /// @param q The params.
    /// @param rankAt The window's rank word.
    /// @param o The output position.
    /// @param k The kernel position.
    /// @return inside Whether the tap lies inside the (unpadded) input.
    /// @return offset Its flat spatial offset in the input (meaningful only inside).
    function tap(
        uint256[] calldata q,
        uint256 rankAt,
        uint256 o,
        uint256 k
    ) internal pure returns (bool inside, uint256 offset) {
        inside = true;
        uint256 stride = 1;
        for (uint256 d = q[rankAt]; d > 0; --d) {
            uint256 at = rankAt + 1 + (d - 1) * P.WINDOW_DIM_WORDS;
            uint256 outSize = q[at + OUT];
            uint256 kernel = q[at + KERNEL];
            uint256 pos = (o % outSize) * q[at + STRIDE] + (k % kernel) * q[at + DILATION];
            o /= outSize;
            k /= kernel;
            uint256 padBegin = q[at + PAD_BEGIN];
            if (pos < padBegin || pos - padBegin >= q[at + IN]) {
                inside = false;
            } else {
                offset += (pos - padBegin) * stride;
            }
            stride *= q[at + IN];
        }
    }

    /// @notice AveragePool's divisor at output position `o`: the taps inside the input, or inside the
    ///         explicitly padded input with count_include_pad (sdk/ops/window.ts paddedCount).
    /// @param q The params.
    /// @param rankAt The window's rank word.
    /// @param o The output position.
    /// @param includePad count_include_pad.
    /// @return n The number of taps counted.
    function count(uint256[] calldata q, uint256 rankAt, uint256 o, bool includePad) internal pure returns (uint256 n) {
        n = 1;
        for (uint256 d = q[rankAt]; d > 0; --d) {
            uint256 at = rankAt + 1 + (d - 1) * P.WINDOW_DIM_WORDS;
            uint256 outSize = q[at + OUT];
            int256 padBegin = int256(q[at + PAD_BEGIN]);
            int256 base = int256((o % outSize) * q[at + STRIDE]) - padBegin;
            o /= outSize;
            int256 lo = includePad ? -padBegin : int256(0);
            int256 hi = int256(q[at + IN]) + (includePad ? int256(q[at + PAD_END]) : int256(0));
            n *= _countIn(base, int256(q[at + DILATION]), int256(q[at + KERNEL]), lo, hi);
        }
    }

    /// @notice The number of k in [0, kernel) with lo <= base + k * dilation < hi.
    function _countIn(
        int256 base,
        int256 dilation,
        int256 kernel,
        int256 lo,
        int256 hi
    ) private pure returns (uint256) {
        int256 kmin = -IntegerSemantics.floorDiv(base - lo, dilation); // ceil((lo - base) / dilation)
        if (kmin < 0) kmin = 0;
        int256 kmax = IntegerSemantics.floorDiv(hi - 1 - base, dilation);
        if (kmax > kernel - 1) kmax = kernel - 1;
        return kmax >= kmin ? uint256(kmax - kmin + 1) : 0;
    }

    /// @notice The number of output elements of a pool: planes × output positions.
    /// @param q The params.
    /// @return The count.
    function poolOutputCount(uint256[] calldata q) internal pure returns (uint256) {
        return q[P.POOL_PLANES] * P.product(q, P.POOL_RANK, P.WINDOW_DIM_WORDS, OUT);
    }

    /// @notice The operand of pool term `t` (a kernel position) of element `e`: [x], source 0 on padding.
    /// @param q The params.
    /// @param e The element.
    /// @param t The term.
    /// @return refs One reference.
    function poolTermRefs(uint256[] calldata q, uint256 e, uint256 t) internal pure returns (OperandRef[] memory refs) {
        refs = new OperandRef[](1);
        uint256 outSize = P.product(q, P.POOL_RANK, P.WINDOW_DIM_WORDS, OUT);
        (bool inside, uint256 offset) = tap(q, P.POOL_RANK, e % outSize, t);
        if (inside) {
            uint256 inSize = P.product(q, P.POOL_RANK, P.WINDOW_DIM_WORDS, IN);
            refs[0] = P.ref(q, P.POOL_X, (e / outSize) * inSize + offset);
        }
    }

    /// @notice AveragePool's divisor for element `e`.
    /// @param q The params.
    /// @param e The element.
    /// @return The divisor n.
    function poolDivisor(uint256[] calldata q, uint256 e) internal pure returns (int256) {
        uint256 outSize = P.product(q, P.POOL_RANK, P.WINDOW_DIM_WORDS, OUT);
        return int256(count(q, P.POOL_RANK, e % outSize, q[P.POOL_INCLUDE_PAD] == 1));
    }
}
