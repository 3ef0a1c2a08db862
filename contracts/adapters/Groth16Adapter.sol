// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {IProofAdapter} from "../interfaces/IProofAdapter.sol";
import {ClaimStatus, Fulfilment} from "../interfaces/InferenceTypes.sol";
import {RequestBinding} from "../libraries/RequestBinding.sol";
import {VerifierCall} from "../libraries/VerifierCall.sol";

/// @title Groth16Adapter
/// @notice Adapter for Groth16 proofs of our circom circuits (sdk/zk/groth16). The model-specific
///         verifier is the snarkjs-rendered contract; this adapter rebuilds its public signals
///         from the request, so a proof passes only for this input, this output and this binding:
///         [yPacked[0..L-1], xPacked[0..K-1], binding] (docs/groth16.md).
/// @dev The fulfilment's `verifierParams` is the circuit's activation bit width A. Outputs and
///      inputs are packed floor(253 / A) per signal, little-endian, each offset by 2^(A-1)
///      (sdk/zk/groth16/packing.ts): each public signal costs the verifier about 6k gas.
contract Groth16Adapter is IProofAdapter {
    /// @notice Field bits a packed signal may use (the BN254 scalar field has 254).
    uint256 private constant PACKING_BITS = 253;
    /// @notice abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c).
    uint256 private constant EVIDENCE_LENGTH = 8 * 32;
    uint256 private constant MAX_INPUT_BITS = 64;

    /// @notice The evidence is not abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c).
    error Adapter_MalformedEvidence(uint256 expectedLength, uint256 actualLength);
    /// @notice The model's verifierParams is not an input bit width from 2 to 64.
    error Adapter_InvalidInputBits(uint96 bits);
    /// @notice An input value does not fit the circuit's activation bit width.
    error Adapter_InputOutOfRange(uint256 index, int256 value);
    /// @notice An output value does not fit the circuit's activation bit width (no proof can show it).
    error Adapter_OutputOutOfRange(uint256 index, int256 value);

    /// @inheritdoc IProofAdapter
    function submit(
        Fulfilment calldata f,
        int256[] calldata input,
        int256[] calldata output,
        bytes calldata evidence
    ) external view returns (ClaimStatus) {
        if (evidence.length != EVIDENCE_LENGTH) revert Adapter_MalformedEvidence(EVIDENCE_LENGTH, evidence.length);
        uint256[] memory signals = publicSignals(f, input, output, msg.sender);
        bytes memory data = abi.encodePacked(_selector(signals.length), evidence, signals);
        if (!VerifierCall.accepts(f.verifier, data)) revert Adapter_InvalidProof(f.requestId);
        return ClaimStatus.Accepted;
    }

    /// @inheritdoc IProofAdapter
    /// @dev Synchronous: a submitted claim is accepted or reverted at once, never Pending.
    function claimStatus(Fulfilment calldata, bytes32, address) external pure returns (ClaimStatus) {
        return ClaimStatus.Pending;
    }

    /// @notice The public signals a valid proof for this fulfilment must have, for router `router`.
    /// @param f The fulfilment (its verifierParams is the activation bit width).
    /// @param input The quantized input.
    /// @param output The quantized output.
    /// @param router The router the proof is bound to.
    function publicSignals(
        Fulfilment calldata f,
        int256[] calldata input,
        int256[] calldata output,
        address router
    ) public view returns (uint256[] memory signals) {
        uint256 bits = f.verifierParams;
        if (bits < 2 || bits > MAX_INPUT_BITS) revert Adapter_InvalidInputBits(f.verifierParams);
        uint256 perSignal = PACKING_BITS / bits;
        uint256 outputSignals = (output.length + perSignal - 1) / perSignal;
        signals = new uint256[](outputSignals + (input.length + perSignal - 1) / perSignal + 1);
        _pack(output, bits, perSignal, signals, 0, true);
        _pack(input, bits, perSignal, signals, outputSignals, false);
        signals[signals.length - 1] = RequestBinding.fieldBinding(f, router);
    }

    /// @dev Packs `values` into `signals` from slot `first` on; a value outside the signed
    ///      `bits`-wide range reverts (Adapter_OutputOutOfRange or Adapter_InputOutOfRange).
    function _pack(
        int256[] calldata values,
        uint256 bits,
        uint256 perSignal,
        uint256[] memory signals,
        uint256 first,
        bool outputs
    ) private pure {
        int256 half = int256(1 << (bits - 1));
        uint256 slot = first;
        uint256 n = values.length;
        for (uint256 i = 0; i < n;) {
            uint256 packed;
            // unchecked: shifts stay below PACKING_BITS, and each v + half is range-checked first.
            unchecked {
                for (uint256 shift = 0; shift < perSignal * bits && i < n; shift += bits) {
                    int256 v = values[i];
                    if (v < -half || v >= half) {
                        if (outputs) revert Adapter_OutputOutOfRange(i, v);
                        revert Adapter_InputOutOfRange(i, v);
                    }
                    packed |= uint256(v + half) << shift;
                    ++i;
                }
            }
            signals[slot++] = packed;
        }
    }

    /// @dev snarkjs renders verifyProof(uint[2],uint[2][2],uint[2],uint[N]): the selector depends on N.
    function _selector(uint256 signalCount) private pure returns (bytes4) {
        return
            bytes4(
                keccak256(
                    abi.encodePacked(
                        "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[",
                        Strings.toString(signalCount),
                        "])"
                    )
                )
            );
    }
}
