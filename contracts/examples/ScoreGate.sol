// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {InferenceConsumer} from "../consumers/InferenceConsumer.sol";
import {IInferenceRouter} from "../interfaces/IInferenceRouter.sol";
import {ProofType} from "../interfaces/InferenceTypes.sol";
import {Int16Tensors} from "../libraries/Int16Tensors.sol";
import {Logits} from "../libraries/Logits.sol";

/// @title ScoreGate
/// @notice Example consumer that gates an action on a model's score: an applicant is admitted
///         only if the model puts `requiredClass` first by at least `minMargin` (in the model's
///         quantized output units) over every other class.
contract ScoreGate is InferenceConsumer {
    uint32 public constant CALLBACK_GAS_LIMIT = 100_000;

    bytes32 public immutable modelId;
    ProofType public immutable proofType;
    uint256 public immutable requiredClass;
    int256 public immutable minMargin;

    mapping(uint256 requestId => address) public applicantOf;
    mapping(address account => bool) public admitted;

    event Applied(uint256 indexed requestId, address indexed applicant);
    event Decided(uint256 indexed requestId, address indexed applicant, bool admitted, int256 margin);
    event ActionPerformed(address indexed account);

    error NotAdmitted(address account);

    /// @param router_ The inference router.
    /// @param modelId_ The scoring model.
    /// @param proofType_ How results must be proven.
    /// @param requiredClass_ The class that must win.
    /// @param minMargin_ How far ahead of the runner-up it must be.
    constructor(
        IInferenceRouter router_,
        bytes32 modelId_,
        ProofType proofType_,
        uint256 requiredClass_,
        int256 minMargin_
    ) InferenceConsumer(router_) {
        modelId = modelId_;
        proofType = proofType_;
        requiredClass = requiredClass_;
        minMargin = minMargin_;
    }

    /// @notice Asks the model to score the caller's input; msg.value is the router fee.
    /// @dev Takes plain values and encodes them on chain (Int16Tensors.encode), which a contract
    ///      that computes its input itself would do; DigitBounty shows the cheaper pre-encoded form.
    /// @param features The quantized input values (each must fit an int16).
    /// @return requestId The router's request id.
    function applyWith(int256[] calldata features) external payable returns (uint256 requestId) {
        requestId = _requestInference(modelId, Int16Tensors.encode(features), proofType, CALLBACK_GAS_LIMIT, msg.value);
        applicantOf[requestId] = msg.sender;
        emit Applied(requestId, msg.sender);
    }

    /// @notice The gated action: only admitted accounts may perform it.
    function performAction() external {
        if (!admitted[msg.sender]) revert NotAdmitted(msg.sender);
        emit ActionPerformed(msg.sender);
    }

    function _onInferenceResult(uint256 requestId, bytes32, int256[] memory output) internal override {
        (uint256 index, int256 best, int256 runnerUp) = Logits.top(output);
        address applicant = applicantOf[requestId];
        delete applicantOf[requestId];
        // Margin of the required class over the best other class (negative when it lost).
        int256 margin;
        if (index == requiredClass) {
            margin = runnerUp == type(int256).min ? type(int256).max : best - runnerUp;
        } else {
            margin = output[requiredClass] - best;
        }
        bool ok = margin >= minMargin;
        if (ok) admitted[applicant] = true;
        emit Decided(requestId, applicant, ok, margin);
    }
}
