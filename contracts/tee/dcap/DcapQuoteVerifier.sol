// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

// Assembly is used for shortening an over-allocated memory array; every use is commented and bounds-checked by its caller.
/* solhint-disable no-inline-assembly */

import {CodeStore} from "./CodeStore.sol";
import {DcapTypes} from "./DcapTypes.sol";
import {IDcapCollateral} from "./IDcapCollateral.sol";
import {IDcapQuoteVerifier} from "./IDcapQuoteVerifier.sol";
import {P256} from "./P256.sol";
import {Pem} from "./Pem.sol";
import {X509} from "./X509.sol";

/// @title DcapQuoteVerifier
/// @notice See `IDcapQuoteVerifier`. What it checks, in order:
///         1. layout: header (version 3 + SGX, 4 or 5 + TDX; ECDSA P-256 attestation key; Intel's
///            QE vendor id), report body (SGX enclave report, TD 1.0 or TD 1.5 report), signature
///            data lengths within the quote, certification data type 6 (v4/v5) around type 5 (PEM);
///         2. the quote's signature over header and body by the attestation key;
///         3. the PCK chain: the PEM chain's second certificate is a PCK CA stored in the collateral
///            (recognised by the hash of its PEM body), the third (if any) is the pinned root; the PCK certificate is signed by that
///            CA, is not a CA, is valid now and is not in the CA's current CRL; the CA and root are
///            valid now and not in the root's current CRL;
///         4. the QE report's signature by the PCK key, and its report data binding
///            SHA-256(attestation key ‖ QE authentication data);
///         5. the QE identity (current, its signer valid and not revoked): MRSIGNER, ISVPRODID,
///            masked MISCSELECT and ATTRIBUTES, not debug; its TCB level by ISVSVN;
///         6. the TCB info for the PCK certificate's FMSPC (current, signer valid and not revoked):
///            the first level whose SGX components and PCESVN (and, for TDX, TDX components against
///            TEE_TCB_SVN) the platform meets;
///         7. the merged status is not Revoked; the enclave is not in debug mode (SGX), or the TD's
///            attributes are sane (no debug, no reserved bits, SEPT_VE_DISABLE set; no service TD).
/// @dev Mirrors dcap-qvl 0.3.9 (npm @ phala/dcap-qvl) `verify` plus `sdk/tee/attestation/dcapCrl.ts`; where it is
///      stricter (strict PEM, exact v5 body size, QE vendor id, certification data type 6, at most
///      three chain certificates) a quote dcap-qvl rejects is never accepted.
contract DcapQuoteVerifier is IDcapQuoteVerifier {
    /// @inheritdoc IDcapQuoteVerifier
    IDcapCollateral public immutable collateral;

    uint256 private constant HEADER_LENGTH = 48;
    uint256 private constant V5_BODY_DESCRIPTOR_LENGTH = 6;
    uint256 private constant SGX_REPORT_LENGTH = 384;
    uint256 private constant TD10_REPORT_LENGTH = 584;
    uint256 private constant TD15_REPORT_LENGTH = 648;
    uint16 private constant VERSION_SGX = 3;
    uint16 private constant VERSION_TDX_4 = 4;
    uint16 private constant VERSION_TDX_5 = 5;
    uint32 private constant TEE_TYPE_SGX = 0;
    uint32 private constant TEE_TYPE_TDX = 0x81;
    uint16 private constant BODY_TYPE_TD10 = 2;
    uint16 private constant BODY_TYPE_TD15 = 3;
    uint16 private constant ATTESTATION_KEY_ECDSA_P256 = 2;
    bytes16 private constant INTEL_QE_VENDOR_ID = 0x939a7233f79c4ca9940a0db3957f0607;
    uint256 private constant QE_VENDOR_ID_OFFSET = 12;
    uint16 private constant CERT_TYPE_PCK_CHAIN = 5;
    uint16 private constant CERT_TYPE_QE_REPORT = 6;
    uint256 private constant SIGNATURE_LENGTH = 64;
    uint256 private constant KEY_LENGTH = 64;
    uint256 private constant WORD = 32;
    uint256 private constant QE_REPORT_LENGTH = 384;
    uint256 private constant U16 = 2;
    uint256 private constant U32 = 4;
    uint256 private constant CERT_DATA_HEADER = 6; // type u16 + size u32

    // Enclave report (SGX body and QE report) offsets.
    uint256 private constant ER_MISCSELECT = 16;
    uint256 private constant ER_ATTRIBUTES = 48;
    uint256 private constant ER_MRENCLAVE = 64;
    uint256 private constant ER_MRSIGNER = 128;
    uint256 private constant ER_ISVPRODID = 256;
    uint256 private constant ER_ISVSVN = 258;
    uint256 private constant ER_REPORT_DATA = 320;
    // TD report offsets.
    uint256 private constant TD_TEE_TCB_SVN = 0;
    uint256 private constant TD_ATTRIBUTES = 120;
    uint256 private constant TD_MRTD = 136;
    uint256 private constant TD_RTMR0 = 328;
    uint256 private constant TD_REPORT_DATA = 520;
    uint256 private constant TD15_MR_SERVICE_TD = 600;
    uint256 private constant MR48 = 48;
    uint256 private constant RTMR_COUNT = 4;
    uint256 private constant REPORT_DATA_LENGTH = 64;
    uint256 private constant SVN_COUNT = 16;

    uint8 private constant SGX_DEBUG_BIT = 0x02;
    uint8 private constant TD_SEPT_VE_DISABLE = 0x10;
    uint8 private constant TD_RESERVED_BIT29 = 0x20;
    uint8 private constant TD_SEC_RESERVED_LOW_NIBBLE = 0x0f;
    uint8 private constant TD_OTHER_RESERVED_TOP = 0x7f;
    uint32 private constant TCB_INFO_MIN_VERSION_SGX = 2;
    uint32 private constant TCB_INFO_MIN_VERSION_TDX = 3;
    uint32 private constant QE_IDENTITY_VERSION_2 = 2;
    uint32 private constant QE_IDENTITY_VERSION_3 = 3;
    uint256 private constant MAX_CHAIN = 3;
    uint8 private constant COMMA = 0x2c;

    /// @dev Where the parts of a quote are, and what the chain check found.
    struct Layout {
        uint16 version;
        uint32 teeType;
        uint256 bodyStart;
        uint256 reportLength;
        uint256 signedLength;
        uint256 authStart;
        uint256 qeReport;
        uint256 qeAuthStart;
        uint256 qeAuthEnd;
        uint256 certStart;
        uint256 certEnd;
    }

    /// @notice Binds the verifier to a collateral store; refuses a chain without the P-256 precompile.
    /// @param collateral_ The store.
    constructor(IDcapCollateral collateral_) {
        P256.requirePrecompile();
        collateral = collateral_;
    }

    /// @inheritdoc IDcapQuoteVerifier
    function verifyQuote(bytes calldata quote) external view returns (DcapTypes.VerifiedQuote memory out) {
        Layout memory layout = _layout(quote);
        // 2. the quote's signature by the attestation key
        uint256 key = layout.authStart + SIGNATURE_LENGTH;
        if (
            !P256.verify(
                sha256(quote[0:layout.signedLength]),
                _word(quote, layout.authStart),
                _word(quote, layout.authStart + WORD),
                _word(quote, key),
                _word(quote, key + WORD)
            )
        ) revert Dcap_QuoteSignatureInvalid();
        // 3. the PCK chain
        (X509.Certificate memory pck, X509.SgxExtension memory ext) = _pckCertificate(
            quote[layout.certStart:layout.certEnd]
        );
        // 4. the QE report: signed by the PCK key, binding the attestation key
        if (
            !P256.verify(
                sha256(quote[layout.qeReport:layout.qeReport + QE_REPORT_LENGTH]),
                _word(quote, layout.qeReport + QE_REPORT_LENGTH),
                _word(quote, layout.qeReport + QE_REPORT_LENGTH + WORD),
                pck.keyX,
                pck.keyY
            )
        ) revert Dcap_QeReportSignatureInvalid();
        bytes32 bound = sha256(bytes.concat(quote[key:key + KEY_LENGTH], quote[layout.qeAuthStart:layout.qeAuthEnd]));
        if (bound != _word(quote, layout.qeReport + ER_REPORT_DATA)) revert Dcap_QeReportDataMismatch();
        // 5. QE identity
        (DcapTypes.TcbStatus qeStatus, bytes memory qeAdvisories, uint64 qeUntil) = _qeIdentity(quote, layout);
        // 6. TCB info
        (DcapTypes.TcbStatus status, bytes memory advisories, uint64 tcbUntil) = _platformTcb(quote, layout, ext);
        // 7. merge and refuse Revoked/unknown; attributes
        if (qeStatus > status) status = qeStatus;
        if (status >= DcapTypes.TcbStatus.Revoked) revert Dcap_TcbStatusInvalid(status);
        _checkAttributes(quote, layout);
        out = _output(quote, layout);
        out.tcbStatus = status;
        out.advisoryIds = _mergeAdvisories(advisories, qeAdvisories);
        out.validUntil = qeUntil < tcbUntil ? qeUntil : tcbUntil;
        out.fmspc = ext.fmspc;
    }

    // ---- 1. layout -----------------------------------------------------------------------------

    function _layout(bytes calldata q) private pure returns (Layout memory layout) {
        _need(q, HEADER_LENGTH);
        layout.version = uint16(_le(q, 0, U16));
        uint256 keyType = _le(q, U16, U16);
        layout.teeType = uint32(_le(q, U32, U32));
        layout.bodyStart = HEADER_LENGTH;
        if (layout.teeType == TEE_TYPE_SGX) {
            if (layout.version != VERSION_SGX) revert Dcap_Unsupported("version", layout.version);
            layout.reportLength = SGX_REPORT_LENGTH;
        } else if (layout.teeType == TEE_TYPE_TDX) {
            if (layout.version == VERSION_TDX_4) {
                layout.reportLength = TD10_REPORT_LENGTH;
            } else if (layout.version == VERSION_TDX_5) {
                _need(q, HEADER_LENGTH + V5_BODY_DESCRIPTOR_LENGTH);
                uint256 bodyType = _le(q, HEADER_LENGTH, U16);
                if (bodyType == BODY_TYPE_TD10) layout.reportLength = TD10_REPORT_LENGTH;
                else if (bodyType == BODY_TYPE_TD15) layout.reportLength = TD15_REPORT_LENGTH;
                else revert Dcap_Unsupported("body type", bodyType);
                if (_le(q, HEADER_LENGTH + U16, U32) != layout.reportLength) revert Dcap_QuoteMalformed(HEADER_LENGTH);
                layout.bodyStart = HEADER_LENGTH + V5_BODY_DESCRIPTOR_LENGTH;
            } else {
                revert Dcap_Unsupported("version", layout.version);
            }
        } else {
            revert Dcap_Unsupported("tee type", layout.teeType);
        }
        if (keyType != ATTESTATION_KEY_ECDSA_P256) revert Dcap_Unsupported("attestation key type", keyType);
        if (bytes16(q[QE_VENDOR_ID_OFFSET:QE_VENDOR_ID_OFFSET + 16]) != INTEL_QE_VENDOR_ID) {
            revert Dcap_Unsupported("qe vendor", 0);
        }
        layout.signedLength = layout.bodyStart + layout.reportLength;
        _need(q, layout.signedLength + U32);
        layout.authStart = layout.signedLength + U32;
        uint256 authEnd = layout.authStart + _le(q, layout.signedLength, U32);
        _need(q, authEnd);
        uint256 p = layout.authStart + SIGNATURE_LENGTH + KEY_LENGTH;
        uint256 end = authEnd;
        if (layout.version != VERSION_SGX) {
            // certification data type 6 wraps the QE report certification data
            _within(p + CERT_DATA_HEADER, end);
            uint256 certType = _le(q, p, U16);
            if (certType != CERT_TYPE_QE_REPORT) revert Dcap_Unsupported("certification data type", certType);
            end = p + CERT_DATA_HEADER + _le(q, p + U16, U32);
            _within(end, authEnd);
            p += CERT_DATA_HEADER;
        }
        layout.qeReport = p;
        p += QE_REPORT_LENGTH + SIGNATURE_LENGTH;
        _within(p + U16, end);
        layout.qeAuthStart = p + U16;
        layout.qeAuthEnd = layout.qeAuthStart + _le(q, p, U16);
        _within(layout.qeAuthEnd + CERT_DATA_HEADER, end);
        uint256 innerType = _le(q, layout.qeAuthEnd, U16);
        if (innerType != CERT_TYPE_PCK_CHAIN) revert Dcap_Unsupported("certification data type", innerType);
        layout.certStart = layout.qeAuthEnd + CERT_DATA_HEADER;
        layout.certEnd = layout.certStart + _le(q, layout.qeAuthEnd + U16, U32);
        _within(layout.certEnd, end);
    }

    // ---- 3. PCK chain --------------------------------------------------------------------------

    function _pckCertificate(
        bytes calldata pem
    ) private view returns (X509.Certificate memory pck, X509.SgxExtension memory ext) {
        Pem.Block[] memory chain = Pem.split(pem);
        if (chain.length < 2) revert Dcap_PckChainInvalid("chain too short");
        IDcapCollateral.RootCa memory root = collateral.root();
        if (chain.length == MAX_CHAIN && Pem.bodyHash(pem, chain[2]) != root.bodyHash) {
            revert Dcap_PckChainInvalid("root");
        }
        (, IDcapCollateral.StoredCertificate memory ca) = collateral.certificateByBody(Pem.bodyHash(pem, chain[1]));
        if (ca.role != DcapTypes.CertRole.PckPlatformCa && ca.role != DcapTypes.CertRole.PckProcessorCa) {
            revert Dcap_PckChainInvalid("unknown PCK CA");
        }
        bytes memory der = Pem.decodeBody(pem, chain[0]);
        pck = X509.parseCertificate(der);
        if (pck.issuerHash != ca.subjectHash || !P256.verify(pck.tbsHash, pck.sigR, pck.sigS, ca.keyX, ca.keyY)) {
            revert Dcap_PckChainInvalid("PCK certificate not signed by its CA");
        }
        if (pck.isCa) revert Dcap_PckChainInvalid("PCK certificate is a CA");
        _validNow(pck.serialHash, pck.notBefore, pck.notAfter);
        _validNow(ca.serialHash, ca.notBefore, ca.notAfter);
        _validNow(root.serialHash, root.notBefore, root.notAfter);
        bytes32 rootCrl = _currentCrl(root.subjectHash, "root CA CRL");
        _notRevoked(rootCrl, root.serialHash);
        _notRevoked(rootCrl, ca.serialHash);
        _notRevoked(_currentCrl(ca.subjectHash, "PCK CRL"), pck.serialHash);
        ext = X509.parseSgxExtension(der, pck.sgxExtStart, pck.sgxExtEnd);
    }

    // ---- 5. QE identity ------------------------------------------------------------------------

    function _qeIdentity(
        bytes calldata q,
        Layout memory layout
    ) private view returns (DcapTypes.TcbStatus, bytes memory, uint64) {
        bool tdx = layout.teeType == TEE_TYPE_TDX;
        IDcapCollateral.StoredDocument memory doc = collateral.qeIdentity(
            tdx ? DcapTypes.QeId.TD_QE : DcapTypes.QeId.QE
        );
        if (doc.data == address(0)) revert Dcap_CollateralMissing("QE identity");
        _documentCurrent(doc, "QE identity");
        DcapTypes.QeIdentity memory qe = abi.decode(CodeStore.read(doc.data), (DcapTypes.QeIdentity));
        bool versionOk = qe.version == QE_IDENTITY_VERSION_2 || (tdx && qe.version == QE_IDENTITY_VERSION_3);
        if (!versionOk) revert Dcap_QeIdentityMismatch("version");
        uint256 r = layout.qeReport;
        if (_word(q, r + ER_MRSIGNER) != qe.mrsigner) revert Dcap_QeIdentityMismatch("MRSIGNER");
        if (_le(q, r + ER_ISVPRODID, U16) != qe.isvProdId) revert Dcap_QeIdentityMismatch("ISVPRODID");
        if (uint8(q[r + ER_ATTRIBUTES]) & SGX_DEBUG_BIT != 0) revert Dcap_AttributesRefused("QE debug");
        if (
            bytes4(q[r + ER_MISCSELECT:r + ER_MISCSELECT + U32]) & qe.miscselectMask !=
            qe.miscselect & qe.miscselectMask
        ) {
            revert Dcap_QeIdentityMismatch("MISCSELECT");
        }
        if (
            bytes16(q[r + ER_ATTRIBUTES:r + ER_ATTRIBUTES + 16]) & qe.attributesMask !=
            qe.attributes & qe.attributesMask
        ) {
            revert Dcap_QeIdentityMismatch("ATTRIBUTES");
        }
        uint256 isvSvn = _le(q, r + ER_ISVSVN, U16);
        for (uint256 i = 0; i < qe.levels.length; ++i) {
            if (isvSvn >= qe.levels[i].isvSvn) return (qe.levels[i].status, qe.levels[i].advisoryIds, doc.nextUpdate);
        }
        revert Dcap_NoMatchingTcbLevel("QE");
    }

    // ---- 6. platform TCB -----------------------------------------------------------------------

    function _platformTcb(
        bytes calldata q,
        Layout memory layout,
        X509.SgxExtension memory ext
    ) private view returns (DcapTypes.TcbStatus, bytes memory, uint64) {
        bool tdx = layout.teeType == TEE_TYPE_TDX;
        IDcapCollateral.StoredDocument memory doc = collateral.tcbInfo(
            tdx ? DcapTypes.TcbId.TDX : DcapTypes.TcbId.SGX,
            ext.fmspc
        );
        if (doc.data == address(0)) revert Dcap_CollateralMissing("TCB info");
        _documentCurrent(doc, "TCB info");
        DcapTypes.TcbInfo memory info = abi.decode(CodeStore.read(doc.data), (DcapTypes.TcbInfo));
        if (info.version < (tdx ? TCB_INFO_MIN_VERSION_TDX : TCB_INFO_MIN_VERSION_SGX)) {
            revert Dcap_CollateralMissing("TCB info version");
        }
        bytes16 teeTcbSvn =
            tdx ? bytes16(q[layout.bodyStart + TD_TEE_TCB_SVN:layout.bodyStart + TD_TEE_TCB_SVN + 16]) : bytes16(0);
        for (uint256 i = 0; i < info.levels.length; ++i) {
            DcapTypes.TcbLevel memory level = info.levels[i];
            if (ext.pceSvn < level.pceSvn || !_meets(ext.cpuSvn, level.sgxSvns)) continue;
            if (tdx && !_meets(teeTcbSvn, level.tdxSvns)) continue;
            return (level.status, level.advisoryIds, doc.nextUpdate);
        }
        revert Dcap_NoMatchingTcbLevel("platform");
    }

    /// @dev Whether every byte of `actual` is at least the same byte of `required`.
    function _meets(bytes16 actual, bytes16 required) private pure returns (bool) {
        for (uint256 i = 0; i < SVN_COUNT; ++i) if (uint8(actual[i]) < uint8(required[i])) return false;
        return true;
    }

    // ---- 7. attributes and output ----------------------------------------------------------------

    function _checkAttributes(bytes calldata q, Layout memory layout) private pure {
        uint256 b = layout.bodyStart;
        if (layout.teeType == TEE_TYPE_SGX) {
            if (uint8(q[b + ER_ATTRIBUTES]) & SGX_DEBUG_BIT != 0) revert Dcap_AttributesRefused("debug enclave");
            return;
        }
        uint256 a = b + TD_ATTRIBUTES;
        if (uint8(q[a]) != 0) revert Dcap_AttributesRefused("debug TD");
        uint8 sec3 = uint8(q[a + 3]);
        if (uint8(q[a + 1]) != 0 || uint8(q[a + 2]) != 0 || sec3 & TD_SEC_RESERVED_LOW_NIBBLE != 0) {
            revert Dcap_AttributesRefused("reserved TD attribute bits");
        }
        if (sec3 & TD_RESERVED_BIT29 != 0) revert Dcap_AttributesRefused("reserved TD attribute bits");
        if (
            uint8(q[a + 4]) != 0 ||
            uint8(q[a + 5]) != 0 ||
            uint8(q[a + 6]) != 0 ||
            uint8(q[a + 7]) & TD_OTHER_RESERVED_TOP != 0
        ) {
            revert Dcap_AttributesRefused("reserved TD attribute bits");
        }
        if (sec3 & TD_SEPT_VE_DISABLE == 0) revert Dcap_AttributesRefused("SEPT_VE_DISABLE not set");
        if (layout.reportLength == TD15_REPORT_LENGTH) {
            bytes calldata mrServiceTd = q[b + TD15_MR_SERVICE_TD:b + TD15_MR_SERVICE_TD + MR48];
            for (uint256 i = 0; i < MR48; ++i) if (mrServiceTd[i] != 0) revert Dcap_AttributesRefused("service TD");
        }
    }

    function _output(bytes calldata q, Layout memory layout) private pure returns (DcapTypes.VerifiedQuote memory out) {
        uint256 b = layout.bodyStart;
        out.version = layout.version;
        out.teeType = layout.teeType;
        if (layout.teeType == TEE_TYPE_SGX) {
            out.measurementParts = bytes.concat(
                q[b + ER_MRENCLAVE:b + ER_MRENCLAVE + WORD],
                q[b + ER_MRSIGNER:b + ER_MRSIGNER + WORD]
            );
            out.reportData = q[b + ER_REPORT_DATA:b + ER_REPORT_DATA + REPORT_DATA_LENGTH];
        } else {
            out.measurementParts = bytes.concat(
                q[b + TD_MRTD:b + TD_MRTD + MR48],
                q[b + TD_RTMR0:b + TD_RTMR0 + MR48 * RTMR_COUNT]
            );
            out.reportData = q[b + TD_REPORT_DATA:b + TD_REPORT_DATA + REPORT_DATA_LENGTH];
        }
        out.measurement = keccak256(out.measurementParts);
    }

    /// @dev Splits the comma-joined lists and appends the QE's ids not already in the platform's.
    function _mergeAdvisories(bytes memory platform, bytes memory qe) private pure returns (string[] memory ids) {
        string[] memory a = _split(platform);
        string[] memory b = _split(qe);
        ids = new string[](a.length + b.length);
        uint256 n = a.length;
        for (uint256 i = 0; i < n; ++i) ids[i] = a[i];
        for (uint256 j = 0; j < b.length; ++j) {
            bool dup;
            for (uint256 i = 0; i < a.length; ++i) {
                if (keccak256(bytes(a[i])) == keccak256(bytes(b[j]))) {
                    dup = true;
                    break;
                }
            }
            if (!dup) ids[n++] = b[j];
        }
        assembly ("memory-safe") {
            mstore(ids, n)
        }
    }

    function _split(bytes memory joined) private pure returns (string[] memory parts) {
        if (joined.length == 0) return parts;
        uint256 count = 1;
        for (uint256 i = 0; i < joined.length; ++i) if (uint8(joined[i]) == COMMA) ++count;
        parts = new string[](count);
        uint256 start;
        uint256 k;
        for (uint256 i = 0; i <= joined.length; ++i) {
            if (i == joined.length || uint8(joined[i]) == COMMA) {
                bytes memory part = new bytes(i - start);
                for (uint256 j = 0; j < part.length; ++j) part[j] = joined[start + j];
                parts[k++] = string(part);
                start = i + 1;
            }
        }
    }

    // ---- time, CRLs, documents -----------------------------------------------------------------

    function _validNow(bytes32 serialHash, uint64 notBefore, uint64 notAfter) private view {
        if (block.timestamp < notBefore || block.timestamp > notAfter) {
            revert Dcap_CertificateNotValidNow(serialHash, notBefore, notAfter, block.timestamp);
        }
    }

    /// @dev The issuer's CRL must be stored and current (thisUpdate <= now < nextUpdate).
    function _currentCrl(bytes32 issuerHash, string memory what) private view returns (bytes32) {
        IDcapCollateral.StoredCrl memory c = collateral.crl(issuerHash);
        if (c.crlHash == bytes32(0)) revert Dcap_CollateralMissing(what);
        if (block.timestamp < c.thisUpdate || block.timestamp >= c.nextUpdate) {
            revert Dcap_CollateralNotCurrent(what, c.thisUpdate, c.nextUpdate, block.timestamp);
        }
        return c.crlHash;
    }

    function _notRevoked(bytes32 crlHash, bytes32 serialHash) private view {
        if (collateral.isRevoked(crlHash, serialHash)) revert Dcap_CertificateRevoked(serialHash);
    }

    /// @dev The document is current (issueDate <= now <= nextUpdate) and its signer is valid and not revoked.
    function _documentCurrent(IDcapCollateral.StoredDocument memory doc, string memory what) private view {
        if (block.timestamp < doc.issueDate || block.timestamp > doc.nextUpdate) {
            revert Dcap_CollateralNotCurrent(what, doc.issueDate, doc.nextUpdate, block.timestamp);
        }
        IDcapCollateral.StoredCertificate memory signer = collateral.certificate(doc.signerCertHash);
        _validNow(signer.serialHash, signer.notBefore, signer.notAfter);
        _notRevoked(_currentCrl(collateral.root().subjectHash, "root CA CRL"), signer.serialHash);
    }

    // ---- calldata helpers ----------------------------------------------------------------------

    function _need(bytes calldata q, uint256 length) private pure {
        if (q.length < length) revert Dcap_QuoteMalformed(q.length);
    }

    function _within(uint256 end, uint256 limit) private pure {
        if (end > limit) revert Dcap_QuoteMalformed(end);
    }

    /// @dev A little-endian unsigned integer of `n` bytes at `at` (the caller checked the range).
    function _le(bytes calldata q, uint256 at, uint256 n) private pure returns (uint256 v) {
        for (uint256 i = n; i > 0; --i) v = (v << 8) | uint8(q[at + i - 1]);
    }

    /// @dev The 32 bytes at `at` (the caller checked the range).
    function _word(bytes calldata q, uint256 at) private pure returns (bytes32) {
        return bytes32(q[at:at + WORD]);
    }
}
