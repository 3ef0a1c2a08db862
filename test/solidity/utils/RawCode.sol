// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title RawCode
/// @notice Runtime bytecode for test callees whose gas and answers must be exact, installed with
///         vm.etch. Solidity would add a prologue of compiler-dependent cost.
library RawCode {
    error AnswerTooLong(uint256 length);

    /// @notice GAS PUSH0 SSTORE STOP: stores the gas it was given, less 2 (GAS's cost), in slot 0.
    bytes internal constant GAS_PROBE = hex"5a5f5500";

    /// @notice JUMPDEST PUSH0 JUMP: loops until it runs out of gas.
    bytes internal constant GAS_BURNER = hex"5b5f56";

    /// @notice PUSH3 0x0af000 PUSH0 RETURN: returns 716,800 zero bytes (~1.05M gas of its own memory).
    bytes internal constant RETURN_BOMB = hex"620af0005ff3";
    uint256 internal constant RETURN_BOMB_SIZE = 0x0af000;

    /// @notice Code that returns `data` for any call.
    function returning(bytes memory data) internal pure returns (bytes memory) {
        return _answering(data, 0xf3);
    }

    /// @notice Code that reverts with `data` for any call.
    function reverting(bytes memory data) internal pure returns (bytes memory) {
        return _answering(data, 0xfd);
    }

    /// @dev PUSH2 len PUSH1 12 PUSH0 CODECOPY PUSH2 len PUSH0 RETURN|REVERT, then `data` (at offset 12).
    function _answering(bytes memory data, uint8 terminator) private pure returns (bytes memory) {
        if (data.length > type(uint16).max) revert AnswerTooLong(data.length);
        uint16 len = uint16(data.length);
        return abi.encodePacked(hex"61", len, hex"600c5f39", hex"61", len, hex"5f", terminator, data);
    }
}
