// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {NodeProgram, OperandOpening, WeightsBinding} from "../interfaces/IOneStepExecutor.sol";
import {OneStepExecutor} from "../opml/OneStepExecutor.sol";

/// @title OneStepExecutorHarness
/// @notice Test-only contract running many OneStepExecutor steps in one eth_call
///         (test/opml/oneStep.test.ts): per case, the result or the 4-byte selector of the error.
contract OneStepExecutorHarness {
    /// @notice One foldStep (term < K) or epilogueStep (epilogue = true) call.
    struct Step {
        NodeProgram program;
        WeightsBinding weights;
        bytes32 stateRoot;
        uint256 element;
        uint256 term;
        int256 acc;
        bool epilogue;
        OperandOpening[] operands;
    }

    /// @notice The executor under test.
    OneStepExecutor public immutable executor;

    /// @param executor_ The executor under test.
    constructor(OneStepExecutor executor_) {
        executor = executor_;
    }

    /// @notice foldStep / epilogueStep over a batch.
    /// @param cases The cases.
    /// @return out acc_{term+1} or y per case (0 where it reverted).
    /// @return errs The error selector per case (0 where it did not revert; 0xffffffff for a revert without data).
    function steps(Step[] calldata cases) external view returns (int256[] memory out, bytes4[] memory errs) {
        out = new int256[](cases.length);
        errs = new bytes4[](cases.length);
        for (uint256 i = 0; i < cases.length; ++i) {
            Step calldata s = cases[i];
            if (s.epilogue) {
                try executor.epilogueStep(s.program, s.weights, s.stateRoot, s.element, s.acc, s.operands) returns (
                    int256 y
                ) {
                    out[i] = y;
                } catch (bytes memory reason) {
                    errs[i] = _selector(reason);
                }
            } else {
                try executor.foldStep(s.program, s.weights, s.stateRoot, s.element, s.term, s.acc, s.operands) returns (
                    int256 next
                ) {
                    out[i] = next;
                } catch (bytes memory reason) {
                    errs[i] = _selector(reason);
                }
            }
        }
    }

    /// @notice initialAccumulator and termCount over a batch of elements of one program.
    /// @param p The program.
    /// @param elements The elements.
    /// @return acc0 acc_0 per element.
    /// @return terms K per element.
    function starts(
        NodeProgram calldata p,
        uint256[] calldata elements
    ) external view returns (int256[] memory acc0, uint256[] memory terms) {
        acc0 = new int256[](elements.length);
        terms = new uint256[](elements.length);
        for (uint256 i = 0; i < elements.length; ++i) {
            acc0[i] = executor.initialAccumulator(p, elements[i]);
            terms[i] = executor.termCount(p, elements[i]);
        }
    }

    function _selector(bytes memory reason) private pure returns (bytes4) {
        return reason.length >= 4 ? bytes4(reason) : bytes4(0xffffffff);
    }
}
