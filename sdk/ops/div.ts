/**
 * Div with multidirectional broadcasting, exact in integer mode:
 *
 *   y = saturate(divRound(a * 2^k, d)),  divRound(n, d) = roundHalfUp(n / d) = floor((2n + d) / (2d))
 *
 * with the dividend a at exponent F and the divisor d at exponent k: an activation divisor has k = F;
 * a constant divisor is quantized at its own exponent k, the largest in [0, 30] at which it fits A bits
 * (so x / 255 divides by 255 * 2^7 exactly). A divisor of 0 is refused at run time (DivisionByZeroError),
 * and a constant divisor that quantizes to 0 at build time (QuantizationError). Float mode follows ONNX:
 * integer tensors divide with truncation towards zero.
 */
import { QuantizationError } from "../errors.js";
import type { DivNode } from "../ir/types.js";
import { DivisionByZeroError, divRound } from "../quant/elementwise.js";
import { isFloatType } from "../tensor.js";
import { broadcastOperands, elementwiseNode, floatRound, mapBroadcast, paramOf } from "./elementwise.js";
import type { OpDefinition } from "./op.js";

export const div: OpDefinition<DivNode> = {
  op: "Div",
  attributes: [],
  accumulator: true,

  quantize(node, q) {
    const [a, d] = node.inputs as [string, string];
    if (q.isConstant(a) && q.isConstant(d)) {
      throw new QuantizationError(`Div node "${node.name}": both operands are constants; fold them before quantizing`);
    }
    if (q.activation(node, a) !== q.fracBits) throw new QuantizationError(`Div node "${node.name}": the dividend must be at exponent F`);
    const constant = q.isConstant(d);
    // A constant divisor gets the A-bit precision of an activation at its own exponent.
    const k = constant ? q.weight(node, d, 1, q.activationBits) : q.activation(node, d);
    q.setExponent(node.outputs[0]!, q.fracBits);
    return { shift: 0, biasShiftLeft: 0, params: { divisorExponent: k } };
  },

  build(ctx) {
    const { names, infos, shape } = broadcastOperands(ctx, [0, 1], ["A", "B"]);
    return elementwiseNode<DivNode>(ctx, { op: "Div", inputs: names }, infos[0]!.dtype, shape);
  },

  run(node, inputs, [out], arith) {
    if (arith.mode === "float") {
      const round = floatRound(arith, out!.dtype);
      const exact = isFloatType(out!.dtype);
      return [mapBroadcast(inputs, out!, ([a, b]) => (exact ? round(a! / b!) : Math.trunc(a! / b!)))];
    }
    const k = paramOf(arith, node, "divisorExponent");
    if (arith.mode === "bound") {
      // The bound run bounds 2n + d, the quantity divRound divides. It sees the quantized constants
      // (an activation divisor is 2^(A-1) there), so a 0 here is a constant divisor that quantized to 0.
      return [
        mapBroadcast(inputs, out!, ([a, d]) => {
          if (d === 0) {
            throw new QuantizationError(
              `Div node "${node.name}": the constant divisor "${node.inputs[1]}" has an element that is 0 at exponent ${k} ` +
                `(0, or too small beside its largest element for A-bit precision)`,
            );
          }
          return 2 * a! * 2 ** k + d!;
        }),
      ];
    }
    return [
      mapBroadcast(inputs, out!, ([a, d], i) => {
        if (d === 0) throw new DivisionByZeroError(node.name, i);
        return arith.add(divRound(a! * 2 ** k, d!));
      }),
    ];
  },
};
