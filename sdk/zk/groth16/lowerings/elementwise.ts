/**
 * Circuit lowerings of the element-wise operators (circuits/lib/elementwise.circom), with
 * multidirectional broadcasting: element i of the output reads each operand at its broadcast index
 * (CircuitBuilder.broadcastRef). Constant operands are numbers in the circom source, so a product
 * with a constant is a linear expression (no constraint); a product of two activations costs one.
 * Costs: elementwiseCost in ../costs.ts, per output element.
 */
import type { ElementwiseNode, IrNode } from "../../../ir/types.js";
import { MULTIPLIER_SHIFT } from "../../../quant/elementwise.js";
import type { NodeQuant } from "../../../quant/quantize.js";
import type { CircuitBuilder, Lowering } from "../circuitGen.js";
import { accumulatorBits, cost, elementwiseCost, magnitudeBits, remainderBits } from "../costs.js";
import { CircuitCompileError } from "../errors.js";

function quantOf(b: CircuitBuilder, node: IrNode): NodeQuant {
  return b.model.nodes.get(node.name)!;
}

function param(b: CircuitBuilder, node: IrNode, name: string): number {
  const v = quantOf(b, node).params?.[name];
  if (v === undefined) throw new CircuitCompileError(node, `the integer model has no "${name}" for it (quantize it again)`);
  return v;
}

const isConstant = (b: CircuitBuilder, name: string) => b.model.constants.has(name);

/** Element k of the node's operands, parenthesised (a constant may be negative). */
function operands(b: CircuitBuilder, node: IrNode): ((i: number) => string)[] {
  return node.inputs.map((_, k) => {
    const ref = b.broadcastRef(node, k);
    return (i: number) => `(${ref(i)})`;
  });
}

/**
 * Emits one component of `template` per output element, wiring its inputs with `wire(c, i)` and its
 * `out` to the output signal; records `perElement(i)` constraints.
 */
function perElement(
  b: CircuitBuilder,
  node: IrNode,
  size: number,
  template: (i: number) => string,
  wire: (c: string, i: number) => string[],
  constraints: (i: number) => number,
  detail: string,
): void {
  const out = b.outputSignal(node.outputs[0]!, size);
  const c = b.fresh(node.op.toLowerCase());
  b.line(`component ${c}[${size}];`);
  let total = 0;
  for (let i = 0; i < size; i++) {
    b.line(`${c}[${i}] = ${template(i)};`, ...wire(`${c}[${i}]`, i), `${out}[${i}] <== ${c}[${i}].out;`);
    total += constraints(i);
  }
  b.layer(node.name, node.op, size, total, 0, detail);
}

/** A number in the circom source (a constant, or an element the intervals fixed). */
const literal = (e: string) => /^\(?-?\d+\)?$/.test(e);

/**
 * Interval-driven (a model with declared input ranges): each element's accumulator `acc(i)` rescaled
 * by the cheapest template its interval allows (CircuitBuilder.rescaleInto); `products(i)` is how
 * many products of two signals the accumulator holds (one constraint each, unless the element is
 * fixed). False when the model has no intervals.
 */
function lowerRescaledByInterval(
  b: CircuitBuilder,
  node: IrNode,
  size: number,
  acc: (i: number) => string,
  products: (i: number) => number,
): boolean {
  const interval = b.intervals?.accumulators.get(node.name);
  if (!interval) return false;
  const { constraints, detail, steps } = b.rescaleInto(node.outputs[0]!, size, acc, interval, quantOf(b, node).shift, false);
  let count = 0;
  steps.forEach((step, i) => (count += step.kind === "constant" ? 0 : products(i)));
  b.layer(node.name, node.op, size, constraints + count * elementwiseCost.product(), 0, `${detail} (interval-driven)`);
  return true;
}

