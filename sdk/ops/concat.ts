/** Concat along one axis; every operand at the same exponent (F, or none for index tensors). */
import { QuantizationError } from "../errors.js";
import type { ConcatNode } from "../ir/types.js";
import { type Tensor, sizeOf } from "../tensor.js";
import { NO_RESCALE, type OpDefinition, normalizeAxis, requireInput, structureError } from "./op.js";
import { outputOf } from "./view.js";

/** A Concat's geometry: output element (o, c, i) over outer x (sum of extents) x inner reads operand s at (o, c - start_s, i). */
export interface ConcatGeometry {
  readonly outer: number;
  readonly inner: number;
  /** Each operand's size along the axis (0 for an empty operand). */
  readonly extents: readonly number[];
}

export function concatGeometry(node: ConcatNode, shapes: readonly (readonly number[])[]): ConcatGeometry {
  const first = shapes[0]!;
  return {
    outer: sizeOf(first.slice(0, node.axis)),
    inner: sizeOf(first.slice(node.axis + 1)),
    extents: shapes.map((s) => s[node.axis]!),
  };
}

/** For each output element, [operand, flat index in that operand]. */
export function concatSources(g: ConcatGeometry): [number, number][] {
  const total = g.extents.reduce((a, b) => a + b, 0);
  const out: [number, number][] = [];
  for (let o = 0; o < g.outer; o++) {
    g.extents.forEach((extent, s) => {
      for (let c = 0; c < extent; c++) for (let i = 0; i < g.inner; i++) out.push([s, (o * extent + c) * g.inner + i]);
    });
  }
  if (out.length !== g.outer * total * g.inner) throw new RangeError("concat geometry");
  return out;
}

export const concat: OpDefinition<ConcatNode> = {
  op: "Concat",
  attributes: ["axis"],

  /** Integers are placed side by side, so every operand needs the same exponent: F (constants at F), or all index tensors. */
  quantize(node, q) {
    const index = node.inputs.map((n) => q.indexTensor(n));
    if (index.every(Boolean)) {
      q.setExponent(node.outputs[0]!, null);
      return NO_RESCALE;
    }
    const f = q.fracBits;
    node.inputs.forEach((name, i) => {
      if (index[i] || q.activation(node, name) !== f) {
        throw new QuantizationError(
          `Concat node "${node.name}": operand "${name}" ${index[i] ? "is an index tensor" : "is not at exponent " + f}; every operand must share exponent ${f} (or all be index tensors)`,
        );
      }
    });
    q.setExponent(node.outputs[0]!, f);
    return NO_RESCALE;
  },

  build(ctx) {
    const first = requireInput(ctx, 0, "inputs");
    const infos = ctx.inputNames.map((_, i) => requireInput(ctx, i, `input ${i}`));
    if (!ctx.attrs.has("axis")) throw structureError(ctx, "attribute axis is required");
    const axis = normalizeAxis(ctx, ctx.attrs.int("axis", 0), first.shape.length);
    for (const t of infos) {
      if (t.dtype !== first.dtype) throw structureError(ctx, `operand types differ: ${first.dtype} vs ${t.dtype}`);
      if (t.shape.length !== first.shape.length || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
        throw structureError(ctx, `operand "${t.name}" of shape [${t.shape}] does not match [${first.shape}] off axis ${axis}`);
      }
    }
    const shape = first.shape.map((d, i) => (i === axis ? infos.reduce((n, t) => n + t.shape[axis]!, 0) : d));
    const node: ConcatNode = { op: "Concat", name: ctx.name, inputs: [...ctx.inputNames], outputs: ctx.outputNames.slice(0, 1), axis };
    return { node, outputs: [outputOf(ctx, first.dtype, shape)] };
  },

  run(node, inputs, [out]) {
    const sources = concatSources(
      concatGeometry(
        node,
        inputs.map((t) => t.shape),
      ),
    );
    const data = Float64Array.from(sources, ([s, i]) => (inputs[s] as Tensor).data[i]!);
    return [{ dtype: out!.dtype, shape: out!.shape, data }];
  },
};
