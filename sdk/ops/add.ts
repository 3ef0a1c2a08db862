/** Add with multidirectional broadcasting. */
import type { AddNode } from "../ir/types.js";
import { zeros } from "../tensor.js";
import { broadcastIndex, broadcastShapes } from "./broadcast.js";
import { type OpDefinition, requireInput, structureError } from "./op.js";

export const add: OpDefinition<AddNode> = {
  op: "Add",
  attributes: [],

  build(ctx) {
    const a = requireInput(ctx, 0, "A");
    const b = requireInput(ctx, 1, "B");
    if (a.dtype !== b.dtype) throw structureError(ctx, `operand types differ: ${a.dtype} vs ${b.dtype}`);
    const shape = broadcastShapes(a.shape, b.shape);
    if (!shape) throw structureError(ctx, `shapes [${a.shape}] and [${b.shape}] do not broadcast`);
    const node: AddNode = { op: "Add", name: ctx.name, inputs: ctx.inputNames.slice(0, 2), outputs: ctx.outputNames.slice(0, 1) };
    return { node, outputs: [{ name: node.outputs[0]!, dtype: a.dtype, shape }] };
  },

  run(_node, [a, b], [out], arith) {
    const y = zeros(out!.dtype, out!.shape);
    const ia = broadcastIndex(a!.shape, out!.shape);
    const ib = broadcastIndex(b!.shape, out!.shape);
    for (let i = 0; i < y.data.length; i++) y.data[i] = arith.add(a!.data[ia[i]!]! + b!.data[ib[i]!]!);
    return [y];
  },
};