const lowerMul: Lowering<Extract<ElementwiseNode, { op: "Mul" }>> = (b, node, size) => {
  const [x, y] = operands(b, node);
  if (
    lowerRescaledByInterval(
      b,
      node,
      size,
      (i) => `${x!(i)} * ${y!(i)}`,
      (i) => (literal(x!(i)) || literal(y!(i)) ? 0 : 1),
    )
  )
    return;
  const q = quantOf(b, node);
  const accBits = accumulatorBits(q.accumulatorBound, q.shift, b.A);
  const product = !isConstant(b, node.inputs[0]!) && !isConstant(b, node.inputs[1]!);
  const each = cost.rescaleSaturate(accBits) + (product ? elementwiseCost.product() : 0);
  perElement(
    b,
    node,
    size,
    () => `RescaleSaturate(${accBits}, ${q.shift}, ${b.A})`,
    (c, i) => [`${c}.acc <== ${x!(i)} * ${y!(i)};`],
    () => each,
    `${product ? "a product and " : ""}RescaleSaturate(${accBits}, ${q.shift}, ${b.A}) per element`,
  );
};

const lowerSub: Lowering<Extract<ElementwiseNode, { op: "Sub" }>> = (b, node, size) => {
  const [x, y] = operands(b, node);
  const A = b.A;
  perElement(
    b,
    node,
    size,
    () => `Saturate(${A + 2}, ${A})`,
    (c, i) => [`${c}.in <== ${x!(i)} - ${y!(i)};`],
    () => cost.rescaleSaturate(A + 2),
    "Saturate per element",
  );
};

const lowerNeg: Lowering<Extract<ElementwiseNode, { op: "Neg" }>> = (b, node, size) => {
  const [x] = operands(b, node);
  perElement(
    b,
    node,
    size,
    () => `NegSaturate(${b.A})`,
    (c, i) => [`${c}.in <== ${x!(i)};`],
    elementwiseCost.negSaturate,
    "NegSaturate",
  );
};

const lowerAbs: Lowering<Extract<ElementwiseNode, { op: "Abs" }>> = (b, node, size) => {
  const [x] = operands(b, node);
  const each = elementwiseCost.absSaturate(b.A);
  perElement(
    b,
    node,
    size,
    () => `AbsSaturate(${b.A})`,
    (c, i) => [`${c}.in <== ${x!(i)};`],
    () => each,
    "AbsSaturate",
  );
};

const lowerClip: Lowering<Extract<ElementwiseNode, { op: "Clip" }>> = (b, node, size) => {
  const [x] = operands(b, node);
  const A = b.A;
  const [lo, hi] = [param(b, node, "lo"), param(b, node, "hi")];
  // A bound at the end of the activation range clamps nothing: no comparison.
  const useLo = lo > -(2 ** (A - 1));
  const useHi = hi < 2 ** (A - 1) - 1;
  const out = b.outputSignal(node.outputs[0]!, size);
  const c = b.fresh("clip");
  if (useLo) b.line(`component ${c}Lo[${size}];`);
  if (useHi) b.line(`component ${c}Hi[${size}];`);
  for (let i = 0; i < size; i++) {
    let v = x!(i);
    if (useLo) {
      b.line(`${c}Lo[${i}] = MaxConst(${A}, ${lo});`, `${c}Lo[${i}].in <== ${v};`);
      v = `${c}Lo[${i}].out`;
    }
    if (useHi) {
      b.line(`${c}Hi[${i}] = MinConst(${A}, ${hi});`, `${c}Hi[${i}].in <== ${v};`);
      v = `${c}Hi[${i}].out`;
    }
    b.line(`${out}[${i}] <== ${v};`);
  }
  const each = (useLo ? elementwiseCost.maxConst(A) : 0) + (useHi ? elementwiseCost.minConst(A) : 0);
  b.layer(node.name, "Clip", size, size * each, 0, `${useLo ? `MaxConst(${lo}) ` : ""}${useHi ? `MinConst(${hi})` : ""}`.trim() || "free");
};

/** LeakyRelu (slope: the multiplier m at shift P) and PRelu (slope: the weight at shift e_w). */
function lowerScaleNegative(b: CircuitBuilder, node: IrNode, size: number, slope: (i: number) => string): void {
  const [x] = operands(b, node);
  const q = quantOf(b, node);
  const accBits = accumulatorBits(q.accumulatorBound, q.shift, b.A);
  const each = elementwiseCost.scaleNegative(accBits, b.A);
  perElement(
    b,
    node,
    size,
    () => `ScaleNegative(${accBits}, ${q.shift}, ${b.A})`,
    (c, i) => [`${c}.in <== ${x!(i)};`, `${c}.scaled <== ${x!(i)} * ${slope(i)};`],
    () => each,
    `ScaleNegative(${accBits}, ${q.shift}, ${b.A}) per element`,
  );
}

