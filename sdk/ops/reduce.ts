/**
 * Reductions: ReduceSum, ReduceMean, ReduceMax, ReduceMin over a set of axes, and GlobalAveragePool
 * (the mean over every spatial dim of [N, C, spatial...]). One layout (`reductionLayout`) says, for
 * every output element, which input elements it reduces and in which order; the interpreter here,
 * the circuit lowering (sdk/zk/groth16/lowerings/reduce.ts) and the OPML kernel
 * (sdk/opml/kernels/reduction.ts) all walk it the same way.
 *
 * Integer semantics (docs/integer-semantics.md, section 4): ReduceSum y = saturate(S), ReduceMean and
 * GlobalAveragePool y = divRoundHalfUp(S, n) (AveragePool's rounding; an average of activations is
 * an activation, no saturation), ReduceMax / ReduceMin the extreme element. Every output keeps its
 * input's exponent.
 */
import { QuantizationError } from "../errors.js";
import type {
  GlobalAveragePoolNode,
  ReduceAttributes,
  ReduceMaxNode,
  ReduceMeanNode,
  ReduceMinNode,
  ReduceSumNode,
  ReductionNode,
  TensorInfo,
} from "../ir/types.js";
import { type Tensor, sizeOf, stridesOf, zeros } from "../tensor.js";
import {
  type BuildContext,
  type NodeArithmetic,
  type OpDefinition,
  keepInputScale,
  normalizeAxis,
  requireInput,
  structureError,
} from "./op.js";

/** Where the reduced elements of each output element lie in the (row-major) input. */
export interface ReductionLayout {
  /** Output elements (the product of the kept dims' sizes). */
  readonly outputs: number;
  /** n: reduced elements per output (the product of the reduced dims' sizes; 1 for a no-op). */
  readonly count: number;
  /** Flat input offset of output element o's first reduced element. */
  base(o: number): number;
  /** Offset of reduced element t (row-major over the reduced dims) from its output's base. */
  readonly offsets: Int32Array;
}

/** The layout of reducing `axes` (normalised, ascending) of a tensor of shape `shape`. */
export function reductionLayout(shape: readonly number[], axes: readonly number[]): ReductionLayout {
  const strides = stridesOf(shape);
  const reduced = new Set(axes);
  const keptDims = shape.flatMap((size, d) => (reduced.has(d) ? [] : [{ size, stride: strides[d]! }]));
  const reducedDims = shape.flatMap((size, d) => (reduced.has(d) ? [{ size, stride: strides[d]! }] : []));
  const count = sizeOf(reducedDims.map((d) => d.size));
  const offsets = new Int32Array(count);
  for (let t = 0; t < count; t++) offsets[t] = offsetOf(t, reducedDims);
  return { outputs: sizeOf(keptDims.map((d) => d.size)), count, base: (o) => offsetOf(o, keptDims), offsets };
}

/** The flat offset of row-major position `index` over `dims`. */
function offsetOf(index: number, dims: readonly { size: number; stride: number }[]): number {
  let offset = 0;
  for (let d = dims.length - 1; d >= 0; d--) {
    offset += (index % dims[d]!.size) * dims[d]!.stride;
    index = Math.floor(index / dims[d]!.size);
  }
  return offset;
}

/** The reduced axes of any reduction node (GlobalAveragePool: every spatial dim). */
export function reducedAxes(node: ReductionNode, rank: number): readonly number[] {
  return node.op === "GlobalAveragePool" ? Array.from({ length: rank - 2 }, (_, i) => i + 2) : node.axes;
}

/** Output shape: reduced dims become 1 (keepdims) or disappear. */
function reducedShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  return keepdims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

/**
 * The reduced axes from the `axes` attribute (opsets before 13 for ReduceSum, before 18 for the
 * others) or the constant `axes` input (later opsets); no axes means every axis, unless
 * noop_with_empty_axes = 1, which makes the node the identity (empty list).
 */
function readAxes(ctx: BuildContext, rank: number): number[] {
  const fromAttribute = ctx.attrs.ints("axes");
  let axes: number[] | undefined = fromAttribute;
  if (ctx.inputs[1]) {
    if (fromAttribute) throw structureError(ctx, "axes are given both as attribute and as input 1");
    const t = ctx.constant(1);
    if (!t) throw structureError(ctx, "the axes (input 1) must be a constant: the IR has static shapes");
    axes = Array.from(t.data);
  }
  if (!axes || axes.length === 0) {
    return ctx.attrs.int("noop_with_empty_axes", 0) !== 0 ? [] : Array.from({ length: rank }, (_, i) => i);
  }
  const normalized = axes.map((a) => normalizeAxis(ctx, a, rank));
  if (new Set(normalized).size !== normalized.length) throw structureError(ctx, `axes [${axes}] name an axis twice`);
  return normalized.sort((a, b) => a - b);
}

type ReduceNode = ReduceMeanNode | ReduceSumNode | ReduceMaxNode | ReduceMinNode;

