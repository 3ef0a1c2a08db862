/**
 * LayerNormalization (opset 17): each row over dims axis .. rank-1 normalised to mean 0 and variance
 * 1 (plus epsilon), then scaled by Scale and shifted by B (both constants broadcasting to the row).
 * Integer mode (docs/integer-semantics.md, section 4, "Non-linear functions"):
 *
 *   z_i = layerNormRow(row, E)_i             (sdk/quant/functions.ts: exact sums, inv = round(2^K / sqrt(T)))
 *   y_i = saturate(rescale(z_i * g_i + b_i, e_g))
 *
 * with g = Scale as an A-bit weight at exponent e_g (the node's shift), b = B at exponent F + e_g,
 * E = layerNormEpsilon(epsilon, N) (epsilon in the units of T). The optional Mean and InvStdDev outputs exist in float mode only.
 */
import { QuantizationError, UnsupportedOperatorError } from "../errors.js";
import type { LayerNormalizationNode, TensorInfo } from "../ir/types.js";
import { FUNCTION_FRAC_BITS, LAYER_NORM_SHIFT, layerNormEpsilon, layerNormRow } from "../quant/functions.js";
import { rescale, saturate } from "../quant/scheme.js";
import { sizeOf, zeros } from "../tensor.js";
import { broadcastIndex, broadcastShapes } from "./broadcast.js";
import { floatRound, integerOf } from "./elementwise.js";
import { quantizeFunction } from "./nonlinear.js";
import { type OpDefinition, normalizeAxis, requireInput, structureError } from "./op.js";
import { mapRows } from "./softmax.js";

/** The row dims of a node of input shape `shape`. */
const rowAxes = (axis: number, rank: number) => Array.from({ length: rank - axis }, (_, d) => axis + d);

/**
 * The largest magnitude of the quantities the integer kernel must keep below 2^52, for rows of `n`
 * elements with |g| <= gMax and |b| <= bMax: the sums S1 and S2 <= N 2^(2(A-1)), E, |d * inv| <=
 * sqrt(N) 2^K + N 2^(A-1) and |z g + b| <= (sqrt(N) 2^F + 2) gMax + bMax. (T = Q 2^P + E and
 * 2^(2K+P+2) / T are computed exactly on integers, beyond 2^52.)
 */
export function layerNormBound(n: number, e: number, gMax: number, bMax: number, activationBits: number): number {
  const m = 2 ** (activationBits - 1);
  const product = Math.sqrt(n) * 2 ** LAYER_NORM_SHIFT + n * m;
  const affine = (Math.sqrt(n) * 2 ** FUNCTION_FRAC_BITS + 2) * gMax + bMax;
  return Math.max(n * m * m, e, product, affine);
}

export const layerNormalization: OpDefinition<LayerNormalizationNode> = {
  op: "LayerNormalization",
  attributes: ["axis", "epsilon", "stash_type"],
  accumulator: true,
  constantInputs: [1, 2],

  quantize(node, q) {
    if (node.outputs.length > 1) {
      throw new QuantizationError(
        `LayerNormalization node "${node.name}": the integer model computes Y only; its Mean and InvStdDev outputs are float-mode only`,
      );
    }
    const scale = quantizeFunction(node, q);
    const [, g, b] = node.inputs as [string, string, string?];
    const eg = q.weight(node, g, 1, q.activationBits);
    if (b !== undefined) q.bias(node, b, 1, q.fracBits + eg);
    // E (epsilon in the units of T) follows from the committed epsilon and shapes: every engine derives it.
    return { ...scale, shift: eg };
  },

  build(ctx) {
    const x = requireInput(ctx, 0, "X");
    requireInput(ctx, 1, "Scale");
    const rank = x.shape.length;
    const axis = normalizeAxis(ctx, ctx.attrs.int("axis", -1), rank);
    const epsilon = ctx.attrs.float("epsilon", 1e-5);
    if (!(epsilon >= 0 && Number.isFinite(epsilon))) throw structureError(ctx, `epsilon must be a finite number >= 0, got ${epsilon}`);
    const row = x.shape.slice(axis);
    const operands = [1, 2].filter((i) => ctx.inputs[i]);
    for (const i of operands) {
      if (!ctx.constant(i)) {
        throw new UnsupportedOperatorError(
          "LayerNormalization",
          ctx.name,
          `its ${i === 1 ? "Scale" : "B"} (input ${i}) must be a constant`,
        );
      }
      const info = ctx.inputs[i]!;
      if (broadcastShapes(info.shape, row)?.join() !== row.join()) {
        throw structureError(
          ctx,
          `${i === 1 ? "Scale" : "B"} of shape [${info.shape.join(", ")}] does not broadcast to the row [${row.join(", ")}]`,
        );
      }
    }
    const outputs = ctx.outputNames.filter((n) => n !== "");
    const node: LayerNormalizationNode = {
      op: "LayerNormalization",
      name: ctx.name,
      inputs: operands.length === 2 ? ctx.inputNames.slice(0, 3) : ctx.inputNames.slice(0, 2),
      outputs,
      axis,
      epsilon,
    };
    // Mean and InvStdDev keep the leading dims and make the row dims 1 (stash_type 1: float32).
    const stats = [...x.shape.slice(0, axis), ...row.map(() => 1)];
    const infos: TensorInfo[] = [{ name: outputs[0]!, dtype: x.dtype, shape: x.shape }];
    ctx.outputNames.slice(1, 3).forEach((name) => {
      if (name) infos.push({ name, dtype: "float32", shape: stats });
    });
    return { node, outputs: infos };
  },

  run(node, [x, g, b], outs, arith) {
    const out = outs[0]!;
    const rank = x!.shape.length;
    const axes = rowAxes(node.axis, rank);
    const rowShape = x!.shape.slice(node.axis);
    const n = sizeOf(rowShape);
    const gIndex = broadcastIndex(g!.shape, rowShape);
    const bIndex = b ? broadcastIndex(b.shape, rowShape) : undefined;
    if (arith.mode === "float") {
      const round = floatRound(arith, out.dtype);
      const stats = outs.slice(1).map((info) => zeros(info.dtype, info.shape));
      let r = 0;
      const y = mapRows(x!, out, axes, (row) => {
        const mean = row.reduce((a, v) => a + v, 0) / n;
        const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
        const inv = 1 / Math.sqrt(variance + node.epsilon);
        if (stats[0]) stats[0].data[r] = Math.fround(mean);
        if (stats[1]) stats[1].data[r] = Math.fround(inv);
        r++;
        return row.map((v, j) => round((v - mean) * inv * g!.data[gIndex[j]!]! + (b ? b.data[bIndex![j]!]! : 0)));
      });
      return [y, ...stats];
    }
    const { fracBits: f, activationBits: a, scale } = integerOf(arith, node);
    const e = layerNormEpsilon(node.epsilon, n, f);
    if (arith.mode === "bound") {
      const gMax = g!.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const bMax = b ? b.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0) : 0;
      const bound = layerNormBound(n, e, gMax, bMax, a);
      return [mapRows(x!, out, axes, (row) => row.map(() => bound))];
    }
    return [
      mapRows(x!, out, axes, (row) =>
        layerNormRow(row, e, f).map((z, j) => saturate(rescale(z * g!.data[gIndex[j]!]! + (b ? b.data[bIndex![j]!]! : 0), scale.shift), a)),
      ),
    ];
  },
};
