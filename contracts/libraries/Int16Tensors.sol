// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Int16Tensors
/// @notice The protocol's wire format of a quantized tensor: its values, flattened, as 2-byte
///         big-endian two's-complement integers, i.e. `abi.encodePacked(int16 v0, int16 v1, ...)`
///         (`bytes` of length 2n). Requests, results, events and callbacks carry tensors in this
///         form: 2 bytes a value instead of the 32 of an `int256[]` element (docs/protocol.md,
///         "Tensor encoding"). Twin: sdk/commit/int16Tensor.ts.
/// @dev Every activation of a model with A <= 16 bits fits a lane; models with wider activations
///      are refused at registration by the SDK (registerModel).
library Int16Tensors {
    /// @notice Bytes per value.
    uint256 internal constant BYTES_PER_VALUE = 2;
    /// @dev A lane is the top 16 bits of the 32-byte word calldataload reads at its offset.
    uint256 private constant LANE_SHIFT = 240;
    /// @dev signextend's byte index for a 2-byte value.
    uint256 private constant SIGN_BYTE = 1;

    /// @notice The encoding's length is odd: it holds no whole number of values.
    error Int16Tensors_OddLength(uint256 length);
    /// @notice `value` (element `index`) does not fit an int16.
    error Int16Tensors_ValueOutOfRange(uint256 index, int256 value);

    /// @notice Number of values in `tensor` (reverts on an odd length).
    function count(bytes calldata tensor) internal pure returns (uint256) {
        if (tensor.length % BYTES_PER_VALUE != 0) revert Int16Tensors_OddLength(tensor.length);
        return tensor.length / BYTES_PER_VALUE;
    }

    /// @notice Value `i` of `tensor` (the caller keeps `i` below `count(tensor)`).
    function at(bytes calldata tensor, uint256 i) internal pure returns (int256 v) {
        // INVARIANT: callers index below the length, so the 2 bytes read are the tensor's own;
        // calldataload past the end of calldata reads zeros, never another argument's bytes
        // as a valid lane of this one (the bytes after the lane are shifted out).
        assembly ("memory-safe") {
            v := signextend(SIGN_BYTE, shr(LANE_SHIFT, calldataload(add(tensor.offset, mul(i, BYTES_PER_VALUE)))))
        }
    }

    /// @notice The index of `tensor`'s first value outside [lo, hi], or its count when there is none.
    /// @dev One unsigned comparison a value (v - lo > hi - lo also catches v < lo, which wraps);
    ///      the caller guarantees lo <= hi.
    function firstOutside(bytes calldata tensor, int256 lo, int256 hi) internal pure returns (uint256 i) {
        uint256 n = count(tensor);
        assembly ("memory-safe") {
            let span := sub(hi, lo)
            for {} lt(i, n) {
                i := add(i, 1)
            } {
                let v := signextend(
                    SIGN_BYTE,
                    shr(LANE_SHIFT, calldataload(add(tensor.offset, mul(i, BYTES_PER_VALUE))))
                )
                if gt(sub(v, lo), span) {
                    break
                }
            }
        }
    }

    /// @notice The values of `tensor` as an array: what consumers read results from.
    function toArray(bytes calldata tensor) internal pure returns (int256[] memory values) {
        uint256 n = count(tensor);
        values = new int256[](n);
        for (uint256 i = 0; i < n; ++i) values[i] = at(tensor, i);
    }

    /// @notice The encoding of `values` (each must fit an int16): what a contract passes to
    ///         `IInferenceRouter.request` when it builds an input on chain.
    function encode(int256[] memory values) internal pure returns (bytes memory tensor) {
        uint256 n = values.length;
        tensor = new bytes(n * BYTES_PER_VALUE);
        uint256 bad = n;
        assembly ("memory-safe") {
            let src := add(values, 0x20)
            let dst := add(tensor, 0x20)
            for {
                let i := 0
            } lt(i, n) {
                i := add(i, 1)
            } {
                let v := mload(add(src, mul(i, 0x20)))
                if iszero(eq(signextend(SIGN_BYTE, v), v)) {
                    bad := i
                    break
                }
                // In increasing order: each store's 30 trailing zero bytes are overwritten by the
                // next value; the last one's land past the array, in scratch memory.
                mstore(add(dst, mul(i, BYTES_PER_VALUE)), shl(LANE_SHIFT, v))
            }
        }
        if (bad < n) revert Int16Tensors_ValueOutOfRange(bad, values[bad]);
    }
}
