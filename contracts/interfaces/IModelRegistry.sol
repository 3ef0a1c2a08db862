// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ProofType} from "./InferenceTypes.sol";

/// @title IModelRegistry
/// @notice Model id -> owner, metadata URI, tensor sizes and, per proof type, the model's
///         *verifier*: the model-specific contract (a generated Groth16 or Halo2 verifier, an OPML
///         game factory, a TEE key registry) that the proof type's router adapter asks. A model id
///         is a content hash (sdk/commit/modelId.ts), so registering one claims nothing about
///         authorship: it names who configures its verifiers.
interface IModelRegistry {
    /// @notice A proof type's configuration for one model.
    /// @dev `params` is interpreted by that proof type's adapter (Groth16: the input bit width of
    ///      the circuit's packed public inputs).
    struct VerifierConfig {
        address verifier;
        uint96 params;
    }

    /// @notice A model's registration.
    struct ModelInfo {
        address owner;
        uint32 inputLength;
        uint32 outputLength;
        /// @dev The declared input range, quantized (docs/integer-semantics.md section 7): the
        ///      router refuses a request with a value outside it. int16's whole range when the
        ///      model declares none. Shares the owner's storage slot.
        int16 inputLo;
        int16 inputHi;
        string metadataURI;
    }

    /// @notice `modelId` was registered by `owner`.
    event ModelRegistered(
        bytes32 indexed modelId,
        address indexed owner,
        uint32 inputLength,
        uint32 outputLength,
        int16 inputLo,
        int16 inputHi,
        string metadataURI
    );
    /// @notice `modelId`'s metadata URI changed.
    event MetadataUpdated(bytes32 indexed modelId, string metadataURI);
    /// @notice `modelId`'s verifier for `proofType` changed (verifier 0: disabled).
    event VerifierSet(bytes32 indexed modelId, ProofType indexed proofType, address verifier, uint96 params);
    /// @notice `modelId`'s configuration rights moved from `previousOwner` to `newOwner`.
    event OwnershipTransferred(bytes32 indexed modelId, address indexed previousOwner, address indexed newOwner);

    /// @notice `modelId` is registered already.
    error Registry_ModelAlreadyRegistered(bytes32 modelId);
    /// @notice `modelId` is not registered.
    error Registry_UnknownModel(bytes32 modelId);
    /// @notice Only `modelId`'s owner may do this.
    error Registry_NotModelOwner(bytes32 modelId, address caller);
    /// @notice A model's input and output must have at least one value each.
    error Registry_EmptyTensor();
    /// @notice The new owner must not be the zero address.
    error Registry_ZeroAddress();
    /// @notice The declared input range is empty (lo above hi).
    error Registry_EmptyInputRange(int16 lo, int16 hi);

    /// @notice Registers `modelId` with the caller as owner.
    /// @param modelId The model's content id (sdk/commit/modelId.ts).
    /// @param inputLength Number of quantized input values a request must carry.
    /// @param outputLength Number of quantized output values a result carries.
    /// @param inputLo Smallest quantized input value a request may carry (the declared range).
    /// @param inputHi Largest quantized input value a request may carry.
    /// @param metadataURI Where the model (ONNX, quantization, manifest) can be fetched.
    function registerModel(
        bytes32 modelId,
        uint32 inputLength,
        uint32 outputLength,
        int16 inputLo,
        int16 inputHi,
        string calldata metadataURI
    ) external;

    /// @notice Sets (or, with verifier 0, disables) the verifier of one proof type for a model.
    /// @dev Open requests are unaffected: the router snapshots the configuration at request time.
    /// @param modelId A model the caller owns.
    /// @param proofType Any proof type id (the router decides which ones it has adapters for).
    /// @param verifier The model-specific verifier contract.
    /// @param params The adapter's parameter for this model.
    function setVerifier(bytes32 modelId, ProofType proofType, address verifier, uint96 params) external;

    /// @notice Replaces the metadata URI of a model.
    /// @param modelId A model the caller owns.
    /// @param metadataURI The new URI.
    function setMetadataURI(bytes32 modelId, string calldata metadataURI) external;

    /// @notice Hands a model's configuration rights to `newOwner`.
    /// @param modelId A model the caller owns.
    /// @param newOwner The new owner (not zero).
    function transferModelOwnership(bytes32 modelId, address newOwner) external;

    /// @notice The registration of `modelId` (owner 0 when unknown).
    /// @param modelId Any model id.
    /// @return info Owner, tensor sizes and metadata URI.
    function model(bytes32 modelId) external view returns (ModelInfo memory info);

    /// @notice What the router needs at request time, in one call: the tensor sizes, the
    ///         verifier configuration of `proofType` (verifier 0 when not enabled) and the
    ///         declared input range.
    /// @dev Reverts `Registry_UnknownModel` for an unregistered model.
    /// @param modelId A registered model.
    /// @param proofType The proof type asked for.
    /// @return inputLength Values per input.
    /// @return outputLength Values per output.
    /// @return config The model's verifier for `proofType`.
    /// @return inputLo Smallest input value a request may carry.
    /// @return inputHi Largest input value a request may carry.
    function requestConfig(
        bytes32 modelId,
        ProofType proofType
    )
        external
        view
        returns (uint32 inputLength, uint32 outputLength, VerifierConfig memory config, int16 inputLo, int16 inputHi);
}
