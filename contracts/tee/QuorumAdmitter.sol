// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {IEnclaveAdmitter} from "./IEnclaveAdmitter.sol";
import {IEnclaveRegistry} from "./IEnclaveRegistry.sol";
import {IQuorumAdmitter} from "./IQuorumAdmitter.sol";

/// @title QuorumAdmitter
/// @notice Admits enclave keys into one EnclaveRegistry on the EIP-712 signatures of at least
///         `threshold` enabled attestation verifiers (see IQuorumAdmitter for the typed data).
/// @dev The registry's owner must enable this contract as an admitter (`setAdmitter(this, true)`).
contract QuorumAdmitter is IQuorumAdmitter, EIP712, Ownable {
    /// @notice keccak256 of the EIP-712 type verifiers sign.
    bytes32 public constant ADMISSION_TYPEHASH = keccak256(
        "Admission(address registry,address key,bytes32 measurement,uint64 expiresAt,bytes32 attestationHash)"
    );

    /// @inheritdoc IEnclaveAdmitter
    IEnclaveRegistry public immutable enclaveRegistry;

    /// @inheritdoc IQuorumAdmitter
    mapping(address verifier => bool) public isVerifier;
    /// @inheritdoc IQuorumAdmitter
    mapping(bytes32 digest => bool) public usedAdmissions;
    /// @inheritdoc IQuorumAdmitter
    uint256 public verifierCount;
    /// @inheritdoc IQuorumAdmitter
    uint256 public threshold;

    /// @param enclaveRegistry_ The registry keys are admitted into.
    /// @param verifiers The initial verifiers' signing addresses (distinct, not zero).
    /// @param threshold_ Signatures an admission needs, from 1 to `verifiers.length`.
    /// @param owner_ Manages the verifiers and the threshold.
    constructor(
        IEnclaveRegistry enclaveRegistry_,
        address[] memory verifiers,
        uint256 threshold_,
        address owner_
    ) EIP712("vinfer-enclave-admission", "1") Ownable(owner_) {
        if (address(enclaveRegistry_) == address(0)) revert Quorum_ZeroAddress();
        enclaveRegistry = enclaveRegistry_;
        for (uint256 i = 0; i < verifiers.length; ++i) _setVerifier(verifiers[i], true);
        _setThreshold(threshold_);
    }

    /// @inheritdoc IQuorumAdmitter
    function admit(
        address key,
        bytes32 measurement,
        uint64 expiresAt,
        bytes32 attestationHash,
        string calldata attestationURI,
        bytes[] calldata signatures
    ) external {
        uint256 count = signatures.length;
        if (count < threshold) revert Quorum_TooFewSignatures(count, threshold);
        bytes32 digest = _admissionDigest(key, measurement, expiresAt, attestationHash);
        if (usedAdmissions[digest]) revert Quorum_AdmissionReplayed(digest);
        address[] memory signers = new address[](count);
        address previous = address(0);
        for (uint256 i = 0; i < count; ++i) {
            (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signatures[i]);
            if (err != ECDSA.RecoverError.NoError) revert Quorum_MalformedSignature(i);
            if (signer <= previous) revert Quorum_SignerNotAscending(i, signer);
            if (!isVerifier[signer]) revert Quorum_NotVerifier(i, signer);
            signers[i] = signer;
            previous = signer;
        }
        usedAdmissions[digest] = true;
        emit AdmissionSigned(digest, key, signers);
        enclaveRegistry.admit(key, measurement, expiresAt, attestationHash, attestationURI);
    }

    /// @inheritdoc IQuorumAdmitter
    function setVerifier(address verifier, bool enabled) external onlyOwner {
        _setVerifier(verifier, enabled);
    }

    /// @inheritdoc IQuorumAdmitter
    function setThreshold(uint256 threshold_) external onlyOwner {
        _setThreshold(threshold_);
    }

    /// @inheritdoc IQuorumAdmitter
    function admissionDigest(
        address key,
        bytes32 measurement,
        uint64 expiresAt,
        bytes32 attestationHash
    ) external view returns (bytes32) {
        return _admissionDigest(key, measurement, expiresAt, attestationHash);
    }

    function _admissionDigest(
        address key,
        bytes32 measurement,
        uint64 expiresAt,
        bytes32 attestationHash
    ) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        ADMISSION_TYPEHASH,
                        address(enclaveRegistry),
                        key,
                        measurement,
                        expiresAt,
                        attestationHash
                    )
                )
            );
    }

    function _setVerifier(address verifier, bool enabled) private {
        if (verifier == address(0)) revert Quorum_ZeroAddress();
        if (isVerifier[verifier] == enabled) revert Quorum_Unchanged(verifier);
        isVerifier[verifier] = enabled;
        if (enabled) ++verifierCount;
        else --verifierCount;
        emit VerifierSet(verifier, enabled);
    }

    function _setThreshold(uint256 threshold_) private {
        if (threshold_ == 0 || threshold_ > verifierCount) revert Quorum_InvalidThreshold(threshold_, verifierCount);
        threshold = threshold_;
        emit ThresholdSet(threshold_);
    }
}
