/**
 * Strided views: the index arithmetic of every data-movement op that reads one
 * input (Transpose, Slice, Squeeze, Unsqueeze, Expand, Pad, and Gather with
 * indices in arithmetic progression). The interpreter, the circuit compiler
 * (sdk/zk/groth16/lowerings/dataMovement.ts) and the OPML program
 * (sdk/opml/kernels/dataMovement.ts) all read a node's view, so the three
 * engines move the same element to the same place by construction.
 *
 * A view lists, outermost first, one entry per output dim: output coordinate
 * `o` reads input coordinate `c = start + o * step` along an input axis of
 * `inSize` elements and flat stride `stride`. An input coordinate outside
 * `[0, inSize)` happens only in Pad; `mode` says what it reads:
 *
 *   constant  nothing: the element is the pad value
 *   edge      the nearest edge: clamp(c, 0, inSize - 1)
 *   reflect   mirrored about the edges without repeating them, periodically (numpy.pad "reflect")
 *   wrap      c mod inSize (numpy.pad "wrap")
 */
import { UnsupportedOperatorError } from "../errors.js";
import type { IrNode, TensorInfo } from "../ir/types.js";
import { type DType, type Tensor, sizeOf } from "../tensor.js";
import { type BuildContext, NO_RESCALE, type NodeScale, type QuantizeContext, structureError } from "./op.js";

export const PAD_MODES = ["constant", "edge", "reflect", "wrap"] as const;
export type PadMode = (typeof PAD_MODES)[number];

export interface ViewDim {
  /** Output size along this dim (>= 1). */
  readonly size: number;
  /** Size of the input axis the dim reads. */
  readonly inSize: number;
  /** Input coordinate of output coordinate 0 (negative in Pad's leading padding). */
  readonly start: number;
  /** Input coordinates per output coordinate (negative: reversed; 0: broadcast). */
  readonly step: number;
  /** Flat stride of the input axis. */
  readonly stride: number;
}

export interface View {
  readonly dims: readonly ViewDim[];
  readonly mode: PadMode;
}

/** floor-mod: the representative of `a` in [0, n). */
function mod(a: number, n: number): number {
  const r = a % n;
  return r < 0 ? r + n : r;
}

/** The input coordinate `c` reads along an axis of `n` elements under `mode`, or -1 (constant mode, outside). */
export function padCoordinate(mode: PadMode, c: number, n: number): number {
  if (c >= 0 && c < n) return c;
  switch (mode) {
    case "constant":
      return -1;
    case "edge":
      return c < 0 ? 0 : n - 1;
    case "reflect": {
      if (n === 1) return 0;
      const m = mod(c, 2 * (n - 1));
      return m < n ? m : 2 * (n - 1) - m;
    }
    case "wrap":
      return mod(c, n);
  }
}

/** The flat input index of every output element (row-major), -1 where the element is the pad value. */
export function viewSources(view: View): Int32Array {
  const dims = view.dims;
  const total = sizeOf(dims.map((d) => d.size));
  const out = new Int32Array(total);
  // per dim, the input offset of each output coordinate (-1: padding), computed once
  const offsets = dims.map((d) =>
    Int32Array.from({ length: d.size }, (_, o) => {
      const c = padCoordinate(view.mode, d.start + o * d.step, d.inSize);
      return c < 0 ? -1 : c * d.stride;
    }),
  );
  const counter = new Array<number>(dims.length).fill(0);
  for (let e = 0; e < total; e++) {
    let src = 0;
    for (let d = 0; d < dims.length; d++) {
      const off = offsets[d]![counter[d]!]!;
      if (off < 0) {
        src = -1;
        break;
      }
      src += off;
    }
    out[e] = src;
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++counter[d]! < dims[d]!.size) break;
      counter[d] = 0;
    }
  }
  return out;
}

/** The view that copies `count` elements in order (Squeeze, Unsqueeze: the flat order is unchanged). */
export function identityView(count: number): View {
  return { dims: [{ size: count, inSize: count, start: 0, step: 1, stride: 1 }], mode: "constant" };
}

/**
 * The quantization rule of data movement: the output keeps its input's exponent, F for an activation
 * (a constant input is quantized as an activation at F), none for an index tensor (token ids, ArgMax).
 */
export function keepMovedScale(node: IrNode, q: QuantizeContext): NodeScale {
  const x = node.inputs[0]!;
  q.setExponent(node.outputs[0]!, q.indexTensor(x) ? null : q.activation(node, x));
  return NO_RESCALE;
}

/**
 * Integer list given by attribute `attr` (older opsets) or by constant input `input` (newer ones), or
 * undefined when neither is given. An input that is not a constant is refused: the IR has static shapes.
 */
export function intsOf(ctx: BuildContext, attr: string, input: number): number[] | undefined {
  const fromAttr = ctx.attrs.ints(attr);
  if (!ctx.inputNames[input]) return fromAttr;
  if (fromAttr) throw structureError(ctx, `${attr} is given both as an attribute and as input ${input}`);
  const t = ctx.constant(input);
  if (!t) {
    throw new UnsupportedOperatorError(
      ctx.opType,
      ctx.name,
      `its ${attr} (input ${input}, "${ctx.inputNames[input]}") must be a constant initializer: the IR has static shapes`,
    );
  }
  return Array.from(t.data);
}

/** The node's first output info with the input's dtype. */
export function outputOf(ctx: BuildContext, dtype: DType, shape: readonly number[]): TensorInfo {
  return { name: ctx.outputNames[0]!, dtype, shape };
}

/** Runs a view: each output element is its input element, or `fill` where it reads nothing (constant padding). */
export function applyView(view: View, x: Tensor, out: TensorInfo, fill = 0): Tensor {
  const src = viewSources(view);
  const data = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) data[i] = src[i]! < 0 ? fill : x.data[src[i]!]!;
  return { dtype: out.dtype, shape: out.shape, data };
}
