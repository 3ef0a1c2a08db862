// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IEnclaveAdmitter} from "./IEnclaveAdmitter.sol";

/// @title IQuorumAdmitter
/// @notice Admits an enclave key when at least `threshold` of an owner-managed set of attestation
///         verifiers signed the admission. Each verifier is an off-chain service that fetched the
///         attestation, verified it (`vinfer tee verify-attestation`: signature, certificate chain
///         to the pinned root, measurement, the key bound in it, its validity) and signs:
///
///           EIP-712 domain: { name: "vinfer-enclave-admission", version: "1",
///                             chainId: block.chainid, verifyingContract: this admitter }
///           Admission(address registry,address key,bytes32 measurement,uint64 expiresAt,bytes32 attestationHash)
///
///         where `registry` is `enclaveRegistry()`. Anyone may submit the signatures (`admit`).
/// @dev Signatures are 65-byte (r, s, v) ECDSA signatures with low s, ordered by strictly increasing
///      signer address (which refuses a duplicate without a set). Each admission digest is used
///      once: a revoked or expired key cannot be brought back with old signatures. The attestation
///      URI is not signed (it only says where to fetch the document); what counts is the signed
///      `attestationHash`.
interface IQuorumAdmitter is IEnclaveAdmitter {
    /// @notice `verifier` may (enabled) or may no longer (disabled) sign admissions.
    event VerifierSet(address indexed verifier, bool enabled);
    /// @notice Admissions need `threshold` verifier signatures from now on.
    event ThresholdSet(uint256 threshold);
    /// @notice `signers` admitted `key` with the admission `digest` (the registry emits the details).
    event AdmissionSigned(bytes32 indexed digest, address indexed key, address[] signers);

    /// @notice `count` signatures were given, `threshold` are needed.
    error Quorum_TooFewSignatures(uint256 count, uint256 threshold);
    /// @notice Signature `index` is not a 65-byte ECDSA signature with low s that recovers an address.
    error Quorum_MalformedSignature(uint256 index);
    /// @notice Signature `index` is by `signer`, not above the previous signer (a duplicate, or unsorted).
    error Quorum_SignerNotAscending(uint256 index, address signer);
    /// @notice Signature `index` is by `signer`, who is not an enabled verifier.
    error Quorum_NotVerifier(uint256 index, address signer);
    /// @notice The admission `digest` was used before.
    error Quorum_AdmissionReplayed(bytes32 digest);
    /// @notice The threshold must be at least 1 and at most the number of verifiers (`verifierCount`).
    error Quorum_InvalidThreshold(uint256 threshold, uint256 verifierCount);
    /// @notice A verifier or the registry is the zero address.
    error Quorum_ZeroAddress();
    /// @notice The verifier is already in the asked state.
    error Quorum_Unchanged(address verifier);

    /// @notice Admits `key` into the registry once enough verifiers signed the admission.
    /// @param key The enclave's signing address.
    /// @param measurement The enclave measurement its attestation proves.
    /// @param expiresAt The first second the key may no longer sign.
    /// @param attestationHash keccak256 of the attestation document.
    /// @param attestationURI Where the attestation is published (passed to the registry's event; not signed).
    /// @param signatures At least `threshold` verifier signatures, by strictly increasing signer address.
    function admit(
        address key,
        bytes32 measurement,
        uint64 expiresAt,
        bytes32 attestationHash,
        string calldata attestationURI,
        bytes[] calldata signatures
    ) external;

    /// @notice Enables or disables a verifier; only the owner.
    /// @dev Disabling may leave fewer verifiers than the threshold: admissions then stop until the
    ///      owner adds verifiers or lowers the threshold (so a compromised verifier is removed in one
    ///      transaction).
    /// @param verifier The verifier's signing address.
    /// @param enabled Whether its signatures count.
    function setVerifier(address verifier, bool enabled) external;

    /// @notice Sets how many verifier signatures an admission needs; only the owner.
    /// @param threshold From 1 to `verifierCount()`.
    function setThreshold(uint256 threshold) external;

    /// @notice The EIP-712 digest verifiers sign for an admission into `enclaveRegistry()`.
    /// @param key The enclave's signing address.
    /// @param measurement The measurement.
    /// @param expiresAt The expiry.
    /// @param attestationHash The attestation's hash.
    /// @return The digest.
    function admissionDigest(
        address key,
        bytes32 measurement,
        uint64 expiresAt,
        bytes32 attestationHash
    ) external view returns (bytes32);

    /// @notice Whether `verifier` is an enabled verifier.
    /// @param verifier Any address.
    /// @return True when enabled.
    function isVerifier(address verifier) external view returns (bool);

    /// @notice How many verifiers are enabled.
    /// @return The count.
    function verifierCount() external view returns (uint256);

    /// @notice How many verifier signatures an admission needs.
    /// @return The threshold.
    function threshold() external view returns (uint256);

    /// @notice Whether the admission `digest` was used.
    /// @param digest An admission digest.
    /// @return True when used.
    function usedAdmissions(bytes32 digest) external view returns (bool);
}
