// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IntegerSemantics} from "../opml/IntegerSemantics.sol";

/// @title IntegerSemanticsHarness
/// @notice Test-only contract exposing the IntegerSemantics library to the TypeScript differential
///         tests (test/opml/integerSemantics.test.ts), one case at a time and in batches (one eth_call
///         checks hundreds of cases). Batches of functions that can revert return, per case, the
///         result or the 4-byte selector of the error it reverted with (0 when none).
contract IntegerSemanticsHarness {
    /// @notice The batch arrays differ in length.
    error Harness_LengthMismatch();
    /// @notice `profile` was asked for a function it does not know.
    /// @param which The index given.
    error Harness_UnknownFunction(uint256 which);

    /// @notice See IntegerSemantics.rescale.
    /// @param v The value.
    /// @param shift The right shift.
    /// @return The rounded quotient.
    function rescale(int256 v, uint256 shift) external pure returns (int256) {
        return IntegerSemantics.rescale(v, shift);
    }

    /// @notice See IntegerSemantics.saturate.
    /// @param v The value.
    /// @param bits The activation width.
    /// @return The clamped value.
    function saturate(int256 v, uint256 bits) external pure returns (int256) {
        return IntegerSemantics.saturate(v, bits);
    }

    /// @notice See IntegerSemantics.relu.
    /// @param x The activation.
    /// @return max(0, x).
    function relu(int256 x) external pure returns (int256) {
        return IntegerSemantics.relu(x);
    }

    /// @notice See IntegerSemantics.mac.
    /// @param acc The running accumulator.
    /// @param a The activation operand.
    /// @param w The weight operand.
    /// @return acc + a * w.
    function mac(int256 acc, int256 a, int256 w) external pure returns (int256) {
        return IntegerSemantics.mac(acc, a, w);
    }

    /// @notice See IntegerSemantics.linearEpilogue.
    /// @param acc The sum of products.
    /// @param bias The bias element.
    /// @param biasShiftLeft The bias alignment shift.
    /// @param shift The rescale shift.
    /// @param bits The activation width.
    /// @param withRelu Whether a Relu is fused in.
    /// @return The output element.
    function linearEpilogue(
        int256 acc,
        int256 bias,
        uint256 biasShiftLeft,
        uint256 shift,
        uint256 bits,
        bool withRelu
    ) external pure returns (int256) {
        return IntegerSemantics.linearEpilogue(acc, bias, biasShiftLeft, shift, bits, withRelu);
    }

    /// @notice See IntegerSemantics.add.
    /// @param a The first operand.
    /// @param b The second operand.
    /// @param bits The activation width.
    /// @return saturate(a + b).
    function add(int256 a, int256 b, uint256 bits) external pure returns (int256) {
        return IntegerSemantics.add(a, b, bits);
    }

    /// @notice See IntegerSemantics.floorDiv.
    /// @param a The dividend.
    /// @param b The divisor.
    /// @return floor(a / b).
    function floorDiv(int256 a, int256 b) external pure returns (int256) {
        return IntegerSemantics.floorDiv(a, b);
    }

    /// @notice See IntegerSemantics.divRoundHalfUp.
    /// @param sum The window's sum.
    /// @param count The number of taps counted.
    /// @return The rounded average.
    function divRoundHalfUp(int256 sum, int256 count) external pure returns (int256) {
        return IntegerSemantics.divRoundHalfUp(sum, count);
    }

    /// @notice See IntegerSemantics.max.
    /// @param best The running maximum.
    /// @param v The next tap.
    /// @return The larger.
    function max(int256 best, int256 v) external pure returns (int256) {
        return IntegerSemantics.max(best, v);
    }

    /// @notice See IntegerSemantics.argMaxTakes.
    /// @param best The running best.
    /// @param candidate The next value.
    /// @param selectLastIndex ArgMax's select_last_index.
    /// @return Whether the candidate becomes the argmax.
    function argMaxTakes(int256 best, int256 candidate, bool selectLastIndex) external pure returns (bool) {
        return IntegerSemantics.argMaxTakes(best, candidate, selectLastIndex);
    }

    /// @notice rescale over a batch (never reverts).
    /// @param v The values.
    /// @param shift The shifts, one per value.
    /// @return out The results.
    function rescaleBatch(int256[] calldata v, uint256[] calldata shift) external pure returns (int256[] memory out) {
        if (v.length != shift.length) revert Harness_LengthMismatch();
        out = new int256[](v.length);
        for (uint256 i = 0; i < v.length; ++i) out[i] = IntegerSemantics.rescale(v[i], shift[i]);
    }

    /// @notice saturate over a batch (the widths must be valid).
    /// @param v The values.
    /// @param bits The widths, one per value.
    /// @return out The results.
    function saturateBatch(int256[] calldata v, uint256[] calldata bits) external pure returns (int256[] memory out) {
        if (v.length != bits.length) revert Harness_LengthMismatch();
        out = new int256[](v.length);
        for (uint256 i = 0; i < v.length; ++i) out[i] = IntegerSemantics.saturate(v[i], bits[i]);
    }

    /// @notice relu, max and argMaxTakes over a batch of pairs (never revert).
    /// @param a The first values (relu's argument, max's running best, argMax's best).
    /// @param b The second values (max's tap, argMax's candidate).
    /// @return reluOut relu(a[i]).
    /// @return maxOut max(a[i], b[i]).
    /// @return takesFirst argMaxTakes(a[i], b[i], false).
    /// @return takesLast argMaxTakes(a[i], b[i], true).
    function compareBatch(
        int256[] calldata a,
        int256[] calldata b
    )
        external
        pure
        returns (int256[] memory reluOut, int256[] memory maxOut, bool[] memory takesFirst, bool[] memory takesLast)
    {
        if (a.length != b.length) revert Harness_LengthMismatch();
        reluOut = new int256[](a.length);
        maxOut = new int256[](a.length);
        takesFirst = new bool[](a.length);
        takesLast = new bool[](a.length);
        for (uint256 i = 0; i < a.length; ++i) {
            reluOut[i] = IntegerSemantics.relu(a[i]);
            maxOut[i] = IntegerSemantics.max(a[i], b[i]);
            takesFirst[i] = IntegerSemantics.argMaxTakes(a[i], b[i], false);
            takesLast[i] = IntegerSemantics.argMaxTakes(a[i], b[i], true);
        }
    }

    /// @notice mac over a batch, each case's result or error selector.
    /// @param acc The running accumulators.
    /// @param a The activation operands.
    /// @param w The weight operands.
    /// @return out The results (0 where the case reverted).
    /// @return errs The error selector per case (0 where it did not revert).
    function macBatch(
        int256[] calldata acc,
        int256[] calldata a,
        int256[] calldata w
    ) external view returns (int256[] memory out, bytes4[] memory errs) {
        if (acc.length != a.length || acc.length != w.length) revert Harness_LengthMismatch();
        out = new int256[](acc.length);
        errs = new bytes4[](acc.length);
        for (uint256 i = 0; i < acc.length; ++i) {
            try this.mac(acc[i], a[i], w[i]) returns (int256 r) {
                out[i] = r;
            } catch (bytes memory reason) {
                errs[i] = bytes4(reason);
            }
        }
    }

    /// @notice One linearEpilogue case of a batch.
    struct EpilogueCase {
        int256 acc;
        int256 bias;
        uint256 biasShiftLeft;
        uint256 shift;
        uint256 bits;
        bool withRelu;
    }

    /// @notice linearEpilogue over a batch, each case's result or error selector.
    /// @param cases The cases.
    /// @return out The results (0 where the case reverted).
    /// @return errs The error selector per case (0 where it did not revert).
    function linearEpilogueBatch(
        EpilogueCase[] calldata cases
    ) external view returns (int256[] memory out, bytes4[] memory errs) {
        out = new int256[](cases.length);
        errs = new bytes4[](cases.length);
        for (uint256 i = 0; i < cases.length; ++i) {
            EpilogueCase calldata c = cases[i];
            try this.linearEpilogue(c.acc, c.bias, c.biasShiftLeft, c.shift, c.bits, c.withRelu) returns (int256 r) {
                out[i] = r;
            } catch (bytes memory reason) {
                errs[i] = bytes4(reason);
            }
        }
    }

    /// @notice add over a batch, each case's result or error selector.
    /// @param a The first operands.
    /// @param b The second operands.
    /// @param bits The activation width (one for the batch).
    /// @return out The results (0 where the case reverted).
    /// @return errs The error selector per case (0 where it did not revert).
    function addBatch(
        int256[] calldata a,
        int256[] calldata b,
        uint256 bits
    ) external view returns (int256[] memory out, bytes4[] memory errs) {
        if (a.length != b.length) revert Harness_LengthMismatch();
        out = new int256[](a.length);
        errs = new bytes4[](a.length);
        for (uint256 i = 0; i < a.length; ++i) {
            try this.add(a[i], b[i], bits) returns (int256 r) {
                out[i] = r;
            } catch (bytes memory reason) {
                errs[i] = bytes4(reason);
            }
        }
    }

    /// @notice floorDiv and divRoundHalfUp over a batch, each case's results or error selectors.
    /// @param a The dividends (sums).
    /// @param b The divisors (counts).
    /// @return floorOut floorDiv(a[i], b[i]) (0 where it reverted).
    /// @return floorErrs floorDiv's error selector per case.
    /// @return avgOut divRoundHalfUp(a[i], b[i]) (0 where it reverted).
    /// @return avgErrs divRoundHalfUp's error selector per case.
    function divisionBatch(
        int256[] calldata a,
        int256[] calldata b
    )
        external
        view
        returns (int256[] memory floorOut, bytes4[] memory floorErrs, int256[] memory avgOut, bytes4[] memory avgErrs)
    {
        if (a.length != b.length) revert Harness_LengthMismatch();
        floorOut = new int256[](a.length);
        floorErrs = new bytes4[](a.length);
        avgOut = new int256[](a.length);
        avgErrs = new bytes4[](a.length);
        for (uint256 i = 0; i < a.length; ++i) {
            try this.floorDiv(a[i], b[i]) returns (int256 r) {
                floorOut[i] = r;
            } catch (bytes memory reason) {
                floorErrs[i] = bytes4(reason);
            }
            try this.divRoundHalfUp(a[i], b[i]) returns (int256 r) {
                avgOut[i] = r;
            } catch (bytes memory reason) {
                avgErrs[i] = bytes4(reason);
            }
        }
    }

    /// @notice One output element of a Gemm/MatMul/Conv recomputed from its operands: a mac per
    ///         term, then the epilogue (what a dispute re-executes one step at a time).
    /// @param a The activation operands of the element's terms, in term order.
    /// @param w The weight operands, in the same order.
    /// @param bias The bias element (0 for none).
    /// @param biasShiftLeft The bias alignment shift.
    /// @param shift The node's rescale shift.
    /// @param bits The activation width.
    /// @param withRelu Whether a following Relu is fused in.
    /// @return acc The accumulator before the epilogue.
    /// @return y The output element.
    function linearElement(
        int256[] calldata a,
        int256[] calldata w,
        int256 bias,
        uint256 biasShiftLeft,
        uint256 shift,
        uint256 bits,
        bool withRelu
    ) external pure returns (int256 acc, int256 y) {
        if (a.length != w.length) revert Harness_LengthMismatch();
        for (uint256 i = 0; i < a.length; ++i) acc = IntegerSemantics.mac(acc, a[i], w[i]);
        y = IntegerSemantics.linearEpilogue(acc, bias, biasShiftLeft, shift, bits, withRelu);
    }

    /// @notice Gas of one library call on the given arguments, measured around the call alone.
    /// @dev which: 0 rescale(x, s), 1 saturate(x, bits), 2 relu(x), 3 mac(x, y, z),
    ///      4 linearEpilogue(x, y, biasShift, s, bits, flag), 5 add(x, y, bits), 6 floorDiv(x, y),
    ///      7 divRoundHalfUp(x, y), 8 max(x, y), 9 argMaxTakes(x, y, flag).
    /// @param which The function.
    /// @param x First argument.
    /// @param y Second argument.
    /// @param z Third argument.
    /// @param biasShift A left shift.
    /// @param s A right shift.
    /// @param bits An activation width.
    /// @param flag A boolean argument.
    /// @return r The result (booleans as 0/1).
    /// @return gasUsed The gas the call took.
    function profile(
        uint256 which,
        int256 x,
        int256 y,
        int256 z,
        uint256 biasShift,
        uint256 s,
        uint256 bits,
        bool flag
    ) external view returns (int256 r, uint256 gasUsed) {
        uint256 g;
        if (which == 0) {
            g = gasleft();
            r = IntegerSemantics.rescale(x, s);
        } else if (which == 1) {
            g = gasleft();
            r = IntegerSemantics.saturate(x, bits);
        } else if (which == 2) {
            g = gasleft();
            r = IntegerSemantics.relu(x);
        } else if (which == 3) {
            g = gasleft();
            r = IntegerSemantics.mac(x, y, z);
        } else if (which == 4) {
            g = gasleft();
            r = IntegerSemantics.linearEpilogue(x, y, biasShift, s, bits, flag);
        } else if (which == 5) {
            g = gasleft();
            r = IntegerSemantics.add(x, y, bits);
        } else if (which == 6) {
            g = gasleft();
            r = IntegerSemantics.floorDiv(x, y);
        } else if (which == 7) {
            g = gasleft();
            r = IntegerSemantics.divRoundHalfUp(x, y);
        } else if (which == 8) {
            g = gasleft();
            r = IntegerSemantics.max(x, y);
        } else if (which == 9) {
            g = gasleft();
            r = IntegerSemantics.argMaxTakes(x, y, flag) ? int256(1) : int256(0);
        } else {
            revert Harness_UnknownFunction(which);
        }
        gasUsed = g - gasleft();
    }
}
