// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Claim} from "./InferenceTypes.sol";

/// @title IProofVerifier
/// @notice One adapter per proof type. It checks that `evidence` proves `output` is the model's
///         result on `input`, bound to this chain, the calling router and the claim's request.
interface IProofVerifier {
    /// @notice Reverts unless the evidence is valid for the claim, input and output.
    /// @dev The caller (msg.sender) is the router the evidence must be bound to.
    /// @param claim The request being fulfilled and the verifier configuration it snapshotted.
    /// @param input The quantized input, already checked by the router against the request's hash.
    /// @param output The quantized output being claimed.
    /// @param evidence Proof-type-specific encoding of the proof.
    function verify(
        Claim calldata claim,
        int256[] calldata input,
        int256[] calldata output,
        bytes calldata evidence
    ) external view;
}
