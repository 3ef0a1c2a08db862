// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

// Assembly is used for shortening over-allocated memory arrays; every use is commented and bounds-checked by its caller.
/* solhint-disable no-inline-assembly */

import {DcapTypes} from "./DcapTypes.sol";
import {Der} from "./Der.sol";

/// @title IntelJson
/// @notice Parses the two JSON documents Intel signs for DCAP, a TCB info (`tcbInfo`, version 3 as
///         the PCS v4 API serves it) and a QE identity (`enclaveIdentity`), into `DcapTypes`.
/// @dev A complete, sequential parse of the signed text (no offsets supplied by the uploader), so
///      nothing Intel signed is skipped unless its key is unknown here (skipped values are still
///      parsed as JSON). Stricter than JSON.parse where that is harmless: duplicate keys, escapes
///      in strings that are read, numbers other than plain unsigned integers where one is read, and
///      more than `MAX_LEVELS` levels are refused. Every read is bounds-checked.
library IntelJson {
    /// @notice The JSON is malformed at byte `offset`.
    error Json_Malformed(uint256 offset);
    /// @notice The JSON is well-formed but not a document this verifier accepts (a missing or
    ///         repeated field, a value out of range, …), at byte `offset`.
    error Json_Unsupported(uint256 offset);

    /// @notice The most TCB levels a document may list.
    uint256 internal constant MAX_LEVELS = 64;
    /// @notice How many TCB components a level lists (SGX and TDX alike).
    uint256 internal constant COMPONENTS = 16;
    /// @dev How deep skipped values may nest.
    uint256 private constant MAX_DEPTH = 16;
    uint256 private constant MAX_UINT_DIGITS = 10;
    uint256 private constant DATE_LENGTH = 20; // "YYYY-MM-DDTHH:MM:SSZ"
    uint256 private constant MAX_SVN = type(uint8).max;
    uint256 private constant MAX_U16 = type(uint16).max;
    uint256 private constant MAX_U32 = type(uint32).max;

    uint8 private constant QUOTE = 0x22;
    uint8 private constant BACKSLASH = 0x5c;
    uint8 private constant COMMA = 0x2c;
    uint8 private constant COLON = 0x3a;
    uint8 private constant LBRACE = 0x7b;
    uint8 private constant RBRACE = 0x7d;
    uint8 private constant LBRACKET = 0x5b;
    uint8 private constant RBRACKET = 0x5d;
    uint8 private constant SPACE = 0x20;
    uint8 private constant TAB = 0x09;
    uint8 private constant LF = 0x0a;
    uint8 private constant CR = 0x0d;
    uint8 private constant DIGIT_0 = 0x30;
    uint8 private constant DIGIT_9 = 0x39;
    uint8 private constant MINUS = 0x2d;
    uint8 private constant LETTER_T = 0x74;
    uint8 private constant LETTER_F = 0x66;
    uint8 private constant LETTER_N = 0x6e;

    // Keys.
    bytes32 private constant K_ID = keccak256("id");
    bytes32 private constant K_VERSION = keccak256("version");
    bytes32 private constant K_ISSUE_DATE = keccak256("issueDate");
    bytes32 private constant K_NEXT_UPDATE = keccak256("nextUpdate");
    bytes32 private constant K_FMSPC = keccak256("fmspc");
    bytes32 private constant K_PCE_ID = keccak256("pceId");
    bytes32 private constant K_TCB_EVAL = keccak256("tcbEvaluationDataNumber");
    bytes32 private constant K_TCB_LEVELS = keccak256("tcbLevels");
    bytes32 private constant K_TCB = keccak256("tcb");
    bytes32 private constant K_TCB_STATUS = keccak256("tcbStatus");
    bytes32 private constant K_ADVISORY_IDS = keccak256("advisoryIDs");
    bytes32 private constant K_SGX_COMPONENTS = keccak256("sgxtcbcomponents");
    bytes32 private constant K_TDX_COMPONENTS = keccak256("tdxtcbcomponents");
    bytes32 private constant K_PCESVN = keccak256("pcesvn");
    bytes32 private constant K_SVN = keccak256("svn");
    bytes32 private constant K_ISVSVN = keccak256("isvsvn");
    bytes32 private constant K_MISCSELECT = keccak256("miscselect");
    bytes32 private constant K_MISCSELECT_MASK = keccak256("miscselectMask");
    bytes32 private constant K_ATTRIBUTES = keccak256("attributes");
    bytes32 private constant K_ATTRIBUTES_MASK = keccak256("attributesMask");
    bytes32 private constant K_MRSIGNER = keccak256("mrsigner");
    bytes32 private constant K_ISVPRODID = keccak256("isvprodid");

    // Values.
    bytes32 private constant V_SGX = keccak256("SGX");
    bytes32 private constant V_TDX = keccak256("TDX");
    bytes32 private constant V_QE = keccak256("QE");
    bytes32 private constant V_TD_QE = keccak256("TD_QE");
    bytes32 private constant S_UP_TO_DATE = keccak256("UpToDate");
    bytes32 private constant S_SW_HARDENING = keccak256("SWHardeningNeeded");
    bytes32 private constant S_CONFIG = keccak256("ConfigurationNeeded");
    bytes32 private constant S_CONFIG_SW = keccak256("ConfigurationAndSWHardeningNeeded");
    bytes32 private constant S_OUT_OF_DATE = keccak256("OutOfDate");
    bytes32 private constant S_OUT_OF_DATE_CONFIG = keccak256("OutOfDateConfigurationNeeded");
    bytes32 private constant S_REVOKED = keccak256("Revoked");

    // Required fields (bits).
    uint256 private constant TCB_INFO_FIELDS = (1 << 8) - 1;
    uint256 private constant QE_IDENTITY_FIELDS = (1 << 12) - 1;
    uint256 private constant LEVEL_FIELDS = 3; // tcb, tcbStatus
    uint256 private constant TCB_FIELDS = 3; // sgxtcbcomponents, pcesvn
    uint256 private constant BIT_TDX_COMPONENTS = 4;

    /// @notice Parses a TCB info JSON (the exact bytes Intel signed).
    /// @param s The JSON text.
    /// @return info The parsed TCB info.
    function parseTcbInfo(bytes memory s) internal pure returns (DcapTypes.TcbInfo memory info) {
        info.levels = new DcapTypes.TcbLevel[](MAX_LEVELS);
        uint256 seen;
        bool allTdx = true;
        uint256 levelCount;
        (bool more, uint256 p) = _open(s, 0, LBRACE);
        while (more) {
            bytes32 key;
            uint256 at = p;
            (key, p) = _key(s, p);
            if (key == K_ID) {
                seen = _mark(seen, 0, at);
                bytes32 v;
                (v, p) = _stringHash(s, p);
                if (v == V_SGX) info.id = DcapTypes.TcbId.SGX;
                else if (v == V_TDX) info.id = DcapTypes.TcbId.TDX;
                else revert Json_Unsupported(at);
            } else if (key == K_VERSION) {
                seen = _mark(seen, 1, at);
                uint256 v;
                (v, p) = _uint(s, p, MAX_U32);
                info.version = uint32(v);
            } else if (key == K_ISSUE_DATE) {
                seen = _mark(seen, 2, at);
                (info.issueDate, p) = _date(s, p);
            } else if (key == K_NEXT_UPDATE) {
                seen = _mark(seen, 3, at);
                (info.nextUpdate, p) = _date(s, p);
            } else if (key == K_FMSPC) {
                seen = _mark(seen, 4, at);
                bytes32 v;
                (v, p) = _hexString(s, p, 6);
                info.fmspc = bytes6(v);
            } else if (key == K_PCE_ID) {
                seen = _mark(seen, 5, at);
                bytes32 v;
                (v, p) = _hexString(s, p, 2);
                info.pceId = bytes2(v);
            } else if (key == K_TCB_EVAL) {
                seen = _mark(seen, 6, at);
                uint256 v;
                (v, p) = _uint(s, p, MAX_U32);
                info.tcbEvaluationDataNumber = uint32(v);
            } else if (key == K_TCB_LEVELS) {
                seen = _mark(seen, 7, at);
                bool moreLevels;
                (moreLevels, p) = _open(s, p, LBRACKET);
                while (moreLevels) {
                    if (levelCount == MAX_LEVELS) revert Json_Unsupported(p);
                    bool hasTdx;
                    (info.levels[levelCount], hasTdx, p) = _tcbLevel(s, p);
                    allTdx = allTdx && hasTdx;
                    ++levelCount;
                    (moreLevels, p) = _next(s, p, RBRACKET);
                }
            } else {
                p = _skip(s, p, 0);
            }
            (more, p) = _next(s, p, RBRACE);
        }
        _end(s, p);
        if (seen != TCB_INFO_FIELDS || levelCount == 0) revert Json_Unsupported(p);
        if (info.id == DcapTypes.TcbId.TDX && !allTdx) revert Json_Unsupported(p);
        DcapTypes.TcbLevel[] memory levels = info.levels;
        assembly ("memory-safe") {
            mstore(levels, levelCount)
        }
    }

    /// @notice Parses a QE identity JSON (the exact bytes Intel signed).
    /// @param s The JSON text.
    /// @return qe The parsed QE identity.
    function parseQeIdentity(bytes memory s) internal pure returns (DcapTypes.QeIdentity memory qe) {
        qe.levels = new DcapTypes.QeTcbLevel[](MAX_LEVELS);
        uint256 seen;
        uint256 levelCount;
        (bool more, uint256 p) = _open(s, 0, LBRACE);
        while (more) {
            bytes32 key;
            uint256 at = p;
            (key, p) = _key(s, p);
            bytes32 h;
            uint256 v;
            if (key == K_ID) {
                seen = _mark(seen, 0, at);
                (h, p) = _stringHash(s, p);
                if (h == V_QE) qe.id = DcapTypes.QeId.QE;
                else if (h == V_TD_QE) qe.id = DcapTypes.QeId.TD_QE;
                else revert Json_Unsupported(at);
            } else if (key == K_VERSION) {
                seen = _mark(seen, 1, at);
                (v, p) = _uint(s, p, MAX_U32);
                qe.version = uint32(v);
            } else if (key == K_ISSUE_DATE) {
                seen = _mark(seen, 2, at);
                (qe.issueDate, p) = _date(s, p);
            } else if (key == K_NEXT_UPDATE) {
                seen = _mark(seen, 3, at);
                (qe.nextUpdate, p) = _date(s, p);
            } else if (key == K_TCB_EVAL) {
                seen = _mark(seen, 4, at);
                (v, p) = _uint(s, p, MAX_U32);
                qe.tcbEvaluationDataNumber = uint32(v);
            } else if (key == K_MISCSELECT) {
                seen = _mark(seen, 5, at);
                (h, p) = _hexString(s, p, 4);
                qe.miscselect = bytes4(h);
            } else if (key == K_MISCSELECT_MASK) {
                seen = _mark(seen, 6, at);
                (h, p) = _hexString(s, p, 4);
                qe.miscselectMask = bytes4(h);
            } else if (key == K_ATTRIBUTES) {
                seen = _mark(seen, 7, at);
                (h, p) = _hexString(s, p, 16);
                qe.attributes = bytes16(h);
            } else if (key == K_ATTRIBUTES_MASK) {
                seen = _mark(seen, 8, at);
                (h, p) = _hexString(s, p, 16);
                qe.attributesMask = bytes16(h);
            } else if (key == K_MRSIGNER) {
                seen = _mark(seen, 9, at);
                (qe.mrsigner, p) = _hexString(s, p, 32);
            } else if (key == K_ISVPRODID) {
                seen = _mark(seen, 10, at);
                (v, p) = _uint(s, p, MAX_U16);
                qe.isvProdId = uint16(v);
            } else if (key == K_TCB_LEVELS) {
                seen = _mark(seen, 11, at);
                bool moreLevels;
                (moreLevels, p) = _open(s, p, LBRACKET);
                while (moreLevels) {
                    if (levelCount == MAX_LEVELS) revert Json_Unsupported(p);
                    (qe.levels[levelCount], p) = _qeLevel(s, p);
                    ++levelCount;
                    (moreLevels, p) = _next(s, p, RBRACKET);
                }
            } else {
                p = _skip(s, p, 0);
            }
            (more, p) = _next(s, p, RBRACE);
        }
        _end(s, p);
        if (seen != QE_IDENTITY_FIELDS || levelCount == 0) revert Json_Unsupported(p);
        DcapTypes.QeTcbLevel[] memory levels = qe.levels;
        assembly ("memory-safe") {
            mstore(levels, levelCount)
        }
    }

    // ---- TCB levels --------------------------------------------------------------------------

    function _tcbLevel(
        bytes memory s,
        uint256 p
    ) private pure returns (DcapTypes.TcbLevel memory level, bool hasTdx, uint256) {
        uint256 seen;
        bool more;
        (more, p) = _open(s, p, LBRACE);
        while (more) {
            bytes32 key;
            uint256 at = p;
            (key, p) = _key(s, p);
            if (key == K_TCB) {
                seen = _mark(seen, 0, at);
                (level.sgxSvns, level.tdxSvns, level.pceSvn, hasTdx, p) = _tcb(s, p);
            } else if (key == K_TCB_STATUS) {
                seen = _mark(seen, 1, at);
                (level.status, p) = _status(s, p);
            } else if (key == K_ADVISORY_IDS) {
                seen = _mark(seen, 2, at);
                (level.advisoryIds, p) = _advisories(s, p);
            } else {
                p = _skip(s, p, 0);
            }
            (more, p) = _next(s, p, RBRACE);
        }
        if (seen & LEVEL_FIELDS != LEVEL_FIELDS) revert Json_Unsupported(p);
        return (level, hasTdx, p);
    }

    function _tcb(
        bytes memory s,
        uint256 p
    ) private pure returns (bytes16 sgxSvns, bytes16 tdxSvns, uint16 pceSvn, bool hasTdx, uint256) {
        uint256 seen;
        bool more;
        (more, p) = _open(s, p, LBRACE);
        while (more) {
            bytes32 key;
            uint256 at = p;
            (key, p) = _key(s, p);
            if (key == K_SGX_COMPONENTS) {
                seen = _mark(seen, 0, at);
                (sgxSvns, p) = _components(s, p);
            } else if (key == K_PCESVN) {
                seen = _mark(seen, 1, at);
                uint256 v;
                (v, p) = _uint(s, p, MAX_U16);
                pceSvn = uint16(v);
            } else if (key == K_TDX_COMPONENTS) {
                seen = _mark(seen, 2, at);
                (tdxSvns, p) = _components(s, p);
            } else {
                p = _skip(s, p, 0);
            }
            (more, p) = _next(s, p, RBRACE);
        }
        if (seen & TCB_FIELDS != TCB_FIELDS) revert Json_Unsupported(p);
        hasTdx = seen & BIT_TDX_COMPONENTS != 0;
        return (sgxSvns, tdxSvns, pceSvn, hasTdx, p);
    }

    /// @dev An array of exactly 16 `{"svn": n, …}` objects, as 16 bytes.
    function _components(bytes memory s, uint256 p) private pure returns (bytes16 svns, uint256) {
        uint256 count;
        uint256 packed;
        bool more;
        (more, p) = _open(s, p, LBRACKET);
        while (more) {
            if (count == COMPONENTS) revert Json_Unsupported(p);
            bool found;
            bool moreKeys;
            (moreKeys, p) = _open(s, p, LBRACE);
            while (moreKeys) {
                bytes32 key;
                uint256 at = p;
                (key, p) = _key(s, p);
                if (key == K_SVN) {
                    if (found) revert Json_Unsupported(at);
                    found = true;
                    uint256 v;
                    (v, p) = _uint(s, p, MAX_SVN);
                    packed |= v << (8 * (COMPONENTS - 1 - count) + 128);
                } else {
                    p = _skip(s, p, 0);
                }
                (moreKeys, p) = _next(s, p, RBRACE);
            }
            if (!found) revert Json_Unsupported(p);
            ++count;
            (more, p) = _next(s, p, RBRACKET);
        }
        if (count != COMPONENTS) revert Json_Unsupported(p);
        return (bytes16(bytes32(packed)), p);
    }

    function _qeLevel(bytes memory s, uint256 p) private pure returns (DcapTypes.QeTcbLevel memory level, uint256) {
        uint256 seen;
        bool more;
        (more, p) = _open(s, p, LBRACE);
        while (more) {
            bytes32 key;
            uint256 at = p;
            (key, p) = _key(s, p);
            if (key == K_TCB) {
                seen = _mark(seen, 0, at);
                bool found;
                bool moreKeys;
                (moreKeys, p) = _open(s, p, LBRACE);
                while (moreKeys) {
                    bytes32 k;
                    uint256 kat = p;
                    (k, p) = _key(s, p);
                    if (k == K_ISVSVN) {
                        if (found) revert Json_Unsupported(kat);
                        found = true;
                        uint256 v;
                        (v, p) = _uint(s, p, MAX_U16);
                        level.isvSvn = uint16(v);
                    } else {
                        p = _skip(s, p, 0);
                    }
                    (moreKeys, p) = _next(s, p, RBRACE);
                }
                if (!found) revert Json_Unsupported(p);
            } else if (key == K_TCB_STATUS) {
                seen = _mark(seen, 1, at);
                (level.status, p) = _status(s, p);
            } else if (key == K_ADVISORY_IDS) {
                seen = _mark(seen, 2, at);
                (level.advisoryIds, p) = _advisories(s, p);
            } else {
                p = _skip(s, p, 0);
            }
            (more, p) = _next(s, p, RBRACE);
        }
        if (seen & LEVEL_FIELDS != LEVEL_FIELDS) revert Json_Unsupported(p);
        return (level, p);
    }

    function _status(bytes memory s, uint256 p) private pure returns (DcapTypes.TcbStatus status, uint256) {
        bytes32 h;
        (h, p) = _stringHash(s, p);
        if (h == S_UP_TO_DATE) status = DcapTypes.TcbStatus.UpToDate;
        else if (h == S_SW_HARDENING) status = DcapTypes.TcbStatus.SWHardeningNeeded;
        else if (h == S_CONFIG) status = DcapTypes.TcbStatus.ConfigurationNeeded;
        else if (h == S_CONFIG_SW) status = DcapTypes.TcbStatus.ConfigurationAndSWHardeningNeeded;
        else if (h == S_OUT_OF_DATE) status = DcapTypes.TcbStatus.OutOfDate;
        else if (h == S_OUT_OF_DATE_CONFIG) status = DcapTypes.TcbStatus.OutOfDateConfigurationNeeded;
        else if (h == S_REVOKED) status = DcapTypes.TcbStatus.Revoked;
        else status = DcapTypes.TcbStatus.Unknown;
        return (status, p);
    }

    /// @dev An array of strings without commas, joined by ",".
    function _advisories(bytes memory s, uint256 p) private pure returns (bytes memory joined, uint256) {
        bool more;
        (more, p) = _open(s, p, LBRACKET);
        while (more) {
            (uint256 start, uint256 end, uint256 q) = _string(s, p);
            if (end == start) revert Json_Unsupported(p);
            for (uint256 i = start; i < end; ++i) if (Der.byteAt(s, i) == COMMA) revert Json_Unsupported(i);
            joined = joined.length == 0 ? _slice(s, start, end) : bytes.concat(joined, ",", _slice(s, start, end));
            (more, p) = _next(s, q, RBRACKET);
        }
        return (joined, p);
    }

    // ---- scalars -------------------------------------------------------------------------------

    /// @dev A key string and the colon after it.
    function _key(bytes memory s, uint256 p) private pure returns (bytes32 key, uint256) {
        (key, p) = _stringHash(s, p);
        p = _ws(s, p);
        if (p >= s.length || Der.byteAt(s, p) != COLON) revert Json_Malformed(p);
        return (key, p + 1);
    }

    function _stringHash(bytes memory s, uint256 p) private pure returns (bytes32 h, uint256) {
        (uint256 start, uint256 end, uint256 next) = _string(s, p);
        return (Der.keccakRange(s, start, end), next);
    }

    /// @dev A string without escapes or control characters (all that is read here).
    function _string(bytes memory s, uint256 p) private pure returns (uint256 start, uint256 end, uint256 next) {
        p = _ws(s, p);
        if (p >= s.length || Der.byteAt(s, p) != QUOTE) revert Json_Malformed(p);
        start = p + 1;
        end = start;
        while (true) {
            if (end >= s.length) revert Json_Malformed(end);
            uint8 c = Der.byteAt(s, end);
            if (c == QUOTE) break;
            if (c == BACKSLASH || c < SPACE) revert Json_Unsupported(end);
            ++end;
        }
        next = end + 1;
    }

    /// @dev An unsigned integer without sign, fraction, exponent or leading zeros, at most `max`.
    function _uint(bytes memory s, uint256 p, uint256 max) private pure returns (uint256 v, uint256) {
        p = _ws(s, p);
        uint256 start = p;
        while (p < s.length) {
            uint8 c = Der.byteAt(s, p);
            if (c < DIGIT_0 || c > DIGIT_9) break;
            if (p - start == MAX_UINT_DIGITS) revert Json_Unsupported(start);
            v = v * 10 + (c - DIGIT_0);
            ++p;
        }
        if (p == start || (p - start > 1 && Der.byteAt(s, start) == DIGIT_0) || v > max) revert Json_Unsupported(start);
        return (v, p);
    }

    /// @dev A string of exactly `n` bytes in hex (either case), left-aligned.
    function _hexString(bytes memory s, uint256 p, uint256 n) private pure returns (bytes32 out, uint256) {
        (uint256 start, uint256 end, uint256 next) = _string(s, p);
        if (end - start != 2 * n) revert Json_Unsupported(start);
        uint256 v;
        for (uint256 i = start; i < end; ++i) v = (v << 4) | _nibble(Der.byteAt(s, i), i);
        if (n < 32) v <<= 256 - 8 * n;
        return (bytes32(v), next);
    }

    function _nibble(uint8 c, uint256 at) private pure returns (uint256) {
        if (c >= DIGIT_0 && c <= DIGIT_9) return c - DIGIT_0;
        if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10; // A-F
        if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10; // a-f
        revert Json_Unsupported(at);
    }

    /// @dev "YYYY-MM-DDTHH:MM:SSZ" as a unix timestamp.
    function _date(bytes memory s, uint256 p) private pure returns (uint64 t, uint256) {
        (uint256 a, uint256 end, uint256 next) = _string(s, p);
        if (
            end - a != DATE_LENGTH ||
            Der.byteAt(s, a + 4) != MINUS ||
            Der.byteAt(s, a + 7) != MINUS ||
            Der.byteAt(s, a + 10) != 0x54 || // 'T'
            Der.byteAt(s, a + 13) != COLON ||
            Der.byteAt(s, a + 16) != COLON ||
            Der.byteAt(s, a + 19) != 0x5a // 'Z'
        ) revert Json_Unsupported(a);
        t = Der.toTimestamp(
            Der.digits(s, a, 4),
            Der.digits(s, a + 5, 2),
            Der.digits(s, a + 8, 2),
            Der.digits(s, a + 11, 2),
            Der.digits(s, a + 14, 2),
            Der.digits(s, a + 17, 2)
        );
        return (t, next);
    }

    // ---- structure -----------------------------------------------------------------------------

    /// @dev Opens an object or array: returns whether it has an element (then `p` is at it).
    function _open(bytes memory s, uint256 p, uint8 opener) private pure returns (bool more, uint256) {
        p = _ws(s, p);
        if (p >= s.length || Der.byteAt(s, p) != opener) revert Json_Malformed(p);
        p = _ws(s, p + 1);
        if (p >= s.length) revert Json_Malformed(p);
        uint8 closer = opener == LBRACE ? RBRACE : RBRACKET;
        if (Der.byteAt(s, p) == closer) return (false, p + 1);
        return (true, p);
    }

    /// @dev After an element: a comma (another element follows) or `closer` (done).
    function _next(bytes memory s, uint256 p, uint8 closer) private pure returns (bool more, uint256) {
        p = _ws(s, p);
        if (p >= s.length) revert Json_Malformed(p);
        uint8 c = Der.byteAt(s, p);
        if (c == COMMA) return (true, p + 1);
        if (c == closer) return (false, p + 1);
        revert Json_Malformed(p);
    }

    /// @dev Only whitespace may follow the document.
    function _end(bytes memory s, uint256 p) private pure {
        p = _ws(s, p);
        if (p != s.length) revert Json_Malformed(p);
    }

    function _ws(bytes memory s, uint256 p) private pure returns (uint256) {
        while (p < s.length) {
            uint8 c = Der.byteAt(s, p);
            if (c != SPACE && c != TAB && c != LF && c != CR) break;
            ++p;
        }
        return p;
    }

    /// @dev Skips any JSON value (strings with escapes, numbers, literals, nested containers).
    function _skip(bytes memory s, uint256 p, uint256 depth) private pure returns (uint256) {
        if (depth > MAX_DEPTH) revert Json_Unsupported(p);
        p = _ws(s, p);
        if (p >= s.length) revert Json_Malformed(p);
        uint8 c = Der.byteAt(s, p);
        if (c == QUOTE) {
            ++p;
            while (true) {
                if (p >= s.length) revert Json_Malformed(p);
                uint8 d = Der.byteAt(s, p);
                if (d == QUOTE) return p + 1;
                if (d < SPACE) revert Json_Malformed(p);
                p += d == BACKSLASH ? 2 : 1;
            }
        }
        if (c == LBRACE || c == LBRACKET) {
            uint8 closer = c == LBRACE ? RBRACE : RBRACKET;
            bool more;
            (more, p) = _open(s, p, c);
            while (more) {
                if (c == LBRACE) (, p) = _key(s, p);
                p = _skip(s, p, depth + 1);
                (more, p) = _next(s, p, closer);
            }
            return p;
        }
        if (c == LETTER_T) return _literal(s, p, "true", 4);
        if (c == LETTER_F) return _literal(s, p, "false", 5);
        if (c == LETTER_N) return _literal(s, p, "null", 4);
        uint256 start = p;
        while (p < s.length) {
            uint8 d = Der.byteAt(s, p);
            bool numeric =
                (d >= DIGIT_0 && d <= DIGIT_9) || d == MINUS || d == 0x2b || d == 0x2e || d == 0x65 || d == 0x45;
            if (!numeric) break;
            ++p;
        }
        if (p == start) revert Json_Malformed(p);
        return p;
    }

    function _literal(bytes memory s, uint256 p, bytes32 word, uint256 n) private pure returns (uint256) {
        if (p + n > s.length || !Der.equals(s, p, p + n, word, n)) revert Json_Malformed(p);
        return p + n;
    }

    function _mark(uint256 seen, uint256 bit, uint256 at) private pure returns (uint256) {
        if (seen & (1 << bit) != 0) revert Json_Unsupported(at);
        return seen | (1 << bit);
    }

    function _slice(bytes memory s, uint256 start, uint256 end) private pure returns (bytes memory out) {
        out = new bytes(end - start);
        for (uint256 i = 0; i < out.length; ++i) out[i] = s[start + i];
    }
}
