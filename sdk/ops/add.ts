/** Add with multidirectional broadcasting. */
import { QuantizationError } from "../errors.js";
import type { AddNode } from "../ir/types.js";
import { broadcastOperands, elementwiseNode, mapBroadcast } from "./elementwise.js";
import { NO_RESCALE, type OpDefinition } from "./op.js";

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
    const { names, infos, shape } = broadcastOperands(ctx, [0, 1], ["A", "B"]);
    return elementwiseNode<AddNode>(ctx, { op: "Add", inputs: names }, infos[0]!.dtype, shape);
  },

  run(_node, inputs, [out], arith) {
    return [mapBroadcast(inputs, out!, ([a, b]) => arith.add(a! + b!))];
  },
};
