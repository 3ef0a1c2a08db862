// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {
    IOneStepExecutor,
    NodeProgram,
    OperandOpening,
    OperandRef,
    WeightsBinding
} from "../interfaces/IOneStepExecutor.sol";
import {IOpKernel} from "../interfaces/IOpKernel.sol";
import {ModelCommitments} from "../libraries/ModelCommitments.sol";
import {TraceCommitments} from "../libraries/TraceCommitments.sol";
import {IntegerSemantics} from "./IntegerSemantics.sol";
import {ElementwiseOperands} from "./operands/ElementwiseOperands.sol";
import {LinearOperands} from "./operands/LinearOperands.sol";
import {OneStep_BadParams, OneStep_UnknownOp, ProgramParams as P} from "./operands/ProgramParams.sol";
import {WindowOperands} from "./operands/WindowOperands.sol";

/// @title OneStepExecutor
/// @notice The last step of an OPML dispute: one fold term, or the epilogue, of one output element of one
///         node, re-executed on chain for every operator of the IR (Gemm, MatMul, Conv, Relu, MaxPool,
///         AveragePool, Add, ArgMax, Flatten, Reshape), bit for bit the integer interpreter
///         (docs/integer-semantics.md). TypeScript twin: sdk/opml/operands.ts (indexing, arithmetic,
///         reverts) and sdk/opml/accumulators.ts (openings); programs: sdk/opml/program.ts.
/// @dev Per op (acc_0; fold operands and fold; epilogue operands and epilogue):
///        Gemm, MatMul, Conv  0; [a, b]: mac(acc, a, b) (Conv padding tap: nothing, acc); [C/bias]: linearEpilogue
///        MaxPool             int256 min; [x]: max(acc, x) (padding: acc); []: acc
///        AveragePool         0; [x]: mac(acc, x, 1) (padding: acc); []: divRoundHalfUp(acc, n)
///        Relu/Flatten/Reshape 0, K = 1; [x]: x; []: relu(acc) / acc
///        Add                 0, K = 2; [a] then [b]: mac(acc, v, 1); []: add(acc, 0, A) (saturate)
///        ArgMax              0, K = D; [x[acc], x[t]]: t if argMaxTakes(x[acc], x[t]) else acc; []: acc
///      An operand of source 0 reads nothing: its opening is required (one per reference) but ignored.
///      Trace operands open against the agreed state root (their step leaf, then their chunk); weights against
///      the weights root. Every bad opening, index, element, term, opening count or param reverts with a named
///      OneStep_ error; arithmetic outside the quantizer's bound with IntegerSemantics' Semantics_ errors.
contract OneStepExecutor is IOneStepExecutor {
    /// @notice The chunk size of every tensor and of the weight stream.
    uint256 internal constant CHUNK = 16; // ModelCommitments.WEIGHT_CHUNK_SIZE
    /// @notice Op codes below this are the executor's own; from it on, 16 per kernel family (IOpKernel).
    uint8 internal constant FIRST_KERNEL_OP = 16;
    /// @notice Op codes per kernel family.
    uint8 internal constant KERNEL_OPS = 16;
    /// @notice How many kernel families the executor dispatches to.
    uint256 public constant KERNEL_FAMILIES = 4;

    /// @notice Family 0 (op codes 16..31): data movement (sdk/opml/kernels/index.ts names every family).
    IOpKernel public immutable kernel0;
    /// @notice Family 1 (op codes 32..47).
    IOpKernel public immutable kernel1;
    /// @notice Family 2 (op codes 48..63).
    IOpKernel public immutable kernel2;
    /// @notice Family 3 (op codes 64..79).
    IOpKernel public immutable kernel3;

    /// @notice The element is not an output element of the node.
    /// @param element The element.
    /// @param count The node's output count.
    error OneStep_ElementOutOfRange(uint256 element, uint256 count);
    /// @notice The term is not a fold term (foldStep: term < K; operandsOf: term <= K).
    /// @param term The term.
    /// @param terms K.
    error OneStep_TermOutOfRange(uint256 term, uint256 terms);
    /// @notice The step was given another number of openings than it reads operands.
    /// @param given The openings given.
    /// @param expected The operands the step reads (operandsOf).
    error OneStep_WrongOperandCount(uint256 given, uint256 expected);
    /// @notice A trace operand's step leaf (tensor root, count, proof) does not open against the state root.
    /// @param operand The operand's position.
    error OneStep_BadStepOpening(uint256 operand);
    /// @notice A trace operand's chunk does not open against its step's tensor root.
    /// @param operand The operand's position.
    error OneStep_BadChunkOpening(uint256 operand);
    /// @notice A weight operand's chunk does not open against the weights root.
    /// @param operand The operand's position.
    error OneStep_BadWeightOpening(uint256 operand);
    /// @notice An operand's index lies past its step's element count or the weight count.
    /// @param operand The operand's position.
    /// @param index The index.
    /// @param count The count it must be below.
    error OneStep_IndexOutOfRange(uint256 operand, uint256 index, uint256 count);

    /// @param kernels The kernel of each family (address 0: the family's op codes are unknown ops).
    constructor(IOpKernel[KERNEL_FAMILIES] memory kernels) {
        kernel0 = kernels[0];
        kernel1 = kernels[1];
        kernel2 = kernels[2];
        kernel3 = kernels[3];
    }

    /// @inheritdoc IOneStepExecutor
    function outputCount(NodeProgram calldata p) external view returns (uint256 count) {
        IOpKernel k = _kernelOf(p);
        if (address(k) != address(0)) return k.outputCount(p);
        P.check(p);
        return _outputCount(p);
    }

    /// @inheritdoc IOneStepExecutor
    function termCount(NodeProgram calldata p, uint256 element) external view returns (uint256 terms) {
        IOpKernel k = _checkElement(p, element);
        return _termCount(k, p, element);
    }

    /// @inheritdoc IOneStepExecutor
    function initialAccumulator(NodeProgram calldata p, uint256 element) external view returns (int256 acc) {
        IOpKernel k = _checkElement(p, element);
        if (address(k) != address(0)) return k.initialAccumulator(p, element);
        return p.op == P.OP_MAXPOOL ? type(int256).min : int256(0);
    }

    /// @inheritdoc IOneStepExecutor
    function operandsOf(
        NodeProgram calldata p,
        uint256 element,
        uint256 term,
        int256 acc
    ) external view returns (OperandRef[] memory refs) {
        IOpKernel k = _checkElement(p, element);
        uint256 terms = _termCount(k, p, element);
        if (term > terms) revert OneStep_TermOutOfRange(term, terms);
        if (address(k) != address(0)) return k.operandsOf(p, element, term, acc);
        return term == terms ? _epilogueRefs(p, element) : _termRefs(p, element, term, acc);
    }

    /// @inheritdoc IOneStepExecutor
    function foldStep(
        NodeProgram calldata p,
        WeightsBinding calldata w,
        bytes32 stateRoot,
        uint256 element,
        uint256 term,
        int256 acc,
        OperandOpening[] calldata operands
    ) external view returns (int256 next) {
        IOpKernel k = _checkElement(p, element);
        uint256 terms = _termCount(k, p, element);
        if (term >= terms) revert OneStep_TermOutOfRange(term, terms);
        if (address(k) != address(0)) {
            int256[] memory values = _open(k.operandsOf(p, element, term, acc), operands, w, stateRoot);
            return k.fold(p, element, term, acc, values);
        }
        OperandRef[] memory refs = _termRefs(p, element, term, acc);
        int256[] memory v = _open(refs, operands, w, stateRoot);
        uint8 op = p.op;
        bool none = refs[0].source == P.SOURCE_NONE;
        if (op == P.OP_GEMM || op == P.OP_MATMUL || op == P.OP_CONV)
            return none ? acc : IntegerSemantics.mac(acc, v[0], v[1]);
        if (op == P.OP_MAXPOOL) return none ? acc : IntegerSemantics.max(acc, v[0]);
        if (op == P.OP_AVERAGEPOOL || op == P.OP_ADD) return none ? acc : IntegerSemantics.mac(acc, v[0], 1);
        if (op == P.OP_ARGMAX) {
            bool selectLast = p.params[P.ARGMAX_SELECT_LAST] == 1;
            // term < D < 2^64: the cast is exact
            return IntegerSemantics.argMaxTakes(v[0], v[1], selectLast) ? int256(term) : acc;
        }
        return v[0]; // Relu, Flatten, Reshape: a copy
    }

    /// @inheritdoc IOneStepExecutor
    function epilogueStep(
        NodeProgram calldata p,
        WeightsBinding calldata w,
        bytes32 stateRoot,
        uint256 element,
        int256 acc,
        OperandOpening[] calldata operands
    ) external view returns (int256 y) {
        IOpKernel k = _checkElement(p, element);
        if (address(k) != address(0)) {
            uint256 terms = k.termCount(p, element);
            int256[] memory values = _open(k.operandsOf(p, element, terms, acc), operands, w, stateRoot);
            return k.epilogue(p, element, acc, values);
        }
        OperandRef[] memory refs = _epilogueRefs(p, element);
        int256[] memory v = _open(refs, operands, w, stateRoot);
        uint8 op = p.op;
        uint256[] calldata q = p.params;
        if (op == P.OP_GEMM || op == P.OP_MATMUL) {
            int256 bias = refs[0].source == P.SOURCE_NONE ? int256(0) : v[0];
            return
                IntegerSemantics.linearEpilogue(acc, bias, q[P.LIN_BIAS_SHIFT], q[P.LIN_SHIFT], q[P.LIN_BITS], false);
        }
        if (op == P.OP_CONV) {
            int256 bias = refs[0].source == P.SOURCE_NONE ? int256(0) : v[0];
            return IntegerSemantics.linearEpilogue(acc, bias, 0, q[P.CONV_SHIFT], q[P.CONV_BITS], false);
        }
        if (op == P.OP_AVERAGEPOOL) return IntegerSemantics.divRoundHalfUp(acc, WindowOperands.poolDivisor(q, element));
        if (op == P.OP_ADD) return IntegerSemantics.add(acc, 0, q[P.ADD_BITS]);
        if (op == P.OP_RELU) return IntegerSemantics.relu(acc);
        return acc; // MaxPool, ArgMax, Flatten, Reshape
    }

    /// @notice Checks the program, then that `element` is one of its output elements; returns the op's
    ///         kernel (address 0 for the executor's own ops).
    function _checkElement(NodeProgram calldata p, uint256 element) private view returns (IOpKernel k) {
        k = _kernelOf(p);
        uint256 count;
        if (address(k) != address(0)) {
            count = k.outputCount(p);
        } else {
            P.check(p);
            count = _outputCount(p);
        }
        if (element >= count) revert OneStep_ElementOutOfRange(element, count);
    }

    /// @notice The kernel of a kernel op (after checking every param is below 2^64), or address 0 for
    ///         the executor's own ops; reverts OneStep_UnknownOp for a family without a kernel.
    function _kernelOf(NodeProgram calldata p) private view returns (IOpKernel k) {
        uint8 op = p.op;
        if (op < FIRST_KERNEL_OP) return IOpKernel(address(0));
        uint256 family = op / KERNEL_OPS - 1;
        if (family >= KERNEL_FAMILIES) revert OneStep_UnknownOp(op);
        k =
            family == 0
                ? kernel0
                : family == 1
                    ? kernel1
                    : family == 2
                        ? kernel2
                        : kernel3;
        if (address(k) == address(0)) revert OneStep_UnknownOp(op);
        uint256[] calldata q = p.params;
        for (uint256 i = 0; i < q.length; ++i) if (q[i] >= P.PARAM_LIMIT) revert OneStep_BadParams(op, i);
    }

    function _termCount(IOpKernel k, NodeProgram calldata p, uint256 element) private pure returns (uint256) {
        return address(k) != address(0) ? k.termCount(p, element) : _termCount(p);
    }

    function _outputCount(NodeProgram calldata p) private pure returns (uint256) {
        uint8 op = p.op;
        uint256[] calldata q = p.params;
        if (op == P.OP_GEMM || op == P.OP_MATMUL) return LinearOperands.matrixOutputCount(q);
        if (op == P.OP_CONV) return LinearOperands.convOutputCount(q);
        if (op == P.OP_MAXPOOL || op == P.OP_AVERAGEPOOL) return WindowOperands.poolOutputCount(q);
        if (op == P.OP_ADD) return ElementwiseOperands.addOutputCount(q);
        if (op == P.OP_ARGMAX) return q[P.ARGMAX_OUTER] * q[P.ARGMAX_INNER];
        return q[P.COPY_COUNT];
    }

    function _termCount(NodeProgram calldata p) private pure returns (uint256) {
        uint8 op = p.op;
        uint256[] calldata q = p.params;
        if (op == P.OP_GEMM || op == P.OP_MATMUL) return q[P.LIN_K];
        if (op == P.OP_CONV) return LinearOperands.convTermCount(q);
        if (op == P.OP_MAXPOOL || op == P.OP_AVERAGEPOOL) return P.product(q, P.POOL_RANK, P.WINDOW_DIM_WORDS, 2);
        if (op == P.OP_ADD) return 2;
        if (op == P.OP_ARGMAX) return q[P.ARGMAX_LENGTH];
        return 1;
    }

    function _termRefs(
        NodeProgram calldata p,
        uint256 element,
        uint256 term,
        int256 acc
    ) private pure returns (OperandRef[] memory) {
        uint8 op = p.op;
        uint256[] calldata q = p.params;
        if (op == P.OP_GEMM || op == P.OP_MATMUL) return LinearOperands.matrixTermRefs(q, element, term);
        if (op == P.OP_CONV) return LinearOperands.convTermRefs(q, element, term);
        if (op == P.OP_MAXPOOL || op == P.OP_AVERAGEPOOL) return WindowOperands.poolTermRefs(q, element, term);
        if (op == P.OP_ADD) return ElementwiseOperands.addRefs(q, element, term);
        if (op == P.OP_ARGMAX) return ElementwiseOperands.argMaxRefs(q, element, term, acc);
        return ElementwiseOperands.copyRefs(q, element);
    }

    function _epilogueRefs(NodeProgram calldata p, uint256 element) private pure returns (OperandRef[] memory) {
        uint8 op = p.op;
        if (op == P.OP_GEMM || op == P.OP_MATMUL) return LinearOperands.matrixEpilogueRefs(p.params, element);
        if (op == P.OP_CONV) return LinearOperands.convEpilogueRefs(p.params, element);
        return new OperandRef[](0);
    }

    /// @notice The values of `refs` from their openings (0 for source 0), every opening checked.
    function _open(
        OperandRef[] memory refs,
        OperandOpening[] calldata openings,
        WeightsBinding calldata w,
        bytes32 stateRoot
    ) private pure returns (int256[] memory values) {
        if (openings.length != refs.length) revert OneStep_WrongOperandCount(openings.length, refs.length);
        values = new int256[](refs.length);
        for (uint256 i = 0; i < refs.length; ++i) {
            OperandRef memory r = refs[i];
            if (r.source == P.SOURCE_NONE) continue;
            OperandOpening calldata o = openings[i];
            if (r.source == P.SOURCE_TRACE) {
                if (!TraceCommitments.verifyStep(stateRoot, r.step, o.tensorRoot, o.count, o.stepProof))
                    revert OneStep_BadStepOpening(i);
                if (r.index >= o.count) revert OneStep_IndexOutOfRange(i, r.index, o.count);
                if (!TraceCommitments.verifyChunk(o.tensorRoot, r.index / CHUNK, o.chunk, o.chunkProof))
                    revert OneStep_BadChunkOpening(i);
            } else {
                if (r.index >= w.weightCount) revert OneStep_IndexOutOfRange(i, r.index, w.weightCount);
                if (!ModelCommitments.verifyWeightChunk(w.weightsRoot, r.index / CHUNK, o.chunk, o.chunkProof))
                    revert OneStep_BadWeightOpening(i);
            }
            values[i] = o.chunk[r.index % CHUNK];
        }
    }
}
