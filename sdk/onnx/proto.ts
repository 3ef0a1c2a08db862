/**
 * ONNX protobuf decoding with protobufjs and the official `onnx.proto`
 * (vendored from the pinned `onnx` Python package, Apache-2.0), read from its
 * generated JSON descriptor (onnxDescriptor.ts) so that no file is read: this
 * module runs in browsers too. Reading `.onnx` files is in readModel.ts
 * (Node). Only the fields the SDK reads are typed here.
 */
import protobuf from "protobufjs/light.js";

import { ONNX_DESCRIPTOR } from "./onnxDescriptor.js";

import { OnnxDecodeError } from "../errors.js";

export interface OnnxTensorProto {
  dims: string[];
  dataType: number;
  name: string;
  floatData: number[];
  int32Data: number[];
  int64Data: string[];
  doubleData: number[];
  uint64Data: string[];
  rawData: Uint8Array;
  dataLocation: number;
}

export interface OnnxAttributeProto {
  name: string;
  type: number;
  f: number;
  i: string;
  s: Uint8Array;
  t?: OnnxTensorProto;
  floats: number[];
  ints: string[];
}

export interface OnnxNodeProto {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  attribute: OnnxAttributeProto[];
}

export interface OnnxDimension {
  dimValue: string;
  dimParam: string;
  /** Which of the oneof fields is set, if any. */
  value?: "dimValue" | "dimParam";
}

export interface OnnxValueInfoProto {
  name: string;
  type?: { tensorType?: { elemType: number; shape?: { dim: OnnxDimension[] } } };
}

export interface OnnxGraphProto {
  node: OnnxNodeProto[];
  name: string;
  initializer: OnnxTensorProto[];
  input: OnnxValueInfoProto[];
  output: OnnxValueInfoProto[];
}

export interface OnnxModelProto {
  irVersion: string;
  producerName: string;
  producerVersion: string;
  opsetImport: { domain: string; version: string }[];
  graph?: OnnxGraphProto;
}

let root: protobuf.Root | undefined;
/** The protobufjs root of onnx.proto's types. */
export function onnxRoot(): protobuf.Root {
  root ??= protobuf.Root.fromJSON(ONNX_DESCRIPTOR);
  return root;
}

// int64 fields come back as decimal strings so that no precision is lost in
// decoding; callers convert them with `toSafeInt`.
const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  enums: Number,
  bytes: Uint8Array as unknown as typeof Array,
  defaults: true,
  arrays: true,
  oneofs: true,
};

function decode<T>(typeName: string, noun: string, bytes: Uint8Array, what: string): T {
  const type = onnxRoot().lookupType(typeName);
  let message: protobuf.Message;
  try {
    message = type.decode(bytes);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new OnnxDecodeError(`${what} is not a valid ONNX ${noun}: truncated or corrupt protobuf (${reason})`, {
      cause,
    });
  }
  return type.toObject(message, TO_OBJECT) as T;
}

/** Decodes an ONNX ModelProto and checks that it has the parts every model has. */
export function decodeModelProto(bytes: Uint8Array, what = "input"): OnnxModelProto {
  if (bytes.length === 0) throw new OnnxDecodeError(`${what} is not a valid ONNX model: the file is empty`);
  const model = decode<OnnxModelProto>("onnx.ModelProto", "model", bytes, what);
  if (!model.graph || model.graph.node.length === 0) {
    throw new OnnxDecodeError(`${what} is not a valid ONNX model: it has no graph (or the graph has no nodes)`);
  }
  if (BigInt(model.irVersion) <= 0n || model.opsetImport.length === 0) {
    throw new OnnxDecodeError(`${what} is not a valid ONNX model: ir_version or opset_import is missing`);
  }
  return model;
}

/** Decodes a serialized TensorProto (the `.pb` files of ONNX's test data). */
export function decodeTensorProto(bytes: Uint8Array, what = "input"): OnnxTensorProto {
  return decode<OnnxTensorProto>("onnx.TensorProto", "tensor", bytes, what);
}

/** Converts an int64 decoded as a string to a number, refusing values a double cannot hold exactly. */
export function toSafeInt(value: string | number, what: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new OnnxDecodeError(`${what}: int64 value ${value} is outside the exactly representable range (±2^53)`);
  }
  return n;
}
