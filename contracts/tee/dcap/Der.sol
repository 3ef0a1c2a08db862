// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

// Assembly is used for byte and word reads and the SHA-256 precompile on memory ranges; every use is commented and bounds-checked by its caller.
/* solhint-disable no-inline-assembly */

/// @title Der
/// @notice The little of ASN.1 DER that X.509 certificates and CRLs need, read from `bytes memory`
///         by absolute offsets, every read bounds-checked against an explicit limit (the end of the
///         enclosing element): a malformed input reverts with `Der_Malformed`, never reads past its
///         end and never panics.
/// @dev Only definite, minimally encoded lengths up to `MAX_LENGTH_BYTES` length octets and
///      low-number tags are accepted (what DER requires, and all that Intel's certificates use).
library Der {
    /// @notice The DER input is malformed at byte `offset` (truncated, bad length, unexpected tag, …).
    error Der_Malformed(uint256 offset);

    uint8 internal constant TAG_BOOLEAN = 0x01;
    uint8 internal constant TAG_INTEGER = 0x02;
    uint8 internal constant TAG_BIT_STRING = 0x03;
    uint8 internal constant TAG_OCTET_STRING = 0x04;
    uint8 internal constant TAG_OID = 0x06;
    uint8 internal constant TAG_ENUMERATED = 0x0a;
    uint8 internal constant TAG_UTF8_STRING = 0x0c;
    uint8 internal constant TAG_PRINTABLE_STRING = 0x13;
    uint8 internal constant TAG_UTC_TIME = 0x17;
    uint8 internal constant TAG_GENERALIZED_TIME = 0x18;
    uint8 internal constant TAG_SEQUENCE = 0x30;
    uint8 internal constant TAG_SET = 0x31;
    /// @notice [0] EXPLICIT (constructed, context-specific 0).
    uint8 internal constant TAG_CONTEXT_0 = 0xa0;
    /// @notice [3] EXPLICIT (constructed, context-specific 3).
    uint8 internal constant TAG_CONTEXT_3 = 0xa3;

    /// @dev The low five bits of a tag all set mean a high tag number (multi-byte tag), never used here.
    uint8 private constant HIGH_TAG_NUMBER = 0x1f;
    /// @dev A first length octet with the top bit set counts the length octets that follow.
    uint8 private constant LONG_FORM = 0x80;
    /// @dev At most three length octets: elements up to 16 MiB.
    uint256 private constant MAX_LENGTH_BYTES = 3;
    /// @dev The smallest length that needs the long form.
    uint256 private constant MIN_LONG_LENGTH = 0x80;
    /// @dev The length of UTCTime "YYMMDDHHMMSSZ" and GeneralizedTime "YYYYMMDDHHMMSSZ".
    uint256 private constant UTC_TIME_LENGTH = 13;
    uint256 private constant GENERALIZED_TIME_LENGTH = 15;
    /// @dev UTCTime years 50-99 are 19xx, 00-49 are 20xx (RFC 5280 4.1.2.5.1).
    uint256 private constant UTC_TIME_PIVOT = 50;
    uint256 private constant ASCII_ZERO = 0x30;
    uint256 private constant ASCII_Z = 0x5a;
    uint256 private constant SECONDS_PER_DAY = 86_400;
    uint256 private constant SECONDS_PER_HOUR = 3600;
    uint256 private constant SECONDS_PER_MINUTE = 60;
    /// @dev An unsigned INTEGER that fills 32 bytes needs a leading zero octet: 33 content bytes.
    uint256 private constant MAX_UINT256_INTEGER_LENGTH = 33;
    uint256 private constant WORD = 32;

    /// @notice Reads the element header at `at`, which must end by `limit`.
    /// @param der The input.
    /// @param at Where the element starts (its tag).
    /// @param limit The end of the enclosing element (exclusive).
    /// @return tag The tag octet.
    /// @return content Where the element's content starts.
    /// @return end Where the element ends (exclusive).
    function read(
        bytes memory der,
        uint256 at,
        uint256 limit
    ) internal pure returns (uint8 tag, uint256 content, uint256 end) {
        if (limit > der.length || at + 2 > limit) revert Der_Malformed(at);
        tag = byteAt(der, at);
        if (tag & HIGH_TAG_NUMBER == HIGH_TAG_NUMBER) revert Der_Malformed(at);
        uint256 first = byteAt(der, at + 1);
        uint256 length;
        if (first < LONG_FORM) {
            length = first;
            content = at + 2;
        } else {
            uint256 n = first & (LONG_FORM - 1);
            if (n == 0 || n > MAX_LENGTH_BYTES || at + 2 + n > limit) revert Der_Malformed(at);
            if (byteAt(der, at + 2) == 0) revert Der_Malformed(at); // not minimal
            for (uint256 i = 0; i < n; ++i) length = (length << 8) | byteAt(der, at + 2 + i);
            if (length < MIN_LONG_LENGTH) revert Der_Malformed(at); // not minimal
            content = at + 2 + n;
        }
        end = content + length;
        if (end > limit) revert Der_Malformed(at);
    }

    /// @notice Reads the element at `at` and requires its tag to be `expected`.
    /// @param der The input.
    /// @param at Where the element starts.
    /// @param limit The end of the enclosing element.
    /// @param expected The tag it must have.
    /// @return content Where its content starts.
    /// @return end Where it ends.
    function expect(
        bytes memory der,
        uint256 at,
        uint256 limit,
        uint8 expected
    ) internal pure returns (uint256 content, uint256 end) {
        uint8 tag;
        (tag, content, end) = read(der, at, limit);
        if (tag != expected) revert Der_Malformed(at);
    }

    /// @notice The byte of `der` at `at` (the caller has checked `at < der.length`).
    /// @param der The input.
    /// @param at The offset.
    /// @return b The byte.
    function byteAt(bytes memory der, uint256 at) internal pure returns (uint8 b) {
        assembly ("memory-safe") {
            b := byte(0, mload(add(add(der, 0x20), at)))
        }
    }

    /// @notice The 32 bytes of `der` from `at` (the caller has checked they are in range, or masks).
    /// @param der The input.
    /// @param at The offset.
    /// @return w The word.
    function wordAt(bytes memory der, uint256 at) internal pure returns (bytes32 w) {
        assembly ("memory-safe") {
            w := mload(add(add(der, 0x20), at))
        }
    }

    /// @notice keccak256 of `der[start:end]` (the caller has checked the range).
    /// @param der The input.
    /// @param start The first byte.
    /// @param end The end (exclusive).
    /// @return h The hash.
    function keccakRange(bytes memory der, uint256 start, uint256 end) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            h := keccak256(add(add(der, 0x20), start), sub(end, start))
        }
    }

    /// @notice SHA-256 of `der[start:end]` (the caller has checked the range).
    /// @param der The input.
    /// @param start The first byte.
    /// @param end The end (exclusive).
    /// @return h The hash.
    function sha256Range(bytes memory der, uint256 start, uint256 end) internal view returns (bytes32 h) {
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x02, add(add(der, 0x20), start), sub(end, start), 0x00, 0x20)
            h := mload(0x00)
        }
        if (!ok) revert Der_Malformed(start);
    }

    /// @notice Whether the content `der[start:end]` equals the first `length` bytes of `expected`.
    /// @param der The input.
    /// @param start The content's start.
    /// @param end The content's end.
    /// @param expected The expected bytes, left-aligned.
    /// @param length How many bytes of `expected` count (at most 32).
    /// @return True when equal.
    function equals(
        bytes memory der,
        uint256 start,
        uint256 end,
        bytes32 expected,
        uint256 length
    ) internal pure returns (bool) {
        if (end - start != length) return false;
        bytes32 mask = ~bytes32(type(uint256).max >> (length * 8));
        return (wordAt(der, start) & mask) == expected;
    }

    /// @notice Reads an unsigned INTEGER's content `der[start:end]` that fits 256 bits.
    /// @param der The input.
    /// @param start The content's start.
    /// @param end The content's end.
    /// @return v The value.
    function uintAt(bytes memory der, uint256 start, uint256 end) internal pure returns (uint256 v) {
        uint256 length = end - start;
        if (length == 0 || length > MAX_UINT256_INTEGER_LENGTH) revert Der_Malformed(start);
        if (byteAt(der, start) >= LONG_FORM) revert Der_Malformed(start); // negative
        if (length == MAX_UINT256_INTEGER_LENGTH) {
            if (byteAt(der, start) != 0) revert Der_Malformed(start);
            ++start;
            --length;
        }
        v = uint256(wordAt(der, start)) >> ((WORD - length) * 8);
    }

    /// @notice Reads a UTCTime or GeneralizedTime element at `at` as a unix timestamp.
    /// @param der The input.
    /// @param at Where the element starts.
    /// @param limit The end of the enclosing element.
    /// @return timestamp The time, in seconds since 1970 (UTC).
    /// @return end Where the element ends.
    function time(bytes memory der, uint256 at, uint256 limit) internal pure returns (uint64 timestamp, uint256 end) {
        (uint8 tag, uint256 c, uint256 e) = read(der, at, limit);
        uint256 year;
        if (tag == TAG_UTC_TIME && e - c == UTC_TIME_LENGTH) {
            year = digits(der, c, 2);
            year += year < UTC_TIME_PIVOT ? 2000 : 1900;
            c += 2;
        } else if (tag == TAG_GENERALIZED_TIME && e - c == GENERALIZED_TIME_LENGTH) {
            year = digits(der, c, 4);
            c += 4;
        } else {
            revert Der_Malformed(at);
        }
        if (byteAt(der, e - 1) != ASCII_Z) revert Der_Malformed(at);
        timestamp = toTimestamp(
            year,
            digits(der, c, 2),
            digits(der, c + 2, 2),
            digits(der, c + 4, 2),
            digits(der, c + 6, 2),
            digits(der, c + 8, 2)
        );
        end = e;
    }

    /// @notice Reads `count` ASCII decimal digits at `at`.
    /// @param data The input.
    /// @param at The first digit (the caller has checked the range).
    /// @param count How many digits.
    /// @return v The number.
    function digits(bytes memory data, uint256 at, uint256 count) internal pure returns (uint256 v) {
        for (uint256 i = 0; i < count; ++i) {
            uint256 c = byteAt(data, at + i);
            if (c < ASCII_ZERO || c > ASCII_ZERO + 9) revert Der_Malformed(at);
            v = v * 10 + (c - ASCII_ZERO);
        }
    }

    /// @notice A UTC calendar time as a unix timestamp (proleptic Gregorian; days from civil).
    /// @dev Reverts with `Der_Malformed(0)` for a field out of range (month 13, hour 24, …).
    /// @param year The year (>= 1970).
    /// @param month 1-12.
    /// @param day 1-31 (not checked against the month's length: a signed input is Intel's).
    /// @param hour 0-23.
    /// @param minute 0-59.
    /// @param second 0-59 (60 for a leap second is refused).
    /// @return The timestamp.
    function toTimestamp(
        uint256 year,
        uint256 month,
        uint256 day,
        uint256 hour,
        uint256 minute,
        uint256 second
    ) internal pure returns (uint64) {
        if (year < 1970 || month == 0 || month > 12 || day == 0 || day > 31 || hour > 23 || minute > 59 || second > 59)
            revert Der_Malformed(0);
        // Howard Hinnant's days_from_civil, shifted so that the year starts in March.
        uint256 y = month <= 2 ? year - 1 : year;
        uint256 era = y / 400;
        uint256 yoe = y - era * 400;
        uint256 mp = month > 2 ? month - 3 : month + 9;
        uint256 doy = (153 * mp + 2) / 5 + day - 1;
        uint256 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        uint256 dayCount = era * 146_097 + doe - 719_468;
        return uint64(dayCount * SECONDS_PER_DAY + hour * SECONDS_PER_HOUR + minute * SECONDS_PER_MINUTE + second);
    }
}
