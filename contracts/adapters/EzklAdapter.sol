// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IProofAdapter} from "../interfaces/IProofAdapter.sol";
import {ClaimStatus, Fulfilment} from "../interfaces/InferenceTypes.sol";
import {FieldElements} from "../libraries/FieldElements.sol";
import {VerifierCall} from "../libraries/VerifierCall.sol";

/// @notice The function EZKL's generated Halo2Verifier exposes.
interface IHalo2Verifier {
    /// @notice Whether `proof` is valid for `instances` (reverts on some invalid proofs).
    /// @param proof The proof bytes.
    /// @param instances The public instances.
    /// @return Whether the proof verifies.
    function verifyProof(bytes calldata proof, uint256[] calldata instances) external returns (bool);
}

/// @title EzklAdapter
/// @notice Adapter for EZKL (Halo2/KZG) proofs with public input and output visibility
///         (sdk/zk/ezkl). The instances are rebuilt from the request: [input..., output...] as
///         field elements, so a proof passes only for this input and this output.
/// @dev An EZKL circuit has no free public input, so the proof cannot commit to the request id
///      or the fulfiller: the same proof fulfils any request for the same model and input, which
///      is harmless for correctness (the output is the model's) but lets a copier take the fee.
///      Groth16 binds both (docs/request-binding.md).
contract EzklAdapter is IProofAdapter {
    /// @inheritdoc IProofAdapter
    function submit(
        Fulfilment calldata f,
        int256[] calldata input,
        int256[] calldata output,
        bytes calldata evidence
    ) external view returns (ClaimStatus) {
        bytes memory data = abi.encodeCall(IHalo2Verifier.verifyProof, (evidence, instances(input, output)));
        if (!VerifierCall.accepts(f.verifier, data)) revert Adapter_InvalidProof(f.requestId);
        return ClaimStatus.Accepted;
    }

    /// @inheritdoc IProofAdapter
    /// @dev Synchronous: a submitted claim is accepted or reverted at once, never Pending.
    function claimStatus(Fulfilment calldata, bytes32, address) external pure returns (ClaimStatus) {
        return ClaimStatus.Pending;
    }

    /// @notice The instances a valid proof must have: the input then the output, as field elements.
    function instances(
        int256[] calldata input,
        int256[] calldata output
    ) public pure returns (uint256[] memory values) {
        values = new uint256[](input.length + output.length);
        for (uint256 i = 0; i < input.length; ++i) values[i] = FieldElements.fromSigned(input[i]);
        for (uint256 i = 0; i < output.length; ++i) values[input.length + i] = FieldElements.fromSigned(output[i]);
    }
}