/**
 * Reduces `x` along `layout`: `fold` over each output's elements from `init`, then `finish(acc, n)`.
 * An empty set (a zero-size reduced dim) has a float result (0, NaN, -inf, +inf as ONNX says) but no
 * integer one: the integer and bound runs refuse it, so the quantizer refuses ReduceSum, ReduceMean
 * and GlobalAveragePool over one, and the integer interpreter ReduceMax and ReduceMin.
 */
function reduce(
  node: ReductionNode,
  arith: NodeArithmetic,
  x: Tensor,
  out: TensorInfo,
  layout: ReductionLayout,
  init: number,
  fold: (acc: number, v: number) => number,
  finish: (acc: number, count: number) => number,
): Tensor {
  const y = zeros(out.dtype, out.shape);
  if (layout.count === 0 && layout.outputs > 0 && arith.mode !== "float") {
    throw new QuantizationError(
      `${node.op} node "${node.name}": reduces an empty set (input shape [${x.shape.join(", ")}]), which has no integer value`,
    );
  }
  for (let o = 0; o < layout.outputs; o++) {
    const base = layout.base(o);
    let acc = init;
    for (let t = 0; t < layout.count; t++) acc = fold(acc, x.data[base + layout.offsets[t]!]!);
    y.data[o] = finish(acc, layout.count);
  }
  return y;
}

const plus = (acc: number, v: number) => acc + v;

/** ReduceMean, ReduceSum, ReduceMax and ReduceMin differ only in their fold and its end. */
function reduceOp<N extends ReduceNode>(
  op: N["op"],
  /** Whether the quantizer bounds the sum (ReduceSum, ReduceMean). */
  accumulator: boolean,
  kernel: (
    arith: NodeArithmetic,
    dtype: TensorInfo["dtype"],
  ) => {
    init: number;
    fold: (acc: number, v: number) => number;
    finish: (acc: number, n: number) => number;
  },
): OpDefinition<N> {
  return {
    op,
    attributes: ["axes", "keepdims", "noop_with_empty_axes"],
    constantInputs: [1],
    accumulator,
    // Every reduction keeps its input's exponent: a sum or mean of values at e is at e.
    quantize: keepInputScale,

    build(ctx) {
      const x = requireInput(ctx, 0, "data");
      const axes = readAxes(ctx, x.shape.length);
      const keepdims = ctx.attrs.int("keepdims", 1) !== 0;
      const attrs: ReduceAttributes = { axes, keepdims };
      const node = { op, name: ctx.name, inputs: ctx.inputNames.slice(0, 1), outputs: ctx.outputNames.slice(0, 1), ...attrs };
      return {
        node: node as unknown as N,
        outputs: [{ name: node.outputs[0]!, dtype: x.dtype, shape: reducedShape(x.shape, axes, keepdims) }],
      };
    },

    run(node, [x], [out], arith) {
      const { init, fold, finish } = kernel(arith, x!.dtype);
      return [reduce(node, arith, x!, out!, reductionLayout(x!.shape, node.axes), init, fold, finish)];
    },
  };
}

export const reduceSum: OpDefinition<ReduceSumNode> = reduceOp("ReduceSum", true, (arith) => ({
  init: 0,
  fold: plus,
  finish: (acc) => arith.add(acc),
}));

export const reduceMean: OpDefinition<ReduceMeanNode> = reduceOp("ReduceMean", true, (arith) => ({
  init: 0,
  fold: plus,
  finish: (acc, n) => arith.average(acc, n),
}));

export const reduceMax: OpDefinition<ReduceMaxNode> = reduceOp("ReduceMax", false, (_, dtype) => ({
  // The maximum of no element: -inf in float (ONNX), false for bool.
  init: dtype === "bool" ? 0 : -Infinity,
  fold: (acc, v) => (v > acc ? v : acc),
  finish: (acc) => acc,
}));

export const reduceMin: OpDefinition<ReduceMinNode> = reduceOp("ReduceMin", false, (_, dtype) => ({
  init: dtype === "bool" ? 1 : Infinity,
  fold: (acc, v) => (v < acc ? v : acc),
  finish: (acc) => acc,
}));

export const globalAveragePool: OpDefinition<GlobalAveragePoolNode> = {
  op: "GlobalAveragePool",
  attributes: [],
  accumulator: true,
  quantize: keepInputScale,

  build(ctx) {
    const x = requireInput(ctx, 0, "X");
    if (x.shape.length < 3) throw structureError(ctx, `X must be [N, C, spatial...], has shape [${x.shape}]`);
    const node: GlobalAveragePoolNode = {
      op: "GlobalAveragePool",
      name: ctx.name,
      inputs: ctx.inputNames.slice(0, 1),
      outputs: ctx.outputNames.slice(0, 1),
    };
    return {
      node,
      outputs: [{ name: node.outputs[0]!, dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)] }],
    };
  },

  run(node, [x], [out], arith) {
    const layout = reductionLayout(x!.shape, reducedAxes(node, x!.shape.length));
    return [reduce(node, arith, x!, out!, layout, 0, plus, (acc, n) => arith.average(acc, n))];
  },
};
