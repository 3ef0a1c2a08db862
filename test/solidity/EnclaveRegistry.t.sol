// SPDX-License-Identifier: Apache-2.0
/* solhint-disable one-contract-per-file, gas-custom-errors, reason-string, interface-starts-with-i */
pragma solidity ^0.8.28;

import {TeeAdapter} from "../../contracts/adapters/TeeAdapter.sol";
import {ClaimStatus, Fulfilment} from "../../contracts/interfaces/InferenceTypes.sol";
import {Int16Tensors} from "../../contracts/libraries/Int16Tensors.sol";
import {ModelCommitments} from "../../contracts/libraries/ModelCommitments.sol";
import {ModelRegistry} from "../../contracts/registry/ModelRegistry.sol";
import {EnclaveRegistry} from "../../contracts/tee/EnclaveRegistry.sol";
import {IEnclaveRegistry} from "../../contracts/tee/IEnclaveRegistry.sol";
import {IQuorumAdmitter} from "../../contracts/tee/IQuorumAdmitter.sol";
import {QuorumAdmitter} from "../../contracts/tee/QuorumAdmitter.sol";
import {TestBase} from "./utils/Vm.sol";

/// @dev The cheatcodes these tests use beyond TestBase's (EDR serves them at the same address).
interface TeeTestVm {
    function prank(address sender) external;
    function warp(uint256 timestamp) external;
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
}

/// @notice Shared set-up: a model registry with one model (owned by the test), an enclave registry
///         owned by the test, a 2-of-5 quorum admitter enabled on it, and a TEE adapter.
abstract contract TeeTestBase is TestBase {
    TeeTestVm internal constant TVM = TeeTestVm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    uint64 internal constant MAX_LIFETIME = 7 days;
    bytes32 internal constant MODEL = keccak256("tee test model");
    bytes32 internal constant MEASUREMENT = keccak256("tee test measurement");
    bytes32 internal constant ATTESTATION_HASH = keccak256("attestation");
    uint256 internal constant ENCLAVE_KEY = 0xE1C1A5E;
    uint256 internal constant VERIFIER_COUNT = 5;
    address internal constant ROUTER = address(0xB0B);
    /// @dev secp256k1's group order.
    uint256 internal constant N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    ModelRegistry internal models;
    EnclaveRegistry internal enclaves;
    QuorumAdmitter internal quorum;
    TeeAdapter internal adapter;
    /// @dev Verifier private keys, sorted by their addresses.
    uint256[] internal verifierKeys;

    function setUp() public virtual {
        TVM.warp(1_700_000_000);
        models = new ModelRegistry();
        models.registerModel(MODEL, 2, 2, type(int16).min, type(int16).max, "test://model");
        enclaves = new EnclaveRegistry(models, MAX_LIFETIME, address(this));
        address[] memory verifiers = new address[](VERIFIER_COUNT);
        for (uint256 i = 0; i < VERIFIER_COUNT; ++i) verifierKeys.push(0xA000 + i);
        _sortByAddress(verifierKeys);
        for (uint256 i = 0; i < VERIFIER_COUNT; ++i) verifiers[i] = TVM.addr(verifierKeys[i]);
        quorum = new QuorumAdmitter(enclaves, verifiers, 2, address(this));
        enclaves.setAdmitter(address(quorum), true);
        enclaves.setMeasurementAccepted(MODEL, MEASUREMENT, true);
        adapter = new TeeAdapter();
    }

    /// @dev Signatures by the verifiers `first`..`first + count - 1` (ascending addresses).
    function _signatures(
        address key,
        bytes32 measurement,
        uint64 expiresAt,
        uint256 first,
        uint256 count
    ) internal view returns (bytes[] memory sigs) {
        bytes32 digest = quorum.admissionDigest(key, measurement, expiresAt, ATTESTATION_HASH);
        sigs = new bytes[](count);
        for (uint256 i = 0; i < count; ++i) sigs[i] = _sign(verifierKeys[first + i], digest);
    }

    function _admit(address key, bytes32 measurement, uint64 expiresAt) internal {
        quorum.admit(
            key,
            measurement,
            expiresAt,
            ATTESTATION_HASH,
            "uri",
            _signatures(key, measurement, expiresAt, 0, 2)
        );
    }

    function _sign(uint256 privateKey, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = TVM.sign(privateKey, digest);
        return abi.encodePacked(r, s, v);
    }

    function _sortByAddress(uint256[] storage keys) private {
        for (uint256 i = 1; i < keys.length; ++i) {
            for (uint256 j = i; j > 0 && TVM.addr(keys[j - 1]) > TVM.addr(keys[j]); --j) {
                (keys[j - 1], keys[j]) = (keys[j], keys[j - 1]);
            }
        }
    }
}

