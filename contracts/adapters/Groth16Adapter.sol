// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {IProofAdapter} from "../interfaces/IProofAdapter.sol";
import {ClaimStatus, Fulfilment} from "../interfaces/InferenceTypes.sol";
import {Int16Tensors} from "../libraries/Int16Tensors.sol";
import {RequestBinding} from "../libraries/RequestBinding.sol";
import {VerifierCall} from "../libraries/VerifierCall.sol";

/// @title Groth16Adapter
/// @notice Adapter for Groth16 proofs of our circom circuits (sdk/zk/groth16). The model-specific
///         verifier is the snarkjs-rendered contract; this adapter rebuilds its public signals
///         from the request, so a proof passes only for this input, this output and this binding:
///         [yPacked[0..L-1], xPacked[0..K-1], binding] (docs/groth16.md).
/// @dev The fulfilment's `verifierParams` is the circuit's activation bit width A. Outputs and
///      inputs are packed floor(253 / A) per signal, big-endian, each offset by 2^(A-1)
///      (sdk/zk/groth16/packing.ts): each public signal costs the verifier about 6k gas.
contract Groth16Adapter is IProofAdapter {
    /// @notice Field bits a packed signal may use (the BN254 scalar field has 254).
    uint256 private constant PACKING_BITS = 253;
    /// @notice abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c).
    uint256 private constant EVIDENCE_LENGTH = 8 * 32;
    /// @notice Widest activation a request can carry (Int16Tensors lanes).
    uint256 private constant MAX_INPUT_BITS = 16;
    /// @notice The wire's lane width (Int16Tensors): 16-bit activations pack without conversion.
    uint256 private constant WIRE_BITS = 16;
    /// @notice floor(PACKING_BITS / WIRE_BITS): the 16-bit values one signal holds.
    uint256 private constant WIRE_LANES = 15;
    /// @notice The top bit of each of WIRE_LANES 16-bit lanes.
    uint256 private constant WIRE_SIGN_BITS = 0x800080008000800080008000800080008000800080008000800080008000;

    /// @notice The evidence is not abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c).
    error Adapter_MalformedEvidence(uint256 expectedLength, uint256 actualLength);
    /// @notice The model's verifierParams is not an activation bit width from 2 to 16.
    error Adapter_InvalidInputBits(uint96 bits);
    /// @notice An input value does not fit the circuit's activation bit width.
    error Adapter_InputOutOfRange(uint256 index, int256 value);
    /// @notice An output value does not fit the circuit's activation bit width (no proof can show it).
    error Adapter_OutputOutOfRange(uint256 index, int256 value);

    /// @inheritdoc IProofAdapter
    function submit(
        Fulfilment calldata f,
        bytes calldata input,
        bytes calldata output,
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
    /// @param input The quantized input (Int16Tensors encoding).
    /// @param output The quantized output (Int16Tensors encoding).
    /// @param router The router the proof is bound to.
    function publicSignals(
        Fulfilment calldata f,
        bytes calldata input,
        bytes calldata output,
        address router
    ) public view returns (uint256[] memory signals) {
        uint256 bits = f.verifierParams;
        if (bits < 2 || bits > MAX_INPUT_BITS) revert Adapter_InvalidInputBits(f.verifierParams);
        uint256 perSignal = PACKING_BITS / bits;
        uint256 outputSignals = (Int16Tensors.count(output) + perSignal - 1) / perSignal;
        signals = new uint256[](outputSignals + (Int16Tensors.count(input) + perSignal - 1) / perSignal + 1);
        _pack(output, bits, perSignal, signals, 0, true);
        _pack(input, bits, perSignal, signals, outputSignals, false);
        signals[signals.length - 1] = RequestBinding.fieldBinding(f, router);
    }

    /// @dev Packs `values` into `signals` from slot `first` on; a value outside the signed
    ///      `bits`-wide range reverts (Adapter_OutputOutOfRange or Adapter_InputOutOfRange).
    ///      In assembly: it runs for every input and output value of every fulfilment.
    function _pack(
        bytes calldata values,
        uint256 bits,
        uint256 perSignal,
        uint256[] memory signals,
        uint256 first,
        bool outputs
    ) private pure {
        uint256 n = Int16Tensors.count(values);
        if (bits == WIRE_BITS) return _packWireLanes(values, n, signals, first);
        uint256 bad = n;
        assembly ("memory-safe") {
            let half := shl(sub(bits, 1), 1)
            let slot := add(add(signals, 0x20), mul(first, 0x20))
            for {
                let i := 0
            } lt(i, n) {
                slot := add(slot, 0x20)
            } {
                let end := add(i, perSignal)
                if gt(end, n) {
                    end := n
                }
                let packed := 0
                for {} lt(i, end) {
                    i := add(i, 1)
                } {
                    let lane := shr(240, calldataload(add(values.offset, mul(i, 2))))
                    // v + half in [0, 2^bits) exactly when v is a signed bits-wide value; a v
                    // below -half wraps to a huge word, so one test covers both ends.
                    let u := add(signextend(1, lane), half)
                    if shr(bits, u) {
                        bad := i
                        break
                    }
                    // big-endian: the signal's first value ends up in its top bits
                    packed := or(shl(bits, packed), u)
                }
                if lt(bad, n) {
                    break
                }
                mstore(slot, packed)
            }
        }
        if (bad < n) {
            int256 v = Int16Tensors.at(values, bad);
            if (outputs) revert Adapter_OutputOutOfRange(bad, v);
            revert Adapter_InputOutOfRange(bad, v);
        }
    }

    /// @dev The packing of 16-bit activations straight from the wire: a signal is its values'
    ///      30 bytes read as one big-endian number, each value's top bit flipped (two's
    ///      complement to offset 2^15). Every int16 lane is in range, so nothing is checked.
    function _packWireLanes(bytes calldata values, uint256 n, uint256[] memory signals, uint256 first) private pure {
        assembly ("memory-safe") {
            let slot := add(add(signals, 0x20), mul(first, 0x20))
            for {
                let i := 0
            } lt(i, n) {
                i := add(i, WIRE_LANES)
            } {
                let m := sub(n, i)
                if gt(m, WIRE_LANES) {
                    m := WIRE_LANES
                }
                // the m lanes from value i on; bytes past them (another argument's) shift out
                let lanes := shr(sub(256, mul(m, 16)), calldataload(add(values.offset, mul(i, 2))))
                mstore(slot, xor(lanes, shr(mul(sub(WIRE_LANES, m), 16), WIRE_SIGN_BITS)))
                slot := add(slot, 0x20)
            }
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
