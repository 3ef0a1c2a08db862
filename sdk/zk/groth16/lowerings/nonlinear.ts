/**
 * Circuit lowerings of the non-linear functions (circuits/lib/nonlinear.circom): the smooth unary
 * functions as TableFunction components (widths from the TypeScript tables, coefficients from the
 * generated circuits/lib/nonlinearTables.circom), Sqrt / Reciprocal / Pow exact, Softmax,
 * LogSoftmax and LayerNormalization row by row. Costs: nonlinearCost in ../costs.ts; every width is derived from
 * the bounds docs/integer-semantics.md states for the integer semantics.
 */
import type { IrNode, LayerNormalizationNode, LogSoftmaxNode, NonlinearNode, PowNode, SoftmaxNode } from "../../../ir/types.js";
import { tableOf } from "../../../ops/nonlinear.js";
import { rowLayout, softmaxExpBound, softmaxSumRange } from "../../../ops/softmax.js";
import { broadcastIndex } from "../../../ops/broadcast.js";
import { FUNCTION_TABLES } from "../../../quant/functionTables.js";
import {
  FUNCTION_ACTIVATION_BITS,
  FUNCTION_FRAC_BITS,
  type FunctionTable,
  GUARD_BITS,
  LAYER_NORM_EPSILON_SHIFT,
  LAYER_NORM_SHIFT,
  LN2_HIGH,
  hornerBounds,
  layerNormEpsilon,
  segmentShift,
} from "../../../quant/functions.js";
import { sizeOf } from "../../../tensor.js";
import type { CircuitBuilder, Lowering } from "../circuitGen.js";
import { accumulatorBits, cost, magnitudeBits, nonlinearCost } from "../costs.js";
import { CircuitCompileError } from "../errors.js";

/** The widths TableHigh / TableFunction need for table `t` on inputs of `inBits` bits. */
export function tableWidths(t: FunctionTable): { accBits: number; hBits: number } {
  const s = segmentShift(t);
  const bounds = hornerBounds(t);
  // Every Horner product |h_{j+1} * u| + 2^(s-1) < 2^(accBits-1).
  let product = 0;
  for (let j = 0; j < t.degree; j++) product = Math.max(product, bounds[j + 1]! * (2 ** s - 1));
  return { accBits: magnitudeBits(product + 2 ** (s - 1)) + 1, hBits: accumulatorBits(bounds[0]!, GUARD_BITS, FUNCTION_ACTIVATION_BITS) };
}

/** Per-element constraints of a smooth unary function. */
export function tableFunctionCost(t: FunctionTable, actBits = FUNCTION_ACTIVATION_BITS): number {
  const { accBits, hBits } = tableWidths(t);
  return nonlinearCost.tableFunction(actBits, t.segmentBits, t.degree, accBits, hBits, t.below.slope + t.above.slope);
}

function checkFormat(b: CircuitBuilder, node: IrNode): void {
  if (b.A !== FUNCTION_ACTIVATION_BITS || b.model.config.fracBits !== FUNCTION_FRAC_BITS) {
    throw new CircuitCompileError(node, `the non-linear tables are fitted for A = 16, F = 8`);
  }
}

/** One component per output element: `template`, input `x(i)` wired to `in`, `out` to the output. */
function perElement(b: CircuitBuilder, node: IrNode, size: number, template: string, each: number, detail: string): void {
  const x = b.ref(node.inputs[0]!);
  const out = b.outputSignal(node.outputs[0]!, size);
  const c = b.fresh(node.op.toLowerCase());
  b.line(`component ${c}[${size}];`);
  for (let i = 0; i < size; i++) b.line(`${c}[${i}] = ${template};`, `${c}[${i}].in <== ${x(i)};`, `${out}[${i}] <== ${c}[${i}].out;`);
  b.layer(node.name, node.op, size, size * each, 0, detail);
}

function tableTemplate(t: FunctionTable, inBits: number): string {
  const { accBits } = tableWidths(t);
  return `TableHigh(${t.id}, ${inBits}, ${t.lo}, ${t.rangeBits}, ${t.segmentBits}, ${t.degree}, ${accBits})`;
}

const lowerTable: Lowering<IrNode> = (b, node, size) => {
  checkFormat(b, node);
  const t = FUNCTION_TABLES[tableOf(node)!];
  const { accBits, hBits } = tableWidths(t);
  const template =
    `TableFunction(${t.id}, ${b.A}, ${t.lo}, ${t.rangeBits}, ${t.segmentBits}, ${t.degree}, ${accBits}, ${hBits}, ${GUARD_BITS}, ` +
    `${t.below.slope}, ${t.below.value}, ${t.above.slope}, ${t.above.value})`;
  perElement(b, node, size, template, tableFunctionCost(t, b.A), `${t.name} table: 2^${t.segmentBits} segments, degree ${t.degree}`);
};

