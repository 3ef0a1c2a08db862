// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {ProofType} from "../interfaces/InferenceTypes.sol";

/// @title ModelRegistry
/// @notice Model id -> owner, metadata URI, tensor sizes and, per proof type, the model's
///         verifier (see IModelRegistry). Requesters should check the verifier they rely on.
contract ModelRegistry is IModelRegistry {
    mapping(bytes32 modelId => ModelInfo) private _models;
    mapping(bytes32 modelId => mapping(ProofType => VerifierConfig)) private _verifiers;

    modifier onlyModelOwner(bytes32 modelId) {
        address owner = _models[modelId].owner;
        if (owner == address(0)) revert Registry_UnknownModel(modelId);
        if (owner != msg.sender) revert Registry_NotModelOwner(modelId, msg.sender);
        _;
    }

    /// @inheritdoc IModelRegistry
    function registerModel(
        bytes32 modelId,
        uint32 inputLength,
        uint32 outputLength,
        int16 inputLo,
        int16 inputHi,
        string calldata metadataURI
    ) external {
        if (_models[modelId].owner != address(0)) revert Registry_ModelAlreadyRegistered(modelId);
        if (inputLength == 0 || outputLength == 0) revert Registry_EmptyTensor();
        if (inputLo > inputHi) revert Registry_EmptyInputRange(inputLo, inputHi);
        _models[modelId] = ModelInfo(msg.sender, inputLength, outputLength, inputLo, inputHi, metadataURI);
        emit ModelRegistered(modelId, msg.sender, inputLength, outputLength, inputLo, inputHi, metadataURI);
    }

    /// @inheritdoc IModelRegistry
    function setVerifier(
        bytes32 modelId,
        ProofType proofType,
        address verifier,
        uint96 params
    ) external onlyModelOwner(modelId) {
        _verifiers[modelId][proofType] = VerifierConfig(verifier, params);
        emit VerifierSet(modelId, proofType, verifier, params);
    }

    /// @inheritdoc IModelRegistry
    function setMetadataURI(bytes32 modelId, string calldata metadataURI) external onlyModelOwner(modelId) {
        _models[modelId].metadataURI = metadataURI;
        emit MetadataUpdated(modelId, metadataURI);
    }

    /// @inheritdoc IModelRegistry
    function transferModelOwnership(bytes32 modelId, address newOwner) external onlyModelOwner(modelId) {
        if (newOwner == address(0)) revert Registry_ZeroAddress();
        _models[modelId].owner = newOwner;
        emit OwnershipTransferred(modelId, msg.sender, newOwner);
    }

    /// @inheritdoc IModelRegistry
    function model(bytes32 modelId) external view returns (ModelInfo memory) {
        return _models[modelId];
    }

    /// @inheritdoc IModelRegistry
    function requestConfig(
        bytes32 modelId,
        ProofType proofType
    )
        external
        view
        returns (uint32 inputLength, uint32 outputLength, VerifierConfig memory config, int16 inputLo, int16 inputHi)
    {
        ModelInfo storage info = _models[modelId];
        if (info.owner == address(0)) revert Registry_UnknownModel(modelId);
        return (info.inputLength, info.outputLength, _verifiers[modelId][proofType], info.inputLo, info.inputHi);
    }
}
