// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Int16Tensors} from "./Int16Tensors.sol";
import {ModelCommitments} from "./ModelCommitments.sol";

/// @title TraceCommitments
/// @notice Opening an OPML execution trace on chain (twin of sdk/opml/trace.ts). A trace is the
///         request's input (step 0) followed by every node's output (step i: node i - 1), each a
///         tensor committed like the weights (chunks of 16 int256, positional keccak tree). State
///         root k is the fixed-width positional tree over step leaves 0..k (zero beyond); the
///         trace root is the positional tree over state roots 0..S.
library TraceCommitments {
    /// @notice Domain prefix of a step leaf (0x00 is a chunk leaf, 0x01 an inner node).
    bytes1 internal constant STEP_LEAF_PREFIX = 0x02;
    uint256 private constant CHUNK = 16; // ModelCommitments.WEIGHT_CHUNK_SIZE
    bytes1 private constant CHUNK_LEAF_PREFIX = 0x00; // ModelCommitments' leaf prefix

    /// @notice The state tree's depth for a trace of `steps` steps (log2 of the power of two at or above it).
    function stateDepth(uint256 steps) internal pure returns (uint256 depth) {
        while ((uint256(1) << depth) < steps) ++depth;
    }

    /// @notice The root of the positional tree of depth `depth` whose only nonzero leaf is leaf 0.
    function soleLeafRoot(bytes32 leaf, uint256 depth) internal pure returns (bytes32 node) {
        node = leaf;
        bytes32 zero;
        for (uint256 i = 0; i < depth; ++i) {
            node = ModelCommitments.hashPair(node, zero);
            zero = ModelCommitments.hashPair(zero, zero);
        }
    }

    /// @notice The root of the all-padding subtree of height `height` (leaves bytes32(0)).
    function zeroRoot(uint256 height) internal pure returns (bytes32 zero) {
        for (uint256 i = 0; i < height; ++i) zero = ModelCommitments.hashPair(zero, zero);
    }

    /// @notice The root of an Int16Tensors-encoded tensor (chunks of 16 values as int256, the last
    ///         padded with zeros; leaves padded to a power of two): the same root as the trace's.
    /// @dev Cost grows with the tensor: used for the request's input and output only, which the
    ///      fulfilment carries in calldata anyway.
    function tensorRootOf(bytes calldata tensor) internal pure returns (bytes32) {
        uint256 n = Int16Tensors.count(tensor);
        uint256 chunks = (n + CHUNK - 1) / CHUNK;
        uint256 width = 1;
        while (width < chunks) width <<= 1;
        bytes32[] memory level = new bytes32[](width);
        for (uint256 c = 0; c < chunks; ++c) {
            int256[CHUNK] memory chunk;
            for (uint256 j = 0; j < CHUNK && c * CHUNK + j < n; ++j) chunk[j] = Int16Tensors.at(tensor, c * CHUNK + j);
            level[c] = ModelCommitments.weightLeaf(chunk);
        }
        for (; width > 1; width >>= 1) {
            for (uint256 i = 0; i < width / 2; ++i)
                level[i] = ModelCommitments.hashPair(level[2 * i], level[2 * i + 1]);
        }
        return level[0];
    }

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
