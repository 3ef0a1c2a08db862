// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {NodeProgram, OperandRef} from "./IOneStepExecutor.sol";

/// @title IOpKernel
/// @notice One family of operators for the OPML one-step executor: their params, indexing and arithmetic.
///         The executor (OneStepExecutor) opens the operands a kernel names and hands it their values, so a
///         kernel never sees a Merkle proof. Op codes 16..79 belong to kernels, 16 per family
///         (family = op / 16 - 1); codes 1..10 are the executor's own. Twin of sdk/opml/kernels/kernel.ts.
/// @dev Every element reduces as acc_0 = initialAccumulator, acc_{t+1} = fold(acc_t, values of
///      operandsOf(t)), y = epilogue(acc_K, values of operandsOf(K)) (IOneStepExecutor). A kernel reverts
///      with the executor's errors (OneStep_BadParams, OneStep_UnknownOp, ...) or IntegerSemantics' errors,
///      exactly where its TypeScript twin throws the same OneStepRevert. The executor has checked that every
///      param is below 2^64 and, except in `outputCount`, that `element` is below the output count and `term`
///      at most the term count.
interface IOpKernel {
    /// @notice Checks `p`'s params (reverting OneStep_UnknownOp / OneStep_BadParams) and returns its output count.
    /// @param p The node's program.
    /// @return count The number of output elements.
    function outputCount(NodeProgram calldata p) external pure returns (uint256 count);

    /// @notice K, the number of fold terms of output element `element` (>= 1).
    /// @param p The node's program (checked).
    /// @param element The output element.
    /// @return terms K.
    function termCount(NodeProgram calldata p, uint256 element) external pure returns (uint256 terms);

    /// @notice acc_0 of output element `element`.
    /// @param p The node's program (checked).
    /// @param element The output element.
    /// @return acc The initial accumulator.
    function initialAccumulator(NodeProgram calldata p, uint256 element) external pure returns (int256 acc);

    /// @notice The operands term `term` reads from accumulator `acc` (term == K: the epilogue's).
    /// @param p The node's program (checked).
    /// @param element The output element.
    /// @param term The term, or K.
    /// @param acc The accumulator before the term.
    /// @return refs Where each operand lies (source 0: nothing read, value 0).
    function operandsOf(
        NodeProgram calldata p,
        uint256 element,
        uint256 term,
        int256 acc
    ) external pure returns (OperandRef[] memory refs);

    /// @notice acc_{term+1} from acc_term and the values of operandsOf(p, element, term, acc).
    /// @param p The node's program (checked).
    /// @param element The output element.
    /// @param term The term (< K).
    /// @param acc acc_term.
    /// @param values One value per operand (0 for source 0), in operandsOf's order.
    /// @return next acc_{term+1}.
    function fold(
        NodeProgram calldata p,
        uint256 element,
        uint256 term,
        int256 acc,
        int256[] calldata values
    ) external pure returns (int256 next);

    /// @notice The output element from acc_K and the values of operandsOf(p, element, K, acc).
    /// @param p The node's program (checked).
    /// @param element The output element.
    /// @param acc acc_K.
    /// @param values One value per operand, in operandsOf's order.
    /// @return y The output element.
    function epilogue(
        NodeProgram calldata p,
        uint256 element,
        int256 acc,
        int256[] calldata values
    ) external pure returns (int256 y);
}
