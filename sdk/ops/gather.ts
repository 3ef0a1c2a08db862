/**
 * Gather along one axis. Two uses: constant indices on an activation (a fixed selection: data
 * movement, indices normalised at build time), and an embedding lookup, a constant table read at
 * integer indices given at run time (token ids, an ArgMax output). ONNX's negative indices count from
 * the end; an index outside [-n, n) is an error (InputError at run time).
 */
import { InputError, QuantizationError } from "../errors.js";
import type { GatherNode } from "../ir/types.js";
import { isFloatType, sizeOf, zeros } from "../tensor.js";
import { type OpDefinition, normalizeAxis, requireInput, structureError } from "./op.js";
import { type View, keepMovedScale, outputOf } from "./view.js";

/** Output element (o, j, i) over outer x count x inner reads data element (o, index_j, i) of outer x length x inner. */
export interface GatherGeometry {
  readonly outer: number;
  readonly length: number;
  readonly inner: number;
  /** The number of indices. */
  readonly count: number;
}

export function gatherGeometry(node: GatherNode, dataShape: readonly number[], outShape: readonly number[]): GatherGeometry {
  const outer = sizeOf(dataShape.slice(0, node.axis));
  const inner = sizeOf(dataShape.slice(node.axis + 1));
  return { outer, length: dataShape[node.axis]!, inner, count: sizeOf(outShape) / Math.max(1, outer * inner) };
}

/**
 * Constant indices in arithmetic progression (one index, a range, a reversed or strided range) make
 * a Gather a view; undefined otherwise (or for run-time indices).
 */
export function gatherView(node: GatherNode, g: GatherGeometry): View | undefined {
  const idx = node.indices;
  if (!idx || idx.length === 0) return undefined;
  const step = idx.length > 1 ? idx[1]! - idx[0]! : 0;
  if (idx.some((v, j) => v !== idx[0]! + j * step)) return undefined;
  return {
    mode: "constant",
    dims: [
      { size: g.outer, inSize: g.outer, start: 0, step: 1, stride: g.length * g.inner },
      { size: idx.length, inSize: g.length, start: idx[0]!, step, stride: g.inner },
      { size: g.inner, inSize: g.inner, start: 0, step: 1, stride: 1 },
    ],
  };
}

/** An index read at run time, normalised to [0, length); InputError names the node when it is outside [-length, length). */
export function normalizeIndex(node: GatherNode, v: number, length: number, position: number): number {
  if (!Number.isInteger(v) || v < -length || v >= length) {
    throw new InputError(`Gather node "${node.name}": index ${v} (position ${position}) is outside [-${length}, ${length})`);
  }
  return v < 0 ? v + length : v;
}

export const gather: OpDefinition<GatherNode> = {
  op: "Gather",
  attributes: ["axis"],

  /** The data keeps its exponent (a constant table is quantized as an activation at F); run-time indices must be integers. */
  quantize(node, q) {
    const indices = node.inputs[1];
    if (indices !== undefined && !q.indexTensor(indices)) {
      throw new QuantizationError(
        `Gather node "${node.name}": indices "${indices}" must be integers (an integer graph input or an index tensor such as an ArgMax output), not a fixed-point value`,
      );
    }
    return keepMovedScale(node, q);
  },

  build(ctx) {
    const data = requireInput(ctx, 0, "data");
    const indices = requireInput(ctx, 1, "indices");
    const axis = normalizeAxis(ctx, ctx.attrs.int("axis", 0), data.shape.length);
    const length = data.shape[axis]!;
    if (isFloatType(indices.dtype)) throw structureError(ctx, `indices "${indices.name}" must be int32 or int64, is ${indices.dtype}`);
    const constant = ctx.constant(1);
    let normalized: number[] | undefined;
    if (constant) {
      normalized = Array.from(constant.data, (v, j) => {
        if (v < -length || v >= length) throw structureError(ctx, `constant index ${v} (position ${j}) is outside [-${length}, ${length})`);
        return v < 0 ? v + length : v;
      });
    }
    const shape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)];
    const node: GatherNode = {
      op: "Gather",
      name: ctx.name,
      inputs: ctx.inputNames.slice(0, normalized ? 1 : 2),
      outputs: ctx.outputNames.slice(0, 1),
      axis,
      ...(normalized ? { indices: normalized } : {}),
    };
    return { node, outputs: [outputOf(ctx, data.dtype, shape)] };
  },

  run(node, [data, indices], [out]) {
    const g = gatherGeometry(node, data!.shape, out!.shape);
    const y = zeros(out!.dtype, out!.shape);
    const idx = node.indices ?? Array.from(indices!.data, (v, j) => normalizeIndex(node, v, g.length, j));
    let e = 0;
    for (let o = 0; o < g.outer; o++) {
      for (let j = 0; j < g.count; j++) {
        const base = (o * g.length + idx[j]!) * g.inner;
        for (let i = 0; i < g.inner; i++) y.data[e++] = data!.data[base + i]!;
      }
    }
    return [y];
  },
};
