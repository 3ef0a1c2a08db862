// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IOneStepExecutor
/// @notice Executes exactly one step of a model's integer IR on chain, the last step of an OPML
///         fraud-proof dispute (after Optimism's IBigStepper). A bisection game narrows a dispute
///         over a whole inference down to one step whose pre-state both parties agree on and
///         whose post-state they do not; this contract computes that step, so the post-state
///         either party claimed can be checked against the truth.
/// @dev Interface only; the OPML issue implements it. The state of an execution (the IR program
///      counter, the tensors computed so far, the model's weights) is committed to by one hash;
///      `proofs` carries what the step reads (the instruction, its operands' values with Merkle
///      proofs against the pre-state, the weight chunks with ModelCommitments.verifyWeightChunk
///      proofs against the model id's weights root) and what it needs to recompute the commitment
///      after its write. The step is a pure function of the pre-state: the same arguments always
///      give the same post-state, on every chain (integer semantics: docs/integer-semantics.md).
interface IOneStepExecutor {
    /// @notice The proofs do not open the pre-state (or the model's weights) at what the step reads.
    /// @param preStateHash The pre-state commitment the proofs were checked against.
    error Executor_InvalidStateProof(bytes32 preStateHash);
    /// @notice The pre-state is final: there is no next step to execute.
    /// @param preStateHash The final state.
    error Executor_Halted(bytes32 preStateHash);

    /// @notice Executes the one IR step that follows `preStateHash` and returns the state after it.
    /// @param modelId The model (its id commits to the IR and the weights, docs/commitments.md).
    /// @param preStateHash Commitment to the execution state before the step.
    /// @param stateData The pre-state's fields the step needs (program counter, shapes), hashing
    ///        together with the proofs' roots to `preStateHash`.
    /// @param proofs The operands, weights and Merkle witnesses the step reads and writes.
    /// @return postStateHash Commitment to the execution state after the step.
    function step(
        bytes32 modelId,
        bytes32 preStateHash,
        bytes calldata stateData,
        bytes calldata proofs
    ) external view returns (bytes32 postStateHash);
}