/** a with 4 * max(x, 0) * 2^F < 2^(2a): the square root's width. */
const sqrtBits = (actBits: number, frac: number) => Math.ceil((actBits + 1 + frac) / 2);

const lowerSqrt: Lowering<IrNode> = (b, node, size) => {
  checkFormat(b, node);
  const f = b.model.config.fracBits;
  const aBits = sqrtBits(b.A, f);
  perElement(b, node, size, `SqrtRound(${b.A}, ${f}, ${aBits})`, nonlinearCost.sqrtRound(b.A, aBits), "exact rounded square root");
};

const lowerReciprocal: Lowering<IrNode> = (b, node, size) => {
  checkFormat(b, node);
  const f = b.model.config.fracBits;
  const qBits = b.A + f + 1;
  perElement(b, node, size, `ReciprocalRound(${b.A}, ${f}, ${qBits})`, nonlinearCost.reciprocalRound(b.A, qBits), "exact rounded division");
};

const lowerPow: Lowering<PowNode> = (b, node, size) => {
  if (node.exponent === 1) {
    b.alias(node.outputs[0]!, node.inputs[0]!);
    b.layer(node.name, "Pow", size, 0, 0, "x^1: free (renames signals)");
    return;
  }
  if (node.exponent === 0.5) return lowerSqrt(b, node, size);
  if (node.exponent !== 2) throw new CircuitCompileError(node, `exponent ${node.exponent} (the integer model has 1, 2 and 0.5)`);
  const q = b.model.nodes.get(node.name)!;
  const accBits = accumulatorBits(q.accumulatorBound, q.shift, b.A);
  const x = b.ref(node.inputs[0]!);
  const out = b.outputSignal(node.outputs[0]!, size);
  const c = b.fresh("square");
  b.line(`component ${c}[${size}];`);
  for (let i = 0; i < size; i++) {
    b.line(
      `${c}[${i}] = RescaleSaturate(${accBits}, ${q.shift}, ${b.A});`,
      `${c}[${i}].acc <== ${x(i)} * ${x(i)};`,
      `${out}[${i}] <== ${c}[${i}].out;`,
    );
  }
  b.layer(
    node.name,
    "Pow",
    size,
    size * (1 + cost.rescaleSaturate(accBits)),
    0,
    `x^2: a product and RescaleSaturate(${accBits}) per element`,
  );
};

/** Visits every row of `node`'s input over `axes`: the flat indices of its elements. */
function forEachRow(shape: readonly number[], axes: readonly number[], visit: (indices: number[]) => void): void {
  const { outer, length, inner } = rowLayout(shape, axes);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) visit(Array.from({ length }, (_, j) => (o * length + j) * inner + i));
  }
}

/**
 * One row's Softmax exponentials: a Max2 chain for the maximum, the exp table's h_0 at x - max per
 * element (0 below the table), their sum. Returns the signals' names and the constraints spent.
 */
function rowExponentials(b: CircuitBuilder, r: string, x: (i: number) => string, indices: readonly number[]) {
  const A = b.A;
  const t = FUNCTION_TABLES.exp;
  const { accBits } = tableWidths(t);
  const length = indices.length;
  let max = x(indices[0]!);
  for (let j = 1; j < length; j++) {
    const c = `${r}Max${j}`;
    b.line(`component ${c} = Max2(${A});`, `${c}.a <== ${max};`, `${c}.b <== ${x(indices[j]!)};`);
    max = `${c}.out`;
  }
  b.line(`signal ${r}Max <== ${max};`, `component ${r}Exp[${length}];`, `signal ${r}E[${length}];`);
  indices.forEach((index, j) => {
    b.line(
      `${r}Exp[${j}] = ${tableTemplate(t, A + 1)};`,
      `${r}Exp[${j}].in <== ${x(index)} - ${r}Max;`,
      `${r}E[${j}] <== ${r}Exp[${j}].inside * ${r}Exp[${j}].h;`,
    );
  });
  b.line(`signal ${r}Sum <== ${Array.from({ length }, (_, j) => `${r}E[${j}]`).join(" + ")};`);
  const constraints = (length - 1) * cost.max2(A) + length * (nonlinearCost.tableHigh(A + 1, t.segmentBits, t.degree, accBits) + 1);
  return { max: `${r}Max`, e: (j: number) => `${r}E[${j}]`, sum: `${r}Sum`, constraints };
}

