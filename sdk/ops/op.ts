/**
 * The contract every operator file implements: how to build its IR node from
 * ONNX (attributes, shape and dtype inference) and how to run it. Kernels are
 * written once for both interpreter modes; what differs between float and
 * integer arithmetic is passed in as a `NodeArithmetic`.
 */
import { ModelStructureError } from "../errors.js";
import type { Attributes } from "../ir/attributes.js";
import type { IrNode, TensorInfo } from "../ir/types.js";
import type { Tensor } from "../tensor.js";

export interface BuildContext {
  readonly opType: string;
  readonly name: string;
  readonly attrs: Attributes;
  /** Info of each ONNX input, `undefined` for an omitted optional input. */
  readonly inputs: readonly (TensorInfo | undefined)[];
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** The value of an input when it is a constant (initializer), else undefined. */
  constant(index: number): Tensor | undefined;
}

export interface Built<N extends IrNode> {
  readonly node: N;
  readonly outputs: readonly TensorInfo[];
}

/**
 * Arithmetic that differs between the float and the integer interpreter.
 * Float: products scaled by alpha, bias by beta, results rounded to float32.
 * Integer: see docs/integer-semantics.md (rescale by shift, saturation, rounded division).
 */
export interface NodeArithmetic {
  /** Scale applied to a linear op's sum of products (Gemm alpha; 1 in integer mode). */
  readonly productScale: number;
  /** Scale applied to a linear op's bias (Gemm beta; 2^k alignment in integer mode). */
  readonly biasScale: number;
  /** Turns a linear op's accumulator into the output element. */
  linear(acc: number): number;
  /** Turns the exact sum of an Add into the output element. */
  add(sum: number): number;
  /** Average of `count` elements whose sum is `sum`. */
  average(sum: number, count: number): number;
}

export interface OpDefinition<N extends IrNode> {
  readonly op: N["op"];
  /** ONNX attributes this op understands; any other attribute is an UnsupportedOperatorError. */
  readonly attributes: readonly string[];
  build(ctx: BuildContext): Built<N>;
  run(node: N, inputs: readonly Tensor[], outputs: readonly TensorInfo[], arith: NodeArithmetic): Tensor[];
}

/** Reads a required input's info, failing with the node's name when it is missing. */
export function requireInput(ctx: BuildContext, index: number, what: string): TensorInfo {
  const info = ctx.inputs[index];
  if (!info) throw structureError(ctx, `input ${index} (${what}) is required`);
  return info;
}

export function structureError(ctx: { opType: string; name: string }, message: string): ModelStructureError {
  return new ModelStructureError(`${ctx.opType} node "${ctx.name}": ${message}`);
}

export function requireRank(ctx: BuildContext, info: TensorInfo, rank: number | [number, number], what: string): void {
  const [lo, hi] = typeof rank === "number" ? [rank, rank] : rank;
  if (info.shape.length < lo || info.shape.length > hi) {
    const want = lo === hi ? `${lo}` : `${lo} to ${hi}`;
    throw structureError(ctx, `${what} "${info.name}" must have rank ${want}, has shape [${info.shape.join(", ")}]`);
  }
}

export function normalizeAxis(ctx: BuildContext, axis: number, rank: number, allowRank = false): number {
  const limit = allowRank ? rank : rank - 1;
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a > limit) throw structureError(ctx, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}
