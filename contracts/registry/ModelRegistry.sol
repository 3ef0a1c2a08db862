// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ProofType} from "../interfaces/InferenceTypes.sol";

/// @title ModelRegistry
/// @notice Model id -> owner, metadata URI, tensor sizes and, per proof type, the contract that
///         verifies that model's evidence. A model id is a content hash (sdk/commit/modelId.ts),
///         so registering one claims nothing about authorship: it names who configures its
///         verifiers. Requesters should check the verifier they rely on.
contract ModelRegistry {
    /// @notice A proof type's configuration for one model.
    /// @dev `verifier` is the model-specific contract (a Groth16 or Halo2 verifier, later an OPML
    ///      game or TEE key registry); `params` is interpreted by that proof type's adapter
    ///      (Groth16: the input bit width of the circuit's packed public inputs).
    struct VerifierConfig {
        address verifier;
        uint96 params;
    }

    struct ModelInfo {
        address owner;
        uint32 inputLength;
        uint32 outputLength;
        string metadataURI;
    }

    mapping(bytes32 modelId => ModelInfo) private _models;
    mapping(bytes32 modelId => mapping(ProofType => VerifierConfig)) private _verifiers;

    event ModelRegistered(
        bytes32 indexed modelId,
        address indexed owner,
        uint32 inputLength,
        uint32 outputLength,
        string metadataURI
    );
    event MetadataUpdated(bytes32 indexed modelId, string metadataURI);
    event VerifierSet(bytes32 indexed modelId, ProofType indexed proofType, address verifier, uint96 params);
    event OwnershipTransferred(bytes32 indexed modelId, address indexed previousOwner, address indexed newOwner);

    error ModelAlreadyRegistered(bytes32 modelId);
    error UnknownModel(bytes32 modelId);
    error NotModelOwner(bytes32 modelId, address caller);
    error EmptyTensor();
    error ZeroAddress();

    modifier onlyModelOwner(bytes32 modelId) {
        address owner = _models[modelId].owner;
        if (owner == address(0)) revert UnknownModel(modelId);
        if (owner != msg.sender) revert NotModelOwner(modelId, msg.sender);
        _;
    }

    /// @notice Registers `modelId` with the caller as owner.
    /// @param modelId The model's content id (sdk/commit/modelId.ts).
    /// @param inputLength Number of quantized input values a request must carry.
    /// @param outputLength Number of quantized output values a result carries.
    /// @param metadataURI Where the model (ONNX, quantization, manifest) can be fetched.
    function registerModel(
        bytes32 modelId,
        uint32 inputLength,
        uint32 outputLength,
        string calldata metadataURI
    ) external {
        if (_models[modelId].owner != address(0)) revert ModelAlreadyRegistered(modelId);
        if (inputLength == 0 || outputLength == 0) revert EmptyTensor();
        _models[modelId] = ModelInfo(msg.sender, inputLength, outputLength, metadataURI);
        emit ModelRegistered(modelId, msg.sender, inputLength, outputLength, metadataURI);
    }

    /// @notice Sets (or, with verifier 0, disables) the verifier of one proof type for a model.
    /// @dev Open requests are unaffected: the router snapshots the configuration at request time.
    function setVerifier(
        bytes32 modelId,
        ProofType proofType,
        address verifier,
        uint96 params
    ) external onlyModelOwner(modelId) {
        _verifiers[modelId][proofType] = VerifierConfig(verifier, params);
        emit VerifierSet(modelId, proofType, verifier, params);
    }

    /// @notice Replaces the metadata URI of a model.
    function setMetadataURI(bytes32 modelId, string calldata metadataURI) external onlyModelOwner(modelId) {
        _models[modelId].metadataURI = metadataURI;
        emit MetadataUpdated(modelId, metadataURI);
    }

    /// @notice Hands a model's configuration rights to `newOwner`.
    function transferModelOwnership(bytes32 modelId, address newOwner) external onlyModelOwner(modelId) {
        if (newOwner == address(0)) revert ZeroAddress();
        _models[modelId].owner = newOwner;
        emit OwnershipTransferred(modelId, msg.sender, newOwner);
    }

    /// @notice The registration of `modelId` (owner 0 when unknown).
    function model(bytes32 modelId) external view returns (ModelInfo memory) {
        return _models[modelId];
    }

    /// @notice What the router needs at request time, in one call: the tensor sizes and the
    ///         verifier configuration of `proofType` (verifier 0 when not enabled).
    function requestConfig(
        bytes32 modelId,
        ProofType proofType
    ) external view returns (uint32 inputLength, uint32 outputLength, VerifierConfig memory config) {
        ModelInfo storage info = _models[modelId];
        if (info.owner == address(0)) revert UnknownModel(modelId);
        return (info.inputLength, info.outputLength, _verifiers[modelId][proofType]);
    }
}
