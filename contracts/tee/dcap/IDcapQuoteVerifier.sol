// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {DcapTypes} from "./DcapTypes.sol";
import {IDcapCollateral} from "./IDcapCollateral.sol";

/// @title IDcapQuoteVerifier
/// @notice Verifies an Intel SGX (v3) or TDX (v4, v5) DCAP quote entirely on chain, against the
///         collateral in an `IDcapCollateral` store, at the chain's current time; the same checks as
///         the SDK's off-chain verifier (dcap-qvl plus vinfer's CRL checks).
interface IDcapQuoteVerifier {
    /// @notice The quote is shorter than its layout needs, or a length field points past its end
    ///         (`offset`: where).
    error Dcap_QuoteMalformed(uint256 offset);
    /// @notice The quote's version, TEE type, attestation key type, QE vendor or certification data
    ///         type is not supported (`what` names it, `value` is what the quote says).
    error Dcap_Unsupported(string what, uint256 value);
    /// @notice The quote's signature by the attestation key does not verify.
    error Dcap_QuoteSignatureInvalid();
    /// @notice The QE report's signature by the PCK certificate's key does not verify.
    error Dcap_QeReportSignatureInvalid();
    /// @notice The QE report data does not bind the attestation key and QE authentication data.
    error Dcap_QeReportDataMismatch();
    /// @notice The PCK certificate chain is not one this store knows (`what` says which part fails).
    error Dcap_PckChainInvalid(string what);
    /// @notice A certificate is not valid at `at` (`notBefore`..`notAfter`).
    error Dcap_CertificateNotValidNow(bytes32 serialHash, uint64 notBefore, uint64 notAfter, uint256 at);
    /// @notice A certificate is listed in its issuer's current CRL.
    error Dcap_CertificateRevoked(bytes32 serialHash);
    /// @notice A piece of collateral (`what`) is missing from the store.
    error Dcap_CollateralMissing(string what);
    /// @notice A piece of collateral (`what`) is not current at `at` (issued `from`, stale from `until`).
    error Dcap_CollateralNotCurrent(string what, uint64 from, uint64 until, uint256 at);
    /// @notice The QE report does not match the QE identity (`what` says which field).
    error Dcap_QeIdentityMismatch(string what);
    /// @notice No TCB level of the TCB info (`what`: platform or QE) matches.
    error Dcap_NoMatchingTcbLevel(string what);
    /// @notice The merged TCB status is Revoked (or unknown): never accepted.
    error Dcap_TcbStatusInvalid(DcapTypes.TcbStatus status);
    /// @notice The enclave or TD runs in debug mode, or has TD attributes that are refused (`what`).
    error Dcap_AttributesRefused(string what);

    /// @notice Verifies `quote` at `block.timestamp`; reverts with the reason when it does not verify.
    /// @param quote The raw quote (trailing padding after the signature data is allowed).
    /// @return out What the quote proves.
    function verifyQuote(bytes calldata quote) external view returns (DcapTypes.VerifiedQuote memory out);

    /// @notice The collateral store this verifier reads.
    /// @return The store.
    function collateral() external view returns (IDcapCollateral);
}
