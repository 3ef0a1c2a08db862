// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {DcapTypes} from "./DcapTypes.sol";

/// @title IDcapCollateral
/// @notice Intel's DCAP collateral on chain: the pinned Intel SGX Root CA, and what anyone uploads
///         (Intel's CA and TCB signing certificates, CRLs, TCB infos, QE identities), each checked
///         against Intel's signatures once, when it is uploaded, and kept in parsed form with its
///         validity period. Nothing Intel did not sign can be uploaded; an upload never replaces a
///         newer document with an older one.
interface IDcapCollateral {
    /// @notice An Intel certificate signed by the root, stored under its hash.
    /// @param keyX Its P-256 public key, x.
    /// @param keyY Its P-256 public key, y.
    /// @param subjectHash keccak256 of its subject Name (what its CRLs and children name as issuer).
    /// @param serialHash keccak256 of its serial number (checked against the root CA's CRL).
    /// @param notBefore Validity start.
    /// @param notAfter Validity end.
    /// @param role What it is, from its common name.
    struct StoredCertificate {
        bytes32 keyX;
        bytes32 keyY;
        bytes32 subjectHash;
        bytes32 serialHash;
        uint64 notBefore;
        uint64 notAfter;
        DcapTypes.CertRole role;
    }

    /// @notice The pinned root CA.
    /// @param keyX Its public key, x.
    /// @param keyY Its public key, y.
    /// @param subjectHash keccak256 of its subject Name.
    /// @param serialHash keccak256 of its serial number.
    /// @param certHash keccak256 of its DER.
    /// @param bodyHash keccak256 of its canonical PEM body (`Pem.canonicalBody`).
    /// @param notBefore Validity start.
    /// @param notAfter Validity end.
    struct RootCa {
        bytes32 keyX;
        bytes32 keyY;
        bytes32 subjectHash;
        bytes32 serialHash;
        bytes32 certHash;
        bytes32 bodyHash;
        uint64 notBefore;
        uint64 notAfter;
    }

    /// @notice The current CRL of one issuer.
    /// @param crlHash keccak256 of the CRL's DER (revocations are recorded under it).
    /// @param thisUpdate When it was issued.
    /// @param nextUpdate When it goes stale.
    struct StoredCrl {
        bytes32 crlHash;
        uint64 thisUpdate;
        uint64 nextUpdate;
    }

    /// @notice A stored collateral document (TCB info or QE identity).
    /// @param data Where its parsed form lives (`CodeStore`; abi-encoded `DcapTypes.TcbInfo` or
    ///        `DcapTypes.QeIdentity`).
    /// @param issueDate Its issue date.
    /// @param nextUpdate When it goes stale.
    /// @param signerCertHash The TCB signing certificate that signed it.
    struct StoredDocument {
        address data;
        uint64 issueDate;
        uint64 nextUpdate;
        bytes32 signerCertHash;
    }

    /// @notice A certificate signed by the pinned root was stored.
    event CertificateUploaded(
        bytes32 indexed certHash,
        DcapTypes.CertRole indexed role,
        bytes32 subjectHash,
        bytes32 bodyHash,
        uint64 notBefore,
        uint64 notAfter
    );
    /// @notice The CRL of `issuerHash` was replaced by a newer one listing `revokedCount` serials.
    event CrlUploaded(
        bytes32 indexed issuerHash,
        bytes32 indexed crlHash,
        uint64 thisUpdate,
        uint64 nextUpdate,
        uint256 revokedCount
    );
    /// @notice The TCB info for (`id`, `fmspc`) was replaced by a newer one.
    event TcbInfoUploaded(
        DcapTypes.TcbId indexed id,
        bytes6 indexed fmspc,
        uint64 issueDate,
        uint64 nextUpdate,
        uint32 tcbEvaluationDataNumber,
        address data
    );
    /// @notice The QE identity `id` was replaced by a newer one.
    event QeIdentityUploaded(
        DcapTypes.QeId indexed id,
        uint64 issueDate,
        uint64 nextUpdate,
        uint32 tcbEvaluationDataNumber,
        address data
    );