const lowerLeakyRelu: Lowering<Extract<ElementwiseNode, { op: "LeakyRelu" }>> = (b, node, size) => {
  const m = param(b, node, "multiplier");
  lowerScaleNegative(b, node, size, () => `(${m})`);
};

const lowerPRelu: Lowering<Extract<ElementwiseNode, { op: "PRelu" }>> = (b, node, size) => {
  const slope = operands(b, node)[1]!;
  lowerScaleNegative(b, node, size, slope);
};

const lowerHardSigmoid: Lowering<Extract<ElementwiseNode, { op: "HardSigmoid" }>> = (b, node, size) => {
  const [x] = operands(b, node);
  const [m, c] = [param(b, node, "multiplier"), param(b, node, "offset")];
  const { fracBits: F, activationBits: A } = b.model.config;
  const P = MULTIPLIER_SHIFT;
  const tBits = accumulatorBits(quantOf(b, node).accumulatorBound, P, A);
  const qBits = Math.max(tBits - P, F + 1) + 1;
  const hi = Math.min(2 ** F, 2 ** (A - 1) - 1);
  const each = elementwiseCost.rescaleClamp(tBits, qBits);
  perElement(
    b,
    node,
    size,
    () => `RescaleClamp(${tBits}, ${P}, ${qBits}, ${hi})`,
    (k, i) => [`${k}.t <== ${x!(i)} * (${m}) + (${c});`],
    () => each,
    `RescaleClamp(${tBits}, ${P}, ${qBits}, ${hi}) per element`,
  );
};

const lowerHardSwish: Lowering<Extract<ElementwiseNode, { op: "HardSwish" }>> = (b, node, size) => {
  const [x] = operands(b, node);
  const [m, c] = [param(b, node, "multiplier"), param(b, node, "offset")];
  const { fracBits: F, activationBits: A } = b.model.config;
  const shift = F + MULTIPLIER_SHIFT;
  const one = 2 ** shift;
  const extreme = 2 ** (A - 1);
  const tBits = magnitudeBits(extreme * Math.abs(m) + Math.abs(c) + one);
  const accBits = accumulatorBits(extreme * one, shift, A);
  const each = elementwiseCost.clampProduct(tBits, accBits);
  perElement(
    b,
    node,
    size,
    () => `ClampProduct(${tBits}, ${one}, ${accBits}, ${shift}, ${A})`,
    (k, i) => [`${k}.in <== ${x!(i)};`, `${k}.t <== ${x!(i)} * (${m}) + (${c});`],
    () => each,
    `ClampProduct(${tBits}, 2^${shift}, ${accBits}, ${shift}, ${A}) per element`,
  );
};

const lowerBatchNorm: Lowering<Extract<ElementwiseNode, { op: "BatchNormalization" }>> = (b, node, size) => {
  const [x, s, t] = operands(b, node);
  if (
    lowerRescaledByInterval(
      b,
      node,
      size,
      (i) => `${x!(i)} * ${s!(i)} + ${t!(i)}`,
      () => 0,
    )
  )
    return;
  const q = quantOf(b, node);
  const accBits = accumulatorBits(q.accumulatorBound, q.shift, b.A);
  const each = cost.rescaleSaturate(accBits);
  perElement(
    b,
    node,
    size,
    () => `RescaleSaturate(${accBits}, ${q.shift}, ${b.A})`,
    (c, i) => [`${c}.acc <== ${x!(i)} * ${s!(i)} + ${t!(i)};`],
    () => each,
    `per-channel affine (constants: linear), RescaleSaturate(${accBits}, ${q.shift}, ${b.A}) per element`,
  );
};

