/**
 * The one tensor type of the SDK: a shape and its elements in row-major order.
 *
 * Elements are stored as float64 in both interpreter modes. In float mode they
 * are real numbers; in integer mode every element is an integer, and the
 * quantizer's bound checks guarantee that every value and every partial sum
 * stays below 2^53 in magnitude, where float64 arithmetic on integers is exact.
 */
import { InputError } from "./errors.js";

/** Element types the SDK reads from ONNX. Integer tensors hold exact integers. */
export type DType = "float32" | "float64" | "int8" | "uint8" | "int16" | "uint16" | "int32" | "uint32" | "int64" | "uint64" | "bool";

export interface Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function isFloatType(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function tensor(dtype: DType, shape: readonly number[], data: ArrayLike<number>): Tensor {
  if (data.length !== sizeOf(shape)) {
    throw new InputError(`tensor of shape [${shape.join(", ")}] needs ${sizeOf(shape)} elements, got ${data.length}`);
  }
  return { dtype, shape: [...shape], data: Float64Array.from(data) };
}

export function zeros(dtype: DType, shape: readonly number[]): Tensor {
  return { dtype, shape: [...shape], data: new Float64Array(sizeOf(shape)) };
}

/** Index of the largest element (the first one on ties), over all elements. */
export function argmaxFlat(data: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < data.length; i++) if (data[i]! > data[best]!) best = i;
  return best;
}
