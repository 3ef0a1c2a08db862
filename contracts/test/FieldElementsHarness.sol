// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {FieldElements} from "../libraries/FieldElements.sol";

/// @title FieldElementsHarness
/// @notice Test-only contract exposing the FieldElements library to the TypeScript tests (sdk/field.ts).
contract FieldElementsHarness {
    /// @notice See FieldElements.fromSigned.
    function fromSigned(int256 v) external pure returns (uint256) {
        return FieldElements.fromSigned(v);
    }

    /// @notice See FieldElements.fromHash.
    function fromHash(bytes32 h) external pure returns (uint256) {
        return FieldElements.fromHash(h);
    }
}
