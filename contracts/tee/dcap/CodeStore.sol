// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

// Assembly is used for CREATE and EXTCODECOPY; every use is commented and bounds-checked by its caller.
/* solhint-disable no-inline-assembly */

/// @title CodeStore
/// @notice Stores bytes as the code of a fresh contract (the "SSTORE2" pattern): about 200 gas a
///         byte to write, and one EXTCODECOPY to read back, much cheaper than storage slots for the
///         parsed collateral a quote verification reads whole.
/// @dev The code starts with a STOP byte so that the data contract can never be called into doing
///      anything.
library CodeStore {
    /// @notice Creating the data contract failed (out of gas).
    error CodeStore_WriteFailed();
    /// @notice The data does not fit a contract's code (EIP-170: 24,576 bytes, one of them the STOP).
    error CodeStore_TooLarge(uint256 length);

    /// @dev Init code: copy the runtime (which follows these 10 bytes) to memory and return it:
    ///      PUSH2 len, then DUP1, PUSH1 0x0a, RETURNDATASIZE(0), CODECOPY, RETURNDATASIZE(0), RETURN.
    bytes7 private constant INIT_PREFIX_TAIL = hex"80600a3d393df3";
    uint8 private constant PUSH2 = 0x61;
    uint256 private constant DATA_OFFSET = 1; // the STOP byte before the data
    /// @dev EIP-170's limit on a contract's code size.
    uint256 private constant MAX_CODE_SIZE = 24_576;

    /// @notice Writes `data` and returns where it lives.
    /// @param data The bytes.
    /// @return pointer The data contract.
    function write(bytes memory data) internal returns (address pointer) {
        if (data.length + DATA_OFFSET > MAX_CODE_SIZE) revert CodeStore_TooLarge(data.length);
        bytes memory runtime = abi.encodePacked(hex"00", data);
        bytes memory init = abi.encodePacked(bytes1(PUSH2), uint16(runtime.length), INIT_PREFIX_TAIL, runtime);
        assembly ("memory-safe") {
            pointer := create(0, add(init, 0x20), mload(init))
        }
        if (pointer == address(0)) revert CodeStore_WriteFailed();
    }

    /// @notice Reads back what `write` stored at `pointer`.
    /// @param pointer The data contract.
    /// @return data The bytes.
    function read(address pointer) internal view returns (bytes memory data) {
        uint256 size = pointer.code.length;
        if (size < DATA_OFFSET) return data;
        data = new bytes(size - DATA_OFFSET);
        assembly ("memory-safe") {
            extcodecopy(pointer, add(data, 0x20), DATA_OFFSET, sub(size, DATA_OFFSET))
        }
    }
}
