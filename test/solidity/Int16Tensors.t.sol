// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Int16Tensors} from "../../contracts/libraries/Int16Tensors.sol";
import {Int16TensorsExposed} from "./utils/Exposed.sol";
import {TestBase} from "./utils/Vm.sol";

/// @notice The wire format of tensors: decoding is the inverse of encoding, equals
///         abi.encodePacked(int16...), and malformed encodings or values are refused.
contract Int16TensorsTest is TestBase {
    Int16TensorsExposed private harness;

    function setUp() external {
        harness = new Int16TensorsExposed();
    }

    function _values(int16[] calldata lanes) private pure returns (int256[] memory values) {
        values = new int256[](lanes.length);
        for (uint256 i = 0; i < lanes.length; ++i) values[i] = lanes[i];
    }

    function testFuzzEncodeIsPackedInt16(int16[] calldata lanes) external view {
        bytes memory packed;
        for (uint256 i = 0; i < lanes.length; ++i) packed = abi.encodePacked(packed, lanes[i]);
        assertEq(harness.encode(_values(lanes)), packed, "encode = abi.encodePacked(int16...)");
    }

    function testFuzzDecodeInvertsEncode(int16[] calldata lanes) external view {
        int256[] memory values = _values(lanes);
        bytes memory tensor = harness.encode(values);
        assertEq(harness.count(tensor), lanes.length, "count");
        int256[] memory back = harness.toArray(tensor);
        assertEq(back.length, values.length, "length");
        for (uint256 i = 0; i < values.length; ++i) assertEq(back[i], values[i], "value");
    }

    function testFuzzDecodeEveryEvenLengthByteString(bytes calldata tensor) external view {
        VM.assume(tensor.length % 2 == 0);
        int256[] memory values = harness.toArray(tensor);
        // Every byte string of even length is a valid tensor, and encodes back to itself.
        assertEq(harness.encode(values), tensor, "re-encoding");
    }

    function testFuzzOddLengthIsRefused(bytes calldata tensor) external {
        VM.assume(tensor.length % 2 == 1);
        VM.expectRevert(abi.encodeWithSelector(Int16Tensors.Int16Tensors_OddLength.selector, tensor.length));
        harness.count(tensor);
    }

    function testFuzzOutOfRangeValueIsRefused(int256 v, uint8 at) external {
        VM.assume(v < type(int16).min || v > type(int16).max);
        int256[] memory values = new int256[](uint256(at) + 1);
        values[at] = v;
        VM.expectRevert(abi.encodeWithSelector(Int16Tensors.Int16Tensors_ValueOutOfRange.selector, uint256(at), v));
        harness.encode(values);
    }
}
