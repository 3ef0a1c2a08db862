// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IModelRegistry} from "../interfaces/IModelRegistry.sol";

/// @title IEnclaveRegistry
/// @notice Which enclave keys may sign TEE results, and for which models. It is the *verifier* a
///         model names for the TEE proof type (`IModelRegistry.setVerifier(modelId, 3, registry, 0)`)
///         and the TeeAdapter asks it about every signature (`checkKey`). Three parties write it:
///         - admitters (contracts the registry's owner enabled, `IEnclaveAdmitter`: an M-of-N quorum
///           of attestation verifiers today, an on-chain quote verifier later) admit a key with the
///           enclave measurement its attestation proves and an expiry;
///         - the registry's owner (governance) enables and disables admitters, revokes keys and
///           revokes whole measurements;
///         - each model's owner (as `IModelRegistry.model(modelId).owner` says) chooses which
///           measurements its model accepts.
/// @dev A key may sign for a model while: it was admitted, it is not revoked, its admitter is still
///      enabled, `block.timestamp < expiresAt`, its measurement is not revoked, and the model accepts
///      its measurement. Revocations are permanent: a revoked key or measurement is never admitted
///      again (a fixed enclave has a new measurement and new keys). Disabling an admitter suspends
///      every key it admitted at once (enabling it again restores them).
interface IEnclaveRegistry {
    /// @notice What the registry knows about one enclave key (all zero for an unknown key).
    /// @param measurement The enclave measurement (e.g. keccak256 of the PCRs or of MRTD/RTMRs, as
    ///        the admitter defines) its attestation proves.
    /// @param expiresAt The first second the key may no longer sign (0: never admitted).
    /// @param revoked Whether governance revoked the key (permanent).
    /// @param admitter The admitter that admitted (or last renewed) it.
    struct EnclaveKey {
        bytes32 measurement;
        uint64 expiresAt;
        bool revoked;
        address admitter;
    }

    /// @notice `admitter` may (enabled) or may no longer (disabled) admit keys; its keys are
    ///         suspended while it is disabled.
    event AdmitterSet(address indexed admitter, bool enabled);
    /// @notice `key` may sign as an enclave with `measurement` until `expiresAt`; the attestation
    ///         that proves it is published at `attestationURI` and hashes to `attestationHash`.
    /// @dev Emitted again, with the new expiry and attestation, when a key is renewed.
    event KeyAdmitted(
        address indexed key,
        bytes32 indexed measurement,
        address indexed admitter,
        uint64 expiresAt,
        bytes32 attestationHash,
        string attestationURI
    );
    /// @notice Where the attestation hashing to `attestationHash` can be fetched, as `publisher` says.
    /// @dev Anyone may publish: the URI in `KeyAdmitted` is not signed by the quorum, so a
    ///      front-runner could admit a key with a junk URI; the real one is published here, and a
    ///      reader checks the fetched bytes against the hash.
    event AttestationPublished(bytes32 indexed attestationHash, address indexed publisher, string attestationURI);
    /// @notice `key` is revoked for good.
    event KeyRevoked(address indexed key);
    /// @notice Every key with `measurement` is revoked for good, and no key with it is admitted again.
    event MeasurementRevoked(bytes32 indexed measurement);
    /// @notice `modelId` accepts (true) or no longer accepts (false) results of enclaves with `measurement`.
    event MeasurementAcceptanceSet(bytes32 indexed modelId, bytes32 indexed measurement, bool accepted);

    /// @notice The caller is not an enabled admitter.
    error Enclave_NotAdmitter(address caller);
    /// @notice Only `modelId`'s owner in the model registry may do this (also: the model is unknown).
    error Enclave_NotModelOwner(bytes32 modelId, address caller);
    /// @notice `key` was never admitted.
    error Enclave_KeyNotAdmitted(address key);
    /// @notice `key`'s admission expired at `expiresAt`.
    error Enclave_KeyExpired(address key, uint64 expiresAt);
    /// @notice `key` was revoked.
    error Enclave_KeyRevoked(address key);
    /// @notice The admitter of `key` is disabled, which suspends the keys it admitted.
    error Enclave_AdmitterDisabled(address key, address admitter);
    /// @notice `measurement` was revoked.
    error Enclave_MeasurementRevoked(bytes32 measurement);
    /// @notice `modelId` does not accept enclaves with `measurement`.
    error Enclave_MeasurementNotAccepted(bytes32 modelId, bytes32 measurement);
    /// @notice An expiry must be in the future and at most `maxKeyLifetime` from now (`latest`).
    error Enclave_InvalidExpiry(uint64 expiresAt, uint256 latest);
    /// @notice `key` is admitted with `admitted`; a key is renewed only with the same measurement.
    error Enclave_MeasurementMismatch(address key, bytes32 admitted, bytes32 given);
    /// @notice A renewal must extend a key's lifetime (an older admission cannot shorten it).
    error Enclave_ExpiryNotExtended(address key, uint64 current, uint64 given);
    /// @notice The key, the measurement, an admitter or a constructor argument is zero.
    error Enclave_ZeroValue();
    /// @notice The admitter is already in the asked state, or the key or measurement is already revoked.
    error Enclave_Unchanged();

