// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ModelCommitments} from "./ModelCommitments.sol";

/// @title TraceCommitments
/// @notice Opening an OPML execution trace on chain (twin of sdk/opml/trace.ts). A trace is the
///         request's input (step 0) followed by every node's output (step i: node i - 1), each a
///         tensor committed like the weights (chunks of 16 int256, positional keccak tree); the
///         trace root is a positional tree over one leaf per step.
library TraceCommitments {
    /// @notice Domain prefix of a step leaf (0x00 is a chunk leaf, 0x01 an inner node).
    bytes1 internal constant STEP_LEAF_PREFIX = 0x02;

    /// @notice The leaf of step `index`: its tensor's root and element count.
    function stepLeaf(uint256 index, bytes32 tensorRoot, uint256 count) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(STEP_LEAF_PREFIX, index, tensorRoot, count));
    }

    /// @notice Whether step `index` of the trace `traceRoot` has tensor root `tensorRoot` and `count` elements.
    function verifyStep(
        bytes32 traceRoot,
        uint256 index,
        bytes32 tensorRoot,
        uint256 count,
        bytes32[] memory proof
    ) internal pure returns (bool) {
        return ModelCommitments.verifyLeaf(traceRoot, index, stepLeaf(index, tensorRoot, count), proof);
    }

    /// @notice Whether `chunk` is chunk `chunkIndex` of the tensor committed by `tensorRoot`.
    function verifyChunk(
        bytes32 tensorRoot,
        uint256 chunkIndex,
        int256[16] memory chunk, // ModelCommitments.WEIGHT_CHUNK_SIZE (a library constant is no array length)
        bytes32[] memory proof
    ) internal pure returns (bool) {
        return ModelCommitments.verifyWeightChunk(tensorRoot, chunkIndex, chunk, proof);
    }
}
