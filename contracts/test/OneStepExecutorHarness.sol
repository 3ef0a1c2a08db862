// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {OneStepExecutor} from "../opml/OneStepExecutor.sol";

/// @title OneStepExecutorHarness
/// @notice Test-only contract running many OneStepExecutor steps in one eth_call
///         (test/opml/oneStep.test.ts): per case, the result or the 4-byte selector of the error.
contract OneStepExecutorHarness {
    /// @notice The executor under test.
    OneStepExecutor public immutable executor;

    /// @param executor_ The executor under test.
    constructor(OneStepExecutor executor_) {
        executor = executor_;
    }

    /// @notice macStep over a batch.
    /// @param steps The cases.
    /// @return out acc_{k+1} per case (0 where it reverted).
    /// @return errs The error selector per case (0 where it did not revert).
    function macSteps(
        OneStepExecutor.MacStep[] calldata steps
    ) external view returns (int256[] memory out, bytes4[] memory errs) {
        out = new int256[](steps.length);
        errs = new bytes4[](steps.length);
        for (uint256 i = 0; i < steps.length; ++i) {
            try executor.macStep(steps[i]) returns (int256 r, int256, int256) {
                out[i] = r;
            } catch (bytes memory reason) {
                errs[i] = bytes4(reason);
            }
        }
    }

    /// @notice epilogueStep over a batch.
    /// @param steps The cases.
    /// @return holds Whether the trace's element equals the recomputed one, per case.
    /// @return out The recomputed element per case (0 where it reverted).
    /// @return errs The error selector per case (0 where it did not revert).
    function epilogueSteps(
        OneStepExecutor.EpilogueStep[] calldata steps
    ) external view returns (bool[] memory holds, int256[] memory out, bytes4[] memory errs) {
        holds = new bool[](steps.length);
        out = new int256[](steps.length);
        errs = new bytes4[](steps.length);
        for (uint256 i = 0; i < steps.length; ++i) {
            try executor.epilogueStep(steps[i]) returns (bool h, int256 y, int256) {
                holds[i] = h;
                out[i] = y;
            } catch (bytes memory reason) {
                errs[i] = bytes4(reason);
            }
        }
    }
}
