/**
 * Neg and Abs: the input's exponent is kept; in integer mode the result saturates like Add
 * (only -(-2^(A-1)) = 2^(A-1) leaves the range, and becomes 2^(A-1) - 1).
 */
import type { AbsNode, NegNode, TensorInfo } from "../ir/types.js";
import type { Tensor } from "../tensor.js";
import { elementwiseNode, floatRound, mapBroadcast } from "./elementwise.js";
import { type BuildContext, type NodeArithmetic, type OpDefinition, keepInputScale, requireInput } from "./op.js";

function buildUnary<N extends NegNode | AbsNode>(ctx: BuildContext, op: N["op"]) {
  const x = requireInput(ctx, 0, "X");
  return elementwiseNode<N>(ctx, { op, inputs: ctx.inputNames.slice(0, 1) } as unknown as Omit<N, "name" | "outputs">, x.dtype, x.shape);
}

function runUnary(f: (x: number) => number, [x]: readonly Tensor[], out: TensorInfo, arith: NodeArithmetic): Tensor[] {
  const finish = arith.mode === "float" ? floatRound(arith, out.dtype) : (v: number) => arith.add(v);
  return [mapBroadcast([x!], out, ([v]) => finish(f(v!)))];
}

export const neg: OpDefinition<NegNode> = {
  op: "Neg",
  attributes: [],
  quantize: keepInputScale,
  build: (ctx) => buildUnary<NegNode>(ctx, "Neg"),
  run: (_node, inputs, [out], arith) => runUnary((v) => 0 - v, inputs, out!, arith),
};

export const abs: OpDefinition<AbsNode> = {
  op: "Abs",
  attributes: [],
  quantize: keepInputScale,
  build: (ctx) => buildUnary<AbsNode>(ctx, "Abs"),
  run: (_node, inputs, [out], arith) => runUnary(Math.abs, inputs, out!, arith),
};
