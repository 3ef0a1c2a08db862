// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice The function EZKL's reusable verifier (create_evm_verifier with reusable=True) exposes.
interface IHalo2VerifierReusable {
    /// @notice Whether `proof` is valid for `instances` under the verifying-key artefact at `vk`.
    /// @dev It trusts `vk`: whoever picks the artefact picks the circuit.
    /// @param vk The verifying-key artefact (create_evm_vka), read with extcodecopy.
    /// @param proof The proof bytes.
    /// @param instances The public instances.
    /// @return Whether the proof verifies.
    function verifyProof(address vk, bytes calldata proof, uint256[] calldata instances) external view returns (bool);
}

/// @title EzklReusableVerifier
/// @notice One model's EZKL verifier when EZKL's single generated verifier would exceed the
///         24,576-byte contract limit: EZKL's reusable verifier (shared by every model of one EZKL
///         version) with this model's verifying-key artefact fixed at deployment. It exposes the
///         single verifier's verifyProof(bytes, uint256[]), so EzklAdapter calls either the same way
///         (sdk/zk/ezkl/deploy.ts deploys the three contracts; docs/ezkl.md).
contract EzklReusableVerifier {
    /// @notice EZKL's reusable Halo2 verifier.
    IHalo2VerifierReusable public immutable verifier;
    /// @notice This model's verifying-key artefact (its code is the key).
    address public immutable artifact;

    /// @notice A constructor argument has no code.
    error EzklReusableVerifier_NoCode(address account);

    /// @param verifier_ EZKL's reusable verifier.
    /// @param artifact_ The model's verifying-key artefact.
    constructor(IHalo2VerifierReusable verifier_, address artifact_) {
        if (address(verifier_).code.length == 0) revert EzklReusableVerifier_NoCode(address(verifier_));
        if (artifact_.code.length == 0) revert EzklReusableVerifier_NoCode(artifact_);
        verifier = verifier_;
        artifact = artifact_;
    }

    /// @notice Whether `proof` is valid for `instances` for this model (reverts on some invalid proofs).
    /// @param proof The proof bytes.
    /// @param instances The public instances.
    /// @return Whether the proof verifies.
    function verifyProof(bytes calldata proof, uint256[] calldata instances) external view returns (bool) {
        return verifier.verifyProof(artifact, proof, instances);
    }
}
