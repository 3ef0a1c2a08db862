// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title ExactGasCall
/// @notice Calls a contract with exactly a given gas limit, or not at all. Without the check a
///         caller could send a transaction with just too little gas, so that the callee runs out
///         (EIP-150 keeps 1/64 back) while the caller still succeeds, and deliberately fail a
///         callback it was paid to deliver.
library ExactGasCall {
    /// @notice Gas spent between the check and the CALL opcode, kept in reserve.
    uint256 private constant CHECK_OVERHEAD = 5_000;

    /// @notice The transaction did not carry enough gas to give the callee its full limit.
    error InsufficientGasForCall(uint256 available, uint256 required);

    /// @notice Calls `target` with `data` and exactly `gasLimit` gas; returns whether it succeeded.
    /// @dev Return data is never copied, so a callee cannot make the caller pay for a huge
    ///      return buffer ("return bomb").
    function callWithExactGas(address target, uint256 gasLimit, bytes memory data) internal returns (bool success) {
        uint256 required = gasLimit + gasLimit / 63 + CHECK_OVERHEAD;
        if (gasleft() < required) revert InsufficientGasForCall(gasleft(), required);
        // Assembly: Solidity's call always copies return data, which would reopen the return bomb.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            success := call(gasLimit, target, 0, add(data, 0x20), mload(data), 0, 0)
        }
    }
}
