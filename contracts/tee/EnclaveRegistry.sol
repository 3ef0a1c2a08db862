// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IEnclaveRegistry} from "./IEnclaveRegistry.sol";

/// @title EnclaveRegistry
/// @notice Admitted enclave keys, revocations and each model's accepted measurements (see
///         IEnclaveRegistry). The owner is governance: it enables admitters and revokes.
/// @dev `checkKey` reads four storage words (the key's two, the measurement's revocation, the
///      model's acceptance) and the admitter's flag; no loop, so a measurement revocation costs the
///      same however many keys it kills.
contract EnclaveRegistry is IEnclaveRegistry, Ownable {
    /// @inheritdoc IEnclaveRegistry
    IModelRegistry public immutable modelRegistry;
    /// @inheritdoc IEnclaveRegistry
    uint64 public immutable maxKeyLifetime;

    /// @inheritdoc IEnclaveRegistry
    mapping(address admitter => bool) public isAdmitter;
    /// @inheritdoc IEnclaveRegistry
    mapping(bytes32 measurement => bool) public isMeasurementRevoked;
    /// @inheritdoc IEnclaveRegistry
    mapping(bytes32 modelId => mapping(bytes32 measurement => bool)) public isMeasurementAccepted;
    mapping(address key => EnclaveKey) private _keys;

    /// @param modelRegistry_ The protocol's model registry (who owns each model).
    /// @param maxKeyLifetime_ The longest an admission may last, in seconds (not zero).
    /// @param owner_ Governance: enables admitters, revokes keys and measurements.
    constructor(IModelRegistry modelRegistry_, uint64 maxKeyLifetime_, address owner_) Ownable(owner_) {
        if (address(modelRegistry_) == address(0) || maxKeyLifetime_ == 0) revert Enclave_ZeroValue();
        modelRegistry = modelRegistry_;
        maxKeyLifetime = maxKeyLifetime_;
    }

    /// @inheritdoc IEnclaveRegistry
    function setAdmitter(address admitter, bool enabled) external onlyOwner {
        if (admitter == address(0)) revert Enclave_ZeroValue();
        if (isAdmitter[admitter] == enabled) revert Enclave_Unchanged();
        isAdmitter[admitter] = enabled;
        emit AdmitterSet(admitter, enabled);
    }

    /// @inheritdoc IEnclaveRegistry
    function admit(
        address key,
        bytes32 measurement,
        uint64 expiresAt,
        bytes32 attestationHash,
        string calldata attestationURI
    ) external {
        if (!isAdmitter[msg.sender]) revert Enclave_NotAdmitter(msg.sender);
        if (key == address(0) || measurement == bytes32(0)) revert Enclave_ZeroValue();
        uint256 latest = block.timestamp + maxKeyLifetime;
        if (expiresAt <= block.timestamp || expiresAt > latest) revert Enclave_InvalidExpiry(expiresAt, latest);
        if (isMeasurementRevoked[measurement]) revert Enclave_MeasurementRevoked(measurement);
        EnclaveKey storage k = _keys[key];
        if (k.revoked) revert Enclave_KeyRevoked(key);
        if (k.expiresAt != 0 && k.measurement != measurement)
            revert Enclave_MeasurementMismatch(key, k.measurement, measurement);
        // An older, unused admission must not cut a live key's lifetime short (anyone can submit one).
        if (expiresAt <= k.expiresAt) revert Enclave_ExpiryNotExtended(key, k.expiresAt, expiresAt);
        _keys[key] = EnclaveKey(measurement, expiresAt, false, msg.sender);
        emit KeyAdmitted(key, measurement, msg.sender, expiresAt, attestationHash, attestationURI);
    }

    /// @inheritdoc IEnclaveRegistry
    function publishAttestation(bytes32 attestationHash, string calldata attestationURI) external {
        emit AttestationPublished(attestationHash, msg.sender, attestationURI);
    }

    /// @inheritdoc IEnclaveRegistry
    function revokeKey(address key) external onlyOwner {
        if (key == address(0)) revert Enclave_ZeroValue();
        EnclaveKey storage k = _keys[key];
        if (k.revoked) revert Enclave_Unchanged();
        k.revoked = true;
        emit KeyRevoked(key);
    }

    /// @inheritdoc IEnclaveRegistry
    function revokeMeasurement(bytes32 measurement) external onlyOwner {
        if (measurement == bytes32(0)) revert Enclave_ZeroValue();
        if (isMeasurementRevoked[measurement]) revert Enclave_Unchanged();
        isMeasurementRevoked[measurement] = true;
        emit MeasurementRevoked(measurement);
    }

    /// @inheritdoc IEnclaveRegistry
    function setMeasurementAccepted(bytes32 modelId, bytes32 measurement, bool accepted) external {
        address modelOwner = modelRegistry.model(modelId).owner;
        if (modelOwner == address(0) || modelOwner != msg.sender) revert Enclave_NotModelOwner(modelId, msg.sender);
        if (measurement == bytes32(0)) revert Enclave_ZeroValue();
        isMeasurementAccepted[modelId][measurement] = accepted;
        emit MeasurementAcceptanceSet(modelId, measurement, accepted);
    }

    /// @inheritdoc IEnclaveRegistry
    function checkKey(bytes32 modelId, address key) external view {
        EnclaveKey storage k = _keys[key];
        if (k.revoked) revert Enclave_KeyRevoked(key);
        uint64 expiresAt = k.expiresAt;
        if (expiresAt == 0) revert Enclave_KeyNotAdmitted(key);
        address admitter = k.admitter;
        if (!isAdmitter[admitter]) revert Enclave_AdmitterDisabled(key, admitter);
        if (block.timestamp >= expiresAt) revert Enclave_KeyExpired(key, expiresAt);
        bytes32 measurement = k.measurement;
        if (isMeasurementRevoked[measurement]) revert Enclave_MeasurementRevoked(measurement);
        if (!isMeasurementAccepted[modelId][measurement]) revert Enclave_MeasurementNotAccepted(modelId, measurement);
    }

    /// @inheritdoc IEnclaveRegistry
    function enclaveKey(address key) external view returns (EnclaveKey memory) {
        return _keys[key];
    }
}
