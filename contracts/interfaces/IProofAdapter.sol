// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ClaimStatus, Fulfilment} from "./InferenceTypes.sol";

/// @title IProofAdapter
/// @notice The router's adapter for one proof type. It decides whether `evidence` proves that
///         `output` is the model's result on `input`, by asking the per-model *verifier* (the
///         generated snarkjs or EZKL contract, an OPML dispute game, a TEE key registry) that
///         the request snapshotted from the registry.
/// @dev Two kinds of proof type fit (after Optimism's IDisputeGame):
///      - synchronous (Groth16, EZKL, TEE): `submit` answers Accepted or reverts, in the
///        fulfilment transaction itself; `claimStatus` is never asked.
///      - asynchronous (OPML): `submit` opens a claim and answers Pending; the claim becomes
///        final later (challenge window, dispute), and the router's `settle` reads the outcome
///        through `claimStatus`.
///      Adapters are registered once per proof type by the router's owner and trusted by it:
///      the router calls `submit` before it records anything.
interface IProofAdapter {
    /// @notice The evidence does not prove the claimed output for this request.
    /// @param requestId The request being fulfilled.
    error Adapter_InvalidProof(uint256 requestId);

    /// @notice Submits a result for a request with its evidence.
    /// @dev The caller (msg.sender) is the router the evidence must be bound to. The router has
    ///      already checked the request is open, not expired, that `input` hashes to the request's
    ///      input hash and that `output` has the model's length.
    /// @param f The fulfilment: request id, model, snapshotted verifier and params, fulfiller.
    /// @param input The quantized input (Int16Tensors encoding), checked by the router against the request's hash.
    /// @param output The quantized output being claimed (Int16Tensors encoding, the model's length).
    /// @param evidence Proof-type-specific encoding of the proof (the proof system's encoder, e.g. sdk/zk/groth16/proofSystem.ts).
    /// @return status Accepted when the result is final and correct; Pending when it becomes final
    ///         later (ask `claimStatus`). A synchronous adapter reverts `Adapter_InvalidProof`
    ///         instead of answering Rejected; the router treats Rejected from `submit` as a revert.
    function submit(
        Fulfilment calldata f,
        bytes calldata input,
        bytes calldata output,
        bytes calldata evidence
    ) external returns (ClaimStatus status);

    /// @notice The current outcome of a claim that `submit` answered Pending for.
    /// @dev A claim is identified by (router, request id, fulfiller, output hash), not by the
    ///      request id alone: a Rejected claim reopens its request, and the next claim on the same
    ///      request (another fulfiller, or another output) must not inherit the earlier outcome.
    ///      The whole Fulfilment is passed (not just its key) so an adapter can stay stateless and
    ///      ask the per-model verifier it names (e.g. an OPML game factory) about the claim; the
    ///      router is explicit so the answer depends on the arguments only and anyone (the SDK,
    ///      a keeper deciding when to call `settle`) can ask. An adapter must answer the same for
    ///      the same arguments once it has answered Accepted or Rejected. Unknown claims: Pending.
    /// @param f The fulfilment as it was submitted (same request id, model, verifier, fulfiller).
    /// @param outputHash ModelCommitments.outputHash of the claimed output.
    /// @param router The router the claim was submitted through.
    /// @return status Pending, Accepted or Rejected.
    function claimStatus(
        Fulfilment calldata f,
        bytes32 outputHash,
        address router
    ) external view returns (ClaimStatus status);
}
