/**
 * Softmax and LogSoftmax over a row of contiguous dims (opset 13+: the one dim `axis`, default -1;
 * before opset 13 the input is coerced to 2-D at `axis`, default 1, so a row is every dim from axis
 * on). Integer mode (docs/integer-semantics.md, section 4, "Non-linear functions"): subtract the
 * row's maximum, exponentials from the exp table at exponent F + G, their sum S; Softmax's outputs
 * are divRound(e * 2^F, S), LogSoftmax's x - max - ln(S) with ln(S) from the lnMantissa table.
 */
import { QuantizationError } from "../errors.js";
import type { LogSoftmaxNode, SoftmaxNode, TensorInfo } from "../ir/types.js";
import { FUNCTION_TABLES } from "../quant/functionTables.js";
import {
  FUNCTION_ACTIVATION_BITS,
  FUNCTION_FRAC_BITS,
  GUARD_BITS,
  LN_MANTISSA_BITS,
  evaluateHigh,
  logSoftmaxRow,
  softmaxRow,
} from "../quant/functions.js";
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

let lowestExp: number | undefined;
/**
 * The range of a row's sum of exponentials S for rows of `length` elements: the maximum's
 * exponential (the exp table at 0) plus length - 1 others, each between the table's lowest value
 * (a polynomial may dip slightly below 0 near lo) and its largest.
 */
export function softmaxSumRange(length: number): { min: number; max: number } {
  const t = FUNCTION_TABLES.exp;
  lowestExp ??= Array.from({ length: 2 ** t.rangeBits }, (_, k) => evaluateHigh(t, t.lo + k)).reduce((a, b) => Math.min(a, b), 0);
  return { min: evaluateHigh(t, 0) + (length - 1) * lowestExp, max: length * softmaxExpBound() };
}

/** The row kernels of Softmax or LogSoftmax: float, the largest intermediate (bound mode), integer. */
interface RowKernels<N> {
  readonly real: (row: readonly number[]) => number[];
  readonly bound: (node: N, length: number) => number;
  readonly integer: (row: readonly number[]) => number[];
}

/** Softmax and LogSoftmax: the same attributes, rows and quantization; their kernels differ. */
function rowFunction<N extends SoftmaxNode | LogSoftmaxNode>(op: N["op"], kernels: RowKernels<N>): OpDefinition<N> {
  return {
    op,
    attributes: ["axis"],
    accumulator: true,
    quantize: quantizeFunction,

    build(ctx) {
      const { x, axes } = softmaxAxes(ctx);
      return elementwiseNode<N>(
        ctx,
        { op, inputs: ctx.inputNames.slice(0, 1), axes } as unknown as Omit<N, "name" | "outputs">,
        x.dtype,
        x.shape,
      );
    },

    run(node, [x], [out], arith) {
      if (arith.mode === "float") {
        const round = floatRound(arith, out!.dtype);
        return [mapRows(x!, out!, node.axes, (row) => kernels.real(row).map(round))];
      }
      if (arith.mode === "bound") {
        const bound = kernels.bound(node, rowLayout(x!.shape, node.axes).length);
        return [mapRows(x!, out!, node.axes, (row) => row.map(() => bound))];
      }
      return [mapRows(x!, out!, node.axes, kernels.integer)];
    },
  };
}

export const softmax = rowFunction<SoftmaxNode>("Softmax", {
  real(row) {
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  },
  // The largest quantity the division sees: 2 e 2^F + S with every e at its largest.
  bound: (_node, length) => 2 * softmaxExpBound() * 2 ** FUNCTION_FRAC_BITS + length * softmaxExpBound(),
  integer: (row) => softmaxRow(FUNCTION_TABLES.exp, row),
});

export const logSoftmax = rowFunction<LogSoftmaxNode>("LogSoftmax", {
  real(row) {
    const m = Math.max(...row);
    const logSum = Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    return row.map((v) => v - m - logSum);
  },
  bound(node, length) {
    const sum = softmaxSumRange(length);
    if (sum.min < 1) {
      throw new QuantizationError(
        `LogSoftmax node "${node.name}": rows of ${length} elements are too long for the integer logarithm (its sum of exponentials may reach ${sum.min})`,
      );
    }
    // The largest quantity: the mantissa's S * 2^W, or (x - m) 2^G less the logarithm (below 2^(A+G) + S).
    return sum.max * 2 ** LN_MANTISSA_BITS + 2 ** (FUNCTION_ACTIVATION_BITS + GUARD_BITS);
  },
  integer: (row) => logSoftmaxRow(FUNCTION_TABLES.exp, FUNCTION_TABLES.lnMantissa, row),
});
