// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {TraceCommitments} from "../libraries/TraceCommitments.sol";

/// @title TraceCommitmentsHarness
/// @notice Test-only contract exposing the TraceCommitments library to the TypeScript tests.
contract TraceCommitmentsHarness {
    /// @notice See TraceCommitments.stepLeaf.
    function stepLeaf(uint256 index, bytes32 tensorRoot, uint256 count) external pure returns (bytes32) {
        return TraceCommitments.stepLeaf(index, tensorRoot, count);
    }

    /// @notice See TraceCommitments.verifyStep.
    function verifyStep(
        bytes32 traceRoot,
        uint256 index,
        bytes32 tensorRoot,
        uint256 count,
        bytes32[] calldata proof
    ) external pure returns (bool) {
        return TraceCommitments.verifyStep(traceRoot, index, tensorRoot, count, proof);
    }

    /// @notice See TraceCommitments.tensorRootOf.
    function tensorRootOf(bytes calldata tensor) external pure returns (bytes32) {
        return TraceCommitments.tensorRootOf(tensor);
    }

    /// @notice See TraceCommitments.verifyChunk.
    function verifyChunk(
        bytes32 tensorRoot,
        uint256 chunkIndex,
        int256[16] calldata chunk,
        bytes32[] calldata proof
    ) external pure returns (bool) {
        return TraceCommitments.verifyChunk(tensorRoot, chunkIndex, chunk, proof);
    }
}
