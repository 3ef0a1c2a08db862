/**
 * Sliding-window geometry shared by Conv, MaxPool and AveragePool, for any
 * number of spatial dims: resolving auto_pad / ceil_mode to explicit pads and
 * output sizes, and listing, for every output position, the input positions
 * ("taps") its window covers.
 */
import type { WindowAttributes } from "../ir/types.js";
import { stridesOf } from "../tensor.js";
import { type BuildContext, structureError } from "./op.js";

export const WINDOW_ATTRIBUTES = ["auto_pad", "kernel_shape", "pads", "strides", "dilations"] as const;

export interface ResolvedWindow extends WindowAttributes {
  readonly outSpatial: readonly number[];
}

/**
 * Reads kernel/strides/pads/dilations/auto_pad and computes the output's
 * spatial size, following the ONNX operator spec (and its reference
 * implementation for ceil_mode: the last window must start inside the input
 * or its leading pad).
 */
export function resolveWindow(
  ctx: BuildContext,
  inSpatial: readonly number[],
  kernelShape: readonly number[],
  ceilMode: boolean,
): ResolvedWindow {
  const n = inSpatial.length;
  const strides = ctx.attrs.ints("strides") ?? new Array<number>(n).fill(1);
  const dilations = ctx.attrs.ints("dilations") ?? new Array<number>(n).fill(1);
  if (kernelShape.length !== n || strides.length !== n || dilations.length !== n) {
    throw structureError(ctx, `kernel_shape, strides and dilations must each have ${n} values (one per spatial dim)`);
  }
  if ([...kernelShape, ...strides, ...dilations].some((v) => !Number.isInteger(v) || v < 1)) {
    throw structureError(ctx, "kernel_shape, strides and dilations must be positive integers");
  }
  const span = kernelShape.map((k, i) => (k - 1) * dilations[i]! + 1);
  const autoPad = ctx.attrs.string("auto_pad", "NOTSET");
  let pads: number[];
  const outSpatial: number[] = [];
  if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    pads = new Array<number>(2 * n).fill(0);
    for (let i = 0; i < n; i++) {
      const out = Math.ceil(inSpatial[i]! / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + span[i]! - inSpatial[i]!);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === "SAME_UPPER" ? small : total - small;
      pads[n + i] = total - pads[i]!;
      outSpatial.push(out);
    }
    return { kernelShape, strides, pads, dilations, outSpatial };
  }
  if (autoPad === "VALID") pads = new Array<number>(2 * n).fill(0);
  else if (autoPad === "NOTSET") pads = ctx.attrs.ints("pads") ?? new Array<number>(2 * n).fill(0);
  else throw structureError(ctx, `auto_pad "${autoPad}" is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  if (pads.length !== 2 * n || pads.some((p) => p < 0)) {
    throw structureError(ctx, `pads must have ${2 * n} non-negative values`);
  }
  for (let i = 0; i < n; i++) {
    const room = inSpatial[i]! + pads[i]! + pads[n + i]! - span[i]!;
    if (room < 0) throw structureError(ctx, `window of span ${span[i]} is larger than padded input ${room + span[i]!} in dim ${i}`);
    let out = (ceilMode ? Math.ceil(room / strides[i]!) : Math.floor(room / strides[i]!)) + 1;
    if (ceilMode && (out - 1) * strides[i]! >= inSpatial[i]! + pads[i]!) out--;
    outSpatial.push(out);
  }
  return { kernelShape, strides, pads, dilations, outSpatial };
}

/** For every output position (row-major), its taps in CSR layout. */
export interface WindowTaps {
  /** Taps of output o are tapStart[o] .. tapStart[o+1]-1. */
  readonly tapStart: Int32Array;
  /** Flat (row-major) spatial offset of the tap in the unpadded input. */
  readonly inOffset: Int32Array;
  /** Flat (row-major) index of the tap in the kernel. */
  readonly kernelIndex: Int32Array;
  /** Number of window positions inside the explicitly padded input (AveragePool count_include_pad). */
  readonly paddedCount: Int32Array;
}

/** Only taps inside the input are listed; padding contributes nothing to sums or maxima. */
export function windowTaps(w: WindowAttributes, inSpatial: readonly number[], outSpatial: readonly number[]): WindowTaps {
  const n = inSpatial.length;
  const inStrides = stridesOf(inSpatial);
  const outCount = outSpatial.reduce((a, b) => a * b, 1);
  const kernelCount = w.kernelShape.reduce((a, b) => a * b, 1);
  const tapStart = new Int32Array(outCount + 1);
  const inOffset: number[] = [];
  const kernelIndex: number[] = [];
  const paddedCount = new Int32Array(outCount);
  const outPos = new Array<number>(n).fill(0);
  const kPos = new Array<number>(n).fill(0);
  for (let o = 0; o < outCount; o++) {
    tapStart[o] = inOffset.length;
    kPos.fill(0);
    for (let k = 0; k < kernelCount; k++) {
      let inside = true;
      let insidePadded = true;
      let offset = 0;
      for (let d = 0; d < n; d++) {
        const c = outPos[d]! * w.strides[d]! - w.pads[d]! + kPos[d]! * w.dilations[d]!;
        if (c < 0 || c >= inSpatial[d]!) inside = false;
        if (c < -w.pads[d]! || c >= inSpatial[d]! + w.pads[n + d]!) insidePadded = false;
        offset += c * inStrides[d]!;
      }
      if (inside) {
        inOffset.push(offset);
        kernelIndex.push(k);
      }
      if (insidePadded) paddedCount[o]!++;
      increment(kPos, w.kernelShape);
    }
    increment(outPos, outSpatial);
  }
  tapStart[outCount] = inOffset.length;
  return { tapStart, inOffset: Int32Array.from(inOffset), kernelIndex: Int32Array.from(kernelIndex), paddedCount };
}

/** Row-major odometer step. */
function increment(pos: number[], shape: readonly number[]): void {
  for (let d = pos.length - 1; d >= 0; d--) {
    if (++pos[d]! < shape[d]!) return;
    pos[d] = 0;
  }
}
