// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title VerifierCall
/// @notice Asks a generated verifier contract (snarkjs, EZKL) whether it accepts a proof.
library VerifierCall {
    /// @notice True only if `verifier` returns exactly `true` for `data`; a revert, no code or any
    ///         other answer is a rejection.
    /// @dev A low-level call: the verifier is per model, and the Groth16 selector depends on the
    ///      number of public signals, so there is no one interface to call through.
    function accepts(address verifier, bytes memory data) internal view returns (bool) {
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = verifier.staticcall(data);
        // Compared as a word, not abi.decode(bool): a word other than 0 or 1 must read as a rejection, not revert.
        return ok && ret.length == 32 && uint256(bytes32(ret)) == 1;
    }
}
