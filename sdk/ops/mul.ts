/**
 * Mul with multidirectional broadcasting. Integer semantics: acc = a * b at exponent e_a + e_b,
 * y = saturate(rescale(acc, e_a + e_b - F)): two activations give s = F, an activation times a
 * constant (a weight of W bits at its own exponent e_w) gives s = e_w.
 */
import { QuantizationError } from "../errors.js";
import type { MulNode } from "../ir/types.js";
import { broadcastOperands, elementwiseNode, mapBroadcast } from "./elementwise.js";
import type { OpDefinition } from "./op.js";

export const mul: OpDefinition<MulNode> = {
  op: "Mul",
  attributes: [],
  accumulator: true,

  quantize(node, q) {
    const [a, b] = node.inputs as [string, string];
    if (q.isConstant(a) && q.isConstant(b)) {
      throw new QuantizationError(`Mul node "${node.name}": both operands are constants; fold them before quantizing`);
    }
    const accExponent = q.factor(node, a, 1) + q.factor(node, b, 1);
    q.setExponent(node.outputs[0]!, q.fracBits);
    if (accExponent < q.fracBits) {
      throw new QuantizationError(`Mul node "${node.name}": operand exponents ${accExponent} < F = ${q.fracBits}`);
    }
    return { shift: accExponent - q.fracBits, biasShiftLeft: 0 };
  },

  build(ctx) {
    const { names, infos, shape } = broadcastOperands(ctx, [0, 1], ["A", "B"]);
    return elementwiseNode<MulNode>(ctx, { op: "Mul", inputs: names }, infos[0]!.dtype, shape);
  },

  // linear: float rounding, saturate(rescale(acc, s)) in integer mode, the exact |a| * |b| when bounding
  run(_node, inputs, [out], arith) {
    return [mapBroadcast(inputs, out!, ([a, b]) => arith.linear(a! * b!))];
  },
};
