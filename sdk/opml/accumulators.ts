/**
 * Level 3 of an OPML dispute for the linear operators (Gemm, MatMul): the
 * terms of one output element's accumulator, in the kernel's order, and the
 * running sum after each (sdk/ops/gemm.ts, sdk/ops/matmul.ts), then the
 * epilogue's inputs (docs/integer-semantics.md section 4).
 *
 * A node's geometry (`LinearGeometry`) is what the one-step executor
 * (contracts/opml/OneStepExecutor.sol) needs to compute, on chain, which input
 * element and which weight a term reads; `termOperands` is its TypeScript twin.
 *
 * Indices:
 *   input index  = index in the trace step holding the activation operand
 *                  (step 0: the graph inputs concatenated; step p + 1: node
 *                  p's outputs concatenated; sdk/opml/trace.ts)
 *   weight index = index in the model's weight stream: the constant's offset
 *                  (sdk/commit/weights.ts) + its row-major index
 *
 * Term root: the running sums sums[0..K] (sums[0] = 0, sums[k] = the
 * accumulator after k terms) committed as a tensor, i.e. with the weights
 * tree's conventions (chunks of 16 int256, leaf 0x00 ‖ chunk, positional tree).
 */
import { WeightTree } from "../commit/weights.js";
import type { GemmNode } from "../ir/types.js";
import type { Model } from "../model.js";
import { broadcastShapes } from "../ops/broadcast.js";
import { rescale, saturate } from "../quant/scheme.js";
import { sizeOf } from "../tensor.js";
import type { ExecutionTrace } from "./trace.js";

/** Everything the executor needs to index one Gemm/MatMul node (the Solidity struct LinearGeometry). */
export interface LinearGeometry {
  /** The node's index in the graph; its output is trace step node + 1. */
  readonly node: number;
  /** The trace step holding the activation operand. */
  readonly inputStep: number;
  /** The operand's first element within that step. */
  readonly inputOffset: number;
  /** Whether the activation is A (the constant operand being B), else B (A constant). */
  readonly activationIsA: boolean;
  /** The constant operand's offset in the weight stream. */
  readonly weightOffset: number;
  /** op(A) is [m, k], op(B) is [k, n]. */
  readonly m: number;
  readonly k: number;
  readonly n: number;
  /** Gemm's transA/transB (false for MatMul). */
  readonly transA: boolean;
  readonly transB: boolean;
  /** MatMul's broadcast batch shape, and A's and B's batch shapes left-padded with 1 to its rank ([] for Gemm). */
  readonly batchShape: readonly number[];
  readonly aBatchShape: readonly number[];
  readonly bBatchShape: readonly number[];
  /** Gemm's constant C: its weight-stream offset and its shape as [rows, cols] (1 where it broadcasts). */
  readonly hasBias: boolean;
  readonly biasOffset: number;
  readonly biasRows: number;
  readonly biasCols: number;
  /** The node's rescale shift s and bias alignment L (sdk/quant/quantize.ts), and the activation width A. */
  readonly shift: number;
  readonly biasShiftLeft: number;
  readonly activationBits: number;
}

/** Which trace step, and where in it, holds tensor `name` (a graph input or a node output). */
export function tensorLocation(model: Model, name: string): { step: number; offset: number } {
  const { graph } = model;
  let offset = 0;
  for (const input of graph.inputs) {
    if (input.name === name) return { step: 0, offset };
    offset += sizeOf(input.shape);
  }
  for (let p = 0; p < graph.nodes.length; p++) {
    offset = 0;
    for (const out of graph.nodes[p]!.outputs) {
      if (out === name) return { step: p + 1, offset };
      offset += sizeOf(graph.tensors.get(out)!.shape);
    }
  }
  throw new RangeError(`tensor "${name}" is neither a graph input nor a node output`);
}

function segmentOffset(model: Model, name: string): number {
  const s = model.commitment.segments.find((seg) => seg.name === name);
  if (!s) throw new RangeError(`constant "${name}" is not in the weight stream`);
  return s.offset;
}

