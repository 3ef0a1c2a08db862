/** Gemm: Y = alpha * op(A) * op(B) + beta * C, op = optional transpose; C broadcasts to [M, N]. */
import { QuantizationError } from "../errors.js";
import type { GemmNode, MatMulNode } from "../ir/types.js";
import { zeros } from "../tensor.js";
import { broadcastIndex, broadcastShapes } from "./broadcast.js";
import { type NodeScale, type OpDefinition, type QuantizeContext, requireInput, requireRank, structureError } from "./op.js";

/**
 * Quantization of Gemm and MatMul: the accumulator's exponent is the sum of
 * the operands' (a weight's e_w, an activation's F); alpha is folded into the
 * constant operand, beta into a constant C; an activation C is shifted left
 * to the accumulator's exponent.
 */
export function quantizeProduct(node: GemmNode | MatMulNode, q: QuantizeContext): NodeScale {
  const [a, b, c] = node.inputs as [string, string, string?];
  if (q.isConstant(a) && q.isConstant(b))
    throw new QuantizationError(`${node.op} node "${node.name}": both operands are constants; fold them before quantizing`);
  const alpha = node.op === "Gemm" ? node.alpha : 1;
  // alpha is folded into the constant operand; with two activations it must be 1
  const alphaOnB = q.isConstant(b);
  if (alpha !== 1 && !q.isConstant(a) && !q.isConstant(b)) {
    throw new QuantizationError(`Gemm node "${node.name}": alpha = ${alpha} with two activation operands is not supported`);
  }
  const accExponent = q.factor(node, a, alphaOnB ? 1 : alpha) + q.factor(node, b, alphaOnB ? alpha : 1);
  let biasShiftLeft = 0;
  if (c !== undefined && node.op === "Gemm") {
    if (q.isConstant(c)) q.bias(node, c, node.beta, accExponent);
    else if (node.beta !== 1)
      throw new QuantizationError(`Gemm node "${node.name}": beta = ${node.beta} with an activation C is not supported`);
    else biasShiftLeft = accExponent - q.activation(node, c);
  }
  q.setExponent(node.outputs[0]!, q.fracBits);
  return { shift: accExponent - q.fracBits, biasShiftLeft };
}

export const gemm: OpDefinition<GemmNode> = {
  op: "Gemm",
  attributes: ["alpha", "beta", "transA", "transB"],
  linear: true,
  accumulator: true,
  quantize: quantizeProduct,

  build(ctx) {
    const a = requireInput(ctx, 0, "A");
    const b = requireInput(ctx, 1, "B");
    requireRank(ctx, a, 2, "A");
    requireRank(ctx, b, 2, "B");
    const transA = ctx.attrs.int("transA", 0) !== 0;
    const transB = ctx.attrs.int("transB", 0) !== 0;
    const [m, k] = transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
    const [kb, n] = transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
    if (k !== kb) throw structureError(ctx, `inner dimensions differ: A gives ${k}, B gives ${kb}`);
    const c = ctx.inputs[2];
    if (c) {
      const shape = broadcastShapes(c.shape, [m, n]);
      if (!shape || shape[0] !== m || shape[1] !== n) {
        throw structureError(ctx, `C of shape [${c.shape.join(", ")}] does not broadcast to [${m}, ${n}]`);
      }
    }
    const node: GemmNode = {
      op: "Gemm",
      name: ctx.name,
      inputs: ctx.inputNames.slice(0, c ? 3 : 2),
      outputs: ctx.outputNames.slice(0, 1),
      transA,
      transB,
      alpha: ctx.attrs.float("alpha", 1),
      beta: ctx.attrs.float("beta", 1),
    };
    return { node, outputs: [{ name: node.outputs[0]!, dtype: a.dtype, shape: [m, n] }] };
  },

  run(node, [a, b, c], [out], arith) {
    const y = zeros(out!.dtype, out!.shape);
    const [m, n] = out!.shape as [number, number];
    const k = node.transA ? a!.shape[0]! : a!.shape[1]!;
    const cIndex = c ? broadcastIndex(c.shape, [m, n]) : undefined;
    const A = a!.data;
    const B = b!.data;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let t = 0; t < k; t++) {
          const av = node.transA ? A[t * m + i]! : A[i * k + t]!;
          const bv = node.transB ? B[j * k + t]! : B[t * n + j]!;
          acc += av * bv;
        }
        let v = arith.productScale * acc;
        if (c) v += arith.biasScale * c.data[cIndex![i * n + j]!]!;
        y.data[i * n + j] = arith.linear(v);
      }
    }
    return [y];
  },
};
