// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

// Assembly is used for reading the report data's two words; every use is commented and bounds-checked by its caller.
/* solhint-disable no-inline-assembly */

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IEnclaveAdmitter} from "../IEnclaveAdmitter.sol";
import {IEnclaveRegistry} from "../IEnclaveRegistry.sol";
import {DcapTypes} from "./DcapTypes.sol";
import {IDcapQuoteVerifier} from "./IDcapQuoteVerifier.sol";

/// @title DcapAdmitter
/// @notice Admits an enclave key into the `IEnclaveRegistry` on the strength of an Intel SGX/TDX
///         DCAP quote verified entirely on chain (`IDcapQuoteVerifier`): no attester signature. The
///         quote's report data must bind the key in vinfer's layout (address ‖
///         "vinfer-enclave-key/v1" ‖ zeros, as `sdk/tee/attestation/dcap.ts` `dcapReportDataForKey`
///         writes it), its TCB status must be one this admitter's policy accepts, and the admission
///         cannot outlive the collateral it was verified with. The measurement admitted is the
///         verifier's (keccak256(MRENCLAVE ‖ MRSIGNER) for SGX, keccak256(MRTD ‖ RTMR0-3) for TDX,
///         the same values the SDK and the QuorumAdmitter use); which models accept it is the
///         models' owners' choice, checked by the registry each time the key signs (`checkKey`).
/// @dev The registry's owner enables this contract (`setAdmitter(this, true)`). The owner of this
///      contract sets the accepted TCB statuses (default: UpToDate only).
///      `KeyBinding.AddressPrefix` (fixed at deployment) reads the key from the first 20 bytes of report
///      data whatever follows: only for enclaves built outside vinfer that bind an address that way.
///      It lets report data that merely starts with 20 arbitrary bytes (a hash, text) name a "key"
///      nobody holds; such a key cannot sign, but an admitter with this binding is weaker and should
///      be enabled only for measurements whose software is known to write an address there.
contract DcapAdmitter is IEnclaveAdmitter, Ownable {
    /// @notice How report data binds the key.
    enum KeyBinding {
        VinferTag,
        AddressPrefix
    }

    /// @notice The verifier quotes are checked with.
    IDcapQuoteVerifier public immutable verifier;
    IEnclaveRegistry private immutable _registry;
    /// @notice How this admitter reads the key from report data.
    KeyBinding public immutable keyBinding;
    /// @notice Bit `s` set: TCB status `s` (`DcapTypes.TcbStatus`) is accepted.
    uint256 public acceptedTcbStatuses;

    /// @notice The tag after the address in report data that binds a key.
    bytes21 public constant KEY_TAG = "vinfer-enclave-key/v1";
    uint256 private constant ADDRESS_BITS = 160;
    uint256 private constant TAG_BITS = 168;
    /// @notice Only UpToDate, the default policy.
    uint256 public constant UP_TO_DATE_ONLY = 1 << uint256(DcapTypes.TcbStatus.UpToDate);
    /// @dev Statuses a policy may accept: everything below Revoked.
    uint256 private constant ACCEPTABLE = (1 << uint256(DcapTypes.TcbStatus.Revoked)) - 1;

    /// @notice `key` was admitted from a verified quote (hash `quoteHash`) with `tcbStatus`.
    event QuoteAdmitted(
        address indexed key,
        bytes32 indexed measurement,
        bytes32 indexed quoteHash,
        DcapTypes.TcbStatus tcbStatus,
        string[] advisoryIds,
        uint64 expiresAt
    );
    /// @notice The accepted TCB statuses are now `mask`.
    event AcceptedTcbStatusesSet(uint256 mask);

    /// @notice The quote's TCB status is not accepted by the policy (`accepted` is the bit mask).
    error DcapAdmitter_TcbStatusNotAccepted(DcapTypes.TcbStatus status, uint256 accepted);
    /// @notice The quote's report data is not address ‖ "vinfer-enclave-key/v1" ‖ zeros.
    error DcapAdmitter_ReportDataNotAKey();
    /// @notice The asked expiry is after the collateral's `validUntil`.
    error DcapAdmitter_ExpiryBeyondCollateral(uint64 expiresAt, uint64 validUntil);
    /// @notice A policy may accept only statuses below Revoked, and at least one.
    error DcapAdmitter_InvalidPolicy(uint256 mask);
    /// @notice A constructor argument is zero.
    error DcapAdmitter_ZeroAddress();

    /// @param registry_ The registry keys are admitted into.
    /// @param verifier_ The on-chain quote verifier.
    /// @param keyBinding_ How report data binds the key (`VinferTag` unless you know otherwise).
    /// @param owner_ Who sets the accepted TCB statuses.
    constructor(
        IEnclaveRegistry registry_,
        IDcapQuoteVerifier verifier_,
        KeyBinding keyBinding_,
        address owner_
    ) Ownable(owner_) {
        if (address(registry_) == address(0) || address(verifier_) == address(0)) revert DcapAdmitter_ZeroAddress();
        _registry = registry_;
        verifier = verifier_;
        keyBinding = keyBinding_;
        acceptedTcbStatuses = UP_TO_DATE_ONLY;
        emit AcceptedTcbStatusesSet(UP_TO_DATE_ONLY);
    }

    /// @inheritdoc IEnclaveAdmitter
    function enclaveRegistry() external view returns (IEnclaveRegistry) {
        return _registry;
    }

    /// @notice Sets which TCB statuses a quote may have; only the owner.
    /// @param mask Bit `s` accepts `DcapTypes.TcbStatus(s)`; Revoked and Unknown cannot be accepted.
    function setAcceptedTcbStatuses(uint256 mask) external onlyOwner {
        if (mask == 0 || mask & ~ACCEPTABLE != 0) revert DcapAdmitter_InvalidPolicy(mask);
        acceptedTcbStatuses = mask;
        emit AcceptedTcbStatusesSet(mask);
    }

    /// @notice Verifies `quote` on chain and admits the key its report data binds. Anyone may call.
    /// @param quote The raw SGX or TDX quote.
    /// @param expiresAt When the admission ends; 0 for as late as allowed (the collateral's
    ///        `validUntil`, capped by the registry's `maxKeyLifetime`).
    /// @param attestationURI Where the quote can be fetched (its keccak256 is the attestation hash).
    /// @return key The admitted key.
    /// @return measurement Its measurement.
    function admit(
        bytes calldata quote,
        uint64 expiresAt,
        string calldata attestationURI
    ) external returns (address key, bytes32 measurement) {
        DcapTypes.VerifiedQuote memory v = verifier.verifyQuote(quote);
        if ((acceptedTcbStatuses >> uint256(v.tcbStatus)) & 1 == 0) {
            revert DcapAdmitter_TcbStatusNotAccepted(v.tcbStatus, acceptedTcbStatuses);
        }
        key = keyFromReportData(v.reportData);
        if (expiresAt == 0) {
            uint256 latest = block.timestamp + _registry.maxKeyLifetime();
            expiresAt = latest < v.validUntil ? uint64(latest) : v.validUntil;
        } else if (expiresAt > v.validUntil) {
            revert DcapAdmitter_ExpiryBeyondCollateral(expiresAt, v.validUntil);
        }
        measurement = v.measurement;
        bytes32 quoteHash = keccak256(quote);
        _registry.admit(key, measurement, expiresAt, quoteHash, attestationURI);
        emit QuoteAdmitted(key, measurement, quoteHash, v.tcbStatus, v.advisoryIds, expiresAt);
    }

    /// @notice The key 64 bytes of report data bind under this admitter's `keyBinding`.
    /// @param reportData The report data.
    /// @return key The address; reverts with `DcapAdmitter_ReportDataNotAKey` for any other layout.
    function keyFromReportData(bytes memory reportData) public view returns (address key) {
        if (keyBinding == KeyBinding.VinferTag) return taggedKey(reportData);
        if (reportData.length != 64) revert DcapAdmitter_ReportDataNotAKey();
        bytes32 head;
        assembly ("memory-safe") {
            head := mload(add(reportData, 0x20))
        }
        key = address(uint160(uint256(head) >> (256 - ADDRESS_BITS)));
        if (key == address(0)) revert DcapAdmitter_ReportDataNotAKey();
    }

    /// @notice The key report data binds in vinfer's layout: address ‖ "vinfer-enclave-key/v1" ‖ zeros.
    /// @param reportData The report data.
    /// @return key The address; reverts with `DcapAdmitter_ReportDataNotAKey` for any other layout.
    function taggedKey(bytes memory reportData) public pure returns (address key) {
        if (reportData.length != 64) revert DcapAdmitter_ReportDataNotAKey();
        bytes32 head;
        bytes32 tail;
        assembly ("memory-safe") {
            head := mload(add(reportData, 0x20))
            tail := mload(add(reportData, 0x40))
        }
        key = address(uint160(uint256(head) >> (256 - ADDRESS_BITS)));
        // bytes 20..31 of head and 0..8 of tail are the tag's 21 bytes; the rest of tail is zero
        bytes32 tagAndZeros = bytes32(uint256(head) << ADDRESS_BITS) | (tail >> (256 - ADDRESS_BITS));
        bytes32 expectedTag = bytes32(KEY_TAG);
        if (tagAndZeros != expectedTag || tail << (TAG_BITS - (256 - ADDRESS_BITS)) != 0 || key == address(0)) {
            revert DcapAdmitter_ReportDataNotAKey();
        }
    }
}