/** The geometry of Gemm/MatMul node `index`. One activation and one constant operand; a constant C (if any). */
export function linearGeometry(model: Model, index: number): LinearGeometry {
  const node = model.graph.nodes[index];
  if (!node || (node.op !== "Gemm" && node.op !== "MatMul")) throw new RangeError(`node ${index} is not a Gemm or MatMul`);
  const q = model.quantized;
  const [a, b, c] = node.inputs as [string, string, string?];
  const aConst = q.constants.has(a);
  const bConst = q.constants.has(b);
  if (aConst === bConst)
    throw new RangeError(`${node.op} "${node.name}": one-step execution needs one activation and one constant operand`);
  const shapeOf = (name: string) => (q.constants.get(name)?.tensor.shape ?? model.graph.tensors.get(name)!.shape) as readonly number[];
  const aShape = shapeOf(a);
  const bShape = shapeOf(b);
  let m: number, k: number, n: number;
  let batchShape: number[] = [];
  let aBatchShape: number[] = [];
  let bBatchShape: number[] = [];
  let transA = false;
  let transB = false;
  if (node.op === "Gemm") {
    const g = node as GemmNode;
    transA = g.transA;
    transB = g.transB;
    [m, k] = transA ? [aShape[1]!, aShape[0]!] : [aShape[0]!, aShape[1]!];
    n = transB ? bShape[0]! : bShape[1]!;
  } else {
    const left =
      aShape.length === 1
        ? { batch: [], rows: 1, cols: aShape[0]! }
        : { batch: aShape.slice(0, -2), rows: aShape.at(-2)!, cols: aShape.at(-1)! };
    const right =
      bShape.length === 1
        ? { batch: [], rows: bShape[0]!, cols: 1 }
        : { batch: bShape.slice(0, -2), rows: bShape.at(-2)!, cols: bShape.at(-1)! };
    [m, k, n] = [left.rows, left.cols, right.cols];
    batchShape = broadcastShapes(left.batch, right.batch)!;
    const pad = (s: readonly number[]) => [...new Array<number>(batchShape.length - s.length).fill(1), ...s];
    aBatchShape = pad(left.batch);
    bBatchShape = pad(right.batch);
  }
  const activation = aConst ? b : a;
  const { step, offset } = tensorLocation(model, activation);
  let hasBias = false;
  let biasOffset = 0;
  let biasRows = 1;
  let biasCols = 1;
  if (c !== undefined) {
    const bias = q.constants.get(c);
    if (!bias || bias.role !== "bias")
      throw new RangeError(`Gemm "${node.name}": an activation C is not supported by the one-step executor yet`);
    const shape = bias.tensor.shape;
    hasBias = true;
    biasOffset = segmentOffset(model, c);
    biasRows = shape.length === 2 ? shape[0]! : 1;
    biasCols = shape.length >= 1 ? shape[shape.length - 1]! : 1;
  }
  const { shift, biasShiftLeft } = q.nodes.get(node.name)!;
  return {
    node: index,
    inputStep: step,
    inputOffset: offset,
    activationIsA: !aConst,
    weightOffset: segmentOffset(model, aConst ? a : b),
    m,
    k,
    n,
    transA,
    transB,
    batchShape,
    aBatchShape,
    bBatchShape,
    hasBias,
    biasOffset,
    biasRows,
    biasCols,
    shift,
    biasShiftLeft,
    activationBits: q.config.activationBits,
  };
}

/** Number of output elements of the node. */
export function elementCount(g: LinearGeometry): number {
  return sizeOf(g.batchShape) * g.m * g.n;
}

/** The flat batch index of an operand with batch shape `shape` for output batch `p` (broadcastIndex's rule). */
function batchIndex(shape: readonly number[], batchShape: readonly number[], p: number): number {
  let index = 0;
  let stride = 1;
  for (let d = batchShape.length - 1; d >= 0; d--) {
    const i = p % batchShape[d]!;
    p = Math.floor(p / batchShape[d]!);
    if (shape[d] !== 1) index += i * stride;
    stride *= shape[d]!;
  }
  return index;
}

