/** Expand to a constant shape with multidirectional broadcasting: a view with stride 0 along broadcast dims. */
import { UnsupportedOperatorError } from "../errors.js";
import type { ExpandNode } from "../ir/types.js";
import { stridesOf } from "../tensor.js";
import { broadcastShapes } from "./broadcast.js";
import { type OpDefinition, requireInput, structureError } from "./op.js";
import { type View, applyView, keepMovedScale, outputOf } from "./view.js";

/** The view of an Expand of a tensor of shape `inShape` to `outShape` (broadcastIndex's rule). */
export function expandView(inShape: readonly number[], outShape: readonly number[]): View {
  const strides = stridesOf(inShape);
  const lead = outShape.length - inShape.length;
  return {
    mode: "constant",
    dims: outShape.map((size, d) => {
      const i = d - lead;
      return i < 0 || inShape[i] === 1
        ? { size, inSize: 1, start: 0, step: 0, stride: 0 }
        : { size, inSize: inShape[i]!, start: 0, step: 1, stride: strides[i]! };
    }),
  };
}

export const expand: OpDefinition<ExpandNode> = {
  op: "Expand",
  attributes: [],
  constantInputs: [1],
  quantize: keepMovedScale,

  build(ctx) {
    const x = requireInput(ctx, 0, "input");
    const target = ctx.constant(1);
    if (!target) {
      throw new UnsupportedOperatorError(
        "Expand",
        ctx.name,
        "the shape (input 1) must be a constant initializer: the IR has static shapes",
      );
    }
    const shape = broadcastShapes(x.shape, Array.from(target.data));
    if (!shape) throw structureError(ctx, `[${x.shape}] does not broadcast to [${Array.from(target.data)}]`);
    const node: ExpandNode = { op: "Expand", name: ctx.name, inputs: ctx.inputNames.slice(0, 1), outputs: ctx.outputNames.slice(0, 1) };
    return { node, outputs: [outputOf(ctx, x.dtype, shape)] };
  },

  run(_node, [x], [out]) {
    return [applyView(expandView(x!.shape, out!.shape), x!, out!)];
  },
};
