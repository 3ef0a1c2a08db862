/**
 * Slice with constant starts/ends/axes/steps (attributes before opset 10, constant inputs since),
 * negative steps included. Starts and ends are clamped as the ONNX specification says, once, at build
 * time: the node keeps, per input dim, the first coordinate read and the step.
 */
import type { SliceNode } from "../ir/types.js";
import { stridesOf } from "../tensor.js";
import { type OpDefinition, normalizeAxis, requireInput, structureError } from "./op.js";
import { type View, applyView, intsOf, keepMovedScale, outputOf } from "./view.js";

/** The view of a Slice of a tensor of shape `inShape` whose output has shape `outShape`. */
export function sliceView(node: SliceNode, inShape: readonly number[], outShape: readonly number[]): View {
  const strides = stridesOf(inShape);
  return {
    mode: "constant",
    dims: outShape.map((size, d) => ({ size, inSize: inShape[d]!, start: node.starts[d]!, step: node.steps[d]!, stride: strides[d]! })),
  };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

export const slice: OpDefinition<SliceNode> = {
  op: "Slice",
  attributes: ["starts", "ends", "axes"],
  constantInputs: [1, 2, 3, 4],
  quantize: keepMovedScale,

  build(ctx) {
    const x = requireInput(ctx, 0, "data");
    const rank = x.shape.length;
    const starts = intsOf(ctx, "starts", 1);
    const ends = intsOf(ctx, "ends", 2);
    if (!starts || !ends) throw structureError(ctx, "starts and ends are required");
    const axes = (intsOf(ctx, "axes", 3) ?? starts.map((_, i) => i)).map((a) => normalizeAxis(ctx, a, rank));
    const steps = intsOf(ctx, "steps", 4) ?? starts.map(() => 1);
    if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
      throw structureError(ctx, `starts, ends, axes and steps must have one value per sliced axis (${starts.length})`);
    }
    if (new Set(axes).size !== axes.length) throw structureError(ctx, `axes [${axes}] repeat an axis`);
    const first = new Array<number>(rank).fill(0);
    const step = new Array<number>(rank).fill(1);
    const shape = [...x.shape];
    axes.forEach((axis, k) => {
      const dim = x.shape[axis]!;
      const s = steps[k]!;
      if (s === 0) throw structureError(ctx, `step of axis ${axis} is 0`);
      let start = starts[k]! < 0 ? starts[k]! + dim : starts[k]!;
      let end = ends[k]! < 0 ? ends[k]! + dim : ends[k]!;
      [start, end] = s > 0 ? [clamp(start, 0, dim), clamp(end, 0, dim)] : [clamp(start, 0, dim - 1), clamp(end, -1, dim - 1)];
      shape[axis] = Math.max(0, Math.ceil((end - start) / s));
      first[axis] = start;
      step[axis] = s;
    });
    const node: SliceNode = {
      op: "Slice",
      name: ctx.name,
      inputs: ctx.inputNames.slice(0, 1),
      outputs: ctx.outputNames.slice(0, 1),
      starts: first,
      steps: step,
    };
    return { node, outputs: [outputOf(ctx, x.dtype, shape)] };
  },

  run(node, [x], [out]) {
    return [applyView(sliceView(node, x!.shape, out!.shape), x!, out!)];
  },
};
