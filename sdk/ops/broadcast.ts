/** NumPy-style (ONNX multidirectional) broadcasting. */
import { stridesOf } from "../tensor.js";

/** The broadcast shape of two shapes, or undefined when they are incompatible. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * For each element of `outShape`, the flat index of the element of a tensor of
 * `shape` that broadcasts onto it.
 */
export function broadcastIndex(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const rank = outShape.length;
  const srcStrides = stridesOf(shape);
  // stride 0 along broadcast (size-1 or missing) dims
  const strides = outShape.map((_, i) => {
    const d = i - (rank - shape.length);
    return d < 0 || shape[d] === 1 ? 0 : srcStrides[d]!;
  });
  const total = outShape.reduce((x, y) => x * y, 1);
  const index = new Int32Array(total);
  const counter = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < total; i++) {
    index[i] = src;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]!++;
      src += strides[d]!;
      if (counter[d]! < outShape[d]!) break;
      src -= strides[d]! * outShape[d]!;
      counter[d] = 0;
    }
  }
  return index;
}
