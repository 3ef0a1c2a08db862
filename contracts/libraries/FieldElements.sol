// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title FieldElements
/// @notice Signed integers as elements of the BN254 scalar field, the encoding both ZK backends
///         use for public values: v >= 0 maps to v, v < 0 maps to p + v.
library FieldElements {
    /// @notice The BN254 scalar field modulus.
    uint256 internal constant P = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @notice The value has no field encoding (|v| must stay below p/2 to decode uniquely).
    error ValueOutsideField(int256 value);

    /// @notice The field element encoding signed `v`.
    function fromSigned(int256 v) internal pure returns (uint256) {
        if (v >= 0) {
            if (uint256(v) > P / 2) revert ValueOutsideField(v);
            return uint256(v);
        }
        // -v cannot overflow here: type(int256).min is rejected by the magnitude check first.
        if (v == type(int256).min || uint256(-v) > P / 2) revert ValueOutsideField(v);
        return P - uint256(-v);
    }

    /// @notice A hash reduced into the field (a public input must be below p).
    function fromHash(bytes32 h) internal pure returns (uint256) {
        return uint256(h) % P;
    }
}
