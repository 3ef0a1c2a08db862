// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {CodeStore} from "./CodeStore.sol";
import {DcapTypes} from "./DcapTypes.sol";
import {IDcapCollateral} from "./IDcapCollateral.sol";
import {IntelJson} from "./IntelJson.sol";
import {P256} from "./P256.sol";
import {Pem} from "./Pem.sol";
import {X509} from "./X509.sol";

/// @title DcapCollateral
/// @notice See `IDcapCollateral`. The root is pinned at deployment by the SHA-256 fingerprint of its
///         DER certificate; deployed for production with `INTEL_SGX_ROOT_CA_SHA256` (the same
///         fingerprint the SDK's off-chain verifier pins), which `pinsIntelRoot` reports.
/// @dev The PKI this accepts is Intel's two-level one: root -> {PCK Platform CA, PCK Processor CA,
///      TCB Signing}; PCK certificates (leaves of the PCK CAs) are not stored, they come with each
///      quote. Uploads check signatures and structure, not time: validity periods are stored and
///      checked by the quote verifier at the chain's time of each verification.
contract DcapCollateral is IDcapCollateral {
    /// @notice SHA-256 of the DER Intel SGX Root CA certificate (`CN=Intel SGX Root CA`).
    bytes32 public constant INTEL_SGX_ROOT_CA_SHA256 =
        0x44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3;

    bytes32 private constant CN_PCK_PLATFORM_CA = keccak256("Intel SGX PCK Platform CA");
    bytes32 private constant CN_PCK_PROCESSOR_CA = keccak256("Intel SGX PCK Processor CA");
    bytes32 private constant CN_TCB_SIGNING = keccak256("Intel SGX TCB Signing");
    uint256 private constant SIGNATURE_LENGTH = 64;

    bytes32 private immutable _rootKeyX;
    bytes32 private immutable _rootKeyY;
    bytes32 private immutable _rootSubjectHash;
    bytes32 private immutable _rootSerialHash;
    bytes32 private immutable _rootCertHash;
    uint64 private immutable _rootNotBefore;
    uint64 private immutable _rootNotAfter;
    bytes32 private immutable _rootBodyHash;
    /// @notice The pinned root's SHA-256 fingerprint.
    bytes32 public immutable rootFingerprint;

    mapping(bytes32 certHash => StoredCertificate) private _certificates;
    mapping(bytes32 bodyHash => bytes32 certHash) private _certificateByBody;
    mapping(bytes32 issuerHash => StoredCrl) private _crls;
    mapping(bytes32 crlAndSerial => bool) private _revoked;
    mapping(bytes32 idAndFmspc => StoredDocument) private _tcbInfos;
    mapping(DcapTypes.QeId => StoredDocument) private _qeIdentities;

    /// @notice Pins the root CA whose DER certificate hashes (SHA-256) to `fingerprint`.
    /// @param rootDer The root CA certificate (self-signed).
    /// @param fingerprint Its SHA-256: `INTEL_SGX_ROOT_CA_SHA256` for Intel's PKI; a test PKI's otherwise.
    constructor(bytes memory rootDer, bytes32 fingerprint) {
        P256.requirePrecompile();
        if (sha256(rootDer) != fingerprint) revert Collateral_RootNotPinned(sha256(rootDer));
        X509.Certificate memory c = X509.parseCertificate(rootDer);
        if (c.issuerHash != c.subjectHash || !P256.verify(c.tbsHash, c.sigR, c.sigS, c.keyX, c.keyY)) {
            revert Collateral_RootNotPinned(fingerprint);
        }
        (_rootKeyX, _rootKeyY, _rootSubjectHash, _rootSerialHash, _rootCertHash) = (
            c.keyX,
            c.keyY,
            c.subjectHash,
            c.serialHash,
            c.certHash
        );
        (_rootNotBefore, _rootNotAfter) = (c.notBefore, c.notAfter);
        _rootBodyHash = keccak256(Pem.canonicalBody(rootDer));
        rootFingerprint = fingerprint;
    }

    /// @notice Whether this store pins Intel's real SGX Root CA (false: a test PKI).
    /// @return True for Intel's root.
    function pinsIntelRoot() external view returns (bool) {
        return rootFingerprint == INTEL_SGX_ROOT_CA_SHA256;
    }

    /// @inheritdoc IDcapCollateral
    function uploadCertificate(bytes calldata der) external returns (bytes32 certHash) {
        bytes memory data = der;
        X509.Certificate memory c = X509.parseCertificate(data);
        if (c.issuerHash != _rootSubjectHash || !P256.verify(c.tbsHash, c.sigR, c.sigS, _rootKeyX, _rootKeyY)) {
            revert Collateral_NotSignedByIssuer();
        }
        bytes32 cn = X509.commonNameHash(data, c.subjectStart, c.subjectEnd);
        DcapTypes.CertRole role;
        if (cn == CN_PCK_PLATFORM_CA && c.isCa) role = DcapTypes.CertRole.PckPlatformCa;
        else if (cn == CN_PCK_PROCESSOR_CA && c.isCa) role = DcapTypes.CertRole.PckProcessorCa;
        else if (cn == CN_TCB_SIGNING && !c.isCa) role = DcapTypes.CertRole.TcbSigning;
        else revert Collateral_UnsupportedRole();
        StoredCrl memory rootCrl = _crls[_rootSubjectHash];
        if (_revoked[keccak256(abi.encode(rootCrl.crlHash, c.serialHash))]) revert Collateral_Revoked(c.serialHash);
        certHash = c.certHash;
        bytes32 bodyHash = keccak256(Pem.canonicalBody(data));
        _certificateByBody[bodyHash] = certHash;
        _certificates[certHash] = StoredCertificate({
            keyX: c.keyX,
            keyY: c.keyY,
            subjectHash: c.subjectHash,
            serialHash: c.serialHash,
            notBefore: c.notBefore,
            notAfter: c.notAfter,
            role: role
        });
        emit CertificateUploaded(certHash, role, c.subjectHash, bodyHash, c.notBefore, c.notAfter);
    }

    /// @inheritdoc IDcapCollateral
    function uploadCrl(bytes calldata der, bytes32 issuerCertHash) external {
        bytes memory data = der;
        X509.Crl memory c = X509.parseCrl(data);
        bytes32 keyX;
        bytes32 keyY;
        if (c.issuerHash == _rootSubjectHash) {
            (keyX, keyY) = (_rootKeyX, _rootKeyY);
        } else {
            StoredCertificate storage issuer = _certificates[issuerCertHash];
            bool isCa =
                issuer.role == DcapTypes.CertRole.PckPlatformCa || issuer.role == DcapTypes.CertRole.PckProcessorCa;
            if (!isCa || issuer.subjectHash != c.issuerHash) revert Collateral_UnknownIssuer(issuerCertHash);
            (keyX, keyY) = (issuer.keyX, issuer.keyY);
        }
        if (!P256.verify(c.tbsHash, c.sigR, c.sigS, keyX, keyY)) revert Collateral_NotSignedByIssuer();
        StoredCrl storage current = _crls[c.issuerHash];
        if (current.thisUpdate >= c.thisUpdate) revert Collateral_NotNewer(current.thisUpdate, c.thisUpdate);
        bytes32 crlHash = keccak256(data);
        uint256 count;
        uint256 p = c.revokedStart;
        while (p < c.revokedEnd) {
            bytes32 serialHash;
            (serialHash, p) = X509.revokedEntry(data, p, c.revokedEnd);
            _revoked[keccak256(abi.encode(crlHash, serialHash))] = true;
            ++count;
        }
        (current.crlHash, current.thisUpdate, current.nextUpdate) = (crlHash, c.thisUpdate, c.nextUpdate);
        emit CrlUploaded(c.issuerHash, crlHash, c.thisUpdate, c.nextUpdate, count);
    }

    /// @inheritdoc IDcapCollateral
    function uploadTcbInfo(bytes calldata tcbInfoJson, bytes calldata signature, bytes32 signerCertHash) external {
        bytes memory json = tcbInfoJson;
        _checkSigned(json, signature, signerCertHash);
        DcapTypes.TcbInfo memory info = IntelJson.parseTcbInfo(json);
        bytes32 key = _tcbKey(info.id, info.fmspc);
        StoredDocument storage current = _tcbInfos[key];
        if (current.issueDate >= info.issueDate) revert Collateral_NotNewer(current.issueDate, info.issueDate);
        address data = CodeStore.write(abi.encode(info));
        (current.data, current.issueDate, current.nextUpdate, current.signerCertHash) = (
            data,
            info.issueDate,
            info.nextUpdate,
            signerCertHash
        );
        emit TcbInfoUploaded(info.id, info.fmspc, info.issueDate, info.nextUpdate, info.tcbEvaluationDataNumber, data);
    }

    /// @inheritdoc IDcapCollateral
    function uploadQeIdentity(
        bytes calldata qeIdentityJson,
        bytes calldata signature,
        bytes32 signerCertHash
    ) external {
        bytes memory json = qeIdentityJson;
        _checkSigned(json, signature, signerCertHash);
        DcapTypes.QeIdentity memory qe = IntelJson.parseQeIdentity(json);
        StoredDocument storage current = _qeIdentities[qe.id];
        if (current.issueDate >= qe.issueDate) revert Collateral_NotNewer(current.issueDate, qe.issueDate);
        address data = CodeStore.write(abi.encode(qe));
        (current.data, current.issueDate, current.nextUpdate, current.signerCertHash) = (
            data,
            qe.issueDate,
            qe.nextUpdate,
            signerCertHash
        );
        emit QeIdentityUploaded(qe.id, qe.issueDate, qe.nextUpdate, qe.tcbEvaluationDataNumber, data);
    }

    /// @inheritdoc IDcapCollateral
    function root() external view returns (RootCa memory) {
        return
            RootCa({
                keyX: _rootKeyX,
                keyY: _rootKeyY,
                subjectHash: _rootSubjectHash,
                serialHash: _rootSerialHash,
                certHash: _rootCertHash,
                bodyHash: _rootBodyHash,
                notBefore: _rootNotBefore,
                notAfter: _rootNotAfter
            });
    }

    /// @inheritdoc IDcapCollateral
    function certificateByBody(
        bytes32 bodyHash
    ) external view returns (bytes32 certHash, StoredCertificate memory cert) {
        certHash = _certificateByBody[bodyHash];
        cert = _certificates[certHash];
    }

    /// @inheritdoc IDcapCollateral
    function certificate(bytes32 certHash) external view returns (StoredCertificate memory) {
        return _certificates[certHash];
    }

    /// @inheritdoc IDcapCollateral
    function crl(bytes32 issuerHash) external view returns (StoredCrl memory) {
        return _crls[issuerHash];
    }

    /// @inheritdoc IDcapCollateral
    function isRevoked(bytes32 crlHash, bytes32 serialHash) external view returns (bool) {
        return _revoked[keccak256(abi.encode(crlHash, serialHash))];
    }

    /// @inheritdoc IDcapCollateral
    function tcbInfo(DcapTypes.TcbId id, bytes6 fmspc) external view returns (StoredDocument memory) {
        return _tcbInfos[_tcbKey(id, fmspc)];
    }

    /// @inheritdoc IDcapCollateral
    function qeIdentity(DcapTypes.QeId id) external view returns (StoredDocument memory) {
        return _qeIdentities[id];
    }

    /// @dev `signature` (r ‖ s) over SHA-256(`json`) by the stored TCB signing certificate `signerCertHash`.
    function _checkSigned(bytes memory json, bytes calldata signature, bytes32 signerCertHash) private view {
        if (signature.length != SIGNATURE_LENGTH) revert Collateral_BadSignatureLength(signature.length);
        StoredCertificate storage signer = _certificates[signerCertHash];
        if (signer.role != DcapTypes.CertRole.TcbSigning) revert Collateral_UnknownIssuer(signerCertHash);
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        if (!P256.verify(sha256(json), r, s, signer.keyX, signer.keyY)) revert Collateral_BadSignature();
    }

    function _tcbKey(DcapTypes.TcbId id, bytes6 fmspc) private pure returns (bytes32) {
        return keccak256(abi.encode(id, fmspc));
    }
}
