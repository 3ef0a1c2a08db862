/** MaxPool and AveragePool over N-d windows. */
import type { AveragePoolNode, MaxPoolNode, TensorInfo } from "../ir/types.js";
import { type Tensor, sizeOf, stridesOf, zeros } from "../tensor.js";
import { type BuildContext, type OpDefinition, keepInputScale, requireInput, structureError } from "./op.js";
import { type ResolvedWindow, WINDOW_ATTRIBUTES, resolveWindow, windowTaps } from "./window.js";

function buildWindow(ctx: BuildContext): { x: TensorInfo; win: ResolvedWindow; ceilMode: boolean } {
  const x = requireInput(ctx, 0, "X");
  if (x.shape.length < 3) throw structureError(ctx, `X must be [N, C, spatial...], has shape [${x.shape}]`);
  const kernel = ctx.attrs.ints("kernel_shape");
  if (!kernel) throw structureError(ctx, "kernel_shape is required");
  const ceilMode = ctx.attrs.int("ceil_mode", 0) !== 0;
  return { x, win: resolveWindow(ctx, x.shape.slice(2), kernel, ceilMode), ceilMode };
}

/** Calls visit(outFlat, inBase, o) for every (n, c, output position). */
function forEachChannelWindow(x: Tensor, outSpatial: readonly number[], visit: (outFlat: number, inBase: number, o: number) => void): void {
  const [batch, channels] = x.shape as [number, number];
  const inSize = sizeOf(x.shape.slice(2));
  const outSize = sizeOf(outSpatial);
  for (let nc = 0; nc < batch * channels; nc++) {
    for (let o = 0; o < outSize; o++) visit(nc * outSize + o, nc * inSize, o);
  }
}

export const maxPool: OpDefinition<MaxPoolNode> = {
  op: "MaxPool",
  attributes: [...WINDOW_ATTRIBUTES, "ceil_mode", "storage_order"],
  quantize: keepInputScale,

  build(ctx) {
    const { x, win, ceilMode } = buildWindow(ctx);
    const storageOrder = ctx.attrs.int("storage_order", 0);
    if (storageOrder !== 0 && storageOrder !== 1) throw structureError(ctx, `storage_order must be 0 or 1`);
    const node: MaxPoolNode = {
      op: "MaxPool",
      name: ctx.name,
      inputs: ctx.inputNames.slice(0, 1),
      outputs: ctx.outputNames.filter((o) => o !== ""),
      kernelShape: win.kernelShape,
      strides: win.strides,
      pads: win.pads,
      dilations: win.dilations,
      ceilMode,
      storageOrder,
    };
    const shape = [x.shape[0]!, x.shape[1]!, ...win.outSpatial];
    const outputs: TensorInfo[] = [{ name: node.outputs[0]!, dtype: x.dtype, shape }];
    if (node.outputs[1]) outputs.push({ name: node.outputs[1], dtype: "int64", shape });
    return { node, outputs };
  },

  run(node, [x], outs) {
    const out = outs[0]!;
    const y = zeros(out.dtype, out.shape);
    const indices = outs[1] ? zeros("int64", out.shape) : undefined;
    const inSpatial = x!.shape.slice(2);
    const taps = windowTaps(node, inSpatial, out.shape.slice(2));
    // Indices count over the whole input tensor; storage_order 1 orders the spatial dims column-major.
    const toStorage = node.storageOrder === 1 ? columnMajorOffset(inSpatial) : (offset: number) => offset;
    forEachChannelWindow(x!, out.shape.slice(2), (outFlat, inBase, o) => {
      let best = -Infinity;
      let bestTap = -1;
      for (let t = taps.tapStart[o]!; t < taps.tapStart[o + 1]!; t++) {
        const v = x!.data[inBase + taps.inOffset[t]!]!;
        if (v > best) [best, bestTap] = [v, t];
      }
      y.data[outFlat] = best;
      if (indices) indices.data[outFlat] = inBase + toStorage(taps.inOffset[bestTap]!);
    });
    return indices ? [y, indices] : [y];
  },
};

function columnMajorOffset(spatial: readonly number[]): (offset: number) => number {
  const rowStrides = stridesOf(spatial);
  const colStrides = stridesOf([...spatial].reverse()).reverse();
  return (offset) => {
    let col = 0;
    for (let d = 0; d < spatial.length; d++) {
      col += Math.floor(offset / rowStrides[d]!) * colStrides[d]!;
      offset %= rowStrides[d]!;
    }
    return col;
  };
}

export const averagePool: OpDefinition<AveragePoolNode> = {
  op: "AveragePool",
  attributes: [...WINDOW_ATTRIBUTES, "ceil_mode", "count_include_pad"],
  accumulator: true,
  quantize: keepInputScale,

  build(ctx) {
    const { x, win, ceilMode } = buildWindow(ctx);
    const node: AveragePoolNode = {
      op: "AveragePool",
      name: ctx.name,
      inputs: ctx.inputNames.slice(0, 1),
      outputs: ctx.outputNames.slice(0, 1),
      kernelShape: win.kernelShape,
      strides: win.strides,
      pads: win.pads,
      dilations: win.dilations,
      ceilMode,
      countIncludePad: ctx.attrs.int("count_include_pad", 0) !== 0,
    };
    return { node, outputs: [{ name: node.outputs[0]!, dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...win.outSpatial] }] };
  },

  run(node, [x], [out], arith) {
    const y = zeros(out!.dtype, out!.shape);
    const taps = windowTaps(node, x!.shape.slice(2), out!.shape.slice(2));
    forEachChannelWindow(x!, out!.shape.slice(2), (outFlat, inBase, o) => {
      let sum = 0;
      for (let t = taps.tapStart[o]!; t < taps.tapStart[o + 1]!; t++) sum += x!.data[inBase + taps.inOffset[t]!]!;
      const count = node.countIncludePad ? taps.paddedCount[o]! : taps.tapStart[o + 1]! - taps.tapStart[o]!;
      y.data[outFlat] = arith.average(sum, count);
    });
    return [y];
  },
};
