// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IProofAdapter} from "../interfaces/IProofAdapter.sol";
import {ClaimStatus, Fulfilment} from "../interfaces/InferenceTypes.sol";
import {FieldElements} from "../libraries/FieldElements.sol";
import {Int16Tensors} from "../libraries/Int16Tensors.sol";
import {RequestBinding} from "../libraries/RequestBinding.sol";
import {VerifierCall} from "../libraries/VerifierCall.sol";

/// @notice The function EZKL's generated Halo2Verifier exposes (and EzklReusableVerifier, for models
///         whose single verifier is over the contract size limit).
interface IHalo2Verifier {
    /// @notice Whether `proof` is valid for `instances` (reverts on some invalid proofs).
    /// @param proof The proof bytes.
    /// @param instances The public instances.
    /// @return Whether the proof verifies.
    function verifyProof(bytes calldata proof, uint256[] calldata instances) external returns (bool);
}

/// @title EzklAdapter
/// @notice Adapter for EZKL (Halo2/KZG) proofs with public input and output visibility
///         (sdk/zk/ezkl). The instances are rebuilt from the request:
///         [input..., binding limbs..., output...] as field elements, so a proof passes only for
///         this input, this output and this binding (chain, router, request, model, fulfiller).
/// @dev The EZKL backend compiles the model with one extra graph input that no node reads, the
///      binding, in BINDING_LIMBS limbs of BINDING_LIMB_BITS bits, little-endian
///      (sdk/zk/ezkl/binding.ts). Halo2's verifier hashes every instance into its transcript, so a
///      proof copied from another fulfiller's transaction, or made for another request with the
///      same input, fails here (docs/request-binding.md).
contract EzklAdapter is IProofAdapter {
    /// @notice Number of binding instances, after the input's: ceil(254 / BINDING_LIMB_BITS).
    uint256 public constant BINDING_LIMBS = 11;
    /// @notice Bits per binding limb (each limb stays exact as EZKL's f32 input).
    uint256 public constant BINDING_LIMB_BITS = 24;

    /// @inheritdoc IProofAdapter
    function submit(
        Fulfilment calldata f,
        bytes calldata input,
        bytes calldata output,
        bytes calldata evidence
    ) external view returns (ClaimStatus) {
        bytes memory data = abi.encodeCall(
            IHalo2Verifier.verifyProof,
            (evidence, proofInstances(f, input, output, msg.sender))
        );
        if (!VerifierCall.accepts(f.verifier, data)) revert Adapter_InvalidProof(f.requestId);
        return ClaimStatus.Accepted;
    }

    /// @inheritdoc IProofAdapter
    /// @dev Synchronous: a submitted claim is accepted or reverted at once, never Pending.
    function claimStatus(Fulfilment calldata, bytes32, address) external pure returns (ClaimStatus) {
        return ClaimStatus.Pending;
    }

    /// @notice The instances a valid proof for this fulfilment must have, for router `router`:
    ///         the input, the binding's limbs, then the output, as field elements.
    /// @param f The fulfilment (request id, model id and fulfiller are bound).
    /// @param input The quantized input (Int16Tensors encoding).
    /// @param output The quantized output (Int16Tensors encoding).
    /// @param router The router the proof is bound to.
    function proofInstances(
        Fulfilment calldata f,
        bytes calldata input,
        bytes calldata output,
        address router
    ) public view returns (uint256[] memory values) {
        uint256 n = Int16Tensors.count(input);
        uint256 m = Int16Tensors.count(output);
        values = new uint256[](n + BINDING_LIMBS + m);
        _toField(input, values, 0);
        uint256[BINDING_LIMBS] memory limbs = bindingLimbs(f, router);
        for (uint256 i = 0; i < BINDING_LIMBS; ++i) values[n + i] = limbs[i];
        _toField(output, values, n + BINDING_LIMBS);
    }

    /// @notice RequestBinding.fieldBinding(f, router) in BINDING_LIMBS limbs, little-endian.
    /// @param f The fulfilment.
    /// @param router The router the proof is bound to.
    function bindingLimbs(
        Fulfilment calldata f,
        address router
    ) public view returns (uint256[BINDING_LIMBS] memory limbs) {
        uint256 b = RequestBinding.fieldBinding(f, router);
        uint256 mask = (1 << BINDING_LIMB_BITS) - 1;
        for (uint256 i = 0; i < BINDING_LIMBS; ++i) limbs[i] = (b >> (BINDING_LIMB_BITS * i)) & mask;
    }

    /// @notice The model's own instances, without the binding: the input then the output, as field
    ///         elements (proofInstances puts the binding's limbs between them).
    function instances(bytes calldata input, bytes calldata output) public pure returns (uint256[] memory values) {
        uint256 n = Int16Tensors.count(input);
        values = new uint256[](n + Int16Tensors.count(output));
        _toField(input, values, 0);
        _toField(output, values, n);
    }

    /// @dev Writes `tensor`'s values as field elements into `values` from slot `first` on.
    function _toField(bytes calldata tensor, uint256[] memory values, uint256 first) private pure {
        uint256 n = Int16Tensors.count(tensor);
        for (uint256 i = 0; i < n; ++i) values[first + i] = FieldElements.fromSigned(Int16Tensors.at(tensor, i));
    }
}
