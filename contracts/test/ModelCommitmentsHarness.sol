// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ModelCommitments} from "../libraries/ModelCommitments.sol";

/// @title ModelCommitmentsHarness
/// @notice Test-only contract exposing the ModelCommitments library to the TypeScript tests.
contract ModelCommitmentsHarness {
    /// @notice See ModelCommitments.modelId.
    function modelId(bytes32 irHash, bytes32 weightsRoot, uint256 weightCount) external pure returns (bytes32) {
        return ModelCommitments.modelId(irHash, weightsRoot, weightCount);
    }

    /// @notice See ModelCommitments.inputHash.
    function inputHash(bytes calldata tensor) external pure returns (bytes32) {
        return ModelCommitments.inputHash(tensor);
    }

    /// @notice See ModelCommitments.outputHash.
    function outputHash(bytes calldata tensor) external pure returns (bytes32) {
        return ModelCommitments.outputHash(tensor);
    }

    /// @notice See ModelCommitments.verifyWeightChunk.
    function verifyWeightChunk(
        bytes32 root,
        uint256 chunkIndex,
        int256[16] calldata chunk,
        bytes32[] calldata proof
    ) external pure returns (bool) {
        return ModelCommitments.verifyWeightChunk(root, chunkIndex, chunk, proof);
    }
}