const lowerSoftmax: Lowering<SoftmaxNode> = (b, node, size) => {
  checkFormat(b, node);
  const f = b.model.config.fracBits;
  const shape = b.model.graph.tensors.get(node.inputs[0]!)!.shape;
  const { length } = rowLayout(shape, node.axes);
  // 2 S < 2^rBits, S <= D * (the largest exponential).
  const rBits = magnitudeBits(2 * length * softmaxExpBound());
  const x = b.ref(node.inputs[0]!);
  const out = b.outputSignal(node.outputs[0]!, size);
  let constraints = 0;
  forEachRow(shape, node.axes, (indices) => {
    const r = b.fresh("softmax");
    const row = rowExponentials(b, r, x, indices);
    b.line(`component ${r}Div[${length}];`);
    indices.forEach((index, j) => {
      b.line(
        `${r}Div[${j}] = SoftmaxDivide(${f}, ${rBits});`,
        `${r}Div[${j}].e <== ${row.e(j)};`,
        `${r}Div[${j}].sum <== ${row.sum};`,
        `${out}[${index}] <== ${r}Div[${j}].out;`,
      );
    });
    constraints += row.constraints + length * nonlinearCost.softmaxDivide(f, rBits);
  });
  b.layer(node.name, "Softmax", size, constraints, 0, `rows of ${length}: Max2 chain, exp table, exact division per element`);
};

const lowerLogSoftmax: Lowering<LogSoftmaxNode> = (b, node, size) => {
  checkFormat(b, node);
  const A = b.A;
  const shape = b.model.graph.tensors.get(node.inputs[0]!)!.shape;
  const { length } = rowLayout(shape, node.axes);
  const range = softmaxSumRange(length);
  if (range.min < 1) throw new CircuitCompileError(node, `rows of ${length} elements are too long for the integer logarithm`);
  const [bLo, bHi] = [Math.floor(Math.log2(range.min)), Math.floor(Math.log2(range.max))];
  const ln = FUNCTION_TABLES.lnMantissa;
  const lnWidths = tableWidths(ln);
  const fg = FUNCTION_FRAC_BITS + GUARD_BITS;
  // |(x - m) 2^G - L| <= (2^A - 1) 2^G + max(|L|), |L| <= h_0's bound + max(|b - fg|) ln2.
  const logBound = hornerBounds(ln)[0]! + Math.max(Math.abs(bHi - fg), Math.abs(bLo - fg)) * LN2_HIGH;
  const accBits = accumulatorBits((2 ** A - 1) * 2 ** GUARD_BITS + logBound, GUARD_BITS, A);
  const logSum = `LogSum(${ln.id}, ${bLo}, ${bHi}, ${ln.rangeBits}, ${ln.segmentBits}, ${ln.degree}, ${lnWidths.accBits}, ${fg}, ${LN2_HIGH})`;
  const logCost = nonlinearCost.logSum(bLo, bHi, nonlinearCost.tableHigh(ln.rangeBits + 1, ln.segmentBits, ln.degree, lnWidths.accBits));
  const x = b.ref(node.inputs[0]!);
  const out = b.outputSignal(node.outputs[0]!, size);
  let constraints = 0;
  forEachRow(shape, node.axes, (indices) => {
    const r = b.fresh("logSoftmax");
    const row = rowExponentials(b, r, x, indices);
    b.line(`component ${r}Log = ${logSum};`, `${r}Log.sum <== ${row.sum};`, `component ${r}Y[${length}];`);
    indices.forEach((index, j) => {
      b.line(
        `${r}Y[${j}] = RescaleSaturate(${accBits}, ${GUARD_BITS}, ${A});`,
        `${r}Y[${j}].acc <== (${x(index)} - ${row.max}) * ${2 ** GUARD_BITS} - ${r}Log.out;`,
        `${out}[${index}] <== ${r}Y[${j}].out;`,
      );
    });
    constraints += row.constraints + logCost + length * cost.rescaleSaturate(accBits);
  });
  b.layer(node.name, "LogSoftmax", size, constraints, 0, `rows of ${length}: Max2 chain, exp table, one logarithm, a rescale per element`);
};

/** Widths of a LayerNormalization with rows of n elements (docs/integer-semantics.md bounds). */
export function layerNormWidths(n: number, e: number, gMax: number, bMax: number, shift: number, actBits: number, frac: number) {
  const m = 2 ** (actBits - 1);
  const P = LAYER_NORM_EPSILON_SHIFT;
  const tMax = n * n * m * m * 2 ** P + e;
  const K = LAYER_NORM_SHIFT;
  // inv <= 2^(K+P/2) (T >= 1); both gaps of the check are below 8 inv T <= 2^(K+P/2+3) sqrt(T) + 8 T.
  const invBits = K + P / 2 + 1;
  const gapBits = magnitudeBits(2 ** (K + P / 2 + 3) * Math.sqrt(tMax) + 8 * tMax) + 1;
  const pBits = magnitudeBits(Math.sqrt(n) * 2 ** K + n * m + 2 ** (K - frac - 1)) + 2;
  const affine = (Math.sqrt(n) * 2 ** frac + 2) * gMax + bMax;
  return { invBits, gapBits, pBits, accBits: accumulatorBits(Math.ceil(affine), shift, actBits) };
}