/// @notice The registry's rules: expiry, revocation, acceptance, who may write.
contract EnclaveRegistryTest is TeeTestBase {
    /// @dev Any lifetime from 1 s to the maximum is admitted; the key signs until the second before
    ///      its expiry and never from it on.
    function testFuzzKeyLivesUntilItsExpiry(uint256 lifetime, uint256 later) external {
        uint64 expiresAt = uint64(block.timestamp + bound(lifetime, 1, MAX_LIFETIME));
        address key = TVM.addr(ENCLAVE_KEY);
        _admit(key, MEASUREMENT, expiresAt);
        enclaves.checkKey(MODEL, key);
        TVM.warp(expiresAt - 1);
        enclaves.checkKey(MODEL, key);
        TVM.warp(bound(later, expiresAt, type(uint64).max));
        VM.expectRevert(abi.encodeWithSelector(IEnclaveRegistry.Enclave_KeyExpired.selector, key, expiresAt));
        enclaves.checkKey(MODEL, key);
    }

    /// @dev An expiry not in (now, now + maxKeyLifetime] is refused.
    function testFuzzExpiryOutOfRangeIsRefused(uint64 expiresAt) external {
        uint256 latest = block.timestamp + MAX_LIFETIME;
        VM.assume(expiresAt <= block.timestamp || expiresAt > latest);
        VM.expectRevert(abi.encodeWithSelector(IEnclaveRegistry.Enclave_InvalidExpiry.selector, expiresAt, latest));
        TVM.prank(address(quorum));
        enclaves.admit(TVM.addr(ENCLAVE_KEY), MEASUREMENT, expiresAt, ATTESTATION_HASH, "uri");
    }

    /// @dev Revoking a measurement kills every key with it, however many, in one constant-cost write.
    function testFuzzMeasurementRevocationKillsAllItsKeys(uint8 count) external {
        uint256 n = bound(count, 1, 12);
        uint64 expiresAt = uint64(block.timestamp + 1 days);
        address other = TVM.addr(ENCLAVE_KEY + 1000);
        bytes32 otherMeasurement = keccak256("other measurement");
        enclaves.setMeasurementAccepted(MODEL, otherMeasurement, true);
        _admit(other, otherMeasurement, expiresAt);
        for (uint256 i = 0; i < n; ++i) _admit(TVM.addr(ENCLAVE_KEY + i), MEASUREMENT, expiresAt);
        enclaves.revokeMeasurement(MEASUREMENT);
        for (uint256 i = 0; i < n; ++i) {
            VM.expectRevert(abi.encodeWithSelector(IEnclaveRegistry.Enclave_MeasurementRevoked.selector, MEASUREMENT));
            enclaves.checkKey(MODEL, TVM.addr(ENCLAVE_KEY + i));
        }
        enclaves.checkKey(MODEL, other); // another measurement's key is untouched
    }

    /// @dev Only an enabled admitter admits; only the owner revokes and manages admitters.
    function testFuzzOnlyAdmittersAdmitAndOnlyTheOwnerRevokes(address stranger) external {
        VM.assume(stranger != address(this) && stranger != address(quorum));
        uint64 expiresAt = uint64(block.timestamp + 1 days);
        VM.expectRevert(abi.encodeWithSelector(IEnclaveRegistry.Enclave_NotAdmitter.selector, stranger));
        TVM.prank(stranger);
        enclaves.admit(TVM.addr(ENCLAVE_KEY), MEASUREMENT, expiresAt, ATTESTATION_HASH, "uri");
        VM.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", stranger));
        TVM.prank(stranger);
        enclaves.revokeMeasurement(MEASUREMENT);
        VM.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", stranger));
        TVM.prank(stranger);
        enclaves.revokeKey(TVM.addr(ENCLAVE_KEY));
        VM.expectRevert(abi.encodeWithSelector(IEnclaveRegistry.Enclave_NotModelOwner.selector, MODEL, stranger));
        TVM.prank(stranger);
        enclaves.setMeasurementAccepted(MODEL, MEASUREMENT, false);
    }

    /// @dev checkKey's order: revoked, not admitted, admitter disabled, expired, measurement revoked,
    ///      measurement not accepted.
    function testCheckKeyErrors() external {
        address key = TVM.addr(ENCLAVE_KEY);
        VM.expectRevert(abi.encodeWithSelector(IEnclaveRegistry.Enclave_KeyNotAdmitted.selector, key));
        enclaves.checkKey(MODEL, key);
        _admit(key, MEASUREMENT, uint64(block.timestamp + 1 days));
        bytes32 otherModel = keccak256("other model");
        VM.expectRevert(
            abi.encodeWithSelector(IEnclaveRegistry.Enclave_MeasurementNotAccepted.selector, otherModel, MEASUREMENT)
        );
        enclaves.checkKey(otherModel, key);
        enclaves.setAdmitter(address(quorum), false);
        VM.expectRevert(abi.encodeWithSelector(IEnclaveRegistry.Enclave_AdmitterDisabled.selector, key, quorum));
        enclaves.checkKey(MODEL, key);
        enclaves.setAdmitter(address(quorum), true);
        enclaves.checkKey(MODEL, key);
        enclaves.revokeKey(key);
        VM.expectRevert(abi.encodeWithSelector(IEnclaveRegistry.Enclave_KeyRevoked.selector, key));
        enclaves.checkKey(MODEL, key);
        // A key revoked before it was ever admitted is never admitted.
        address preRevoked = TVM.addr(ENCLAVE_KEY + 1);
        enclaves.revokeKey(preRevoked);
        bytes[] memory sigs = _signatures(preRevoked, MEASUREMENT, uint64(block.timestamp + 1 days), 0, 2);
        VM.expectRevert(abi.encodeWithSelector(IEnclaveRegistry.Enclave_KeyRevoked.selector, preRevoked));
        quorum.admit(preRevoked, MEASUREMENT, uint64(block.timestamp + 1 days), ATTESTATION_HASH, "uri", sigs);
    }
}