/** The input index (in the step) and weight index (in the stream) term `t` of element `e` reads. */
export function termOperands(g: LinearGeometry, e: number, t: number): { inputIndex: number; weightIndex: number } {
  if (e < 0 || e >= elementCount(g)) throw new RangeError(`element ${e} out of range`);
  if (t < 0 || t >= g.k) throw new RangeError(`term ${t} out of range`);
  const mn = g.m * g.n;
  const p = Math.floor(e / mn);
  const i = Math.floor((e % mn) / g.n);
  const j = e % g.n;
  const aIndex = batchIndex(g.aBatchShape, g.batchShape, p) * g.m * g.k + (g.transA ? t * g.m + i : i * g.k + t);
  const bIndex = batchIndex(g.bBatchShape, g.batchShape, p) * g.k * g.n + (g.transB ? j * g.k + t : t * g.n + j);
  return g.activationIsA
    ? { inputIndex: g.inputOffset + aIndex, weightIndex: g.weightOffset + bIndex }
    : { inputIndex: g.inputOffset + bIndex, weightIndex: g.weightOffset + aIndex };
}

/** The weight-stream index of element `e`'s bias (Gemm's constant C), or undefined. */
export function biasIndex(g: LinearGeometry, e: number): number | undefined {
  if (!g.hasBias) return undefined;
  const i = Math.floor((e % (g.m * g.n)) / g.n);
  const j = e % g.n;
  return g.biasOffset + (g.biasRows === 1 ? 0 : i) * g.biasCols + (g.biasCols === 1 ? 0 : j);
}

export interface Term {
  readonly inputIndex: number;
  readonly weightIndex: number;
  readonly input: number;
  readonly weight: number;
}

/** One output element's accumulator, term by term, and its epilogue. */
export interface ElementAccumulator {
  readonly geometry: LinearGeometry;
  readonly element: number;
  readonly terms: readonly Term[];
  /** sums[k]: the accumulator after k terms (sums[0] = 0, sums[K] = the sum of products). */
  readonly sums: readonly number[];
  /** The bias element (0 without one) and its weight-stream index. */
  readonly bias: number;
  readonly biasIndex: number | undefined;
  /** Whether a following Relu is fused in: never, the trace records every node separately. */
  readonly withRelu: false;
  /** saturate(rescale(sums[K] + bias * 2^L, s)): the node's output element. */
  readonly output: number;
  /** The running sums' tree (weights-tree conventions); its root is the element's term root. */
  readonly tree: WeightTree;
}

/** The epilogue (integerArithmetic.linear of sdk/interp/integer.ts, with the bias added as the kernel does). */
export function linearEpilogue(g: LinearGeometry, acc: number, bias: number): number {
  return saturate(rescale(acc + bias * 2 ** g.biasShiftLeft, g.shift), g.activationBits);
}

/** Terms, running sums and epilogue of element `element` of node `node` in `trace`. */
export function elementAccumulator(model: Model, trace: ExecutionTrace, node: number, element: number): ElementAccumulator {
  const g = linearGeometry(model, node);
  const inputs = trace.steps[g.inputStep]!.values;
  const weights = model.commitment.tree.values;
  const terms: Term[] = [];
  const sums = [0];
  for (let t = 0; t < g.k; t++) {
    const { inputIndex, weightIndex } = termOperands(g, element, t);
    const term = { inputIndex, weightIndex, input: inputs[inputIndex]!, weight: weights[weightIndex]! };
    terms.push(term);
    sums.push(sums[t]! + term.input * term.weight);
  }
  const bIndex = biasIndex(g, element);
  const bias = bIndex === undefined ? 0 : weights[bIndex]!;
  return {
    geometry: g,
    element,
    terms,
    sums,
    bias,
    biasIndex: bIndex,
    withRelu: false,
    output: linearEpilogue(g, sums[g.k]!, bias),
    tree: new WeightTree(sums),
  };
}

/** The term root of one element: the root of its running sums' tree. */
export function termRoot(acc: ElementAccumulator): string {
  return acc.tree.root;
}
