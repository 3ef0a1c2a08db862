// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {InferenceConsumer} from "../consumers/InferenceConsumer.sol";
import {IInferenceRouter} from "../interfaces/IInferenceRouter.sol";
import {ProofType} from "../interfaces/InferenceTypes.sol";
import {Logits} from "../libraries/Logits.sol";

/// @title DigitBounty
/// @notice Example consumer that acts on a digit classification: it pays `reward` for each
///         8x8 image a proven digit classifier reads as `targetDigit`, while funds last.
contract DigitBounty is InferenceConsumer {
    /// @notice Gas the router gives the callback (argmax over 10 scores and two writes).
    uint32 public constant CALLBACK_GAS_LIMIT = 120_000;

    bytes32 public immutable modelId;
    ProofType public immutable proofType;
    uint256 public immutable targetDigit;
    uint256 public immutable reward;

    /// @notice Who submitted each pending image.
    mapping(uint256 requestId => address) public submitterOf;
    /// @notice Rewards won and not yet claimed.
    mapping(address account => uint256) public owed;
    /// @notice Rewards promised to winners and not yet claimed (kept out of the bounty pot).
    uint256 public totalOwed;

    event ImageSubmitted(uint256 indexed requestId, address indexed submitter);
    event DigitClassified(uint256 indexed requestId, address indexed submitter, uint256 digit, bool rewarded);
    event RewardClaimed(address indexed account, uint256 amount);

    error NothingOwed(address account);

    /// @param router_ The inference router.
    /// @param modelId_ A registered digit classifier (10 output scores).
    /// @param proofType_ How results must be proven.
    /// @param targetDigit_ The digit that wins.
    /// @param reward_ Wei paid per winning image.
    constructor(
        IInferenceRouter router_,
        bytes32 modelId_,
        ProofType proofType_,
        uint256 targetDigit_,
        uint256 reward_
    ) payable InferenceConsumer(router_) {
        modelId = modelId_;
        proofType = proofType_;
        targetDigit = targetDigit_;
        reward = reward_;
    }

    /// @notice Submits an image (the model's quantized input, Int16Tensors-encoded: 2 bytes a
    ///         pixel; sdk: packInt16); msg.value is the router fee.
    /// @param image The encoded image.
    /// @return requestId The router's request id.
    function submit(bytes calldata image) external payable returns (uint256 requestId) {
        requestId = _requestInference(modelId, image, proofType, CALLBACK_GAS_LIMIT, msg.value);
        submitterOf[requestId] = msg.sender;
        emit ImageSubmitted(requestId, msg.sender);
    }

    /// @notice Pays out the caller's rewards.
    function claim() external {
        uint256 amount = owed[msg.sender];
        if (amount == 0) revert NothingOwed(msg.sender);
        owed[msg.sender] = 0;
        totalOwed -= amount;
        emit RewardClaimed(msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    /// @notice Accepts bounty funding.
    receive() external payable {}

    function _onInferenceResult(uint256 requestId, bytes32, int256[] memory output) internal override {
        (uint256 digit, , ) = Logits.top(output);
        address submitter = submitterOf[requestId];
        delete submitterOf[requestId];
        bool rewarded = digit == targetDigit && address(this).balance >= totalOwed + reward;
        if (rewarded) {
            owed[submitter] += reward;
            totalOwed += reward;
        }
        emit DigitClassified(requestId, submitter, digit, rewarded);
    }
}
