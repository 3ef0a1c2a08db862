/**
 * The piecewise-linear activations: LeakyRelu, PRelu, HardSigmoid, HardSwish. Their float attributes
 * become fixed-point multipliers at quantize time (P = MULTIPLIER_SHIFT fractional bits, committed in
 * NodeScale.params); every output is rounded once, half up, and saturated (docs/integer-semantics.md).
 *
 *   LeakyRelu   y = x                                   x >= 0
 *                 = saturate(rescale(x * m, P))         x < 0,  m = roundHalfUp(alpha * 2^P)
 *   PRelu       y = x                                   x >= 0
 *                 = saturate(rescale(x * w, e_w))       x < 0,  w the slope as an A-bit weight (exponent e_w)
 *   HardSigmoid t = x * m + c                           m = roundHalfUp(alpha * 2^P), c = roundHalfUp(beta * 2^(F+P))
 *               y = saturate(clamp(rescale(t, P), 0, 2^F))
 *   HardSwish   t = x * m + c                           alpha = 1/6, beta = 1/2 as above
 *               h = clamp(t, 0, 2^(F+P))                HardSigmoid(x) at exponent F+P, not rounded
 *               y = saturate(rescale(x * h, F + P))
 */
import { QuantizationError, UnsupportedOperatorError } from "../errors.js";
import type { HardSigmoidNode, HardSwishNode, IrNode, LeakyReluNode, PReluNode } from "../ir/types.js";
import { MULTIPLIER_SHIFT, clamp, fixedMultiplier } from "../quant/elementwise.js";
import { rescale, saturate } from "../quant/scheme.js";
import { broadcastShapes } from "./broadcast.js";
import { elementwiseNode, floatRound, integerOf, mapBroadcast, paramOf } from "./elementwise.js";
import { type BuildContext, type OpDefinition, type QuantizeContext, requireInput, structureError } from "./op.js";

const P = MULTIPLIER_SHIFT;
/** HardSwish's fixed HardSigmoid coefficients (ONNX: alpha = 1/6, beta = 0.5). */
const HARD_SWISH_ALPHA = 1 / 6;
const HARD_SWISH_BETA = 0.5;

function finiteAttr(ctx: BuildContext, name: string, fallback: number): number {
  const v = ctx.attrs.float(name, fallback);
  if (!Number.isFinite(v)) throw structureError(ctx, `attribute ${name} = ${v} is not a finite number`);
  return v;
}

/** The input must be an activation at exponent F (the output's exponent). */
function inputAtF(node: IrNode, q: QuantizeContext): void {
  if (q.activation(node, node.inputs[0]!) !== q.fracBits) {
    throw new QuantizationError(`${node.op} node "${node.name}": the input must be at exponent F = ${q.fracBits}`);
  }
  q.setExponent(node.outputs[0]!, q.fracBits);
}

export const leakyRelu: OpDefinition<LeakyReluNode> = {
  op: "LeakyRelu",
  attributes: ["alpha"],
  accumulator: true,

  quantize(node, q) {
    inputAtF(node, q);
    return { shift: P, biasShiftLeft: 0, params: { multiplier: fixedMultiplier(node.alpha, P) } };
  },

  build(ctx) {
    const x = requireInput(ctx, 0, "X");
    const node = { op: "LeakyRelu", inputs: ctx.inputNames.slice(0, 1), alpha: finiteAttr(ctx, "alpha", 0.01) } as const;
    return elementwiseNode<LeakyReluNode>(ctx, node, x.dtype, x.shape);
  },

  run(node, inputs, [out], arith) {
    if (arith.mode === "float") {
      const round = floatRound(arith, out!.dtype);
      return [mapBroadcast(inputs, out!, ([x]) => (x! >= 0 ? x! : round(node.alpha * x!)))];
    }
    const m = paramOf(arith, node, "multiplier");
    if (arith.mode === "bound") return [mapBroadcast(inputs, out!, ([x]) => x! * Math.abs(m))];
    return [mapBroadcast(inputs, out!, ([x]) => (x! >= 0 ? x! : arith.linear(x! * m)))];
  },
};

