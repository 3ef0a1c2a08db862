// SPDX-License-Identifier: Apache-2.0
/* solhint-disable one-contract-per-file, gas-custom-errors, reason-string, func-name-mixedcase */
pragma solidity ^0.8.28;

import {DcapTypes} from "../../../contracts/tee/dcap/DcapTypes.sol";
import {Der} from "../../../contracts/tee/dcap/Der.sol";
import {IntelJson} from "../../../contracts/tee/dcap/IntelJson.sol";
import {Pem} from "../../../contracts/tee/dcap/Pem.sol";
import {X509} from "../../../contracts/tee/dcap/X509.sol";
import {TestBase} from "../utils/Vm.sol";
import {DcapSamples} from "./DcapSamples.sol";

/// @notice External entry points to the parsers, so that a test can catch their reverts.
contract DcapParserHarness {
    function certificate(bytes memory der) external view returns (X509.Certificate memory) {
        return X509.parseCertificate(der);
    }

    function sgxExtension(bytes memory der) external view returns (X509.SgxExtension memory) {
        X509.Certificate memory c = X509.parseCertificate(der);
        return X509.parseSgxExtension(der, c.sgxExtStart, c.sgxExtEnd);
    }

    function crl(bytes memory der) external view returns (X509.Crl memory c, uint256 revoked) {
        c = X509.parseCrl(der);
        uint256 p = c.revokedStart;
        while (p < c.revokedEnd) {
            (, p) = X509.revokedEntry(der, p, c.revokedEnd);
            ++revoked;
        }
    }

    function qeIdentity(bytes memory json) external pure returns (DcapTypes.QeIdentity memory) {
        return IntelJson.parseQeIdentity(json);
    }

    function tcbInfo(bytes memory json) external pure returns (DcapTypes.TcbInfo memory) {
        return IntelJson.parseTcbInfo(json);
    }

    function pemLeaf(bytes calldata pem) external pure returns (bytes memory) {
        Pem.Block[] memory blocks = Pem.split(pem);
        return Pem.decodeBody(pem, blocks[0]);
    }
}

