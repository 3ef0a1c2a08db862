// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Vm
/// @notice The few Foundry cheatcodes these tests use, as Hardhat 3's Solidity test runner (EDR)
///         serves them. forge-std is not vendored (its usual install is from GitHub); this interface
///         declares the same signatures, so a test can switch to forge-std's Test without changes.
// solhint-disable-next-line interface-starts-with-i
interface Vm {
    /// @notice Discards the current fuzz input when `condition` is false.
    function assume(bool condition) external pure;

    /// @notice The next call must revert with exactly `revertData`.
    function expectRevert(bytes calldata revertData) external;

    /// @notice Replaces the runtime code at `target`.
    function etch(address target, bytes calldata newRuntimeBytecode) external;

    /// @notice Reads storage slot `slot` of `target`.
    function load(address target, bytes32 slot) external view returns (bytes32 data);
}

/// @title TestBase
/// @notice The cheatcode handle and the assertions the library tests share. A failed assertion
///         reverts with a custom error that the test runner prints decoded.
abstract contract TestBase {
    /// @notice The cheatcode address, address(uint160(uint256(keccak256("hevm cheat code")))).
    Vm internal constant VM = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    error AssertionFailed(string what);
    error NotEqualUint(string what, uint256 left, uint256 right);
    error NotEqualInt(string what, int256 left, int256 right);
    error NotEqualBytes32(string what, bytes32 left, bytes32 right);
    error NotEqualBytes(string what, bytes left, bytes right);

    function assertTrue(bool condition, string memory what) internal pure {
        if (!condition) revert AssertionFailed(what);
    }

    function assertFalse(bool condition, string memory what) internal pure {
        if (condition) revert AssertionFailed(what);
    }

    function assertEq(uint256 left, uint256 right, string memory what) internal pure {
        if (left != right) revert NotEqualUint(what, left, right);
    }

    function assertEq(int256 left, int256 right, string memory what) internal pure {
        if (left != right) revert NotEqualInt(what, left, right);
    }

    function assertEq(bytes32 left, bytes32 right, string memory what) internal pure {
        if (left != right) revert NotEqualBytes32(what, left, right);
    }

    function assertEq(bytes memory left, bytes memory right, string memory what) internal pure {
        if (keccak256(left) != keccak256(right)) revert NotEqualBytes(what, left, right);
    }

    /// @notice `x` mapped into [min, max] (both included), as forge-std's bound but by plain modulo.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (min > max) revert AssertionFailed("bound: min > max");
        if (min == 0 && max == type(uint256).max) return x;
        return min + (x % (max - min + 1));
    }
}