/// @notice The quorum's rules: threshold, ascending distinct verifiers, replay.
contract QuorumAdmitterTest is TeeTestBase {
    /// @dev With threshold t of 5, k ascending verifier signatures admit exactly when k >= t.
    function testFuzzThreshold(uint8 threshold, uint8 count, uint8 first) external {
        uint256 t = bound(threshold, 1, VERIFIER_COUNT);
        uint256 k = bound(count, 0, VERIFIER_COUNT);
        uint256 start = bound(first, 0, VERIFIER_COUNT - k);
        quorum.setThreshold(t);
        address key = TVM.addr(ENCLAVE_KEY);
        uint64 expiresAt = uint64(block.timestamp + 1 days);
        bytes[] memory sigs = _signatures(key, MEASUREMENT, expiresAt, start, k);
        if (k < t) VM.expectRevert(abi.encodeWithSelector(IQuorumAdmitter.Quorum_TooFewSignatures.selector, k, t));
        quorum.admit(key, MEASUREMENT, expiresAt, ATTESTATION_HASH, "uri", sigs);
        if (k >= t) enclaves.checkKey(MODEL, key);
    }

    /// @dev Any two signatures not in strictly ascending signer order are refused.
    function testFuzzSignersMustAscend(uint8 a, uint8 b) external {
        uint256 i = bound(a, 0, VERIFIER_COUNT - 1);
        uint256 j = bound(b, 0, i); // j <= i: the second signer is not above the first
        address key = TVM.addr(ENCLAVE_KEY);
        uint64 expiresAt = uint64(block.timestamp + 1 days);
        bytes32 digest = quorum.admissionDigest(key, MEASUREMENT, expiresAt, ATTESTATION_HASH);
        bytes[] memory sigs = new bytes[](2);
        sigs[0] = _sign(verifierKeys[i], digest);
        sigs[1] = _sign(verifierKeys[j], digest);
        VM.expectRevert(
            abi.encodeWithSelector(IQuorumAdmitter.Quorum_SignerNotAscending.selector, 1, TVM.addr(verifierKeys[j]))
        );
        quorum.admit(key, MEASUREMENT, expiresAt, ATTESTATION_HASH, "uri", sigs);
    }

    function testReplayIsRefused() external {
        address key = TVM.addr(ENCLAVE_KEY);
        uint64 expiresAt = uint64(block.timestamp + 1 days);
        bytes[] memory sigs = _signatures(key, MEASUREMENT, expiresAt, 1, 2);
        quorum.admit(key, MEASUREMENT, expiresAt, ATTESTATION_HASH, "uri", sigs);
        bytes32 digest = quorum.admissionDigest(key, MEASUREMENT, expiresAt, ATTESTATION_HASH);
        VM.expectRevert(abi.encodeWithSelector(IQuorumAdmitter.Quorum_AdmissionReplayed.selector, digest));
        quorum.admit(key, MEASUREMENT, expiresAt, ATTESTATION_HASH, "other uri", sigs);
    }
}

