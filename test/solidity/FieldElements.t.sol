// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {FieldElements} from "../../contracts/libraries/FieldElements.sol";
import {FieldElementsHarness} from "../../contracts/test/FieldElementsHarness.sol";
import {TestBase} from "./utils/Vm.sol";

/// @notice FieldElements: the signed encoding's bound and round trip, and hash reduction.
contract FieldElementsTest is TestBase {
    uint256 private constant P = FieldElements.P;
    uint256 private constant HALF = FieldElements.P / 2;

    FieldElementsHarness private harness;

    function setUp() external {
        harness = new FieldElementsHarness();
    }

    /// @dev The decoding the ZK backends apply: x <= p/2 is x, above is x - p.
    function _decode(uint256 x) private pure returns (int256) {
        return x <= HALF ? int256(x) : -int256(P - x);
    }

    function _outsideField(int256 v) private pure returns (bytes memory) {
        return abi.encodeWithSelector(FieldElements.ValueOutsideField.selector, v);
    }

    function testModulusIsBn254ScalarField() external pure {
        assertEq(P, 21888242871839275222246405745257275088548364400416034343698204186575808495617, "P");
        assertEq(P % 2, 1, "p is odd, so p/2 rounds down and the bound is symmetric");
    }

    function testSmallValues() external view {
        assertEq(harness.fromSigned(0), 0, "0");
        assertEq(harness.fromSigned(1), 1, "1");
        assertEq(harness.fromSigned(-1), P - 1, "-1");
        assertEq(harness.fromSigned(-42), P - 42, "-42");
    }

    function testBoundIsInclusive() external view {
        assertEq(harness.fromSigned(int256(HALF)), HALF, "p/2");
        assertEq(harness.fromSigned(-int256(HALF)), HALF + 1, "-p/2");
        assertEq(_decode(HALF), int256(HALF), "p/2 decodes to itself");
        assertEq(_decode(HALF + 1), -int256(HALF), "p/2 + 1 decodes to -p/2");
    }

    function testJustBeyondTheBoundIsRefused() external {
        VM.expectRevert(_outsideField(int256(HALF + 1)));
        harness.fromSigned(int256(HALF + 1));
        VM.expectRevert(_outsideField(-int256(HALF + 1)));
        harness.fromSigned(-int256(HALF + 1));
    }

    function testExtremesAreRefused() external {
        VM.expectRevert(_outsideField(type(int256).min));
        harness.fromSigned(type(int256).min);
        VM.expectRevert(_outsideField(type(int256).max));
        harness.fromSigned(type(int256).max);
        VM.expectRevert(_outsideField(type(int256).min + 1));
        harness.fromSigned(type(int256).min + 1);
    }

    /// @notice Within |v| <= p/2: an element of the field that decodes back to v.
    function testRoundTrip(int256 seed) external view {
        int256 v = int256(bound(uint256(seed), 0, 2 * HALF)) - int256(HALF);
        uint256 x = harness.fromSigned(v);
        assertTrue(x < P, "below p");
        assertEq(_decode(x), v, "round trip");
        assertEq(x, uint256((int256(P) + v) % int256(P)), "v mod p");
    }

    /// @notice Every int256: accepted exactly when |v| <= p/2, otherwise ValueOutsideField(v).
    function testAcceptedExactlyWithinTheBound(int256 v) external view {
        bool inside = v >= -int256(HALF) && v <= int256(HALF);
        try harness.fromSigned(v) returns (uint256 x) {
            assertTrue(inside, "accepted a value beyond p/2");
            assertEq(_decode(x), v, "round trip");
        } catch (bytes memory err) {
            assertFalse(inside, "refused a value within p/2");
            assertEq(err, _outsideField(v), "revert data");
        }
    }

    function testFromHashEdges() external view {
        assertEq(harness.fromHash(bytes32(0)), 0, "0");
        assertEq(harness.fromHash(bytes32(P - 1)), P - 1, "p - 1");
        assertEq(harness.fromHash(bytes32(P)), 0, "p");
        assertEq(harness.fromHash(bytes32(P + 5)), 5, "p + 5");
        assertEq(harness.fromHash(bytes32(type(uint256).max)), type(uint256).max % P, "max");
    }

    function testFromHashIsBelowP(bytes32 h) external view {
        uint256 x = harness.fromHash(h);
        assertTrue(x < P, "below p");
        assertEq(x, uint256(h) % P, "h mod p");
    }
}
