/**
 * Comparisons and selection, with multidirectional broadcasting.
 *
 * Equal, Less, Greater compare two activations at one exponent (the quantized values, exactly) and
 * output a bool tensor: an index-like tensor without exponent, elements 0 or 1.
 * Where(condition, X, Y) = condition != 0 ? X : Y, with X and Y at exponent F; the condition is a bool
 * tensor (a comparison's output) or a constant (quantized as the integers 0/1, exponent 0).
 */
import { QuantizationError } from "../errors.js";
import type { EqualNode, GreaterNode, LessNode, WhereNode } from "../ir/types.js";
import { broadcastOperands, elementwiseNode, mapBroadcast } from "./elementwise.js";
import { NO_RESCALE, type OpDefinition, structureError } from "./op.js";

type ComparisonNode = EqualNode | LessNode | GreaterNode;

function comparison<N extends ComparisonNode>(op: N["op"], test: (a: number, b: number) => boolean): OpDefinition<N> {
  return {
    op,
    attributes: [],

    quantize(node, q) {
      const [a, b] = node.inputs as [string, string];
      if (q.isConstant(a) && q.isConstant(b)) {
        throw new QuantizationError(`${op} node "${node.name}": both operands are constants; fold them before quantizing`);
      }
      const [ea, eb] = [q.activation(node, a), q.activation(node, b)];
      if (ea !== eb) throw new QuantizationError(`${op} node "${node.name}": operands at exponents ${ea} and ${eb} do not compare`);
      q.setExponent(node.outputs[0]!, null);
      return NO_RESCALE;
    },

    build(ctx) {
      const { names, shape } = broadcastOperands(ctx, [0, 1], ["A", "B"]);
      return elementwiseNode<N>(ctx, { op, inputs: names } as Omit<N, "name" | "outputs">, "bool", shape);
    },

    run(_node, inputs, [out]) {
      return [mapBroadcast(inputs, out!, ([a, b]) => (test(a!, b!) ? 1 : 0))];
    },
  };
}

export const equal = comparison<EqualNode>("Equal", (a, b) => a === b);
export const less = comparison<LessNode>("Less", (a, b) => a < b);
export const greater = comparison<GreaterNode>("Greater", (a, b) => a > b);

export const where: OpDefinition<WhereNode> = {
  op: "Where",
  attributes: [],

  quantize(node, q) {
    const [condition, x, y] = node.inputs as [string, string, string];
    // A constant condition is kept as the integers 0/1; a computed one is a bool (index) tensor.
    if (q.isConstant(condition)) q.bias(node, condition, 1, 0);
    else if (!q.indexTensor(condition)) {
      throw new QuantizationError(`Where node "${node.name}": condition "${condition}" must be a bool tensor (a comparison's output)`);
    }
    for (const name of [x, y]) {
      if (q.activation(node, name) !== q.fracBits) {
        throw new QuantizationError(`Where node "${node.name}": X and Y must be at exponent F = ${q.fracBits}`);
      }
    }
    q.setExponent(node.outputs[0]!, q.fracBits);
    return NO_RESCALE;
  },

  build(ctx) {
    const { names, infos, shape } = broadcastOperands(ctx, [0, 1, 2], ["condition", "X", "Y"], [1, 2]);
    if (infos[0]!.dtype !== "bool") throw structureError(ctx, `condition must be bool, is ${infos[0]!.dtype}`);
    return elementwiseNode<WhereNode>(ctx, { op: "Where", inputs: names }, infos[1]!.dtype, shape);
  },

  run(_node, inputs, [out]) {
    return [mapBroadcast(inputs, out!, ([c, x, y]) => (c !== 0 ? x! : y!))];
  },
};
