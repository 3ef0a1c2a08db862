// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";
import {IInferenceRouter} from "../interfaces/IInferenceRouter.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IProofAdapter} from "../interfaces/IProofAdapter.sol";
import {ClaimStatus, Fulfilment, ProofType, Request} from "../interfaces/InferenceTypes.sol";
import {ExactGasCall} from "../libraries/ExactGasCall.sol";
import {Int16Tensors} from "../libraries/Int16Tensors.sol";
import {ModelCommitments} from "../libraries/ModelCommitments.sol";

/// @title InferenceRouter
/// @notice The one place a contract asks for a proven AI result (see IInferenceRouter).
/// @dev Checks-effects-interactions throughout; there is no reentrancy lock because every check
///      reads the one state word, which is final before any external call but the adapter's
///      `submit`, after which `fulfill` reads it again. Storage per request is one
///      word: the hash of the request while it is open, of the claim while an asynchronous
///      adapter decides it, of the result once fulfilled (with or without a delivered callback),
///      or CANCELLED. The full request and result are in the events, and come back as calldata.
contract InferenceRouter is IInferenceRouter, Ownable {
    /// @notice Request states are told apart by what their hash commits to.
    bytes32 private constant REQUEST_TAG = keccak256("vinfer.request.v1");
    bytes32 private constant CLAIMED_TAG = keccak256("vinfer.claim.v1");
    bytes32 private constant DELIVERED_TAG = keccak256("vinfer.result.delivered.v1");
    bytes32 private constant UNDELIVERED_TAG = keccak256("vinfer.result.undelivered.v1");
    bytes32 private constant CANCELLED = bytes32(uint256(1));

    /// @notice Seconds after a request's deadline when a claim still Pending with its adapter is
    ///         settled as Rejected (the request reopens and its requester may cancel it). Long
    ///         enough for any challenge window and dispute; it only bounds an adapter that never
    ///         answers.
    uint256 public constant CLAIM_TIMEOUT = 30 days;

    /// @inheritdoc IInferenceRouter
    IModelRegistry public immutable registry;
    /// @inheritdoc IInferenceRouter
    uint64 public immutable requestTimeout;
    /// @inheritdoc IInferenceRouter
    uint32 public immutable maxCallbackGasLimit;

    /// @inheritdoc IInferenceRouter
    /// @dev Append-only: once set it never changes, so adding OPML or TEE later cannot weaken the
    ///      proof types already in use.
    mapping(ProofType proofType => IProofAdapter) public adapters;
    /// @inheritdoc IInferenceRouter
    mapping(uint256 requestId => bytes32) public requestState;
    /// @inheritdoc IInferenceRouter
    mapping(address account => uint256) public balances;
    /// @inheritdoc IInferenceRouter
    uint256 public nextRequestId;

    /// @param registry_ The model registry.
    /// @param requestTimeout_ Seconds a request stays open.
    /// @param maxCallbackGasLimit_ Largest callback gas limit a request may ask for.
    /// @param owner_ May register adapters for proof types that have none yet.
    constructor(
        IModelRegistry registry_,
        uint64 requestTimeout_,
        uint32 maxCallbackGasLimit_,
        address owner_
    ) Ownable(owner_) {
        registry = registry_;
        requestTimeout = requestTimeout_;
        maxCallbackGasLimit = maxCallbackGasLimit_;
    }

    /// @inheritdoc IInferenceRouter
    function registerAdapter(ProofType proofType, IProofAdapter adapter) external onlyOwner {
        if (address(adapter) == address(0)) revert Router_ZeroAdapter();
        if (address(adapters[proofType]) != address(0)) revert Router_AdapterAlreadyRegistered(proofType);
        adapters[proofType] = adapter;
        emit AdapterRegistered(proofType, address(adapter));
    }

    /// @inheritdoc IInferenceRouter
    function request(
        bytes32 modelId,
        bytes calldata input,
        ProofType proofType,
        uint32 callbackGasLimit
    ) external payable returns (uint256 requestId) {
        if (address(adapters[proofType]) == address(0)) revert Router_NoAdapter(proofType);
        if (callbackGasLimit > maxCallbackGasLimit)
            revert Router_CallbackGasLimitTooHigh(callbackGasLimit, maxCallbackGasLimit);
        if (msg.value > type(uint96).max) revert Router_FeeTooLarge(msg.value);
        (
            uint32 inputLength,
            uint32 outputLength,
            IModelRegistry.VerifierConfig memory config,
            int16 inputLo,
            int16 inputHi
        ) = registry.requestConfig(modelId, proofType);
        if (config.verifier == address(0)) revert Router_ProofTypeNotEnabled(modelId, proofType);
        if (input.length != uint256(inputLength) * Int16Tensors.BYTES_PER_VALUE)
            revert Router_InputLengthMismatch(uint256(inputLength) * Int16Tensors.BYTES_PER_VALUE, input.length);
        if (inputLo != type(int16).min || inputHi != type(int16).max) _checkInputRange(input, inputLo, inputHi);

        Request memory r = Request({
            requester: msg.sender,
            fee: uint96(msg.value),
            modelId: modelId,
            inputHash: ModelCommitments.inputHash(input),
            verifier: config.verifier,
            verifierParams: config.params,
            deadline: uint64(block.timestamp) + requestTimeout,
            callbackGasLimit: callbackGasLimit,
            outputLength: outputLength,
            proofType: proofType
        });
        requestId = nextRequestId++;
        requestState[requestId] = _pendingState(r);
        emit InferenceRequested(requestId, r, input);
    }

    /// @inheritdoc IInferenceRouter
    function fulfill(
        uint256 requestId,
        Request calldata r,
        bytes calldata input,
        bytes calldata output,
        bytes calldata evidence
    ) external {
        bytes32 pending = _pendingState(r);
        if (requestState[requestId] != pending) revert Router_RequestNotPending(requestId);
        if (block.timestamp > r.deadline) revert Router_RequestExpired(requestId, r.deadline);
        if (ModelCommitments.inputHash(input) != r.inputHash) revert Router_InputMismatch(requestId);
        if (output.length != uint256(r.outputLength) * Int16Tensors.BYTES_PER_VALUE)
            revert Router_OutputLengthMismatch(uint256(r.outputLength) * Int16Tensors.BYTES_PER_VALUE, output.length);
        ClaimStatus status = adapters[r.proofType].submit(
            Fulfilment(requestId, r.modelId, r.verifier, r.verifierParams, msg.sender),
            input,
            output,
            evidence
        );
        // `submit` may call out (an asynchronous adapter starts a game on the model's verifier), so
        // the request is checked again: a re-entered fulfil or settle must not leave this one to
        // record and pay a second time.
        if (requestState[requestId] != pending) revert Router_RequestNotPending(requestId);

        bytes32 outputHash = ModelCommitments.outputHash(output);
        if (status == ClaimStatus.Accepted) {
            _record(requestId, r, pending, output, outputHash, msg.sender);
        } else if (status == ClaimStatus.Pending) {
            requestState[requestId] = _claimState(pending, outputHash, msg.sender);
            emit InferenceClaimed(requestId, msg.sender, output);
        } else {
            revert Router_ClaimRejected(requestId);
        }
    }

    /// @inheritdoc IInferenceRouter
    function settle(uint256 requestId, Request calldata r, bytes calldata output, address fulfiller) external {
        bytes32 pending = _pendingState(r);
        bytes32 outputHash = ModelCommitments.outputHash(output);
        if (requestState[requestId] != _claimState(pending, outputHash, fulfiller)) revert Router_NoClaim(requestId);
        ClaimStatus status = adapters[r.proofType].claimStatus(
            Fulfilment(requestId, r.modelId, r.verifier, r.verifierParams, fulfiller),
            outputHash,
            address(this)
        );
        // A claim its adapter never resolves must not hold the request and its fee for ever.
        if (status == ClaimStatus.Pending && block.timestamp > uint256(r.deadline) + CLAIM_TIMEOUT)
            status = ClaimStatus.Rejected;
        if (status == ClaimStatus.Accepted) {
            _record(requestId, r, pending, output, outputHash, fulfiller);
        } else if (status == ClaimStatus.Rejected) {
            requestState[requestId] = pending;
            emit ClaimRejected(requestId, fulfiller);
        } else {
            revert Router_ClaimNotResolved(requestId);
        }
    }

    /// @inheritdoc IInferenceRouter
    function retryCallback(uint256 requestId, Request calldata r, bytes calldata output) external {
        if (msg.sender != r.requester) revert Router_NotRequester(requestId, msg.sender);
        bytes32 pending = _pendingState(r);
        bytes32 outputHash = ModelCommitments.outputHash(output);
        if (requestState[requestId] != _resultState(UNDELIVERED_TAG, pending, outputHash))
            revert Router_NoUndeliveredResult(requestId);
        requestState[requestId] = _resultState(DELIVERED_TAG, pending, outputHash);
        emit CallbackDelivered(requestId);
        if (!_deliver(requestId, r, output)) revert Router_CallbackFailedAgain(requestId);
    }

    /// @inheritdoc IInferenceRouter
    function cancel(uint256 requestId, Request calldata r) external {
        if (requestState[requestId] != _pendingState(r)) revert Router_RequestNotPending(requestId);
        if (msg.sender != r.requester) revert Router_NotRequester(requestId, msg.sender);
        if (block.timestamp <= r.deadline) revert Router_RequestNotExpired(requestId, r.deadline);
        requestState[requestId] = CANCELLED;
        balances[r.requester] += r.fee;
        emit RequestCancelled(requestId);
    }

    /// @inheritdoc IInferenceRouter
    function withdraw() external {
        uint256 amount = balances[msg.sender];
        if (amount == 0) revert Router_NothingToWithdraw(msg.sender);
        balances[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    /// @inheritdoc IInferenceRouter
    function isPending(uint256 requestId, Request calldata r) external view returns (bool) {
        return requestState[requestId] == _pendingState(r);
    }

    /// @inheritdoc IInferenceRouter
    function isClaimed(
        uint256 requestId,
        Request calldata r,
        bytes calldata output,
        address fulfiller
    ) external view returns (bool) {
        return requestState[requestId] == _claimState(_pendingState(r), ModelCommitments.outputHash(output), fulfiller);
    }

    /// @inheritdoc IInferenceRouter
    function isResult(uint256 requestId, Request calldata r, bytes calldata output) external view returns (bool) {
        bytes32 pending = _pendingState(r);
        bytes32 outputHash = ModelCommitments.outputHash(output);
        bytes32 state = requestState[requestId];
        return
            state == _resultState(DELIVERED_TAG, pending, outputHash) ||
            state == _resultState(UNDELIVERED_TAG, pending, outputHash);
    }

    /// @dev Records an accepted result, credits the fee, then calls the requester back (exact gas).
    ///      Effects before the callback: the request reads as delivered while the consumer runs, so
    ///      nothing it calls (fulfill, settle, retryCallback, cancel) finds it open or retryable.
    function _record(
        uint256 requestId,
        Request calldata r,
        bytes32 pending,
        bytes calldata output,
        bytes32 outputHash,
        address fulfiller
    ) private {
        requestState[requestId] = _resultState(DELIVERED_TAG, pending, outputHash);
        balances[fulfiller] += r.fee;
        emit InferenceFulfilled(requestId, fulfiller, output);
        if (_deliver(requestId, r, output)) {
            emit CallbackDelivered(requestId);
        } else {
            requestState[requestId] = _resultState(UNDELIVERED_TAG, pending, outputHash);
            emit CallbackFailed(requestId);
        }
    }

    /// @dev The model's declared input range is part of its semantics: every engine refuses a
    ///      value outside it (a Groth16 circuit cannot prove it; EZKL's circuit and an OPML trace
    ///      would not notice), so the router refuses it here once, for every proof type.
    function _checkInputRange(bytes calldata input, int16 lo, int16 hi) private pure {
        uint256 i = Int16Tensors.firstOutside(input, lo, hi);
        if (i < Int16Tensors.count(input)) revert Router_InputOutOfRange(i, Int16Tensors.at(input, i), lo, hi);
    }

    function _deliver(uint256 requestId, Request calldata r, bytes calldata output) private returns (bool) {
        bytes memory data = abi.encodeCall(IInferenceConsumer.onInferenceResult, (requestId, r.modelId, output));
        return ExactGasCall.callWithExactGas(r.requester, r.callbackGasLimit, data);
    }

    function _pendingState(Request memory r) private pure returns (bytes32) {
        return keccak256(abi.encode(REQUEST_TAG, r));
    }

    function _claimState(bytes32 pending, bytes32 outputHash, address fulfiller) private pure returns (bytes32) {
        return keccak256(abi.encode(CLAIMED_TAG, pending, outputHash, fulfiller));
    }

    function _resultState(bytes32 tag, bytes32 pending, bytes32 outputHash) private pure returns (bytes32) {
        return keccak256(abi.encode(tag, pending, outputHash));
    }
}
