// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

// Assembly is used for calldata scanning and base64 decoding a word at a time; every use is commented and bounds-checked by its caller.
/* solhint-disable no-inline-assembly */

import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";

/// @title Pem
/// @notice The PEM certificate chain a DCAP quote carries (certification data type 5), read
///         strictly: each certificate is `-----BEGIN CERTIFICATE-----\n`, a body of base64 lines
///         each followed by `\n` (lines of a multiple of four characters; Intel's are 64),
///         `-----END CERTIFICATE-----` and an optional `\n`; the chain may be followed by NUL padding
///         and nothing else. Anything else reverts with `Pem_Malformed`.
/// @dev Only the PCK certificate is decoded (about 70 gas a character on full lines); its issuers
///      are recognised by the keccak256 of their body text (`canonicalBody` of a stored DER).
library Pem {
    /// @notice The PEM chain is malformed at byte `offset` of the certification data.
    error Pem_Malformed(uint256 offset);

    /// @notice Where one certificate's base64 body is in the chain.
    /// @param start The body's first character.
    /// @param end The body's end (the `-` of the END line).
    struct Block {
        uint256 start;
        uint256 end;
    }

    /// @notice At most this many certificates in a chain (PCK certificate, PCK CA, root).
    uint256 internal constant MAX_CERTIFICATES = 3;
    /// @notice The line length of a canonical body.
    uint256 internal constant LINE_LENGTH = 64;

    bytes32 private constant BEGIN = "-----BEGIN CERTIFICATE-----\n";
    uint256 private constant BEGIN_LENGTH = 28;
    bytes32 private constant END = "-----END CERTIFICATE-----";
    uint256 private constant END_LENGTH = 25;
    uint8 private constant NEWLINE = 0x0a;
    uint256 private constant CHARS_PER_QUANTUM = 4;
    uint256 private constant BYTES_PER_QUANTUM = 3;
    /// @dev A full line decodes to 48 bytes; 32 more bytes of slack for word-sized writes.
    uint256 private constant WRITE_SLACK = 32;
    /// @dev The base64 alphabet's values indexed by ASCII code; '=' is 0x80, anything else 0xff.
    bytes private constant TABLE =
        hex"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff3effffff3f3435363738393a3b3c3dffffff80ffffff000102030405060708090a0b0c0d0e0f10111213141516171819ffffffffffff1a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233ffffffffff";

    /// @notice Splits a PEM chain into certificate bodies.
    /// @param pem The certification data (calldata).
    /// @return blocks The bodies, leaf first (1 to `MAX_CERTIFICATES`).
    function split(bytes calldata pem) internal pure returns (Block[] memory blocks) {
        blocks = new Block[](MAX_CERTIFICATES);
        uint256 count;
        uint256 p;
        uint256 n = pem.length;
        while (p < n && _byte(pem, p) != 0) {
            if (count == MAX_CERTIFICATES) revert Pem_Malformed(p);
            if (p + BEGIN_LENGTH > n || _word(pem, p) & _mask(BEGIN_LENGTH) != BEGIN) revert Pem_Malformed(p);
            p += BEGIN_LENGTH;
            uint256 dash = _findDash(pem, p);
            if (dash == p || dash + END_LENGTH > n || _word(pem, dash) & _mask(END_LENGTH) != END) {
                revert Pem_Malformed(dash);
            }
            if (_byte(pem, dash - 1) != NEWLINE) revert Pem_Malformed(dash);
            blocks[count++] = Block(p, dash);
            p = dash + END_LENGTH;
            if (p < n && _byte(pem, p) == NEWLINE) ++p;
        }
        for (uint256 i = p; i < n; ++i) if (_byte(pem, i) != 0) revert Pem_Malformed(i);
        if (count == 0) revert Pem_Malformed(0);
        assembly ("memory-safe") {
            mstore(blocks, count)
        }
    }

    /// @notice keccak256 of a body's text (compare with `keccak256(canonicalBody(der))`).
    /// @param pem The certification data.
    /// @param b The body.
    /// @return h The hash.
    function bodyHash(bytes calldata pem, Block memory b) internal pure returns (bytes32 h) {
        return keccak256(pem[b.start:b.end]);
    }

    /// @notice The canonical PEM body of a DER certificate: base64 in lines of 64 characters, each
    ///         followed by `\n` (what Intel's PCK chains carry).
    /// @param der The certificate.
    /// @return body The text.
    function canonicalBody(bytes memory der) internal pure returns (bytes memory body) {
        bytes memory b64 = bytes(Base64.encode(der));
        uint256 n = b64.length;
        body = new bytes(n + (n + LINE_LENGTH - 1) / LINE_LENGTH);
        assembly ("memory-safe") {
            let src := add(b64, 0x20)
            let dst := add(body, 0x20)
            for {
                let i := 0
            } lt(i, n) {
                i := add(i, LINE_LENGTH)
            } {
                let len := sub(n, i)
                if gt(len, LINE_LENGTH) {
                    len := LINE_LENGTH
                }
                // copy a line (64 bytes at most; bytes past it are overwritten or past the end)
                mstore(dst, mload(add(src, i)))
                mstore(add(dst, 0x20), mload(add(src, add(i, 0x20))))
                dst := add(dst, len)
                mstore8(dst, NEWLINE)
                dst := add(dst, 1)
            }
        }
    }

    /// @notice Decodes a body (base64 lines, each ending in `\n`).
    /// @param pem The certification data.
    /// @param b The body.
    /// @return out The DER bytes.
    function decodeBody(bytes calldata pem, Block memory b) internal pure returns (bytes memory out) {
        bytes memory table = TABLE;
        uint256 length = b.end - b.start;
        out = new bytes((length / CHARS_PER_QUANTUM) * BYTES_PER_QUANTUM + WRITE_SLACK);
        uint256 start = b.start;
        uint256 src;
        uint256 tbl;
        uint256 dst;
        assembly ("memory-safe") {
            src := add(pem.offset, start)
            tbl := add(table, 0x20)
            dst := add(out, 0x20)
        }
        (uint256 written, uint256 badAt) = _decode(src, src + length, tbl, dst);
        if (badAt != 0) revert Pem_Malformed(b.start + badAt - 1);
        if (written == 0) revert Pem_Malformed(b.start);
        assembly ("memory-safe") {
            mstore(out, written)
        }
    }

    /// @dev Decodes calldata lines [src, limit) into memory at `dst` (which has `WRITE_SLACK` spare
    ///      bytes). `badAt` is 1 + the offending offset from `src` (0: none).
    function _decode(
        uint256 src,
        uint256 limit,
        uint256 tbl,
        uint256 dst
    ) private pure returns (uint256 written, uint256 badAt) {
        assembly ("memory-safe") {
            // 32 characters (a full word) to 24 bytes, written as a word; `bad` when any is not in
            // the alphabet, '=' included (the slow path handles padding).
            function fast32(w, table) -> acc, bad {
                // unrolled: a loop here costs about three times as much
                let any := 0
                let v := 0
                v := byte(0, mload(add(table, byte(0, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(1, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(2, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(3, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(4, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(5, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(6, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(7, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(8, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(9, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(10, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(11, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(12, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(13, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(14, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(15, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(16, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(17, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(18, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(19, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(20, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(21, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(22, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(23, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(24, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(25, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(26, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(27, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(28, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(29, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(30, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                v := byte(0, mload(add(table, byte(31, w))))
                any := or(any, v)
                acc := or(shl(6, acc), v)
                bad := or(and(w, 0x8080808080808080808080808080808080808080808080808080808080808080), and(any, 0xc0))
            }
            let p := src
            let padded := 0
            for {} lt(p, limit) {} {
                // a full line of 64 characters and its newline, without padding
                if and(iszero(padded), lt(add(p, 64), limit)) {
                    if eq(byte(0, calldataload(add(p, 64))), NEWLINE) {
                        let a, badA := fast32(calldataload(p), tbl)
                        let c, badC := fast32(calldataload(add(p, 32)), tbl)
                        if iszero(or(badA, badC)) {
                            mstore(add(dst, written), shl(64, a))
                            mstore(add(dst, add(written, 24)), shl(64, c))
                            written := add(written, 48)
                            p := add(p, 65)
                            continue
                        }
                    }
                }
                // otherwise one quantum, or the newline that ends a line
                let w := calldataload(p)
                if eq(byte(0, w), NEWLINE) {
                    if eq(p, src) {
                        badAt := 1
                        break
                    }
                    if eq(byte(0, calldataload(sub(p, 1))), NEWLINE) {
                        badAt := add(sub(p, src), 1) // an empty line
                        break
                    }
                    p := add(p, 1)
                    continue
                }
                if or(padded, gt(add(p, CHARS_PER_QUANTUM), limit)) {
                    badAt := add(sub(p, src), 1)
                    break
                }
                if and(w, 0x8080808000000000000000000000000000000000000000000000000000000000) {
                    badAt := add(sub(p, src), 1)
                    break
                }
                let v0 := byte(0, mload(add(tbl, byte(0, w))))
                let v1 := byte(0, mload(add(tbl, byte(1, w))))
                let v2 := byte(0, mload(add(tbl, byte(2, w))))
                let v3 := byte(0, mload(add(tbl, byte(3, w))))
                w := or(or(v0, v1), or(v2, v3))
                if eq(and(w, 0xc0), 0xc0) {
                    badAt := add(sub(p, src), 1) // a character outside the alphabet
                    break
                }
                let pads := 0
                if and(w, 0x80) {
                    // '=' only as "xx==" or "xxx="
                    switch or(or(shl(3, eq(v0, 0x80)), shl(2, eq(v1, 0x80))), or(shl(1, eq(v2, 0x80)), eq(v3, 0x80)))
                    case 1 {
                        pads := 1
                    }
                    case 3 {
                        pads := 2
                        v2 := 0
                    }
                    default {
                        pads := 3
                    }
                    if eq(pads, 3) {
                        badAt := add(sub(p, src), 1)
                        break
                    }
                    padded := 1
                    v3 := 0
                }
                w := or(or(shl(18, v0), shl(12, v1)), or(shl(6, v2), v3))
                mstore8(add(dst, written), shr(16, w))
                mstore8(add(dst, add(written, 1)), and(shr(8, w), 0xff))
                mstore8(add(dst, add(written, 2)), and(w, 0xff))
                written := sub(add(written, BYTES_PER_QUANTUM), pads)
                p := add(p, CHARS_PER_QUANTUM)
            }
        }
    }

    /// @dev The first '-' at or after `from` (or the end), a word at a time.
    function _findDash(bytes calldata pem, uint256 from) private pure returns (uint256 at) {
        uint256 n = pem.length;
        assembly ("memory-safe") {
            let ones := 0x0101010101010101010101010101010101010101010101010101010101010101
            let highs := 0x8080808080808080808080808080808080808080808080808080808080808080
            let dashes := mul(0x2d, ones)
            at := n
            for {
                let p := from
            } lt(p, n) {
                p := add(p, 32)
            } {
                let x := xor(calldataload(add(pem.offset, p)), dashes)
                // a zero byte in x is a '-' in the word (exact: borrows start only at a zero byte)
                if and(and(sub(x, ones), not(x)), highs) {
                    for {
                        let i := 0
                    } lt(i, 32) {
                        i := add(i, 1)
                    } {
                        if iszero(byte(i, x)) {
                            at := add(p, i)
                            break
                        }
                    }
                    break
                }
            }
            if gt(at, n) {
                at := n
            }
        }
    }

    function _byte(bytes calldata data, uint256 at) private pure returns (uint8 b) {
        assembly ("memory-safe") {
            b := byte(0, calldataload(add(data.offset, at)))
        }
    }

    function _word(bytes calldata data, uint256 at) private pure returns (bytes32 w) {
        assembly ("memory-safe") {
            w := calldataload(add(data.offset, at))
        }
    }

    function _mask(uint256 length) private pure returns (bytes32) {
        return ~bytes32(type(uint256).max >> (length * 8));
    }
}
