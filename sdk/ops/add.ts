/** Add with multidirectional broadcasting. */
import { QuantizationError } from "../errors.js";
import type { AddNode } from "../ir/types.js";
import { zeros } from "../tensor.js";
import { broadcastIndex, broadcastShapes } from "./broadcast.js";
import { NO_RESCALE, type OpDefinition, requireInput, structureError } from "./op.js";

export const add: OpDefinition<AddNode> = {
  op: "Add",
  attributes: [],
  accumulator: true,

  /** Both operands at exponent F, so the sum needs no shift. */
  quantize(node, q) {
    const f = q.fracBits;
    for (const name of node.inputs) {
      if (q.activation(node, name) !== f) throw new QuantizationError(`Add node "${node.name}": operands must share exponent ${f}`);
    }
    q.setExponent(node.outputs[0]!, f);
    return NO_RESCALE;
  },

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
