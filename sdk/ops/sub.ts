/** Sub with multidirectional broadcasting: both operands at exponent F, y = saturate(a - b) (as Add). */
import { QuantizationError } from "../errors.js";
import type { SubNode } from "../ir/types.js";
import { broadcastOperands, elementwiseNode, mapBroadcast } from "./elementwise.js";
import { NO_RESCALE, type OpDefinition } from "./op.js";

export const sub: OpDefinition<SubNode> = {
  op: "Sub",
  attributes: [],
  accumulator: true,

  quantize(node, q) {
    const f = q.fracBits;
    for (const name of node.inputs) {
      if (q.activation(node, name) !== f) throw new QuantizationError(`Sub node "${node.name}": operands must share exponent ${f}`);
    }
    q.setExponent(node.outputs[0]!, f);
    return NO_RESCALE;
  },

  build(ctx) {
    const { names, infos, shape } = broadcastOperands(ctx, [0, 1], ["A", "B"]);
    return elementwiseNode<SubNode>(ctx, { op: "Sub", inputs: names }, infos[0]!.dtype, shape);
  },

  run(_node, inputs, [out], arith) {
    // The bound run gets magnitudes: |a - b| <= |a| + |b|.
    const bound = arith.mode === "bound";
    return [mapBroadcast(inputs, out!, ([a, b]) => arith.add(bound ? a! + b! : a! - b!))];
  },
};
