/** Transpose: output dim d is input dim perm[d] (default: the dims reversed). */
import type { TransposeNode } from "../ir/types.js";
import { stridesOf } from "../tensor.js";
import { type OpDefinition, requireInput, structureError } from "./op.js";
import { type View, applyView, keepMovedScale, outputOf } from "./view.js";

/** The view of a Transpose of a tensor of shape `inShape`. */
export function transposeView(node: TransposeNode, inShape: readonly number[]): View {
  const strides = stridesOf(inShape);
  return {
    mode: "constant",
    dims: node.perm.map((p) => ({ size: inShape[p]!, inSize: inShape[p]!, start: 0, step: 1, stride: strides[p]! })),
  };
}

export const transpose: OpDefinition<TransposeNode> = {
  op: "Transpose",
  attributes: ["perm"],
  quantize: keepMovedScale,

  build(ctx) {
    const x = requireInput(ctx, 0, "data");
    const rank = x.shape.length;
    const perm = ctx.attrs.ints("perm") ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== rank || sorted.some((p, i) => p !== i)) {
      throw structureError(ctx, `perm [${perm}] is not a permutation of the ${rank} dims of [${x.shape}]`);
    }
    const node: TransposeNode = {
      op: "Transpose",
      name: ctx.name,
      inputs: ctx.inputNames.slice(0, 1),
      outputs: ctx.outputNames.slice(0, 1),
      perm,
    };
    return {
      node,
      outputs: [
        outputOf(
          ctx,
          x.dtype,
          perm.map((p) => x.shape[p]!),
        ),
      ],
    };
  },

  run(node, [x], [out]) {
    return [applyView(transposeView(node, x!.shape), x!, out!)];
  },
};