/// @notice The DER, X.509, CRL, JSON and PEM parsers on the real samples, and fuzzed: on any input
///         they either parse or revert with their own errors (never a panic, an out-of-bounds read
///         or an out-of-gas loop); a mutation of a signed certificate that still parses always
///         changes what the signature covers.
contract DcapParsersTest is TestBase {
    DcapParserHarness internal h;

    bytes4 internal constant PANIC = 0x4e487b71;

    function setUp() public {
        h = new DcapParserHarness();
    }

    // ---- the real samples ----------------------------------------------------------------------

    function test_IntelRootCertificate() public view {
        X509.Certificate memory c = h.certificate(DcapSamples.ROOT_CA);
        assertEq(c.issuerHash, c.subjectHash, "the root is self-issued");
        assertTrue(c.isCa, "the root is a CA");
        // notBefore 2018-05-21T10:45:10Z, notAfter 2049-12-31T23:59:59Z
        assertEq(c.notBefore, 1526899510, "notBefore");
        assertEq(c.notAfter, 2524607999, "notAfter");
        assertEq(c.certHash, keccak256(DcapSamples.ROOT_CA), "certHash");
    }

    function test_PckCaIsSignedByTheRootName() public view {
        X509.Certificate memory root = h.certificate(DcapSamples.ROOT_CA);
        X509.Certificate memory ca = h.certificate(DcapSamples.PCK_CA);
        assertEq(ca.issuerHash, root.subjectHash, "issuer is the root's subject");
        assertTrue(ca.isCa, "the PCK CA is a CA");
        assertTrue(ca.sgxExtStart == 0, "a CA has no SGX extension");
    }

    function test_RootCrl() public view {
        (X509.Crl memory c, uint256 revoked) = h.crl(DcapSamples.ROOT_CRL);
        X509.Certificate memory root = h.certificate(DcapSamples.ROOT_CA);
        assertEq(c.issuerHash, root.subjectHash, "issued by the root");
        assertEq(c.thisUpdate, 1742469717, "thisUpdate 2025-03-20T11:21:57Z (openssl crl -text)");
        assertEq(c.nextUpdate, 1775215317, "nextUpdate 2026-04-03T11:21:57Z");
        assertEq(revoked, 0, "No Revoked Certificates (openssl)");
    }

    function test_PckCrl() public view {
        (X509.Crl memory c, uint256 revoked) = h.crl(DcapSamples.PCK_CRL);
        X509.Certificate memory ca = h.certificate(DcapSamples.PCK_CA);
        assertEq(c.issuerHash, ca.subjectHash, "issued by the PCK CA");
        assertEq(revoked, 44, "44 revoked serials (openssl crl -text)");
    }

    function test_QeIdentity() public view {
        DcapTypes.QeIdentity memory qe = h.qeIdentity(DcapSamples.TD_QE_IDENTITY);
        assertTrue(qe.id == DcapTypes.QeId.TD_QE, "TD_QE");
        assertEq(qe.version, 2, "version");
        assertEq(qe.issueDate, 1750329147, "issueDate 2025-06-19T10:32:27Z");
        assertEq(qe.isvProdId, 2, "isvprodid");
        assertEq(qe.levels.length, 1, "one level");
        assertEq(qe.levels[0].isvSvn, 4, "isvsvn");
        assertEq(qe.mrsigner, 0xdc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5, "mrsigner");
    }

    function test_TdxTcbInfo() public view {
        DcapTypes.TcbInfo memory info = h.tcbInfo(DcapSamples.TDX_TCB_INFO);
        assertTrue(info.id == DcapTypes.TcbId.TDX, "TDX");
        assertEq(info.version, 3, "version");
        assertEq(bytes32(info.fmspc), bytes32(bytes6(0xb0c06f000000)), "FMSPC");
        assertEq(info.tcbEvaluationDataNumber, 17, "tcbEvaluationDataNumber");
        assertEq(info.levels.length, 2, "two levels");
        assertTrue(info.levels[0].status == DcapTypes.TcbStatus.UpToDate, "first level UpToDate");
        assertEq(info.levels[0].pceSvn, 11, "first level PCESVN");
        assertEq(bytes32(info.levels[0].sgxSvns), bytes32(bytes16(0x02020202030100050000000000000000)), "SGX SVNs");
        assertEq(bytes32(info.levels[0].tdxSvns), bytes32(bytes16(0x05000200000000000000000000000000)), "TDX SVNs");
        assertEq(info.levels[0].advisoryIds.length, 0, "no advisories");
        assertTrue(info.levels[1].status == DcapTypes.TcbStatus.OutOfDate, "second level OutOfDate");
        assertEq(info.levels[1].pceSvn, 5, "second level PCESVN");
        assertEq(
            keccak256(info.levels[1].advisoryIds),
            keccak256(
                "INTEL-SA-00106,INTEL-SA-00115,INTEL-SA-00135,INTEL-SA-00203,INTEL-SA-00220,INTEL-SA-00233,INTEL-SA-00270,INTEL-SA-00293,INTEL-SA-00320,INTEL-SA-00329,INTEL-SA-00381,INTEL-SA-00389,INTEL-SA-00477,INTEL-SA-00837"
            ),
            "second level advisories"
        );
    }

    function test_PckCertificateFromPem() public view {
        bytes memory der = h.pemLeaf(DcapSamples.PCK_PEM);
        X509.SgxExtension memory ext = h.sgxExtension(der);
        assertEq(bytes32(ext.fmspc), bytes32(bytes6(0xb0c06f000000)), "FMSPC");
        assertEq(ext.pceSvn, 11, "PCESVN");
    }

    function test_TimestampsMatchTheCalendar() public pure {
        assertEq(Der.toTimestamp(1970, 1, 1, 0, 0, 0), 0, "epoch");
        assertEq(Der.toTimestamp(2000, 2, 29, 12, 0, 0), 951825600, "leap day");
        assertEq(Der.toTimestamp(2025, 6, 19, 11, 32, 27), 1750332747, "the TDX sample's time");
        assertEq(Der.toTimestamp(2049, 12, 31, 23, 59, 59), 2524607999, "the root's notAfter");
    }

    // ---- fuzz ----------------------------------------------------------------------------------

    /// @dev Any bytes: the certificate parser parses or reverts with Der/X509 errors only.
    function testFuzz_CertificateParserOnArbitraryBytes(bytes memory data) public view {
        try h.certificate(data) returns (X509.Certificate memory c) {
            assertEq(c.certHash, keccak256(data), "a parsed certificate is the whole input");
        } catch (bytes memory err) {
            _expectOwnError(err, Der.Der_Malformed.selector, X509.X509_Unsupported.selector, bytes4(0));
        }
    }

    /// @dev One byte of Intel's PCK CA certificate replaced: it no longer parses, or what the
    ///      signature covers (TBS hash, r, s) changed, so the root's signature cannot verify.
    function testFuzz_MutatedCertificateNeverKeepsItsSignature(uint256 position, uint8 value) public view {
        bytes memory der = DcapSamples.PCK_CA;
        position = position % der.length;
        VM.assume(uint8(der[position]) != value);
        X509.Certificate memory original = h.certificate(der);
        der[position] = bytes1(value);
        try h.certificate(der) returns (X509.Certificate memory c) {
            assertTrue(
                c.tbsHash != original.tbsHash || c.sigR != original.sigR || c.sigS != original.sigS,
                "a parsed mutation must change the signed bytes or the signature"
            );
        } catch (bytes memory err) {
            _expectOwnError(err, Der.Der_Malformed.selector, X509.X509_Unsupported.selector, bytes4(0));
        }
    }

    /// @dev One byte of the root CA's CRL replaced: it parses or reverts with its own errors.
    function testFuzz_MutatedCrl(uint256 position, uint8 value) public view {
        bytes memory der = DcapSamples.ROOT_CRL;
        position = position % der.length;
        der[position] = bytes1(value);
        try h.crl(der) returns (X509.Crl memory c, uint256) {
            assertTrue(c.revokedStart <= c.revokedEnd && c.revokedEnd <= der.length, "revoked list in range");
        } catch (bytes memory err) {
            _expectOwnError(err, Der.Der_Malformed.selector, X509.X509_Unsupported.selector, bytes4(0));
        }
    }

    /// @dev One byte of the TDX TCB info JSON replaced: parses or reverts with its own errors.
    function testFuzz_MutatedTcbInfo(uint256 position, uint8 value) public view {
        bytes memory json = DcapSamples.TDX_TCB_INFO;
        position = position % json.length;
        json[position] = bytes1(value);
        try h.tcbInfo(json) returns (DcapTypes.TcbInfo memory info) {
            assertTrue(info.levels.length > 0, "a parsed TCB info has TCB levels");
        } catch (bytes memory err) {
            _expectOwnError(
                err,
                IntelJson.Json_Malformed.selector,
                IntelJson.Json_Unsupported.selector,
                Der.Der_Malformed.selector
            );
        }
    }

    /// @dev Any bytes: the JSON parsers parse or revert with their own errors.
    function testFuzz_JsonParsersOnArbitraryBytes(bytes memory data) public view {
        try h.qeIdentity(data) returns (DcapTypes.QeIdentity memory qe) {
            assertTrue(qe.levels.length > 0, "a parsed QE identity has TCB levels");
        } catch (bytes memory err) {
            _expectOwnError(
                err,
                IntelJson.Json_Malformed.selector,
                IntelJson.Json_Unsupported.selector,
                Der.Der_Malformed.selector
            );
        }
        try h.tcbInfo(data) returns (DcapTypes.TcbInfo memory info) {
            assertTrue(info.levels.length > 0, "a parsed TCB info has TCB levels");
        } catch (bytes memory err) {
            _expectOwnError(
                err,
                IntelJson.Json_Malformed.selector,
                IntelJson.Json_Unsupported.selector,
                Der.Der_Malformed.selector
            );
        }
    }

    /// @dev One byte of the QE identity JSON replaced: parses or reverts with its own errors.
    function testFuzz_MutatedQeIdentity(uint256 position, uint8 value) public view {
        bytes memory json = DcapSamples.TD_QE_IDENTITY;
        position = position % json.length;
        json[position] = bytes1(value);
        try h.qeIdentity(json) returns (DcapTypes.QeIdentity memory qe) {
            assertTrue(qe.levels.length > 0, "a parsed QE identity has TCB levels");
        } catch (bytes memory err) {
            _expectOwnError(
                err,
                IntelJson.Json_Malformed.selector,
                IntelJson.Json_Unsupported.selector,
                Der.Der_Malformed.selector
            );
        }
    }

    /// @dev One byte of the PCK certificate's PEM replaced: it decodes and parses, or reverts with
    ///      the PEM, DER or X.509 errors; when it parses, the signed bytes or the signature changed
    ///      (the decoder reads every character of the body).
    function testFuzz_MutatedPem(uint256 position, uint8 value) public view {
        bytes memory pem = DcapSamples.PCK_PEM;
        position = position % pem.length;
        VM.assume(uint8(pem[position]) != value);
        X509.Certificate memory original = h.certificate(h.pemLeaf(pem));
        pem[position] = bytes1(value);
        try h.pemLeaf(pem) returns (bytes memory der) {
            try h.certificate(der) returns (X509.Certificate memory c) {
                assertTrue(
                    c.tbsHash != original.tbsHash || c.sigR != original.sigR || c.sigS != original.sigS,
                    "a decoded mutation must change the signed bytes or the signature"
                );
            } catch (bytes memory err) {
                _expectOwnError(err, Der.Der_Malformed.selector, X509.X509_Unsupported.selector, bytes4(0));
            }
        } catch (bytes memory err) {
            _expectOwnError(err, Pem.Pem_Malformed.selector, bytes4(0), bytes4(0));
        }
    }

    /// @dev Any bytes as a PEM chain: decodes or reverts with Pem_Malformed.
    function testFuzz_PemOnArbitraryBytes(bytes memory data) public view {
        try h.pemLeaf(data) returns (bytes memory der) {
            assertTrue(der.length > 0 && der.length <= data.length, "a decoded body is shorter than its text");
        } catch (bytes memory err) {
            _expectOwnError(err, Pem.Pem_Malformed.selector, bytes4(0), bytes4(0));
        }
    }

    function _expectOwnError(bytes memory err, bytes4 a, bytes4 b, bytes4 c) private pure {
        assertTrue(err.length >= 4, "reverted without an error");
        bytes4 selector = bytes4(err);
        assertTrue(selector != PANIC, "panicked");
        assertTrue(selector == a || (b != 0 && selector == b) || (c != 0 && selector == c), "an unexpected error");
    }
}
