/**
 * Pad in every ONNX mode: constant (with a constant pad value), edge, reflect and wrap (numpy.pad's),
 * negative pads cropping. Pads, value and axes come from attributes (opset < 11) or constant inputs.
 */
import { QuantizationError, UnsupportedOperatorError } from "../errors.js";
import type { PadNode } from "../ir/types.js";
import { roundHalfUp, saturate } from "../quant/scheme.js";
import { stridesOf } from "../tensor.js";
import { NO_RESCALE, type OpDefinition, normalizeAxis, requireInput, structureError } from "./op.js";
import { PAD_MODES, type PadMode, type View, applyView, intsOf, keepMovedScale, outputOf } from "./view.js";

/** The view of a Pad of a tensor of shape `inShape`. */
export function padView(node: PadNode, inShape: readonly number[]): View {
  const strides = stridesOf(inShape);
  const r = inShape.length;
  return {
    mode: node.mode,
    dims: inShape.map((n, d) => ({
      size: n + node.pads[d]! + node.pads[r + d]!,
      inSize: n,
      start: -node.pads[d]!,
      step: 1,
      stride: strides[d]!,
    })),
  };
}

export const pad: OpDefinition<PadNode> = {
  op: "Pad",
  attributes: ["mode", "pads", "value"],
  constantInputs: [1, 2, 3],

  /**
   * Keeps the input's exponent; the pad value is quantized at it (params.value), and must be exact in A
   * bits after rounding: a pad value outside the activation range (e.g. -inf before a max) is refused,
   * not saturated, since the model would silently change meaning.
   */
  quantize(node, q) {
    keepMovedScale(node, q);
    const index = q.indexTensor(node.inputs[0]!);
    const value = index ? node.value : roundHalfUp(node.value * 2 ** q.fracBits);
    if (!Number.isInteger(value) || saturate(value, q.activationBits) !== value) {
      throw new QuantizationError(
        `Pad node "${node.name}": pad value ${node.value} is not ${index ? "an integer" : "a fixed-point value"} within ${q.activationBits}-bit signed range`,
      );
    }
    return { ...NO_RESCALE, params: { value } };
  },

  build(ctx) {
    const x = requireInput(ctx, 0, "data");
    const rank = x.shape.length;
    const mode = ctx.attrs.string("mode", "constant");
    if (!(PAD_MODES as readonly string[]).includes(mode)) {
      throw new UnsupportedOperatorError("Pad", ctx.name, `mode "${mode}" is not one of ${PAD_MODES.join(", ")}`);
    }
    const given = intsOf(ctx, "pads", 1);
    if (!given) throw structureError(ctx, "pads are required");
    const axes = (intsOf(ctx, "axes", 3) ?? Array.from({ length: rank }, (_, i) => i)).map((a) => normalizeAxis(ctx, a, rank));
    if (given.length !== 2 * axes.length) throw structureError(ctx, `pads [${given}] must have 2 values per padded axis (${axes.length})`);
    if (new Set(axes).size !== axes.length) throw structureError(ctx, `axes [${axes}] repeat an axis`);
    const pads = new Array<number>(2 * rank).fill(0);
    axes.forEach((a, k) => {
      pads[a] = given[k]!;
      pads[rank + a] = given[axes.length + k]!;
    });
    let value = ctx.attrs.float("value", 0);
    if (ctx.inputNames[2]) {
      const t = ctx.constant(2);
      if (!t) throw new UnsupportedOperatorError("Pad", ctx.name, "the constant_value (input 2) must be a constant initializer");
      if (t.data.length !== 1) throw structureError(ctx, `constant_value must be a scalar, has ${t.data.length} values`);
      value = t.data[0]!;
    }
    const shape = x.shape.map((n, d) => n + pads[d]! + pads[rank + d]!);
    if (shape.some((n) => n < 0)) throw structureError(ctx, `pads [${pads}] crop more than [${x.shape}] holds`);
    x.shape.forEach((n, d) => {
      if (n === 0 && shape[d]! > 0 && mode !== "constant") throw structureError(ctx, `mode "${mode}" cannot pad the empty axis ${d}`);
    });
    const node: PadNode = {
      op: "Pad",
      name: ctx.name,
      inputs: ctx.inputNames.slice(0, 1),
      outputs: ctx.outputNames.slice(0, 1),
      mode: mode as PadMode,
      pads,
      value: mode === "constant" ? value : 0, // ONNX ignores the value in the other modes
    };
    return { node, outputs: [outputOf(ctx, x.dtype, shape)] };
  },

  run(node, [x], [out], arith) {
    const value = arith.mode === "float" ? node.value : (arith.integer!.scale.params?.["value"] ?? 0);
    return [applyView(padView(node, x!.shape), x!, out!, value)];
  },
};
