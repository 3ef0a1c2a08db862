// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IInferenceConsumer
/// @notice Implemented by contracts that request inferences; the router calls it back with
///         each verified result.
interface IInferenceConsumer {
    /// @notice Receives a verified result. Implementations must accept calls from the router only.
    /// @param requestId The id the router returned from `request`.
    /// @param modelId The model that produced the output.
    /// @param output The verified quantized output, Int16Tensors-encoded (2 bytes a value;
    ///        InferenceConsumer decodes it into an int256[] for its `_onInferenceResult`).
    function onInferenceResult(uint256 requestId, bytes32 modelId, bytes calldata output) external;
}
