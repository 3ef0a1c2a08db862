// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Logits
/// @notice Reading a classifier's quantized output on chain.
library Logits {
    error EmptyOutput();

    /// @notice The winning class (first index on ties, as the SDK's ArgMax), its score, and
    ///         the best score among the other classes (type(int256).min with a single class).
    function top(int256[] memory scores) internal pure returns (uint256 index, int256 best, int256 runnerUp) {
        if (scores.length == 0) revert EmptyOutput();
        best = scores[0];
        runnerUp = type(int256).min;
        for (uint256 i = 1; i < scores.length; ++i) {
            int256 s = scores[i];
            if (s > best) {
                (runnerUp, best, index) = (best, s, i);
            } else if (s > runnerUp) {
                runnerUp = s;
            }
        }
    }
}