export const prelu: OpDefinition<PReluNode> = {
  op: "PRelu",
  attributes: [],
  accumulator: true,
  constantInputs: [1],

  quantize(node, q) {
    inputAtF(node, q);
    // The slope is the op's own parameter: A bits of precision, as Div's divisor and BatchNormalization's scale.
    return { shift: q.weight(node, node.inputs[1]!, 1, q.activationBits), biasShiftLeft: 0 };
  },

  build(ctx) {
    const x = requireInput(ctx, 0, "X");
    const slope = requireInput(ctx, 1, "slope");
    if (!ctx.constant(1)) {
      throw new UnsupportedOperatorError("PRelu", ctx.name, "its slope (input 1) must be a constant: the IR multiplies by it as a weight");
    }
    const shape = broadcastShapes(x.shape, slope.shape);
    if (!shape || shape.join() !== x.shape.join()) {
      throw structureError(ctx, `slope of shape [${slope.shape.join(", ")}] does not broadcast to X [${x.shape.join(", ")}]`);
    }
    return elementwiseNode<PReluNode>(ctx, { op: "PRelu", inputs: ctx.inputNames.slice(0, 2) }, x.dtype, x.shape);
  },

  // linear: the float product rounded, saturate(rescale(x * w, e_w)) in integer mode, |x| * |w| when bounding
  run(_node, inputs, [out], arith) {
    if (arith.mode === "bound") return [mapBroadcast(inputs, out!, ([x, w]) => x! * w!)];
    return [mapBroadcast(inputs, out!, ([x, w]) => (x! >= 0 ? x! : arith.linear(x! * w!)))];
  },
};

/** t = x * m + c, HardSigmoid's (and HardSwish's) affine part at exponent F+P. */
function hardSigmoidParams(alpha: number, beta: number, f: number): { multiplier: number; offset: number } {
  return { multiplier: fixedMultiplier(alpha, P), offset: fixedMultiplier(beta, f + P) };
}

export const hardSigmoid: OpDefinition<HardSigmoidNode> = {
  op: "HardSigmoid",
  attributes: ["alpha", "beta"],
  accumulator: true,

  quantize(node, q) {
    inputAtF(node, q);
    return { shift: P, biasShiftLeft: 0, params: hardSigmoidParams(node.alpha, node.beta, q.fracBits) };
  },

  build(ctx) {
    const x = requireInput(ctx, 0, "X");
    const node = {
      op: "HardSigmoid",
      inputs: ctx.inputNames.slice(0, 1),
      alpha: finiteAttr(ctx, "alpha", 0.2),
      beta: finiteAttr(ctx, "beta", 0.5),
    } as const;
    return elementwiseNode<HardSigmoidNode>(ctx, node, x.dtype, x.shape);
  },

  run(node, inputs, [out], arith) {
    if (arith.mode === "float") {
      const round = floatRound(arith, out!.dtype);
      return [mapBroadcast(inputs, out!, ([x]) => round(clamp(node.alpha * x! + node.beta, 0, 1)))];
    }
    const [m, c] = [paramOf(arith, node, "multiplier"), paramOf(arith, node, "offset")];
    if (arith.mode === "bound") return [mapBroadcast(inputs, out!, ([x]) => x! * Math.abs(m) + Math.abs(c))];
    const { fracBits: f, activationBits: a } = integerOf(arith, node);
    return [mapBroadcast(inputs, out!, ([x]) => saturate(clamp(rescale(x! * m + c, P), 0, 2 ** f), a))];
  },
};

export const hardSwish: OpDefinition<HardSwishNode> = {
  op: "HardSwish",
  attributes: [],
  accumulator: true,

  quantize(node, q) {
    inputAtF(node, q);
    return { shift: q.fracBits + P, biasShiftLeft: 0, params: hardSigmoidParams(HARD_SWISH_ALPHA, HARD_SWISH_BETA, q.fracBits) };
  },

  build(ctx) {
    const x = requireInput(ctx, 0, "X");
    return elementwiseNode<HardSwishNode>(ctx, { op: "HardSwish", inputs: ctx.inputNames.slice(0, 1) }, x.dtype, x.shape);
  },

  run(node, inputs, [out], arith) {
    if (arith.mode === "float") {
      const round = floatRound(arith, out!.dtype);
      return [mapBroadcast(inputs, out!, ([x]) => round(x! * clamp(HARD_SWISH_ALPHA * x! + HARD_SWISH_BETA, 0, 1)))];
    }
    const [m, c] = [paramOf(arith, node, "multiplier"), paramOf(arith, node, "offset")];
    const one = 2 ** (integerOf(arith, node).fracBits + P);
    // Two quantities are bounded: the affine part t and the product x * h (h <= 2^(F+P)).
    if (arith.mode === "bound") return [mapBroadcast(inputs, out!, ([x]) => Math.max(x! * Math.abs(m) + Math.abs(c), x! * one))];
    return [mapBroadcast(inputs, out!, ([x]) => arith.linear(x! * clamp(x! * m + c, 0, one)))];
  },
};
