/** ArgMax along one axis; ties go to the first index, or the last with select_last_index. */
import type { ArgMaxNode } from "../ir/types.js";
import { sizeOf, zeros } from "../tensor.js";
import { NO_RESCALE, type OpDefinition, normalizeAxis, requireInput } from "./op.js";

export const argmax: OpDefinition<ArgMaxNode> = {
  op: "ArgMax",
  attributes: ["axis", "keepdims", "select_last_index"],

  /** Takes a fixed-point tensor, returns indices (no exponent). */
  quantize(node, q) {
    q.activation(node, node.inputs[0]!);
    q.setExponent(node.outputs[0]!, null);
    return NO_RESCALE;
  },

  build(ctx) {
    const x = requireInput(ctx, 0, "data");
    const axis = normalizeAxis(ctx, ctx.attrs.int("axis", 0), x.shape.length);
    const keepdims = ctx.attrs.int("keepdims", 1) !== 0;
    const shape = keepdims ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
    const node: ArgMaxNode = {
      op: "ArgMax",
      name: ctx.name,
      inputs: ctx.inputNames.slice(0, 1),
      outputs: ctx.outputNames.slice(0, 1),
      axis,
      keepdims,
      selectLastIndex: ctx.attrs.int("select_last_index", 0) !== 0,
    };
    return { node, outputs: [{ name: node.outputs[0]!, dtype: "int64", shape }] };
  },

  run(node, [x], [out]) {
    const y = zeros("int64", out!.shape);
    const outer = sizeOf(x!.shape.slice(0, node.axis));
    const len = x!.shape[node.axis]!;
    const inner = sizeOf(x!.shape.slice(node.axis + 1));
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * len * inner + i;
        let best = 0;
        for (let k = 1; k < len; k++) {
          const v = x!.data[base + k * inner]!;
          const b = x!.data[base + best * inner]!;
          if (v > b || (node.selectLastIndex && v === b)) best = k;
        }
        y.data[o * inner + i] = best;
      }
    }
    return [y];
  },
};
