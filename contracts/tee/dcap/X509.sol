// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Der} from "./Der.sol";

/// @title X509
/// @notice Parses the X.509 certificates and CRLs of Intel's SGX/TDX PKI (RFC 5280, all ECDSA P-256
///         with SHA-256) into the few fields a DCAP verification needs, and the Intel SGX extension
///         of a PCK certificate (FMSPC, PCE-ID, CPUSVN, PCESVN).
/// @dev Structure only: signatures are checked by the caller (`P256`), dates against the chain's time
///      by the caller. Every element is bounds-checked by `Der`; elements are required to fill their
///      parents exactly, so no byte of a parsed certificate is ignored except inside skipped
///      extensions and the optional unique identifiers.
library X509 {
    /// @notice The certificate or CRL is well-formed DER but not what this verifier accepts (an
    ///         algorithm other than ECDSA P-256/SHA-256, a missing field, …); `offset` is where.
    error X509_Unsupported(uint256 offset);

    /// @notice The fields of a certificate a DCAP verification uses.
    /// @param certHash keccak256 of the whole DER certificate.
    /// @param tbsHash SHA-256 of the TBSCertificate (what the issuer signed).
    /// @param serialHash keccak256 of the serial number's INTEGER content.
    /// @param issuerHash keccak256 of the issuer Name (whole TLV).
    /// @param subjectHash keccak256 of the subject Name (whole TLV).
    /// @param notBefore Validity start (unix seconds).
    /// @param notAfter Validity end (unix seconds, inclusive).
    /// @param keyX The subject's P-256 public key, x.
    /// @param keyY The subject's P-256 public key, y.
    /// @param sigR The issuer's signature, r.
    /// @param sigS The issuer's signature, s.
    /// @param isCa Whether basicConstraints says cA = TRUE.
    /// @param subjectStart Where the subject Name starts.
    /// @param subjectEnd Where the subject Name ends.
    /// @param sgxExtStart Where the Intel SGX extension's value (a SEQUENCE) starts (0: none).
    /// @param sgxExtEnd Where it ends.
    struct Certificate {
        bytes32 certHash;
        bytes32 tbsHash;
        bytes32 serialHash;
        bytes32 issuerHash;
        bytes32 subjectHash;
        uint64 notBefore;
        uint64 notAfter;
        bytes32 keyX;
        bytes32 keyY;
        bytes32 sigR;
        bytes32 sigS;
        bool isCa;
        uint256 subjectStart;
        uint256 subjectEnd;
        uint256 sgxExtStart;
        uint256 sgxExtEnd;
    }

    /// @notice The fields of a CRL a DCAP verification uses.
    /// @param tbsHash SHA-256 of the TBSCertList.
    /// @param issuerHash keccak256 of the issuer Name (whole TLV).
    /// @param thisUpdate When it was issued.
    /// @param nextUpdate When the next one is due (it is stale from then).
    /// @param sigR The issuer's signature, r.
    /// @param sigS The issuer's signature, s.
    /// @param revokedStart Where the revokedCertificates content starts (equal to revokedEnd: none).
    /// @param revokedEnd Where it ends.
    struct Crl {
        bytes32 tbsHash;
        bytes32 issuerHash;
        uint64 thisUpdate;
        uint64 nextUpdate;
        bytes32 sigR;
        bytes32 sigS;
        uint256 revokedStart;
        uint256 revokedEnd;
    }

    /// @notice What a PCK certificate's Intel SGX extension says about the platform.
    /// @param cpuSvn The CPUSVN (16 bytes), compared with the TCB info's SGX components.
    /// @param pceSvn The PCESVN.
    /// @param pceId The PCE-ID.
    /// @param fmspc The FMSPC, which selects the TCB info.
    struct SgxExtension {
        bytes16 cpuSvn;
        uint16 pceSvn;
        bytes2 pceId;
        bytes6 fmspc;
    }

    // OID contents (left-aligned) and lengths.
    bytes32 private constant OID_ECDSA_WITH_SHA256 = bytes32(hex"2a8648ce3d040302");
    uint256 private constant OID_ECDSA_WITH_SHA256_LENGTH = 8;
    bytes32 private constant OID_EC_PUBLIC_KEY = bytes32(hex"2a8648ce3d0201");
    uint256 private constant OID_EC_PUBLIC_KEY_LENGTH = 7;
    bytes32 private constant OID_PRIME256V1 = bytes32(hex"2a8648ce3d030107");
    uint256 private constant OID_PRIME256V1_LENGTH = 8;
    bytes32 private constant OID_BASIC_CONSTRAINTS = bytes32(hex"551d13");
    uint256 private constant OID_BASIC_CONSTRAINTS_LENGTH = 3;
    bytes32 private constant OID_COMMON_NAME = bytes32(hex"550403");
    uint256 private constant OID_COMMON_NAME_LENGTH = 3;
    /// @dev 1.2.840.113741.1.13.1: the Intel SGX extension.
    bytes32 private constant OID_SGX_EXTENSION = bytes32(hex"2a864886f84d010d01");
    uint256 private constant OID_SGX_EXTENSION_LENGTH = 9;
    /// @dev 1.2.840.113741.1.13.1.2: TCB.
    bytes32 private constant OID_SGX_TCB = bytes32(hex"2a864886f84d010d0102");
    /// @dev 1.2.840.113741.1.13.1.3: PCE-ID.
    bytes32 private constant OID_SGX_PCEID = bytes32(hex"2a864886f84d010d0103");
    /// @dev 1.2.840.113741.1.13.1.4: FMSPC.
    bytes32 private constant OID_SGX_FMSPC = bytes32(hex"2a864886f84d010d0104");
    uint256 private constant OID_SGX_CHILD_LENGTH = 10;
    /// @dev 1.2.840.113741.1.13.1.2.17: PCESVN.
    bytes32 private constant OID_SGX_PCESVN = bytes32(hex"2a864886f84d010d010211");
    /// @dev 1.2.840.113741.1.13.1.2.18: CPUSVN.
    bytes32 private constant OID_SGX_CPUSVN = bytes32(hex"2a864886f84d010d010212");
    uint256 private constant OID_SGX_GRANDCHILD_LENGTH = 11;

    /// @dev X.509 v3 is encoded as version INTEGER 2; a v2 CRL as 1.
    uint256 private constant CERT_VERSION_3 = 2;
    uint256 private constant CRL_VERSION_2 = 1;
    /// @dev The uncompressed point in a BIT STRING: 0x00 (unused bits), 0x04, x, y.
    uint256 private constant EC_POINT_BIT_STRING_LENGTH = 66;
    uint8 private constant EC_POINT_UNCOMPRESSED = 0x04;
    uint256 private constant COORDINATE_LENGTH = 32;
    uint8 private constant DER_TRUE = 0xff;
    /// @dev Context-specific primitive [1] and [2]: issuerUniqueID and subjectUniqueID.
    uint8 private constant TAG_ISSUER_UNIQUE_ID = 0x81;
    uint8 private constant TAG_SUBJECT_UNIQUE_ID = 0x82;
    uint256 private constant CPUSVN_LENGTH = 16;
    uint256 private constant PCEID_LENGTH = 2;
    uint256 private constant FMSPC_LENGTH = 6;
    uint256 private constant MAX_PCESVN = type(uint16).max;

    /// @notice Parses a DER certificate that must fill `der` exactly.
    /// @param der The certificate.
    /// @return cert Its fields.
    function parseCertificate(bytes memory der) internal view returns (Certificate memory cert) {
        (uint256 c0, uint256 e0) = Der.expect(der, 0, der.length, Der.TAG_SEQUENCE);
        if (e0 != der.length) revert Der.Der_Malformed(e0);
        (uint256 tc, uint256 te) = Der.expect(der, c0, e0, Der.TAG_SEQUENCE);
        cert.certHash = keccak256(der);
        cert.tbsHash = Der.sha256Range(der, c0, te);
        uint256 p = _tbsHeader(der, tc, te, cert);
        // validity
        (uint256 c, uint256 e) = Der.expect(der, p, te, Der.TAG_SEQUENCE);
        uint256 q;
        (cert.notBefore, q) = Der.time(der, c, e);
        (cert.notAfter, q) = Der.time(der, q, e);
        if (q != e) revert Der.Der_Malformed(q);
        // subject
        (, e) = Der.expect(der, e, te, Der.TAG_SEQUENCE);
        (cert.subjectStart, cert.subjectEnd) = (q, e);
        cert.subjectHash = Der.keccakRange(der, q, e);
        p = _publicKey(der, e, te, cert);
        p = _skipUniqueIds(der, p, te);
        if (p < te) {
            (c, e) = Der.expect(der, p, te, Der.TAG_CONTEXT_3);
            (uint256 xc, uint256 xe) = Der.expect(der, c, e, Der.TAG_SEQUENCE);
            if (xe != e) revert Der.Der_Malformed(xe);
            _extensions(der, xc, xe, cert);
            p = e;
        }
        if (p != te) revert Der.Der_Malformed(p);
        (cert.sigR, cert.sigS) = _signature(der, te, e0);
    }

    /// @notice Parses a DER CRL that must fill `der` exactly.
    /// @param der The CRL.
    /// @return crl Its fields.
    function parseCrl(bytes memory der) internal view returns (Crl memory crl) {
        (uint256 c0, uint256 e0) = Der.expect(der, 0, der.length, Der.TAG_SEQUENCE);
        if (e0 != der.length) revert Der.Der_Malformed(e0);
        (uint256 tc, uint256 te) = Der.expect(der, c0, e0, Der.TAG_SEQUENCE);
        crl.tbsHash = Der.sha256Range(der, c0, te);
        uint256 p = tc;
        (uint8 tag, uint256 c, uint256 e) = Der.read(der, p, te);
        if (tag == Der.TAG_INTEGER) {
            if (Der.uintAt(der, c, e) != CRL_VERSION_2) revert X509_Unsupported(p);
            p = e;
        }
        p = _ecdsaAlgorithm(der, p, te);
        (, e) = Der.expect(der, p, te, Der.TAG_SEQUENCE);
        crl.issuerHash = Der.keccakRange(der, p, e);
        (crl.thisUpdate, p) = Der.time(der, e, te);
        (crl.nextUpdate, p) = Der.time(der, p, te);
        if (p < te) {
            (tag, c, e) = Der.read(der, p, te);
            if (tag == Der.TAG_SEQUENCE) {
                (crl.revokedStart, crl.revokedEnd) = (c, e);
                p = e;
            }
        }
        if (crl.revokedStart == 0) (crl.revokedStart, crl.revokedEnd) = (p, p);
        if (p < te) {
            (, e) = Der.expect(der, p, te, Der.TAG_CONTEXT_0);
            p = e;
        }
        if (p != te) revert Der.Der_Malformed(p);
        (crl.sigR, crl.sigS) = _signature(der, te, e0);
    }

    /// @notice Reads one revokedCertificates entry at `at` (ending by `limit`).
    /// @param der The CRL.
    /// @param at Where the entry starts.
    /// @param limit The end of revokedCertificates.
    /// @return serialHash keccak256 of the revoked serial number's INTEGER content.
    /// @return next Where the next entry starts.
    function revokedEntry(
        bytes memory der,
        uint256 at,
        uint256 limit
    ) internal pure returns (bytes32 serialHash, uint256 next) {
        (uint256 c, uint256 e) = Der.expect(der, at, limit, Der.TAG_SEQUENCE);
        (uint256 sc, uint256 se) = Der.expect(der, c, e, Der.TAG_INTEGER);
        if (se == sc) revert Der.Der_Malformed(c);
        serialHash = Der.keccakRange(der, sc, se);
        next = e;
    }

    /// @notice keccak256 of the first commonName value in the Name `der[start:end]` (0 when none).
    /// @param der The certificate.
    /// @param start The Name's start (its SEQUENCE tag).
    /// @param end The Name's end.
    /// @return h The hash of the commonName string's bytes.
    function commonNameHash(bytes memory der, uint256 start, uint256 end) internal pure returns (bytes32 h) {
        (uint256 p, uint256 nameEnd) = Der.expect(der, start, end, Der.TAG_SEQUENCE);
        while (p < nameEnd) {
            (uint256 sc, uint256 se) = Der.expect(der, p, nameEnd, Der.TAG_SET);
            (uint256 ac, uint256 ae) = Der.expect(der, sc, se, Der.TAG_SEQUENCE);
            (uint256 oc, uint256 oe) = Der.expect(der, ac, ae, Der.TAG_OID);
            if (Der.equals(der, oc, oe, OID_COMMON_NAME, OID_COMMON_NAME_LENGTH)) {
                (uint8 tag, uint256 vc, uint256 ve) = Der.read(der, oe, ae);
                if (tag != Der.TAG_UTF8_STRING && tag != Der.TAG_PRINTABLE_STRING) revert X509_Unsupported(oe);
                return Der.keccakRange(der, vc, ve);
            }
            p = se;
        }
    }

    /// @notice Parses the Intel SGX extension value `der[start:end]` of a PCK certificate.
    /// @param der The certificate.
    /// @param start Where the extension's value starts (`Certificate.sgxExtStart`).
    /// @param end Where it ends.
    /// @return ext CPUSVN, PCESVN, PCE-ID and FMSPC; reverts when one is missing or repeated.
    function parseSgxExtension(
        bytes memory der,
        uint256 start,
        uint256 end
    ) internal pure returns (SgxExtension memory ext) {
        if (start == 0) revert X509_Unsupported(0);
        (uint256 p, uint256 seqEnd) = Der.expect(der, start, end, Der.TAG_SEQUENCE);
        if (seqEnd != end) revert Der.Der_Malformed(seqEnd);
        uint256 found;
        while (p < seqEnd) {
            (uint256 c, uint256 e) = Der.expect(der, p, seqEnd, Der.TAG_SEQUENCE);
            (uint256 oc, uint256 oe) = Der.expect(der, c, e, Der.TAG_OID);
            if (Der.equals(der, oc, oe, OID_SGX_TCB, OID_SGX_CHILD_LENGTH)) {
                found = _flag(found, 0, p);
                (ext.cpuSvn, ext.pceSvn) = _sgxTcb(der, oe, e);
            } else if (Der.equals(der, oc, oe, OID_SGX_PCEID, OID_SGX_CHILD_LENGTH)) {
                found = _flag(found, 1, p);
                ext.pceId = bytes2(_octets(der, oe, e, PCEID_LENGTH));
            } else if (Der.equals(der, oc, oe, OID_SGX_FMSPC, OID_SGX_CHILD_LENGTH)) {
                found = _flag(found, 2, p);
                ext.fmspc = bytes6(_octets(der, oe, e, FMSPC_LENGTH));
            }
            p = e;
        }
        if (found != 7) revert X509_Unsupported(start);
    }

    function _sgxTcb(bytes memory der, uint256 at, uint256 limit) private pure returns (bytes16 cpuSvn, uint16 pceSvn) {
        (uint256 p, uint256 seqEnd) = Der.expect(der, at, limit, Der.TAG_SEQUENCE);
        if (seqEnd != limit) revert Der.Der_Malformed(seqEnd);
        uint256 found;
        while (p < seqEnd) {
            (uint256 c, uint256 e) = Der.expect(der, p, seqEnd, Der.TAG_SEQUENCE);
            (uint256 oc, uint256 oe) = Der.expect(der, c, e, Der.TAG_OID);
            if (Der.equals(der, oc, oe, OID_SGX_PCESVN, OID_SGX_GRANDCHILD_LENGTH)) {
                found = _flag(found, 0, p);
                (uint256 ic, uint256 ie) = Der.expect(der, oe, e, Der.TAG_INTEGER);
                if (ie != e) revert Der.Der_Malformed(ie);
                uint256 v = Der.uintAt(der, ic, ie);
                if (v > MAX_PCESVN || ie - ic > 2) revert X509_Unsupported(oe);
                pceSvn = uint16(v);
            } else if (Der.equals(der, oc, oe, OID_SGX_CPUSVN, OID_SGX_GRANDCHILD_LENGTH)) {
                found = _flag(found, 1, p);
                cpuSvn = bytes16(_octets(der, oe, e, CPUSVN_LENGTH));
            }
            p = e;
        }
        if (found != 3) revert X509_Unsupported(at);
    }

    /// @dev Sets bit `bit` of `found`, refusing a field seen twice.
    function _flag(uint256 found, uint256 bit, uint256 at) private pure returns (uint256) {
        if (found & (1 << bit) != 0) revert X509_Unsupported(at);
        return found | (1 << bit);
    }

    /// @dev An OCTET STRING of exactly `length` bytes at `at` that fills `limit`, left-aligned.
    function _octets(bytes memory der, uint256 at, uint256 limit, uint256 length) private pure returns (bytes32) {
        (uint256 c, uint256 e) = Der.expect(der, at, limit, Der.TAG_OCTET_STRING);
        if (e != limit || e - c != length) revert X509_Unsupported(at);
        return Der.wordAt(der, c) & ~bytes32(type(uint256).max >> (length * 8));
    }

    /// @dev version, serial, signature algorithm and issuer; returns where validity starts.
    function _tbsHeader(
        bytes memory der,
        uint256 p,
        uint256 te,
        Certificate memory cert
    ) private pure returns (uint256) {
        (uint8 tag, uint256 c, uint256 e) = Der.read(der, p, te);
        if (tag != Der.TAG_CONTEXT_0) revert X509_Unsupported(p); // v1 certificates are not used
        (uint256 vc, uint256 ve) = Der.expect(der, c, e, Der.TAG_INTEGER);
        if (ve != e || Der.uintAt(der, vc, ve) != CERT_VERSION_3) revert X509_Unsupported(c);
        (c, p) = Der.expect(der, e, te, Der.TAG_INTEGER);
        if (p == c) revert Der.Der_Malformed(c);
        cert.serialHash = Der.keccakRange(der, c, p);
        p = _ecdsaAlgorithm(der, p, te);
        (, e) = Der.expect(der, p, te, Der.TAG_SEQUENCE);
        cert.issuerHash = Der.keccakRange(der, p, e);
        return e;
    }

    /// @dev AlgorithmIdentifier ecdsa-with-SHA256 (no parameters) at `at`; returns its end.
    function _ecdsaAlgorithm(bytes memory der, uint256 at, uint256 limit) private pure returns (uint256 end) {
        uint256 c;
        (c, end) = Der.expect(der, at, limit, Der.TAG_SEQUENCE);
        (uint256 oc, uint256 oe) = Der.expect(der, c, end, Der.TAG_OID);
        if (oe != end || !Der.equals(der, oc, oe, OID_ECDSA_WITH_SHA256, OID_ECDSA_WITH_SHA256_LENGTH)) {
            revert X509_Unsupported(at);
        }
    }

    /// @dev SubjectPublicKeyInfo with an uncompressed P-256 point; returns its end.
    function _publicKey(
        bytes memory der,
        uint256 at,
        uint256 limit,
        Certificate memory cert
    ) private pure returns (uint256) {
        (uint256 c, uint256 e) = Der.expect(der, at, limit, Der.TAG_SEQUENCE);
        uint256 algEnd = _keyAlgorithm(der, c, e);
        (uint256 bc, uint256 be) = Der.expect(der, algEnd, e, Der.TAG_BIT_STRING);
        if (be != e || be - bc != EC_POINT_BIT_STRING_LENGTH) revert X509_Unsupported(algEnd);
        if (Der.byteAt(der, bc) != 0 || Der.byteAt(der, bc + 1) != EC_POINT_UNCOMPRESSED) revert X509_Unsupported(bc);
        cert.keyX = Der.wordAt(der, bc + 2);
        cert.keyY = Der.wordAt(der, bc + 2 + COORDINATE_LENGTH);
        return e;
    }

    /// @dev AlgorithmIdentifier id-ecPublicKey with the prime256v1 parameter; returns its end.
    function _keyAlgorithm(bytes memory der, uint256 at, uint256 limit) private pure returns (uint256 ae) {
        uint256 ac;
        (ac, ae) = Der.expect(der, at, limit, Der.TAG_SEQUENCE);
        (uint256 oc, uint256 oe) = Der.expect(der, ac, ae, Der.TAG_OID);
        if (!Der.equals(der, oc, oe, OID_EC_PUBLIC_KEY, OID_EC_PUBLIC_KEY_LENGTH)) revert X509_Unsupported(ac);
        (uint256 pc, uint256 pe) = Der.expect(der, oe, ae, Der.TAG_OID);
        if (pe != ae || !Der.equals(der, pc, pe, OID_PRIME256V1, OID_PRIME256V1_LENGTH)) revert X509_Unsupported(oe);
    }

    /// @dev Skips the optional issuerUniqueID [1] and subjectUniqueID [2].
    function _skipUniqueIds(bytes memory der, uint256 p, uint256 te) private pure returns (uint256) {
        if (p < te) {
            (uint8 tag, , uint256 e) = Der.read(der, p, te);
            if (tag == TAG_ISSUER_UNIQUE_ID) {
                p = e;
                if (p < te) (tag, , e) = Der.read(der, p, te);
            }
            if (tag == TAG_SUBJECT_UNIQUE_ID && p < te) p = e;
        }
        return p;
    }

    /// @dev Walks the Extensions SEQUENCE content: basicConstraints and the SGX extension.
    function _extensions(bytes memory der, uint256 p, uint256 end, Certificate memory cert) private pure {
        while (p < end) {
            (uint256 c, uint256 e) = Der.expect(der, p, end, Der.TAG_SEQUENCE);
            (uint256 oc, uint256 oe) = Der.expect(der, c, e, Der.TAG_OID);
            (uint8 tag, uint256 vc, uint256 ve) = Der.read(der, oe, e);
            if (tag == Der.TAG_BOOLEAN) (vc, ve) = Der.expect(der, ve, e, Der.TAG_OCTET_STRING);
            else if (tag != Der.TAG_OCTET_STRING) revert Der.Der_Malformed(oe);
            if (ve != e) revert Der.Der_Malformed(ve);
            if (Der.equals(der, oc, oe, OID_BASIC_CONSTRAINTS, OID_BASIC_CONSTRAINTS_LENGTH)) {
                cert.isCa = _basicConstraintsCa(der, vc, ve);
            } else if (Der.equals(der, oc, oe, OID_SGX_EXTENSION, OID_SGX_EXTENSION_LENGTH)) {
                if (cert.sgxExtStart != 0) revert X509_Unsupported(p); // ambiguous
                (cert.sgxExtStart, cert.sgxExtEnd) = (vc, ve);
            }
            p = e;
        }
    }

    /// @dev BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLen INTEGER OPTIONAL }.
    function _basicConstraintsCa(bytes memory der, uint256 at, uint256 limit) private pure returns (bool) {
        (uint256 bc, uint256 be) = Der.expect(der, at, limit, Der.TAG_SEQUENCE);
        if (be != limit) revert Der.Der_Malformed(be);
        if (bc == be) return false;
        (uint8 t, uint256 fc, uint256 fe) = Der.read(der, bc, be);
        return t == Der.TAG_BOOLEAN && fe - fc == 1 && Der.byteAt(der, fc) == DER_TRUE;
    }

    /// @dev signatureAlgorithm and signatureValue after the TBS (at `at`), filling up to `end`.
    function _signature(bytes memory der, uint256 at, uint256 end) private pure returns (bytes32 r, bytes32 s) {
        uint256 p = _ecdsaAlgorithm(der, at, end);
        (uint256 bc, uint256 be) = Der.expect(der, p, end, Der.TAG_BIT_STRING);
        if (be != end || be == bc || Der.byteAt(der, bc) != 0) revert Der.Der_Malformed(p);
        (uint256 sc, uint256 se) = Der.expect(der, bc + 1, be, Der.TAG_SEQUENCE);
        if (se != be) revert Der.Der_Malformed(se);
        (uint256 rc, uint256 re) = Der.expect(der, sc, se, Der.TAG_INTEGER);
        (uint256 tc, uint256 te) = Der.expect(der, re, se, Der.TAG_INTEGER);
        if (te != se) revert Der.Der_Malformed(te);
        r = bytes32(Der.uintAt(der, rc, re));
        s = bytes32(Der.uintAt(der, tc, te));
    }
}
