// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

// Assembly is used for the precompile call; every use is commented and bounds-checked by its caller.
/* solhint-disable no-inline-assembly */

/// @title P256
/// @notice ECDSA P-256 (secp256r1) signature checks through the precompile at 0x100 (EIP-7951 on
///         Ethereum since Osaka; the same interface as RIP-7212 on rollups): input
///         `hash ‖ r ‖ s ‖ x ‖ y` (5 x 32 bytes), output 32 bytes equal to 1 for a valid signature and
///         empty otherwise. It costs 6,900 gas a check.
/// @dev There is deliberately no Solidity fallback: on a chain without the precompile every check
///      fails (empty output), and `requirePrecompile` lets a constructor refuse to deploy there.
library P256 {
    /// @notice The chain has no P-256 precompile at 0x100 (EIP-7951 / RIP-7212): DCAP quotes cannot
    ///         be verified on it.
    error P256_PrecompileMissing();

    /// @notice Where the precompile lives.
    address internal constant PRECOMPILE = address(0x100);
    /// @notice The precompile's input length: hash, r, s, x, y.
    uint256 internal constant INPUT_LENGTH = 160;
    /// @notice The precompile's output length on success.
    uint256 internal constant OUTPUT_LENGTH = 32;

    // A valid signature (made once with @noble/curves) that the precompile must accept: sha256("vinfer
    // P-256 precompile probe"), signed by a throwaway key.
    bytes32 private constant PROBE_HASH = 0x17906fa8a8585566d4be17a6104562ce4c9eb22ff6ad1a02a8b239e0b2bd8048;
    bytes32 private constant PROBE_R = 0x493a4977eacdc857cb509f1bca47aad723bb587ad3fae480e1f0d567ea6045e4;
    bytes32 private constant PROBE_S = 0x325530ba828a693587303d8e46f27d6a82e052acc29828afe2ba6622ed8d6c87;
    bytes32 private constant PROBE_X = 0x1c78f460b33f4944f67afe90d36565d2dca871c2d0ec30db0aa0a6384a776902;
    bytes32 private constant PROBE_Y = 0x6904459b34df362a598c974f28e7aeb08cfa057a3c3ec1997fcbe6216495af0b;

    /// @notice Whether `(r, s)` is a valid P-256 signature of the 32-byte `hash` by the key `(x, y)`.
    /// @dev False for any invalid input (off-curve key, r or s out of range), and on a chain without
    ///      the precompile.
    /// @param hash The message hash (SHA-256 of the signed bytes for DCAP).
    /// @param r The signature's r.
    /// @param s The signature's s.
    /// @param x The public key's x coordinate.
    /// @param y The public key's y coordinate.
    /// @return ok True when the signature verifies.
    function verify(bytes32 hash, bytes32 r, bytes32 s, bytes32 x, bytes32 y) internal view returns (bool ok) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, hash)
            mstore(add(p, 0x20), r)
            mstore(add(p, 0x40), s)
            mstore(add(p, 0x60), x)
            mstore(add(p, 0x80), y)
            mstore(0x00, 0)
            let success := staticcall(gas(), 0x100, p, INPUT_LENGTH, 0x00, OUTPUT_LENGTH)
            ok := and(success, and(eq(returndatasize(), OUTPUT_LENGTH), eq(mload(0x00), 1)))
        }
    }

    /// @notice Reverts with `P256_PrecompileMissing` unless the chain's precompile accepts a known-good
    ///         signature.
    function requirePrecompile() internal view {
        if (!verify(PROBE_HASH, PROBE_R, PROBE_S, PROBE_X, PROBE_Y)) revert P256_PrecompileMissing();
    }
}
