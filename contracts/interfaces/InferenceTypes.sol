// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice How a result is proven. New kinds are appended (the router maps each to one adapter).
enum ProofType {
    Groth16,
    Ezkl,
    Opml,
    Tee
}

/// @notice Everything the router knows about a pending request. Only its hash is stored; the
///         fields travel in the `InferenceRequested` event and come back as calldata.
/// @dev `verifier` and `verifierParams` are snapshotted from the registry at request time, so a
///      model owner who later changes the verifier cannot change how an open request is judged.
struct Request {
    address requester;
    uint96 fee;
    bytes32 modelId;
    bytes32 inputHash;
    address verifier;
    uint96 verifierParams;
    uint64 deadline;
    uint32 callbackGasLimit;
    uint32 outputLength;
    ProofType proofType;
}

/// @notice What a proof-type adapter checks evidence against.
struct Claim {
    uint256 requestId;
    bytes32 modelId;
    /// @dev The model-specific verifier contract and its parameters, as snapshotted in the request.
    address verifier;
    uint96 verifierParams;
    /// @dev Who submits the result; adapters that can bind it make front-running a proof useless.
    address fulfiller;
}
