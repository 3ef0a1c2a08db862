/** Flatten and Reshape: the data is unchanged, only the static shape differs. */
import { UnsupportedOperatorError } from "../errors.js";
import type { FlattenNode, ReshapeNode } from "../ir/types.js";
import { sizeOf } from "../tensor.js";
import { type OpDefinition, keepInputScale, normalizeAxis, requireInput, structureError } from "./op.js";

export const flatten: OpDefinition<FlattenNode> = {
  op: "Flatten",
  attributes: ["axis"],
  quantize: keepInputScale,

  build(ctx) {
    const x = requireInput(ctx, 0, "input");
    const axis = normalizeAxis(ctx, ctx.attrs.int("axis", 1), x.shape.length, true);
    const shape = [sizeOf(x.shape.slice(0, axis)), sizeOf(x.shape.slice(axis))];
    const node: FlattenNode = {
      op: "Flatten",
      name: ctx.name,
      inputs: ctx.inputNames.slice(0, 1),
      outputs: ctx.outputNames.slice(0, 1),
      axis,
    };
    return { node, outputs: [{ name: node.outputs[0]!, dtype: x.dtype, shape }] };
  },

  run(_node, [x], [out]) {
    return [{ dtype: out!.dtype, shape: out!.shape, data: x!.data.slice() }];
  },
};

export const reshape: OpDefinition<ReshapeNode> = {
  op: "Reshape",
  attributes: ["allowzero"],
  constantInputs: [1],
  quantize: keepInputScale,

  build(ctx) {
    const x = requireInput(ctx, 0, "data");
    const target = ctx.constant(1);
    if (!target) {
      throw new UnsupportedOperatorError(
        "Reshape",
        ctx.name,
        "the target shape (input 1) must be a constant initializer: the IR has static shapes",
      );
    }
    const allowZero = ctx.attrs.int("allowzero", 0) !== 0;
    const shape = Array.from(target.data, (d, i) => (d === 0 && !allowZero ? x.shape[i]! : d));
    if (shape.some((d) => d === undefined || d < -1) || shape.filter((d) => d === -1).length > 1) {
      throw structureError(ctx, `invalid target shape [${Array.from(target.data)}]`);
    }
    const known = sizeOf(shape.filter((d) => d !== -1));
    const inferred = shape.indexOf(-1);
    if (inferred >= 0) {
      if (known === 0 || sizeOf(x.shape) % known !== 0) throw structureError(ctx, `cannot infer -1 in [${shape}] from [${x.shape}]`);
      shape[inferred] = sizeOf(x.shape) / known;
    }
    if (sizeOf(shape) !== sizeOf(x.shape)) throw structureError(ctx, `cannot reshape [${x.shape}] to [${shape}]`);
    const node: ReshapeNode = { op: "Reshape", name: ctx.name, inputs: ctx.inputNames.slice(0, 1), outputs: ctx.outputNames.slice(0, 1) };
    return { node, outputs: [{ name: node.outputs[0]!, dtype: x.dtype, shape }] };
  },

  run(_node, [x], [out]) {
    return [{ dtype: out!.dtype, shape: out!.shape, data: x!.data.slice() }];
  },
};
