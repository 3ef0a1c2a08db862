/** Conversion of ONNX TensorProto (initializers, attribute tensors, test data) to SDK tensors. */
import { OnnxDecodeError } from "../errors.js";
import { type DType, type Tensor, sizeOf } from "../tensor.js";
import { type OnnxTensorProto, toSafeInt } from "./proto.js";

/** ONNX TensorProto.DataType codes of the element types the SDK reads. */
const ONNX_DTYPES: Record<number, DType> = {
  1: "float32",
  2: "uint8",
  3: "int8",
  4: "uint16",
  5: "int16",
  6: "int32",
  7: "int64",
  9: "bool",
  11: "float64",
  12: "uint32",
  13: "uint64",
};

const ONNX_DTYPE_NAMES: Record<number, string> = {
  8: "STRING",
  10: "FLOAT16",
  14: "COMPLEX64",
  15: "COMPLEX128",
  16: "BFLOAT16",
};

export function dtypeFromOnnx(code: number, what: string): DType {
  const dtype = ONNX_DTYPES[code];
  if (!dtype) {
    const name = ONNX_DTYPE_NAMES[code] ?? `data type ${code}`;
    throw new OnnxDecodeError(`${what}: element type ${name} is not supported (use float32 or an integer type)`);
  }
  return dtype;
}

type RawReader = (view: DataView, offset: number) => number;
const RAW_READERS: Record<DType, [bytes: number, read: RawReader]> = {
  float32: [4, (v, o) => v.getFloat32(o, true)],
  float64: [8, (v, o) => v.getFloat64(o, true)],
  int8: [1, (v, o) => v.getInt8(o)],
  uint8: [1, (v, o) => v.getUint8(o)],
  bool: [1, (v, o) => v.getUint8(o)],
  int16: [2, (v, o) => v.getInt16(o, true)],
  uint16: [2, (v, o) => v.getUint16(o, true)],
  int32: [4, (v, o) => v.getInt32(o, true)],
  uint32: [4, (v, o) => v.getUint32(o, true)],
  int64: [8, (v, o) => safeBig(v.getBigInt64(o, true))],
  uint64: [8, (v, o) => safeBig(v.getBigUint64(o, true))],
};

/**
 * An int64 as a number. Beyond ±2^53 only sentinels occur in real models (PyTorch writes
 * INT64_MAX / INT64_MIN as a Slice's "to the end"); they clamp to ±(2^53 - 1), which every
 * operator treats the same way (clamped to the dimension).
 */
function safeBig(v: bigint): number {
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(v > limit ? limit : v < -limit ? -limit : v);
}

/** Reads a TensorProto's elements whichever field holds them (raw_data or a typed field). */
export function tensorFromProto(proto: OnnxTensorProto, what = `tensor "${proto.name}"`): Tensor {
  if (proto.dataLocation === 1) {
    throw new OnnxDecodeError(`${what}: external data files are not supported; save the model with weights inside`);
  }
  const dtype = dtypeFromOnnx(proto.dataType, what);
  const shape = proto.dims.map((d) => toSafeInt(d, `${what} dims`));
  const count = sizeOf(shape);
  const data = new Float64Array(count);
  const raw = proto.rawData;
  if (raw && raw.length > 0) {
    const [width, read] = RAW_READERS[dtype];
    if (raw.length !== count * width) {
      throw new OnnxDecodeError(`${what}: raw_data has ${raw.length} bytes, shape [${shape.join(", ")}] needs ${count * width}`);
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    try {
      for (let i = 0; i < count; i++) data[i] = read(view, i * width);
    } catch (cause) {
      throw new OnnxDecodeError(`${what}: ${(cause as Error).message}`, { cause });
    }
    return { dtype, shape, data };
  }
  const field = typedField(proto, dtype);
  // Scalars may be written with no dims and one element.
  if (field.length !== count) {
    throw new OnnxDecodeError(`${what}: has ${field.length} elements, shape [${shape.join(", ")}] needs ${count}`);
  }
  const isFloat = dtype === "float32" || dtype === "float64";
  for (let i = 0; i < count; i++) data[i] = isFloat ? Number(field[i]) : toSafeInt(field[i]!, what);
  return { dtype, shape, data };
}

function typedField(proto: OnnxTensorProto, dtype: DType): readonly (number | string)[] {
  switch (dtype) {
    case "float32":
      return proto.floatData;
    case "float64":
      return proto.doubleData;
    case "int64":
      return proto.int64Data;
    case "uint32":
    case "uint64":
      return proto.uint64Data;
    default:
      return proto.int32Data; // int8/16/32, uint8/16, bool are stored widened in int32_data
  }
}
