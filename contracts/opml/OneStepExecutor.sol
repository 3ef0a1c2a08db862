// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ModelCommitments} from "../libraries/ModelCommitments.sol";
import {TraceCommitments} from "../libraries/TraceCommitments.sol";
import {IntegerSemantics} from "./IntegerSemantics.sol";

/// @title OneStepExecutor
/// @notice The last step of an OPML dispute for the linear operators (Gemm, MatMul): one
///         multiply-accumulate term of one output element (macStep), or that element's epilogue
///         (epilogueStep), re-executed on chain with its operands taken from Merkle openings: the
///         activation from the agreed trace (sdk/opml/trace.ts, TraceCommitments), the weight
///         from the model's weight stream (its root bound to the model id). TypeScript twin:
///         sdk/opml/accumulators.ts.
/// @dev A refinement of IOneStepExecutor for one reduction term rather than a whole VM state:
///      the pre-state is (trace root, node, element, term, running sum acc_k), the post-state is
///      acc_{k+1}. The caller (the dispute game) compares the result with the running sums the
///      two parties committed to (their term roots, sdk/opml/accumulators.ts).
///      NOT YET BOUND: the node's geometry (LinearGeometry: shapes, transA/transB, broadcasting,
///      where the operand lies in the trace and in the weight stream, shift, bias alignment,
///      activation width) is taken as calldata. It is committed to by the IR description
///      (irHash), but this contract does not open irHash: a caller can pass a geometry the model
///      does not have. Whoever uses this contract in a game must bind it (e.g. have both parties
///      agree on it at the start of the game, or open it against irHash) before trusting a step.
contract OneStepExecutor {
    /// @notice The chunk size of every tensor and of the weight stream.
    uint256 internal constant CHUNK = 16;

    /// @notice The model a step reads weights from: its id and the three values it hashes.
    struct ModelBinding {
        bytes32 modelId;
        bytes32 irHash;
        bytes32 weightsRoot;
        uint256 weightCount;
    }

    /// @notice The geometry of one Gemm/MatMul node (sdk/opml/accumulators.ts LinearGeometry).
    /// @dev Not bound to the model's irHash yet (see the contract's dev note). Only ever calldata,
    ///      never stored: its packing does not matter.
    // solhint-disable-next-line gas-struct-packing
    struct LinearGeometry {
        uint256 node;
        uint256 inputStep;
        uint256 inputOffset;
        bool activationIsA;
        uint256 weightOffset;
        uint256 m;
        uint256 k;
        uint256 n;
        bool transA;
        bool transB;
        uint256[] batchShape;
        uint256[] aBatchShape;
        uint256[] bBatchShape;
        bool hasBias;
        uint256 biasOffset;
        uint256 biasRows;
        uint256 biasCols;
        uint256 shift;
        uint256 biasShiftLeft;
        uint256 activationBits;
    }

    /// @notice A trace step's leaf: its tensor root and element count, with the proof to the trace root.
    struct StepOpening {
        bytes32 tensorRoot;
        uint256 count;
        bytes32[] proof;
    }

    /// @notice One chunk of a tensor or of the weight stream, with its proof (the chunk index is derived).
    struct ChunkOpening {
        int256[16] chunk;
        bytes32[] proof;
    }

    /// @notice One multiply-accumulate term: acc_{term+1} = acc + x * w.
    struct MacStep {
        ModelBinding model;
        bytes32 traceRoot;
        LinearGeometry geometry;
        uint256 element;
        uint256 term;
        int256 acc;
        StepOpening inputStep;
        ChunkOpening input;
        ChunkOpening weight;
    }

    /// @notice One element's epilogue: saturate(rescale(acc + bias * 2^L, s)) against the trace's output element.
    struct EpilogueStep {
        ModelBinding model;
        bytes32 traceRoot;
        LinearGeometry geometry;
        uint256 element;
        int256 acc;
        ChunkOpening bias;
        StepOpening outputStep;
        ChunkOpening output;
    }

    /// @notice keccak(irHash, weightsRoot, weightCount) is not the model id given.
    /// @param modelId The model id given.
    /// @param computed The id the binding hashes to.
    error OneStep_ModelMismatch(bytes32 modelId, bytes32 computed);
    /// @notice A step leaf does not open against the trace root.
    /// @param step The step index.
    error OneStep_BadStepOpening(uint256 step);
    /// @notice The input chunk does not open against the input step's tensor root.
    /// @param index The input element's index in its step.
    error OneStep_BadInputOpening(uint256 index);
    /// @notice The weight chunk does not open against the weights root.
    /// @param index The weight's index in the weight stream.
    error OneStep_BadWeightOpening(uint256 index);
    /// @notice The bias chunk does not open against the weights root.
    /// @param index The bias element's index in the weight stream.
    error OneStep_BadBiasOpening(uint256 index);
    /// @notice The output chunk does not open against the output step's tensor root.
    /// @param index The output element's index.
    error OneStep_BadOutputOpening(uint256 index);
    /// @notice The element is not one of the node's outputs.
    /// @param element The element given.
    /// @param count The node's number of output elements.
    error OneStep_ElementOutOfRange(uint256 element, uint256 count);
    /// @notice The term is not one of the element's k terms.
    /// @param term The term given.
    /// @param k The number of terms.
    error OneStep_TermOutOfRange(uint256 term, uint256 k);
    /// @notice An operand's index lies beyond its tensor (or the weight stream).
    /// @param index The index computed.
    /// @param count The tensor's element count.
    error OneStep_IndexOutOfRange(uint256 index, uint256 count);
    /// @notice The geometry is malformed (a zero dimension, batch shapes of different ranks).
    error OneStep_BadGeometry();

    /// @notice Re-executes term `s.term` of element `s.element` of the node: opens the input element
    ///         the term reads in the agreed input step, the weight it reads in the model's weight
    ///         stream, and returns acc + x * w (IntegerSemantics.mac).
    /// @dev Reverts with a OneStep_ error on any bad opening, with Semantics_Overflow where mac does.
    ///      The geometry is calldata, not bound to irHash (see the contract's dev note).
    /// @param s The step: model binding, trace root, geometry, element, term, acc_k and the openings.
    /// @return accNext The running sum after the term, acc_{k+1}.
    /// @return x The input element read.
    /// @return w The weight read.
    function macStep(MacStep calldata s) external pure returns (int256 accNext, int256 x, int256 w) {
        _checkModel(s.model);
        LinearGeometry calldata g = s.geometry;
        (uint256 inputIndex, uint256 weightIndex) = termOperands(g, s.element, s.term);
        _openStep(s.traceRoot, g.inputStep, s.inputStep);
        if (inputIndex >= s.inputStep.count) revert OneStep_IndexOutOfRange(inputIndex, s.inputStep.count);
        if (!TraceCommitments.verifyChunk(s.inputStep.tensorRoot, inputIndex / CHUNK, s.input.chunk, s.input.proof)) {
            revert OneStep_BadInputOpening(inputIndex);
        }
        if (weightIndex >= s.model.weightCount) revert OneStep_IndexOutOfRange(weightIndex, s.model.weightCount);
        if (
            !ModelCommitments.verifyWeightChunk(
                s.model.weightsRoot,
                weightIndex / CHUNK,
                s.weight.chunk,
                s.weight.proof
            )
        ) {
            revert OneStep_BadWeightOpening(weightIndex);
        }
        x = s.input.chunk[inputIndex % CHUNK];
        w = s.weight.chunk[weightIndex % CHUNK];
        accNext = IntegerSemantics.mac(s.acc, x, w);
    }

    /// @notice Re-executes the epilogue of element `s.element`: opens its bias (Gemm's constant C, if
    ///         any) in the weight stream and the element the trace claims in the node's output step
    ///         (step node + 1), and computes saturate(rescale(acc + bias * 2^L, s)) (no fused Relu:
    ///         the trace records a Relu as its own node).
    /// @dev Reverts with a OneStep_ error on any bad opening, with a Semantics_ error where
    ///      linearEpilogue does. The geometry is calldata, not bound to irHash.
    /// @param s The step: model binding, trace root, geometry, element, the final sum and the openings.
    /// @return holds Whether the trace's output element equals the recomputed one.
    /// @return y The recomputed output element.
    /// @return claimed The output element the trace holds.
    function epilogueStep(EpilogueStep calldata s) external pure returns (bool holds, int256 y, int256 claimed) {
        _checkModel(s.model);
        LinearGeometry calldata g = s.geometry;
        uint256 count = _elementCount(g);
        if (s.element >= count) revert OneStep_ElementOutOfRange(s.element, count);
        int256 bias;
        if (g.hasBias) {
            uint256 b = biasIndex(g, s.element);
            if (b >= s.model.weightCount) revert OneStep_IndexOutOfRange(b, s.model.weightCount);
            if (!ModelCommitments.verifyWeightChunk(s.model.weightsRoot, b / CHUNK, s.bias.chunk, s.bias.proof)) {
                revert OneStep_BadBiasOpening(b);
            }
            bias = s.bias.chunk[b % CHUNK];
        }
        _openStep(s.traceRoot, g.node + 1, s.outputStep);
        if (s.element >= s.outputStep.count) revert OneStep_IndexOutOfRange(s.element, s.outputStep.count);
        if (!TraceCommitments.verifyChunk(s.outputStep.tensorRoot, s.element / CHUNK, s.output.chunk, s.output.proof)) {
            revert OneStep_BadOutputOpening(s.element);
        }
        claimed = s.output.chunk[s.element % CHUNK];
        y = IntegerSemantics.linearEpilogue(s.acc, bias, g.biasShiftLeft, g.shift, g.activationBits, false);
        holds = y == claimed;
    }

    /// @notice Which input element (index in the input step) and which weight (index in the weight
    ///         stream) term `term` of element `element` reads, exactly as the Gemm/MatMul kernels
    ///         order their terms (sdk/ops/gemm.ts, sdk/ops/matmul.ts; twin of termOperands in
    ///         sdk/opml/accumulators.ts).
    /// @param g The node's geometry.
    /// @param element The output element (row-major over batch, m, n).
    /// @param term The term t, 0 <= t < k.
    /// @return inputIndex The activation operand's index in the input step.
    /// @return weightIndex The constant operand's index in the weight stream.
    function termOperands(
        LinearGeometry calldata g,
        uint256 element,
        uint256 term
    ) public pure returns (uint256 inputIndex, uint256 weightIndex) {
        uint256 count = _elementCount(g);
        if (element >= count) revert OneStep_ElementOutOfRange(element, count);
        if (term >= g.k) revert OneStep_TermOutOfRange(term, g.k);
        uint256 aIndex = _aIndex(g, element, term);
        uint256 bIndex = _bIndex(g, element, term);
        (inputIndex, weightIndex) = g.activationIsA
            ? (g.inputOffset + aIndex, g.weightOffset + bIndex)
            : (g.inputOffset + bIndex, g.weightOffset + aIndex);
    }

    /// @notice The flat index in A (row-major, as stored) of term `term` of element `element`.
    /// @param g The geometry.
    /// @param element The output element.
    /// @param term The term.
    /// @return The index in A.
    function _aIndex(LinearGeometry calldata g, uint256 element, uint256 term) private pure returns (uint256) {
        uint256 mn = g.m * g.n;
        uint256 i = (element % mn) / g.n;
        uint256 base = _batchIndex(g.aBatchShape, g.batchShape, element / mn) * g.m * g.k;
        return base + (g.transA ? term * g.m + i : i * g.k + term);
    }

    /// @notice The flat index in B (row-major, as stored) of term `term` of element `element`.
    /// @param g The geometry.
    /// @param element The output element.
    /// @param term The term.
    /// @return The index in B.
    function _bIndex(LinearGeometry calldata g, uint256 element, uint256 term) private pure returns (uint256) {
        uint256 mn = g.m * g.n;
        uint256 j = element % g.n;
        uint256 base = _batchIndex(g.bBatchShape, g.batchShape, element / mn) * g.k * g.n;
        return base + (g.transB ? j * g.k + term : term * g.n + j);
    }

    /// @notice The weight-stream index of element `element`'s bias (Gemm's constant C, broadcast to [m, n]).
    /// @param g The node's geometry (hasBias set).
    /// @param element The output element.
    /// @return The bias element's index in the weight stream.
    function biasIndex(LinearGeometry calldata g, uint256 element) public pure returns (uint256) {
        uint256 mn = g.m * g.n;
        uint256 i = (element % mn) / g.n;
        uint256 j = element % g.n;
        return g.biasOffset + (g.biasRows == 1 ? 0 : i) * g.biasCols + (g.biasCols == 1 ? 0 : j);
    }

    /// @notice Reverts with OneStep_ModelMismatch unless the binding hashes to its model id.
    /// @param b The binding.
    function _checkModel(ModelBinding calldata b) private pure {
        bytes32 computed = ModelCommitments.modelId(b.irHash, b.weightsRoot, b.weightCount);
        if (computed != b.modelId) revert OneStep_ModelMismatch(b.modelId, computed);
    }

    /// @notice Reverts with OneStep_BadStepOpening unless `o` is step `step` of the trace.
    /// @param traceRoot The trace root.
    /// @param step The step index.
    /// @param o The opening.
    function _openStep(bytes32 traceRoot, uint256 step, StepOpening calldata o) private pure {
        if (!TraceCommitments.verifyStep(traceRoot, step, o.tensorRoot, o.count, o.proof)) {
            revert OneStep_BadStepOpening(step);
        }
    }

    /// @notice The node's number of output elements (batch * m * n); reverts on a malformed geometry.
    /// @param g The geometry.
    /// @return count The number of output elements.
    function _elementCount(LinearGeometry calldata g) private pure returns (uint256 count) {
        uint256 rank = g.batchShape.length;
        if (g.m == 0 || g.k == 0 || g.n == 0 || g.aBatchShape.length != rank || g.bBatchShape.length != rank) {
            revert OneStep_BadGeometry();
        }
        count = g.m * g.n;
        for (uint256 d = 0; d < rank; ++d) {
            uint256 size = g.batchShape[d];
            if (size == 0) revert OneStep_BadGeometry();
            count *= size;
        }
    }

    /// @notice The flat batch index of an operand of batch shape `shape` for output batch `p`
    ///         (broadcasting: a dimension of size 1 repeats), as broadcastIndex of sdk/ops/broadcast.ts.
    /// @param shape The operand's batch shape, left-padded with 1 to the output's batch rank.
    /// @param batchShape The output's batch shape.
    /// @param p The output's flat batch index.
    /// @return index The operand's flat batch index.
    function _batchIndex(
        uint256[] calldata shape,
        uint256[] calldata batchShape,
        uint256 p
    ) private pure returns (uint256 index) {
        uint256 stride = 1;
        for (uint256 d = batchShape.length; d > 0; --d) {
            uint256 size = batchShape[d - 1];
            uint256 i = p % size;
            p /= size;
            uint256 own = shape[d - 1];
            if (own != 1) {
                if (own != size) revert OneStep_BadGeometry();
                index += i * stride;
            }
            stride *= own;
        }
    }
}
