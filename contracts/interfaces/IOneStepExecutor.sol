// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice One node of a model as the OPML game sees it: its operator and the integer parameters
///         the executor indexes it with (shapes, strides, pads, where its operands lie in the trace
///         and in the weight stream, shift, bias alignment, activation width...). The encoding of
///         `params` is per operator (sdk/opml/program.ts, docs/opml.md). A model's *program root*
///         is the positional keccak tree (ModelCommitments' conventions) over
///         `programLeaf(n) = keccak256(0x03 ‖ uint256 n ‖ uint256 op ‖ keccak256(abi.encodePacked(params)))`
///         for every node n in graph order; the model's OPML verifier (OpmlModel) pins it.
struct NodeProgram {
    uint8 op;
    uint256[] params;
}

/// @notice The model a step reads weights from: its weight-stream root and length (both bound to
///         the model id by OpmlModel).
struct WeightsBinding {
    bytes32 weightsRoot;
    uint256 weightCount;
}

/// @notice One operand a step reads, with what opens it.
/// @dev Trace operands: `tensorRoot`, `count` and `stepProof` open the operand's step leaf
///      (TraceCommitments.stepLeaf) against the agreed state root; `chunk` and `chunkProof` open
///      the chunk holding the element against `tensorRoot`. Weight operands: only `chunk` and
///      `chunkProof`, against the weights root (`tensorRoot`, `count`, `stepProof` ignored).
///      Which operands a step reads, in which order, is the executor's (`operandsOf`).
struct OperandOpening {
    bytes32 tensorRoot;
    uint256 count;
    bytes32[] stepProof;
    int256[16] chunk; // ModelCommitments.WEIGHT_CHUNK_SIZE
    bytes32[] chunkProof;
}

/// @notice Where an operand lies. source: 0 none (a padding tap: the step reads nothing),
///         1 trace (step `step`, element `index` of its tensor), 2 weight (element `index` of the
///         weight stream).
struct OperandRef {
    uint8 source;
    uint256 step;
    uint256 index;
}

/// @title IOneStepExecutor
/// @notice Re-executes, on chain, the single step of a model's integer IR that an OPML dispute has
///         narrowed down to (after Optimism's IBigStepper, but for an integer IR, not a VM).
/// @dev Every output element y of node n is computed as a reduction (docs/opml.md):
///        acc_0 = initialAccumulator(p, e)
///        acc_{t+1} = fold(acc_t, operands of term t)        for t in 0..K-1, K = termCount(p, e)
///        y = epilogue(acc_K, epilogue operands)
///      Gemm/MatMul/Conv fold a multiply-accumulate and end with rescale/saturate (bias); pools fold
///      a max or a sum and end with identity or the rounded division; ArgMax folds the running best
///      index; Add folds its two operands and saturates; Relu, Flatten and Reshape fold one copy.
///      All of it is docs/integer-semantics.md bit for bit (padding taps, broadcasting, ties,
///      rounding, saturation). Operands are opened against the *agreed state root* (the
///      positional tree over the step leaves 0..n, zero beyond: sdk/opml/trace.ts) and the
///      weights root. Deterministic: the same arguments give the same answer on every chain (view only
///      because operator families beyond the executor's own live in IOpKernel contracts it calls).
interface IOneStepExecutor {
    /// @notice How many output elements node program `p` has (the count of its trace step).
    /// @param p The node's program.
    /// @return count The number of output elements.
    function outputCount(NodeProgram calldata p) external view returns (uint256 count);

    /// @notice How many fold terms output element `element` of `p` has (K >= 1).
    /// @param p The node's program.
    /// @param element The output element (row-major).
    /// @return terms K.
    function termCount(NodeProgram calldata p, uint256 element) external view returns (uint256 terms);

    /// @notice acc_0 of output element `element`.
    /// @param p The node's program.
    /// @param element The output element.
    /// @return acc The initial accumulator.
    function initialAccumulator(NodeProgram calldata p, uint256 element) external view returns (int256 acc);

    /// @notice The operands that term `term` of `element` reads from pre-accumulator `acc` (ArgMax
    ///         reads the running best, so the address depends on it); term == termCount: the
    ///         epilogue's operands.
    /// @param p The node's program.
    /// @param element The output element.
    /// @param term The term, or K for the epilogue.
    /// @param acc The accumulator before the term (acc_K for the epilogue).
    /// @return refs Where each operand lies, in the order `foldStep`/`epilogueStep` take their openings.
    function operandsOf(
        NodeProgram calldata p,
        uint256 element,
        uint256 term,
        int256 acc
    ) external view returns (OperandRef[] memory refs);

    /// @notice acc_{term+1} from acc_term, reading the term's operands through their openings.
    /// @param p The node's program (the caller has checked it against the model's program root).
    /// @param w The model's weights root and count.
    /// @param stateRoot The agreed state root (steps 0..n of the node's execution).
    /// @param element The output element.
    /// @param term The term (< termCount).
    /// @param acc acc_term.
    /// @param operands One opening per `operandsOf(p, element, term, acc)` entry, in that order.
    /// @return next acc_{term+1}.
    function foldStep(
        NodeProgram calldata p,
        WeightsBinding calldata w,
        bytes32 stateRoot,
        uint256 element,
        uint256 term,
        int256 acc,
        OperandOpening[] calldata operands
    ) external view returns (int256 next);

    /// @notice Output element y from acc_K.
    /// @param p The node's program.
    /// @param w The model's weights root and count.
    /// @param stateRoot The agreed state root.
    /// @param element The output element.
    /// @param acc acc_K.
    /// @param operands One opening per `operandsOf(p, element, K, acc)` entry, in that order.
    /// @return y The output element.
    function epilogueStep(
        NodeProgram calldata p,
        WeightsBinding calldata w,
        bytes32 stateRoot,
        uint256 element,
        int256 acc,
        OperandOpening[] calldata operands
    ) external view returns (int256 y);
}
