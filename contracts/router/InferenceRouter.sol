// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IInferenceConsumer} from "../interfaces/IInferenceConsumer.sol";
import {IProofVerifier} from "../interfaces/IProofVerifier.sol";
import {Claim, ProofType, Request} from "../interfaces/InferenceTypes.sol";
import {ExactGasCall} from "../libraries/ExactGasCall.sol";
import {ModelCommitments} from "../libraries/ModelCommitments.sol";
import {ModelRegistry} from "../registry/ModelRegistry.sol";

/// @title InferenceRouter
/// @notice The one place a contract asks for a proven AI result. A requester pays a fee and
///         names the model, the input and the proof type; anyone who can prove the result
///         fulfils it, earns the fee, and the router calls the requester back.
/// @dev Checks-effects-interactions throughout; there is no reentrancy lock because every check
///      reads the one state word, which is final before any external call.
///      Storage per request is one word: the hash of the request while it is open, the hash
///      of the result once fulfilled (with or without a delivered callback), or CANCELLED.
///      The full request and result are in the events, and come back as calldata.
contract InferenceRouter is Ownable {
    /// @notice Request states are told apart by what their hash commits to.
    bytes32 private constant REQUEST_TAG = keccak256("vinfer.request.v1");
    bytes32 private constant DELIVERED_TAG = keccak256("vinfer.result.delivered.v1");
    bytes32 private constant UNDELIVERED_TAG = keccak256("vinfer.result.undelivered.v1");
    bytes32 private constant CANCELLED = bytes32(uint256(1));

    /// @notice Where requests read model sizes and verifier configurations.
    ModelRegistry public immutable registry;
    /// @notice Seconds a request stays open for fulfilment; after that only a refund is possible.
    uint64 public immutable requestTimeout;
    /// @notice Upper bound of a request's callback gas, so a fulfiller can always supply it.
    uint32 public immutable maxCallbackGasLimit;

    /// @notice The adapter of each proof type. Append-only: once set it never changes, so
    ///         adding OPML or TEE later cannot weaken the proof types already in use.
    mapping(ProofType => IProofVerifier) public adapters;
    /// @notice Request id -> state word (see the contract's @dev).
    mapping(uint256 requestId => bytes32) public requestState;
    /// @notice Fees earned and refunds owed, withdrawn by their owner (pull payments).
    mapping(address account => uint256) public balances;
    /// @notice The id the next request gets.
    uint256 public nextRequestId;

    event AdapterRegistered(ProofType indexed proofType, address adapter);
    event InferenceRequested(uint256 indexed requestId, Request request, int256[] input);
    event InferenceFulfilled(uint256 indexed requestId, address indexed fulfiller, int256[] output);
    event CallbackDelivered(uint256 indexed requestId);
    event CallbackFailed(uint256 indexed requestId);
    event RequestCancelled(uint256 indexed requestId);
    event Withdrawn(address indexed account, uint256 amount);

    error AdapterAlreadyRegistered(ProofType proofType);
    error NoAdapter(ProofType proofType);
    error ProofTypeNotEnabled(bytes32 modelId, ProofType proofType);
    error InputLengthMismatch(uint256 expected, uint256 actual);
    error OutputLengthMismatch(uint256 expected, uint256 actual);
    error CallbackGasLimitTooHigh(uint32 requested, uint32 maximum);
    error FeeTooLarge(uint256 fee);
    error RequestNotPending(uint256 requestId);
    error RequestExpired(uint256 requestId, uint64 deadline);
    error RequestNotExpired(uint256 requestId, uint64 deadline);
    error InputMismatch(uint256 requestId);
    error NotRequester(uint256 requestId, address caller);
    error NoUndeliveredResult(uint256 requestId);
    error CallbackFailedAgain(uint256 requestId);
    error NothingToWithdraw(address account);

    /// @param registry_ The model registry.
    /// @param requestTimeout_ Seconds a request stays open.
    /// @param maxCallbackGasLimit_ Largest callback gas limit a request may ask for.
    /// @param owner_ May register adapters for proof types that have none yet.
    constructor(
        ModelRegistry registry_,
        uint64 requestTimeout_,
        uint32 maxCallbackGasLimit_,
        address owner_
    ) Ownable(owner_) {
        registry = registry_;
        requestTimeout = requestTimeout_;
        maxCallbackGasLimit = maxCallbackGasLimit_;
    }

    /// @notice Registers the adapter of a proof type that has none.
    function registerAdapter(ProofType proofType, IProofVerifier adapter) external onlyOwner {
        if (address(adapters[proofType]) != address(0)) revert AdapterAlreadyRegistered(proofType);
        adapters[proofType] = adapter;
        emit AdapterRegistered(proofType, address(adapter));
    }

    /// @notice Asks for `modelId`'s output on `input`, proven with `proofType`; msg.value is the fee.
    /// @param modelId A registered model with a verifier for `proofType`.
    /// @param input The quantized input (the model's integer semantics, docs/integer-semantics.md).
    /// @param proofType How the result must be proven.
    /// @param callbackGasLimit Gas the router gives `onInferenceResult` on the caller.
    /// @return requestId The request's id, passed back in the callback.
    function request(
        bytes32 modelId,
        int256[] calldata input,
        ProofType proofType,
        uint32 callbackGasLimit
    ) external payable returns (uint256 requestId) {
        if (address(adapters[proofType]) == address(0)) revert NoAdapter(proofType);
        if (callbackGasLimit > maxCallbackGasLimit)
            revert CallbackGasLimitTooHigh(callbackGasLimit, maxCallbackGasLimit);
        if (msg.value > type(uint96).max) revert FeeTooLarge(msg.value);
        (uint32 inputLength, uint32 outputLength, ModelRegistry.VerifierConfig memory config) = registry.requestConfig(
            modelId,
            proofType
        );
        if (config.verifier == address(0)) revert ProofTypeNotEnabled(modelId, proofType);
        if (input.length != inputLength) revert InputLengthMismatch(inputLength, input.length);

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

    /// @notice Delivers a proven result: checks the evidence with the request's proof type,
    ///         records the result, credits the fee to the caller and calls the requester back.
    /// @dev The result is recorded before the callback, and a callback that reverts or runs out
    ///      of gas only marks it undelivered (see `retryCallback`); it never undoes the result.
    /// @param requestId The request to fulfil.
    /// @param r The request as emitted in `InferenceRequested`.
    /// @param input The request's input as emitted.
    /// @param output The result.
    /// @param evidence The proof, encoded for the request's proof type (sdk/protocol/evidence.ts).
    function fulfill(
        uint256 requestId,
        Request calldata r,
        int256[] calldata input,
        int256[] calldata output,
        bytes calldata evidence
    ) external {
        if (requestState[requestId] != _pendingState(r)) revert RequestNotPending(requestId);
        if (block.timestamp > r.deadline) revert RequestExpired(requestId, r.deadline);
        if (ModelCommitments.inputHash(input) != r.inputHash) revert InputMismatch(requestId);
        if (output.length != r.outputLength) revert OutputLengthMismatch(r.outputLength, output.length);
        adapters[r.proofType].verify(
            Claim(requestId, r.modelId, r.verifier, r.verifierParams, msg.sender),
            input,
            output,
            evidence
        );

        bytes32 outputHash = ModelCommitments.outputHash(output);
        // Effects before the callback: the request reads as delivered while the consumer runs, so
        // nothing it calls (fulfill, retryCallback, cancel) finds the request open or retryable.
        requestState[requestId] = _resultState(DELIVERED_TAG, r, outputHash);
        balances[msg.sender] += r.fee;
        emit InferenceFulfilled(requestId, msg.sender, output);
        if (_deliver(requestId, r, output)) {
            emit CallbackDelivered(requestId);
        } else {
            requestState[requestId] = _resultState(UNDELIVERED_TAG, r, outputHash);
            emit CallbackFailed(requestId);
        }
    }

    /// @notice Calls the requester back again with a result whose callback failed.
    /// @dev Only the requester may retry, with the request's own gas limit; the result itself
    ///      was verified at fulfilment and is checked against its stored hash.
    function retryCallback(uint256 requestId, Request calldata r, int256[] calldata output) external {
        if (msg.sender != r.requester) revert NotRequester(requestId, msg.sender);
        bytes32 outputHash = ModelCommitments.outputHash(output);
        if (requestState[requestId] != _resultState(UNDELIVERED_TAG, r, outputHash))
            revert NoUndeliveredResult(requestId);
        requestState[requestId] = _resultState(DELIVERED_TAG, r, outputHash);
        emit CallbackDelivered(requestId);
        if (!_deliver(requestId, r, output)) revert CallbackFailedAgain(requestId);
    }

    /// @notice Cancels an expired, unfulfilled request and credits its fee back to the requester.
    function cancel(uint256 requestId, Request calldata r) external {
        if (requestState[requestId] != _pendingState(r)) revert RequestNotPending(requestId);
        if (msg.sender != r.requester) revert NotRequester(requestId, msg.sender);
        if (block.timestamp <= r.deadline) revert RequestNotExpired(requestId, r.deadline);
        requestState[requestId] = CANCELLED;
        balances[r.requester] += r.fee;
        emit RequestCancelled(requestId);
    }

    /// @notice Pays out the caller's earned fees and refunds.
    function withdraw() external {
        uint256 amount = balances[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        balances[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    /// @notice Whether `r` is the open request `requestId`.
    function isPending(uint256 requestId, Request calldata r) external view returns (bool) {
        return requestState[requestId] == _pendingState(r);
    }

    /// @notice Whether `output` is the recorded result of `requestId` (delivered or not).
    function isResult(uint256 requestId, Request calldata r, int256[] calldata output) external view returns (bool) {
        bytes32 outputHash = ModelCommitments.outputHash(output);
        bytes32 state = requestState[requestId];
        return
            state == _resultState(DELIVERED_TAG, r, outputHash) ||
            state == _resultState(UNDELIVERED_TAG, r, outputHash);
    }

    function _deliver(uint256 requestId, Request calldata r, int256[] calldata output) private returns (bool) {
        bytes memory data = abi.encodeCall(IInferenceConsumer.onInferenceResult, (requestId, r.modelId, output));
        return ExactGasCall.callWithExactGas(r.requester, r.callbackGasLimit, data);
    }

    function _pendingState(Request memory r) private pure returns (bytes32) {
        return keccak256(abi.encode(REQUEST_TAG, r));
    }

    function _resultState(bytes32 tag, Request memory r, bytes32 outputHash) private pure returns (bytes32) {
        return keccak256(abi.encode(tag, _pendingState(r), outputHash));
    }
}
