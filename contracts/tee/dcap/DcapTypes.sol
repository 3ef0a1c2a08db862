// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title DcapTypes
/// @notice The parsed, compact forms of Intel's DCAP collateral and of a verified quote, shared by
///         the collateral store, its JSON parser and the quote verifier.
library DcapTypes {
    /// @notice A TCB status, in order of severity (a merge keeps the worse). `Unknown` is any other
    ///         string Intel might introduce; like `Revoked`, it is never accepted.
    enum TcbStatus {
        UpToDate,
        SWHardeningNeeded,
        ConfigurationNeeded,
        ConfigurationAndSWHardeningNeeded,
        OutOfDate,
        OutOfDateConfigurationNeeded,
        Revoked,
        Unknown
    }

    /// @notice Which TCB info: SGX (`"id":"SGX"`) or TDX (`"id":"TDX"`).
    enum TcbId {
        SGX,
        TDX
    }

    /// @notice Which enclave a QE identity describes: the SGX quoting enclave (`"QE"`) or TDX's (`"TD_QE"`).
    enum QeId {
        QE,
        TD_QE
    }

    /// @notice The role of an Intel certificate signed by the root, from its subject common name.
    enum CertRole {
        None,
        PckPlatformCa,
        PckProcessorCa,
        TcbSigning
    }

    /// @notice One TCB level of a TCB info.
    /// @param sgxSvns The 16 SGX TCB component SVNs, compared with the PCK certificate's CPUSVN.
    /// @param tdxSvns The 16 TDX TCB component SVNs (TDX only), compared with the TD report's TEE_TCB_SVN.
    /// @param pceSvn The PCESVN.
    /// @param status The level's status.
    /// @param advisoryIds The level's advisory ids, joined by ",".
    struct TcbLevel {
        bytes16 sgxSvns;
        bytes16 tdxSvns;
        uint16 pceSvn;
        TcbStatus status;
        bytes advisoryIds;
    }

    /// @notice A TCB info (`tcbInfo` JSON, version 3), parsed.
    struct TcbInfo {
        TcbId id;
        uint32 version;
        uint64 issueDate;
        uint64 nextUpdate;
        bytes6 fmspc;
        bytes2 pceId;
        uint32 tcbEvaluationDataNumber;
        TcbLevel[] levels;
    }

    /// @notice One TCB level of a QE identity.
    struct QeTcbLevel {
        uint16 isvSvn;
        TcbStatus status;
        bytes advisoryIds;
    }

    /// @notice A QE identity (`enclaveIdentity` JSON), parsed.
    struct QeIdentity {
        QeId id;
        uint32 version;
        uint64 issueDate;
        uint64 nextUpdate;
        uint32 tcbEvaluationDataNumber;
        bytes4 miscselect;
        bytes4 miscselectMask;
        bytes16 attributes;
        bytes16 attributesMask;
        bytes32 mrsigner;
        uint16 isvProdId;
        QeTcbLevel[] levels;
    }

    /// @notice What a verified quote proves.
    /// @param version The quote version (3 SGX; 4 or 5 TDX).
    /// @param teeType 0 (SGX) or 0x81 (TDX).
    /// @param measurement keccak256(MRENCLAVE ‖ MRSIGNER) for SGX, keccak256(MRTD ‖ RTMR0 ‖ … ‖ RTMR3)
    ///        for TDX: the value the enclave registry and the SDK use.
    /// @param measurementParts MRENCLAVE ‖ MRSIGNER (64 bytes) or MRTD ‖ RTMR0-3 (240 bytes).
    /// @param reportData The 64 bytes of report data.
    /// @param tcbStatus The merged platform and QE TCB status.
    /// @param advisoryIds Intel security advisories that apply (platform's first, then the QE's).
    /// @param validUntil The earliest nextUpdate of the TCB info and the QE identity.
    /// @param fmspc The platform's FMSPC.
    struct VerifiedQuote {
        uint16 version;
        uint32 teeType;
        bytes32 measurement;
        bytes measurementParts;
        bytes reportData;
        TcbStatus tcbStatus;
        string[] advisoryIds;
        uint64 validUntil;
        bytes6 fmspc;
    }
}