    /// @notice Enables or disables an admitter; only the registry's owner.
    /// @dev Disabling suspends the keys it admitted (`Enclave_AdmitterDisabled`) until it is enabled again.
    /// @param admitter A contract that admits keys (`IEnclaveAdmitter`).
    /// @param enabled Whether it may admit.
    function setAdmitter(address admitter, bool enabled) external;

    /// @notice Admits `key` (or renews it, with the same measurement); only an enabled admitter,
    ///         after it verified the attestation.
    /// @dev Refuses a revoked key or measurement, and an expiry not in (now, now + maxKeyLifetime].
    ///      The caller becomes the key's admitter.
    /// @param key The enclave's signing address (its private key never leaves the enclave).
    /// @param measurement The enclave measurement the attestation proves.
    /// @param expiresAt The first second the key may no longer sign.
    /// @param attestationHash keccak256 of the attestation document as published at `attestationURI`.
    /// @param attestationURI Where anyone can fetch the attestation to check it again.
    function admit(
        address key,
        bytes32 measurement,
        uint64 expiresAt,
        bytes32 attestationHash,
        string calldata attestationURI
    ) external;

    /// @notice Publishes where an attestation can be fetched (anyone may call).
    /// @param attestationHash keccak256 of the attestation document.
    /// @param attestationURI Where it is.
    function publishAttestation(bytes32 attestationHash, string calldata attestationURI) external;

    /// @notice Revokes `key` for good; only the registry's owner. A key not admitted yet may be
    ///         revoked too, so it never is.
    /// @param key The key.
    function revokeKey(address key) external;

    /// @notice Revokes `measurement` for good, and with it every key that has it (no key is
    ///         touched: `checkKey` reads the measurement's state); only the registry's owner.
    /// @param measurement The measurement.
    function revokeMeasurement(bytes32 measurement) external;

    /// @notice Sets whether `modelId` accepts results signed by enclaves with `measurement`; only
    ///         the model's owner in the model registry.
    /// @param modelId The model.
    /// @param measurement The measurement.
    /// @param accepted Accept (true) or stop accepting (false).
    function setMeasurementAccepted(bytes32 modelId, bytes32 measurement, bool accepted) external;

    /// @notice Returns when `key` may sign results of `modelId`, and otherwise reverts with why:
    ///         `Enclave_KeyRevoked`, `Enclave_KeyNotAdmitted`, `Enclave_AdmitterDisabled`,
    ///         `Enclave_KeyExpired`, `Enclave_MeasurementRevoked` or `Enclave_MeasurementNotAccepted`
    ///         (checked in this order).
    /// @param modelId The model the result is for.
    /// @param key The address that signed the result.
    function checkKey(bytes32 modelId, address key) external view;

    /// @notice The model registry model owners are read from.
    /// @return The registry.
    function modelRegistry() external view returns (IModelRegistry);

    /// @notice The longest an admission may last, in seconds from the admission.
    /// @return The lifetime.
    function maxKeyLifetime() external view returns (uint64);

    /// @notice Whether `admitter` may admit keys.
    /// @param admitter Any address.
    /// @return True when enabled.
    function isAdmitter(address admitter) external view returns (bool);

    /// @notice What the registry knows about `key`.
    /// @param key Any address.
    /// @return The record (all zero when unknown).
    function enclaveKey(address key) external view returns (EnclaveKey memory);

    /// @notice Whether `measurement` was revoked.
    /// @param measurement Any measurement.
    /// @return True when revoked.
    function isMeasurementRevoked(bytes32 measurement) external view returns (bool);

    /// @notice Whether `modelId` accepts enclaves with `measurement` (revocation aside).
    /// @param modelId Any model.
    /// @param measurement Any measurement.
    /// @return True when accepted.
    function isMeasurementAccepted(bytes32 modelId, bytes32 measurement) external view returns (bool);
}
