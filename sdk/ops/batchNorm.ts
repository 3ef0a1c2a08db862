/**
 * BatchNormalization standing alone, inference mode (one right after a Conv or Gemm is folded into
 * that node when the IR is built: sdk/ir/fold.ts). The build derives the per-channel affine
 *
 *   s[c] = scale[c] / sqrt(var[c] + epsilon),  b[c] = B[c] - mean[c] * s[c]
 *
 * as two constants of shape [C, 1, ..., 1] (`<node>.bn_scale`, `<node>.bn_shift`), so the node reads
 * [X, s, b] and y = X * s[c] + b[c]. Integer mode: s is an A-bit weight at exponent e_w, b a bias at
 * exponent F + e_w, y = saturate(rescale(x * s + b, e_w)) (a per-channel 1x1 depthwise Conv).
 */
import { UnsupportedOperatorError } from "../errors.js";
import type { BatchNormalizationNode } from "../ir/types.js";
import { type Tensor, tensor } from "../tensor.js";
import { elementwiseNode, mapBroadcast } from "./elementwise.js";
import { type OpDefinition, requireInput, requireRank, structureError } from "./op.js";

const STATISTICS = ["scale", "B", "input_mean", "input_var"] as const;

export const batchNormalization: OpDefinition<BatchNormalizationNode> = {
  op: "BatchNormalization",
  attributes: ["epsilon", "momentum", "training_mode", "spatial"],
  accumulator: true,
  constantInputs: [1, 2, 3, 4],

  quantize(node, q) {
    const [x, s, b] = node.inputs as [string, string, string];
    q.activation(node, x);
    const e = q.weight(node, s, 1, q.activationBits);
    q.bias(node, b, 1, q.fracBits + e);
    q.setExponent(node.outputs[0]!, q.fracBits);
    return { shift: e, biasShiftLeft: 0 };
  },

  build(ctx) {
    const x = requireInput(ctx, 0, "X");
    requireRank(ctx, x, [2, 8], "X");
    const unsupported = (reason: string) => new UnsupportedOperatorError("BatchNormalization", ctx.name, reason);
    if (ctx.attrs.int("training_mode", 0) !== 0 || ctx.outputNames.slice(1).some((o) => o !== "")) {
      throw unsupported("training mode (training_mode = 1, or running mean/variance outputs) is not supported: only inference");
    }
    if (ctx.attrs.int("spatial", 1) !== 1) throw unsupported("spatial = 0 (per-activation statistics) is not supported");
    const channels = x.shape[1]!;
    const stats = STATISTICS.map((what, i): Tensor => {
      const c = ctx.constant(i + 1);
      if (!c) throw unsupported(`its ${what} (input ${i + 1}) must be a constant: inference folds the statistics`);
      if (c.data.length !== channels) throw structureError(ctx, `${what} has ${c.data.length} values for ${channels} channels`);
      return c;
    });
    const [gamma, beta, mean, variance] = stats.map((t) => t.data) as [Float64Array, Float64Array, Float64Array, Float64Array];
    const epsilon = ctx.attrs.float("epsilon", 1e-5);
    const scale = gamma.map((g, c) => g / Math.sqrt(variance[c]! + epsilon));
    const shift = beta.map((b, c) => b - mean[c]! * scale[c]!);
    if ([...scale, ...shift].some((v) => !Number.isFinite(v))) {
      throw structureError(ctx, `the folded scale/shift are not finite (a variance + epsilon <= 0?)`);
    }
    const shape = [channels, ...new Array<number>(x.shape.length - 2).fill(1)];
    const [sName, bName] = [`${ctx.name}.bn_scale`, `${ctx.name}.bn_shift`];
    const constants = new Map([
      [sName, tensor(x.dtype, shape, scale)],
      [bName, tensor(x.dtype, shape, shift)],
    ]);
    const node = { op: "BatchNormalization", inputs: [ctx.inputNames[0]!, sName, bName], epsilon } as const;
    return { ...elementwiseNode<BatchNormalizationNode>(ctx, node, x.dtype, x.shape), constants };
  },

  // linear: float rounding; saturate(rescale(acc, e_w)) in integer mode; |x| * |s| + |b| when bounding
  run(_node, inputs, [out], arith) {
    return [mapBroadcast(inputs, out!, ([x, s, b]) => arith.linear(x! * s! + arith.biasScale * b!))];
  },
};
