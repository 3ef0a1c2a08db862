/**
 * Softmax over a row of contiguous dims (opset 13+: the one dim `axis`, default -1; before opset 13
 * the input is coerced to 2-D at `axis`, default 1, so a row is every dim from axis on). Integer
 * mode (docs/integer-semantics.md, section 4, "Non-linear functions"): subtract the row's maximum,
 * exponentials from the exp table at exponent F + G, their sum S, each output divRound(e * 2^F, S).
 */
import type { SoftmaxNode, TensorInfo } from "../ir/types.js";
import { FUNCTION_TABLES } from "../quant/functionTables.js";
import { FUNCTION_FRAC_BITS, evaluateHigh, softmaxRow } from "../quant/functions.js";
import { type Tensor, sizeOf, zeros } from "../tensor.js";
import { elementwiseNode, floatRound } from "./elementwise.js";
import { quantizeFunction } from "./nonlinear.js";
import { type BuildContext, type OpDefinition, normalizeAxis, requireInput } from "./op.js";

/** The rows of a tensor of `shape` over the contiguous dims `axes`: outer x D x inner, element (o, j, i) at (o D + j) inner + i. */
export function rowLayout(shape: readonly number[], axes: readonly number[]): { outer: number; length: number; inner: number } {
  const first = axes[0]!;
  const last = axes[axes.length - 1]!;
  return { outer: sizeOf(shape.slice(0, first)), length: sizeOf(shape.slice(first, last + 1)), inner: sizeOf(shape.slice(last + 1)) };
}

/** Applies `f` to every row of `x` (over `axes`), writing the results in place of the row. */
export function mapRows(x: Tensor, out: TensorInfo, axes: readonly number[], f: (row: number[]) => readonly number[]): Tensor {
  const y = zeros(out.dtype, out.shape);
  const { outer, length, inner } = rowLayout(x.shape, axes);
  const row = new Array<number>(length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      for (let j = 0; j < length; j++) row[j] = x.data[(o * length + j) * inner + i]!;
      const r = f(row);
      for (let j = 0; j < length; j++) y.data[(o * length + j) * inner + i] = r[j]! + 0;
    }
  }
  return y;
}

/** The row dims of a Softmax / LogSoftmax node from its axis attribute and the opset's rule. */
export function softmaxAxes(ctx: BuildContext): { x: TensorInfo; axes: number[] } {
  const x = requireInput(ctx, 0, "input");
  const rank = x.shape.length;
  const legacy = ctx.opset > 0 && ctx.opset < 13;
  const axis = normalizeAxis(ctx, ctx.attrs.int("axis", legacy ? 1 : -1), rank);
  const axes = legacy ? Array.from({ length: rank - axis }, (_, d) => axis + d) : [axis];
  return { x, axes };
}

let maxExp: number | undefined;
/** The largest softmaxExp value (at v = 0 or just below), which bounds every exponential. */
export function softmaxExpBound(): number {
  const t = FUNCTION_TABLES.exp;
  maxExp ??= Array.from({ length: -t.lo + 1 }, (_, k) => Math.abs(evaluateHigh(t, t.lo + k))).reduce((a, b) => Math.max(a, b), 0);
  return maxExp;
}

export const softmax: OpDefinition<SoftmaxNode> = {
  op: "Softmax",
  attributes: ["axis"],
  accumulator: true,
  quantize: quantizeFunction,

  build(ctx) {
    const { x, axes } = softmaxAxes(ctx);
    return elementwiseNode<SoftmaxNode>(ctx, { op: "Softmax", inputs: ctx.inputNames.slice(0, 1), axes }, x.dtype, x.shape);
  },

  run(node, [x], [out], arith) {
    if (arith.mode === "float") {
      const round = floatRound(arith, out!.dtype);
      return [
        mapRows(x!, out!, node.axes, (row) => {
          const m = Math.max(...row);
          const e = row.map((v) => Math.exp(v - m));
          const sum = e.reduce((a, b) => a + b, 0);
          return e.map((v) => round(v / sum));
        }),
      ];
    }
    if (arith.mode === "bound") {
      // The largest quantity the division sees: 2 e 2^F + S with every e at its largest.
      const e = softmaxExpBound();
      const { length } = rowLayout(x!.shape, node.axes);
      return [mapRows(x!, out!, node.axes, (row) => row.map(() => 2 * e * 2 ** FUNCTION_FRAC_BITS + length * e))];
    }
    return [mapRows(x!, out!, node.axes, (row) => softmaxRow(FUNCTION_TABLES.exp, row))];
  },
};
