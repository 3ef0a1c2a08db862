/** Conv (N-d, the zoo uses 2-D) with pads, strides, dilations, group and optional bias. */
import { QuantizationError } from "../errors.js";
import type { ConvNode } from "../ir/types.js";
import { sizeOf, zeros } from "../tensor.js";
import { type OpDefinition, requireInput, structureError } from "./op.js";
import { WINDOW_ATTRIBUTES, resolveWindow, windowTaps } from "./window.js";

export const conv: OpDefinition<ConvNode> = {
  op: "Conv",
  attributes: [...WINDOW_ATTRIBUTES, "group"],
  linear: true,
  accumulator: true,

  /** An activation times constant weights, plus a constant bias at the accumulator's exponent. */
  quantize(node, q) {
    const [x, w, b] = node.inputs as [string, string, string?];
    if (!q.isConstant(w)) throw new QuantizationError(`Conv node "${node.name}": weights "${w}" must be a constant`);
    const accExponent = q.activation(node, x) + q.weight(node, w, 1);
    if (b !== undefined) {
      if (!q.isConstant(b)) throw new QuantizationError(`Conv node "${node.name}": bias "${b}" must be a constant`);
      q.bias(node, b, 1, accExponent);
    }
    q.setExponent(node.outputs[0]!, q.fracBits);
    return { shift: accExponent - q.fracBits, biasShiftLeft: 0 };
  },

  build(ctx) {
    const x = requireInput(ctx, 0, "X");
    const w = requireInput(ctx, 1, "W");
    if (x.shape.length < 3) throw structureError(ctx, `X must be [N, C, spatial...], has shape [${x.shape}]`);
    if (w.shape.length !== x.shape.length) throw structureError(ctx, `W rank ${w.shape.length} differs from X rank ${x.shape.length}`);
    const group = ctx.attrs.int("group", 1);
    const [batch, channels] = [x.shape[0]!, x.shape[1]!];
    const filters = w.shape[0]!;
    if (group < 1 || channels % group !== 0 || filters % group !== 0) {
      throw structureError(ctx, `group ${group} must divide input channels ${channels} and filters ${filters}`);
    }
    if (w.shape[1] !== channels / group) throw structureError(ctx, `W has ${w.shape[1]} channels per group, X gives ${channels / group}`);
    const kernel = ctx.attrs.ints("kernel_shape") ?? w.shape.slice(2);
    if (kernel.join() !== w.shape.slice(2).join())
      throw structureError(ctx, `kernel_shape [${kernel}] differs from W [${w.shape.slice(2)}]`);
    const b = ctx.inputs[2];
    if (b && (b.shape.length !== 1 || b.shape[0] !== filters)) throw structureError(ctx, `B must have shape [${filters}]`);
    const win = resolveWindow(ctx, x.shape.slice(2), kernel, false);
    const node: ConvNode = {
      op: "Conv",
      name: ctx.name,
      inputs: ctx.inputNames.slice(0, b ? 3 : 2),
      outputs: ctx.outputNames.slice(0, 1),
      kernelShape: win.kernelShape,
      strides: win.strides,
      pads: win.pads,
      dilations: win.dilations,
      group,
    };
    return { node, outputs: [{ name: node.outputs[0]!, dtype: x.dtype, shape: [batch, filters, ...win.outSpatial] }] };
  },

  run(node, [x, w, b], [out], arith) {
    const y = zeros(out!.dtype, out!.shape);
    const [batch, channels] = x!.shape as [number, number];
    const filters = w!.shape[0]!;
    const inSpatial = x!.shape.slice(2);
    const outSpatial = out!.shape.slice(2);
    const taps = windowTaps(node, inSpatial, outSpatial);
    const inSize = sizeOf(inSpatial);
    const outSize = sizeOf(outSpatial);
    const kSize = sizeOf(node.kernelShape);
    const perGroupIn = channels / node.group;
    const perGroupOut = filters / node.group;
    for (let n = 0; n < batch; n++) {
      for (let m = 0; m < filters; m++) {
        const firstChannel = Math.floor(m / perGroupOut) * perGroupIn;
        const bias = b ? arith.biasScale * b.data[m]! : 0;
        for (let o = 0; o < outSize; o++) {
          let acc = 0;
          for (let c = 0; c < perGroupIn; c++) {
            const xBase = (n * channels + firstChannel + c) * inSize;
            const wBase = (m * perGroupIn + c) * kSize;
            for (let t = taps.tapStart[o]!; t < taps.tapStart[o + 1]!; t++) {
              acc += x!.data[xBase + taps.inOffset[t]!]! * w!.data[wBase + taps.kernelIndex[t]!]!;
            }
          }
          y.data[(n * filters + m) * outSize + o] = arith.linear(arith.productScale * acc + bias);
        }
      }
    }
    return [y];
  },
};
