// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";
import {IInferenceRouter} from "../interfaces/IInferenceRouter.sol";
import {ProofType} from "../interfaces/InferenceTypes.sol";
import {Int16Tensors} from "../libraries/Int16Tensors.sol";

/// @title InferenceConsumer
/// @notice Base for contracts that request proven inferences. It accepts callbacks from its
///         router only, and only for requests it made and has not yet seen answered, so a
///         result can be neither spoofed nor replayed into the consumer.
abstract contract InferenceConsumer is IInferenceConsumer {
    /// @notice The router this consumer trusts.
    IInferenceRouter public immutable router;

    /// @notice Requests made by this contract and not yet answered.
    mapping(uint256 requestId => bool) public awaiting;

    /// @notice Only the router may deliver results.
    error Consumer_OnlyRouter(address caller);
    /// @notice The result is not for a request this contract is awaiting.
    error Consumer_UnexpectedResult(uint256 requestId);

    constructor(IInferenceRouter router_) {
        router = router_;
    }

    /// @inheritdoc IInferenceConsumer
    function onInferenceResult(uint256 requestId, bytes32 modelId, bytes calldata output) external {
        if (msg.sender != address(router)) revert Consumer_OnlyRouter(msg.sender);
        if (!awaiting[requestId]) revert Consumer_UnexpectedResult(requestId);
        delete awaiting[requestId];
        _onInferenceResult(requestId, modelId, Int16Tensors.toArray(output));
    }

    /// @notice Sends a request through the router, paying `fee` from this contract's balance.
    /// @dev `input` is Int16Tensors-encoded; a contract holding int256 values encodes them with
    ///      `Int16Tensors.encode`.
    function _requestInference(
        bytes32 modelId,
        bytes memory input,
        ProofType proofType,
        uint32 callbackGasLimit,
        uint256 fee
    ) internal returns (uint256 requestId) {
        requestId = router.request{value: fee}(modelId, input, proofType, callbackGasLimit);
        awaiting[requestId] = true;
    }

    /// @notice Handles a verified result of a request this contract made.
    /// @param output The result's values, decoded from the router's compact encoding.
    function _onInferenceResult(uint256 requestId, bytes32 modelId, int256[] memory output) internal virtual;
}