const lowerLayerNorm: Lowering<LayerNormalizationNode> = (b, node, size) => {
  checkFormat(b, node);
  if (node.outputs.length > 1) throw new CircuitCompileError(node, "its Mean and InvStdDev outputs are float-mode only");
  const A = b.A;
  const f = b.model.config.fracBits;
  const shape = b.model.graph.tensors.get(node.inputs[0]!)!.shape;
  const axes = Array.from({ length: shape.length - node.axis }, (_, d) => node.axis + d);
  const rowShape = shape.slice(node.axis);
  const n = sizeOf(rowShape);
  const [, gName, bName] = node.inputs as [string, string, string?];
  const g = b.model.constants.get(gName)!.tensor;
  const bias = bName ? b.model.constants.get(bName)!.tensor : undefined;
  const gAt = broadcastIndex(g.shape, rowShape);
  const bAt = bias ? broadcastIndex(bias.shape, rowShape) : undefined;
  const shift = b.model.nodes.get(node.name)!.shift;
  const e = layerNormEpsilon(node.epsilon, n, f);
  const gMax = g.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const bMax = bias ? bias.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0) : 0;
  const w = layerNormWidths(n, e, gMax, bMax, shift, A, f);
  const K = LAYER_NORM_SHIFT;
  const x = b.ref(node.inputs[0]!);
  const out = b.outputSignal(node.outputs[0]!, size);
  let constraints = 0;
  forEachRow(shape, axes, (indices) => {
    const r = b.fresh("layerNorm");
    const sum = indices.map((i) => x(i)).join(" + ");
    b.line(`signal ${r}Sq[${n}];`);
    indices.forEach((i, j) => b.line(`${r}Sq[${j}] <== ${x(i)} * ${x(i)};`));
    b.line(
      `signal ${r}S1 <== ${sum};`,
      `signal ${r}S1Sq <== ${r}S1 * ${r}S1;`,
      `component ${r}Inv = LayerNormFactor(${K + LAYER_NORM_EPSILON_SHIFT / 2}, ${w.invBits}, ${w.gapBits});`,
      `${r}Inv.t <== (${n} * (${indices.map((_, j) => `${r}Sq[${j}]`).join(" + ")}) - ${r}S1Sq) * ${2 ** LAYER_NORM_EPSILON_SHIFT} + ${e};`,
      `signal ${r}P[${n}];`,
      `component ${r}Z[${n}];`,
      `component ${r}Y[${n}];`,
    );
    indices.forEach((i, j) => {
      const gi = g.data[gAt[j]!]!;
      const bi = bias ? bias.data[bAt![j]!]! : 0;
      b.line(
        `${r}P[${j}] <== (${n} * ${x(i)} - ${r}S1) * ${r}Inv.inv;`,
        `${r}Z[${j}] = Rescale(${w.pBits}, ${K - f});`,
        `${r}Z[${j}].in <== ${r}P[${j}];`,
        `${r}Y[${j}] = RescaleSaturate(${w.accBits}, ${shift}, ${A});`,
        `${r}Y[${j}].acc <== ${r}Z[${j}].out * (${gi}) + (${bi});`,
        `${out}[${i}] <== ${r}Y[${j}].out;`,
      );
    });
    constraints += n + 1 + nonlinearCost.layerNormFactor(w.invBits, w.gapBits);
    constraints += n * (1 + nonlinearCost.rescale(w.pBits) + cost.rescaleSaturate(w.accBits));
  });
  b.layer(
    node.name,
    "LayerNormalization",
    size,
    constraints,
    0,
    `rows of ${n}: exact sums, inv = round(2^${K} / sqrt(T)), two rescales per element`,
  );
};

export const NONLINEAR_LOWERINGS: { [K in NonlinearNode["op"]]: Lowering<Extract<NonlinearNode, { op: K }>> } = {
  Sigmoid: lowerTable,
  Tanh: lowerTable,
  Exp: lowerTable,
  Erf: lowerTable,
  Gelu: lowerTable,
  Sqrt: lowerSqrt,
  Reciprocal: lowerReciprocal,
  Pow: lowerPow,
  Softmax: lowerSoftmax,
  LogSoftmax: lowerLogSoftmax,
  LayerNormalization: lowerLayerNorm,
};
