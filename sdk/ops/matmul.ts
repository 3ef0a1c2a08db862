/** MatMul with NumPy semantics: 1-D operands are promoted, leading (batch) dims broadcast. */
import type { MatMulNode } from "../ir/types.js";
import { zeros } from "../tensor.js";
import { broadcastIndex, broadcastShapes } from "./broadcast.js";
import { quantizeProduct } from "./gemm.js";
import { type OpDefinition, requireInput, structureError } from "./op.js";

/** Matrix view of an operand: batch dims and the [rows, cols] of each matrix. */
function asMatrices(shape: readonly number[], isLeft: boolean): { batch: number[]; rows: number; cols: number } {
  if (shape.length === 1) return isLeft ? { batch: [], rows: 1, cols: shape[0]! } : { batch: [], rows: shape[0]!, cols: 1 };
  return { batch: shape.slice(0, -2), rows: shape[shape.length - 2]!, cols: shape[shape.length - 1]! };
}

export const matmul: OpDefinition<MatMulNode> = {
  op: "MatMul",
  attributes: [],
  linear: true,
  accumulator: true,
  quantize: quantizeProduct,

  build(ctx) {
    const a = requireInput(ctx, 0, "A");
    const b = requireInput(ctx, 1, "B");
    if (a.shape.length === 0 || b.shape.length === 0) throw structureError(ctx, "operands must have rank >= 1");
    const l = asMatrices(a.shape, true);
    const r = asMatrices(b.shape, false);
    if (l.cols !== r.rows) throw structureError(ctx, `inner dimensions differ: ${l.cols} vs ${r.rows}`);
    const batch = broadcastShapes(l.batch, r.batch);
    if (!batch) throw structureError(ctx, `batch dims [${l.batch}] and [${r.batch}] do not broadcast`);
    const shape = [...batch];
    if (a.shape.length > 1) shape.push(l.rows);
    if (b.shape.length > 1) shape.push(r.cols);
    const node: MatMulNode = { op: "MatMul", name: ctx.name, inputs: ctx.inputNames.slice(0, 2), outputs: ctx.outputNames.slice(0, 1) };
    return { node, outputs: [{ name: node.outputs[0]!, dtype: a.dtype, shape }] };
  },

  run(_node, [a, b], [out], arith) {
    const l = asMatrices(a!.shape, true);
    const r = asMatrices(b!.shape, false);
    const batch = broadcastShapes(l.batch, r.batch)!;
    const aBatch = broadcastIndex(l.batch, batch);
    const bBatch = broadcastIndex(r.batch, batch);
    const [m, k, n] = [l.rows, l.cols, r.cols];
    const y = zeros(out!.dtype, out!.shape);
    for (let p = 0; p < aBatch.length; p++) {
      const aOff = aBatch[p]! * m * k;
      const bOff = bBatch[p]! * k * n;
      const yOff = p * m * n;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let t = 0; t < k; t++) acc += a!.data[aOff + i * k + t]! * b!.data[bOff + t * n + j]!;
          y.data[yOff + i * n + j] = arith.linear(arith.productScale * acc);
        }
      }
    }
    return [y];
  },
};