/// @notice The adapter: a genuine signature passes; one bit changed anywhere it is bound fails.
contract TeeAdapterTest is TeeTestBase {
    function setUp() public override {
        super.setUp();
        _admit(TVM.addr(ENCLAVE_KEY), MEASUREMENT, uint64(block.timestamp + 1 days));
    }

    function _tensors(uint256 seed) private pure returns (bytes memory input, bytes memory output) {
        int256[] memory x = new int256[](2);
        int256[] memory y = new int256[](2);
        x[0] = int256(seed % 1000) - 500;
        x[1] = int256((seed >> 16) % 1000) - 500;
        y[0] = int256((seed >> 32) % 7) - 3;
        y[1] = int256((seed >> 40) % 7) - 3;
        return (Int16Tensors.encode(x), Int16Tensors.encode(y));
    }

    function _digest(Fulfilment memory f, bytes memory input, bytes memory output) private view returns (bytes32) {
        return
            adapter.resultDigest(
                ROUTER,
                f.requestId,
                f.modelId,
                ModelCommitments.inputHash(input),
                ModelCommitments.outputHash(output),
                f.fulfiller
            );
    }

    /// @dev The signed fields are (router, request, model, input, output, fulfiller): a signature
    ///      over any of them changed recovers another key, which the registry does not know.
    function testFuzzSignatureBindsEveryField(uint256 seed, uint8 field, uint256 requestId) external {
        (bytes memory input, bytes memory output) = _tensors(seed);
        Fulfilment memory f = Fulfilment(requestId, MODEL, address(enclaves), 0, address(0xF1));
        (uint8 v, bytes32 r, bytes32 s) = TVM.sign(ENCLAVE_KEY, _digest(f, input, output));
        bytes memory evidence = abi.encodePacked(r, s, v);
        TVM.prank(ROUTER);
        require(adapter.submit(f, input, output, evidence) == ClaimStatus.Accepted, "genuine signature refused");

        uint256 which = bound(field, 0, 4);
        if (which == 0) f.requestId = requestId ^ 1;
        else if (which == 1)
            input[1] ^= 0x01; // the low byte of value 0
        else if (which == 2)
            output[3] ^= 0x01; // the low byte of value 1
        else if (which == 3) f.fulfiller = address(0xF2);
        else f.modelId = keccak256("another model");
        // The key the signature recovers for the changed fields is some other address.
        address recovered = ecrecover(_digest(f, input, output), v, r, s);
        assertTrue(recovered != TVM.addr(ENCLAVE_KEY), "the enclave's key recovered for other fields");
        VM.expectRevert(abi.encodeWithSelector(IEnclaveRegistry.Enclave_KeyNotAdmitted.selector, recovered));
        TVM.prank(ROUTER);
        adapter.submit(f, input, output, evidence);
    }

    /// @dev The high-s twin of any genuine signature is refused as malleable.
    function testFuzzHighSIsRefused(uint256 seed) external {
        (bytes memory input, bytes memory output) = _tensors(seed);
        Fulfilment memory f = Fulfilment(seed, MODEL, address(enclaves), 0, address(0xF1));
        (uint8 v, bytes32 r, bytes32 s) = TVM.sign(ENCLAVE_KEY, _digest(f, input, output));
        bytes32 highS = bytes32(N - uint256(s));
        VM.expectRevert(abi.encodeWithSelector(TeeAdapter.Adapter_MalleableSignature.selector, highS));
        TVM.prank(ROUTER);
        adapter.submit(f, input, output, abi.encodePacked(r, highS, v == 27 ? uint8(28) : uint8(27)));
    }

    /// @dev Evidence of any length but 65 is refused before anything else.
    function testFuzzWrongLengthIsRefused(bytes calldata evidence) external {
        VM.assume(evidence.length != 65);
        (bytes memory input, bytes memory output) = _tensors(1);
        Fulfilment memory f = Fulfilment(1, MODEL, address(enclaves), 0, address(0xF1));
        VM.expectRevert(abi.encodeWithSelector(TeeAdapter.Adapter_MalformedEvidence.selector, 65, evidence.length));
        TVM.prank(ROUTER);
        adapter.submit(f, input, output, evidence);
    }
}
