// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IEnclaveRegistry} from "./IEnclaveRegistry.sol";

/// @title IEnclaveAdmitter
/// @notice A way of deciding that an attestation is genuine, which then admits the enclave key it
///         binds into an `IEnclaveRegistry` (`IEnclaveRegistry.admit`). The registry's owner enables
///         each admitter; several may be enabled side by side, and the registry records which one
///         admitted each key (disabling an admitter suspends its keys).
/// @dev Implementations: `QuorumAdmitter` (M-of-N off-chain attestation verifiers sign an EIP-712
///      admission). An on-chain quote verifier (e.g. an Intel DCAP verifier such as Automata's)
///      fits the same slot: its own `admit(quote, collateral, ...)` verifies the quote, derives the
///      measurement and the key from the quote's report data, and calls `IEnclaveRegistry.admit`.
///      Each admitter defines what its `measurement` is (and documents it); a model accepts a
///      measurement value, so admitters with different measurement definitions do not mix.
interface IEnclaveAdmitter {
    /// @notice The registry this admitter admits keys into.
    /// @return The registry.
    function enclaveRegistry() external view returns (IEnclaveRegistry);
}
