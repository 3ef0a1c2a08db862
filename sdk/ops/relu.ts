/** Relu: max(0, x), identical in both modes. */
import type { ReluNode } from "../ir/types.js";
import { type OpDefinition, keepInputScale, requireInput } from "./op.js";

export const relu: OpDefinition<ReluNode> = {
  op: "Relu",
  attributes: [],
  quantize: keepInputScale,

  build(ctx) {
    const x = requireInput(ctx, 0, "X");
    const node: ReluNode = { op: "Relu", name: ctx.name, inputs: ctx.inputNames.slice(0, 1), outputs: ctx.outputNames.slice(0, 1) };
    return { node, outputs: [{ name: node.outputs[0]!, dtype: x.dtype, shape: x.shape }] };
  },

  run(_node, [x], [out]) {
    const data = x!.data.map((v) => (v > 0 ? v : 0));
    return [{ dtype: out!.dtype, shape: out!.shape, data }];
  },
};
