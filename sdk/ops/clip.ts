/**
 * Clip: y = min(max(x, min), max) (so max wins when min > max, as in ONNX). The bounds are attributes
 * before opset 11 and optional constant inputs since; the IR keeps them as numbers (null: no bound).
 * Integer mode: the bounds are quantized at the input's exponent and saturated to A bits
 * (NodeScale.params lo, hi), and the input's exponent is kept.
 */
import { UnsupportedOperatorError } from "../errors.js";
import type { ClipNode } from "../ir/types.js";
import { clamp, quantizeBound } from "../quant/elementwise.js";
import { elementwiseNode, floatRound, mapBroadcast, paramOf } from "./elementwise.js";
import { type BuildContext, type OpDefinition, requireInput, structureError } from "./op.js";

function bound(ctx: BuildContext, index: number, what: "min" | "max"): number | null {
  let value: number | undefined;
  if (ctx.inputNames[index]) {
    const c = ctx.constant(index);
    if (!c) throw new UnsupportedOperatorError("Clip", ctx.name, `its ${what} (input ${index}) must be a constant`);
    if (c.data.length !== 1) throw structureError(ctx, `${what} must be a scalar, has shape [${c.shape.join(", ")}]`);
    value = c.data[0]!;
  } else if (ctx.attrs.has(what)) {
    value = ctx.attrs.float(what, 0);
  }
  if (value === undefined || value === (what === "min" ? -Infinity : Infinity)) return null;
  if (Number.isNaN(value)) throw structureError(ctx, `${what} is NaN`);
  return value;
}

export const clip: OpDefinition<ClipNode> = {
  op: "Clip",
  attributes: ["min", "max"],
  constantInputs: [1, 2],

  quantize(node, q) {
    const e = q.activation(node, node.inputs[0]!);
    q.setExponent(node.outputs[0]!, e);
    const a = q.activationBits;
    const lo = node.min === null ? -(2 ** (a - 1)) : quantizeBound(node.min, e, a);
    const hi = node.max === null ? 2 ** (a - 1) - 1 : quantizeBound(node.max, e, a);
    return { shift: 0, biasShiftLeft: 0, params: { lo, hi } };
  },

  build(ctx) {
    const x = requireInput(ctx, 0, "input");
    const node = { op: "Clip", inputs: ctx.inputNames.slice(0, 1), min: bound(ctx, 1, "min"), max: bound(ctx, 2, "max") } as const;
    return elementwiseNode<ClipNode>(ctx, node, x.dtype, x.shape);
  },

  run(node, inputs, [out], arith) {
    if (arith.mode === "float") {
      const round = floatRound(arith, out!.dtype);
      const [lo, hi] = [node.min ?? -Infinity, node.max ?? Infinity];
      return [mapBroadcast(inputs, out!, ([v]) => (Number.isNaN(v) ? v! : round(clamp(v!, lo, hi))))];
    }
    const [lo, hi] = [paramOf(arith, node, "lo"), paramOf(arith, node, "hi")];
    return [mapBroadcast(inputs, out!, ([v]) => clamp(v!, lo, hi))];
  },
};
