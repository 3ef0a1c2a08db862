// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice How a result is proven: an open-ended uint8 id. The router maps each id to one adapter
///         (`IInferenceRouter.registerAdapter`), so a new proof type needs no edit here; the ids
///         below are the reserved ones. In the ABI (events, calldata, the SDK) it is a uint8.
type ProofType is uint8;

/// @dev Groth16 proofs of the project's circom circuits (adapters/Groth16Adapter.sol).
ProofType constant PROOF_TYPE_GROTH16 = ProofType.wrap(0);
/// @dev EZKL (Halo2/KZG) proofs (adapters/EzklAdapter.sol).
ProofType constant PROOF_TYPE_EZKL = ProofType.wrap(1);
/// @dev Optimistic claims settled by a fraud-proof dispute (asynchronous: see ClaimStatus).
ProofType constant PROOF_TYPE_OPML = ProofType.wrap(2);
/// @dev Signatures of an attested enclave.
ProofType constant PROOF_TYPE_TEE = ProofType.wrap(3);

/// @notice `==` on proof types.
function eqProofType(ProofType a, ProofType b) pure returns (bool) {
    return ProofType.unwrap(a) == ProofType.unwrap(b);
}

/// @notice `!=` on proof types.
function neqProofType(ProofType a, ProofType b) pure returns (bool) {
    return ProofType.unwrap(a) != ProofType.unwrap(b);
}

using {eqProofType as ==, neqProofType as !=} for ProofType global;

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

/// @notice What a proof-type adapter checks evidence against: one fulfilment of one request.
struct Fulfilment {
    uint256 requestId;
    bytes32 modelId;
    /// @dev The model-specific verifier contract and its parameters, as snapshotted in the request.
    address verifier;
    uint96 verifierParams;
    /// @dev Who submits the result; adapters that can bind it make front-running a proof useless.
    address fulfiller;
}

/// @notice Where a submitted result stands with its adapter (after Optimism's GameStatus:
///         IN_PROGRESS, DEFENDER_WINS, CHALLENGER_WINS).
/// @dev Pending: not final yet (an optimistic claim in its challenge window or dispute).
///      Accepted: final, the result is correct. Rejected: final, the claim was proven wrong.
///      A synchronous (ZK) adapter answers Accepted or reverts, never Pending.
enum ClaimStatus {
    Pending,
    Accepted,
    Rejected
}