    /// @notice The root certificate given at deployment does not hash to the pinned value, or is not
    ///         self-signed.
    error Collateral_RootNotPinned(bytes32 fingerprint);
    /// @notice The certificate or CRL is not signed by the pinned root or the named issuer.
    error Collateral_NotSignedByIssuer();
    /// @notice The named issuer or signer certificate was never uploaded, or has the wrong role.
    error Collateral_UnknownIssuer(bytes32 certHash);
    /// @notice The certificate's common name is not one of Intel's intermediate roles, or its
    ///         basicConstraints contradict its role.
    error Collateral_UnsupportedRole();
    /// @notice The certificate is revoked by its issuer's current CRL.
    error Collateral_Revoked(bytes32 serialHash);
    /// @notice The signature over a TCB info or QE identity does not verify with the signer's key.
    error Collateral_BadSignature();
    /// @notice A document at least as new is already stored (`stored` is its issue time).
    error Collateral_NotNewer(uint64 stored, uint64 given);
    /// @notice The signature must be 64 bytes (r ‖ s).
    error Collateral_BadSignatureLength(uint256 length);

    /// @notice Stores an intermediate certificate signed by the pinned root: a PCK Platform or
    ///         Processor CA, or the TCB signing certificate. Anyone may call.
    /// @param der The DER certificate.
    /// @return certHash keccak256 of `der`, its key in the store.
    function uploadCertificate(bytes calldata der) external returns (bytes32 certHash);

    /// @notice Replaces the CRL of its issuer (the root, or a stored PCK CA named by
    ///         `issuerCertHash`) with this newer one. Anyone may call.
    /// @param der The DER CRL.
    /// @param issuerCertHash The issuing CA certificate's hash (ignored for the root's CRL).
    function uploadCrl(bytes calldata der, bytes32 issuerCertHash) external;

    /// @notice Replaces the TCB info for its (id, FMSPC) with this newer one. Anyone may call.
    /// @param tcbInfo The exact `tcbInfo` JSON text Intel signed.
    /// @param signature Intel's signature (r ‖ s, 64 bytes) over it.
    /// @param signerCertHash The stored TCB signing certificate that signed it.
    function uploadTcbInfo(bytes calldata tcbInfo, bytes calldata signature, bytes32 signerCertHash) external;

    /// @notice Replaces the QE identity of its id with this newer one. Anyone may call.
    /// @param qeIdentity The exact `enclaveIdentity` JSON text Intel signed.
    /// @param signature Intel's signature (r ‖ s, 64 bytes) over it.
    /// @param signerCertHash The stored TCB signing certificate that signed it.
    function uploadQeIdentity(bytes calldata qeIdentity, bytes calldata signature, bytes32 signerCertHash) external;

    /// @notice The pinned root CA.
    /// @return The root.
    function root() external view returns (RootCa memory);

    /// @notice The stored certificate whose canonical PEM body (`Pem.canonicalBody`) hashes to
    ///         `bodyHash` (all zero when unknown): how a quote's PEM chain names its PCK CA.
    /// @param bodyHash keccak256 of the PEM body text.
    /// @return certHash keccak256 of its DER (zero when unknown).
    /// @return cert The certificate.
    function certificateByBody(
        bytes32 bodyHash
    ) external view returns (bytes32 certHash, StoredCertificate memory cert);

    /// @notice A stored certificate (all zero when unknown).
    /// @param certHash keccak256 of its DER.
    /// @return The certificate.
    function certificate(bytes32 certHash) external view returns (StoredCertificate memory);

    /// @notice The current CRL of `issuerHash` (all zero when none).
    /// @param issuerHash keccak256 of the issuer's Name.
    /// @return The CRL record.
    function crl(bytes32 issuerHash) external view returns (StoredCrl memory);

    /// @notice Whether the CRL `crlHash` lists the serial `serialHash`.
    /// @param crlHash keccak256 of the CRL's DER.
    /// @param serialHash keccak256 of the serial number's INTEGER content.
    /// @return True when listed.
    function isRevoked(bytes32 crlHash, bytes32 serialHash) external view returns (bool);

    /// @notice The stored TCB info for (`id`, `fmspc`) (all zero when none).
    /// @param id SGX or TDX.
    /// @param fmspc The platform's FMSPC.
    /// @return The record.
    function tcbInfo(DcapTypes.TcbId id, bytes6 fmspc) external view returns (StoredDocument memory);

    /// @notice The stored QE identity `id` (all zero when none).
    /// @param id QE or TD_QE.
    /// @return The record.
    function qeIdentity(DcapTypes.QeId id) external view returns (StoredDocument memory);
}
