/**
 * Squeeze and Unsqueeze: remove or insert size-1 dims. The flat order is unchanged (an identity view);
 * axes come from the attribute (opset < 13) or a constant input (opset >= 13).
 */
import type { SqueezeNode, UnsqueezeNode } from "../ir/types.js";
import { sizeOf } from "../tensor.js";
import { type OpDefinition, normalizeAxis, requireInput, structureError } from "./op.js";
import { type View, identityView, intsOf, keepMovedScale, outputOf } from "./view.js";

export const squeeze: OpDefinition<SqueezeNode> = {
  op: "Squeeze",
  attributes: ["axes"],
  constantInputs: [1],
  quantize: keepMovedScale,

  build(ctx) {
    const x = requireInput(ctx, 0, "data");
    const rank = x.shape.length;
    const given = intsOf(ctx, "axes", 1);
    const axes = given ? given.map((a) => normalizeAxis(ctx, a, rank)) : x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
    if (new Set(axes).size !== axes.length) throw structureError(ctx, `axes [${given}] repeat an axis`);
    for (const a of axes) if (x.shape[a] !== 1) throw structureError(ctx, `cannot squeeze axis ${a} of size ${x.shape[a]} in [${x.shape}]`);
    axes.sort((a, b) => a - b);
    const node: SqueezeNode = {
      op: "Squeeze",
      name: ctx.name,
      inputs: ctx.inputNames.slice(0, 1),
      outputs: ctx.outputNames.slice(0, 1),
      axes,
    };
    return {
      node,
      outputs: [
        outputOf(
          ctx,
          x.dtype,
          x.shape.filter((_, i) => !axes.includes(i)),
        ),
      ],
    };
  },

  run(_node, [x], [out]) {
    return [{ dtype: out!.dtype, shape: out!.shape, data: x!.data.slice() }];
  },
};

export const unsqueeze: OpDefinition<UnsqueezeNode> = {
  op: "Unsqueeze",
  attributes: ["axes"],
  constantInputs: [1],
  quantize: keepMovedScale,

  build(ctx) {
    const x = requireInput(ctx, 0, "data");
    const given = intsOf(ctx, "axes", 1);
    if (!given) throw structureError(ctx, "axes are required");
    const rank = x.shape.length + given.length;
    const axes = given.map((a) => normalizeAxis(ctx, a, rank)).sort((a, b) => a - b);
    if (new Set(axes).size !== axes.length) throw structureError(ctx, `axes [${given}] repeat an axis`);
    const shape: number[] = [];
    let next = 0;
    for (let i = 0; i < rank; i++) shape.push(axes.includes(i) ? 1 : x.shape[next++]!);
    const node: UnsqueezeNode = {
      op: "Unsqueeze",
      name: ctx.name,
      inputs: ctx.inputNames.slice(0, 1),
      outputs: ctx.outputNames.slice(0, 1),
      axes,
    };
    return { node, outputs: [outputOf(ctx, x.dtype, shape)] };
  },

  run(_node, [x], [out]) {
    return [{ dtype: out!.dtype, shape: out!.shape, data: x!.data.slice() }];
  },
};

/** Both keep the flat order: the view copies every element in place. */
export function squeezeUnsqueezeView(outShape: readonly number[]): View {
  return identityView(sizeOf(outShape));
}