const lowerDiv: Lowering<Extract<ElementwiseNode, { op: "Div" }>> = (b, node, size) => {
  const [x, d] = operands(b, node);
  const A = b.A;
  const k = param(b, node, "divisorExponent");
  const divisor = b.model.constants.get(node.inputs[1]!);
  if (!divisor) {
    const qBits = A + k + 1;
    const each = elementwiseCost.divActivations(qBits, A);
    perElement(
      b,
      node,
      size,
      () => `DivActivations(${k}, ${qBits}, ${A})`,
      (c, i) => [`${c}.a <== ${x!(i)};`, `${c}.d <== ${d!(i)};`],
      () => each,
      `DivActivations(${k}, ${qBits}, ${A}) per element`,
    );
    return;
  }
  const index = b.broadcastIndexOf(node, 1);
  const values = Array.from(divisor.tensor.data);
  const smallest = Math.min(...values.map(Math.abs));
  if (smallest === 0) throw new CircuitCompileError(node, `the constant divisor "${node.inputs[1]}" has a 0`);
  const qBits = Math.max(A + 1, magnitudeBits(Math.floor(2 ** (A + k - 1) / smallest) + 2) + 1);
  const dOf = (i: number) => values[index[i]!]!;
  perElement(
    b,
    node,
    size,
    (i) => `DivConstant(${k}, ${Math.abs(dOf(i))}, ${dOf(i) < 0 ? 1 : 0}, ${qBits}, ${remainderBits(Math.abs(dOf(i)))}, ${A})`,
    (c, i) => [`${c}.a <== ${x!(i)};`],
    (i) => elementwiseCost.divConstant(qBits, remainderBits(Math.abs(dOf(i)))),
    `DivConstant(${k}, |d|, sign, ${qBits}, rBits, ${A}) per element`,
  );
};

const lowerWhere: Lowering<Extract<ElementwiseNode, { op: "Where" }>> = (b, node, size) => {
  const [cond, x, y] = operands(b, node);
  const constant = b.model.constants.get(node.inputs[0]!);
  if (constant) {
    // A constant condition selects at compile time: the output signals are the chosen operands.
    const index = b.broadcastIndexOf(node, 0);
    const out = b.outputSignal(node.outputs[0]!, size);
    for (let i = 0; i < size; i++) b.line(`${out}[${i}] <== ${constant.tensor.data[index[i]!] !== 0 ? x!(i) : y!(i)};`);
    b.layer(node.name, "Where", size, 0, 0, "constant condition: free");
    return;
  }
  perElement(
    b,
    node,
    size,
    () => `Select()`,
    (c, i) => [`${c}.condition <== ${cond!(i)};`, `${c}.a <== ${x!(i)};`, `${c}.b <== ${y!(i)};`],
    elementwiseCost.select,
    "Select per element",
  );
};

const lowerEqual: Lowering<Extract<ElementwiseNode, { op: "Equal" }>> = (b, node, size) => {
  const [x, y] = operands(b, node);
  perElement(
    b,
    node,
    size,
    () => `IsEqual()`,
    (c, i) => [`${c}.in[0] <== ${x!(i)};`, `${c}.in[1] <== ${y!(i)};`],
    elementwiseCost.isEqual,
    "IsEqual per element",
  );
};

/** Less (a < b) and Greater (b < a). */
function lowerOrder(swap: boolean): Lowering<Extract<ElementwiseNode, { op: "Less" | "Greater" }>> {
  return (b, node, size) => {
    const [x, y] = operands(b, node);
    const [lhs, rhs] = swap ? [y!, x!] : [x!, y!];
    const each = elementwiseCost.lessThanSigned(b.A);
    perElement(
      b,
      node,
      size,
      () => `LessThanSigned(${b.A})`,
      (c, i) => [`${c}.a <== ${lhs(i)};`, `${c}.b <== ${rhs(i)};`],
      () => each,
      `LessThanSigned(${b.A}) per element`,
    );
  };
}

export const ELEMENTWISE_LOWERINGS: { [K in ElementwiseNode["op"]]: Lowering<Extract<ElementwiseNode, { op: K }>> } = {
  Mul: lowerMul,
  Sub: lowerSub,
  Div: lowerDiv,
  Neg: lowerNeg,
  Abs: lowerAbs,
  Clip: lowerClip,
  LeakyRelu: lowerLeakyRelu,
  PRelu: lowerPRelu,
  HardSigmoid: lowerHardSigmoid,
  HardSwish: lowerHardSwish,
  BatchNormalization: lowerBatchNorm,
  Where: lowerWhere,
  Equal: lowerEqual,
  Less: lowerOrder(false),
  Greater: lowerOrder(true),
};
