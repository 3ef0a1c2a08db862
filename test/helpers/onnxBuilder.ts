/** Builds small ONNX models in tests (protobufjs, the same onnx.proto the SDK decodes with). */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import protobuf from "protobufjs";

const root = protobuf.loadSync(join(import.meta.dirname, "..", "..", "sdk", "onnx", "onnx.proto"));
const ModelProto = root.lookupType("onnx.ModelProto");

export const FLOAT = 1;
export const INT64 = 7;

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  ints?: Record<string, number[]>;
  int?: Record<string, number>;
  float?: Record<string, number>;
  string?: Record<string, string>;
  /** Tensor attributes (a Constant's value, ConstantOfShape's value). */
  tensor?: Record<string, TensorSpec>;
}

export interface TensorSpec {
  dims: number[];
  floats?: number[];
  int64s?: number[];
}

export interface GraphSpec {
  /** elemType: ONNX TensorProto data type (FLOAT when omitted; INT64 for token ids). */
  inputs: { name: string; shape: number[]; elemType?: number }[];
  outputs: { name: string; shape?: number[] }[];
  nodes: NodeSpec[];
  initializers?: ({ name: string } & TensorSpec)[];
  /** The default-domain opset (13 unless given). */
  opset?: number;
}

const INTS = 7;
const INT = 2;
const FLOAT_ATTR = 1;
const STRING = 3;
const TENSOR = 4;

function tensorProto(name: string, t: TensorSpec) {
  return t.int64s
    ? { name, dims: t.dims, dataType: INT64, int64Data: t.int64s }
    : { name, dims: t.dims, dataType: FLOAT, floatData: t.floats };
}

function attributes(n: NodeSpec) {
  return [
    ...Object.entries(n.ints ?? {}).map(([name, v]) => ({ name, type: INTS, ints: v })),
    ...Object.entries(n.int ?? {}).map(([name, v]) => ({ name, type: INT, i: v })),
    ...Object.entries(n.float ?? {}).map(([name, v]) => ({ name, type: FLOAT_ATTR, f: v })),
    ...Object.entries(n.string ?? {}).map(([name, v]) => ({ name, type: STRING, s: new TextEncoder().encode(v) })),
    ...Object.entries(n.tensor ?? {}).map(([name, t]) => ({ name, type: TENSOR, t: tensorProto("", t) })),
  ];
}

function valueInfo(name: string, shape?: number[], elemType = FLOAT) {
  return { name, type: { tensorType: { elemType, ...(shape ? { shape: { dim: shape.map((d) => ({ dimValue: d })) } } : {}) } } };
}

export function buildOnnx(spec: GraphSpec): Uint8Array {
  const model = {
    irVersion: 8,
    producerName: "vinfer-tests",
    opsetImport: [{ domain: "", version: spec.opset ?? 13 }],
    graph: {
      name: "test",
      node: spec.nodes.map((n, i) => ({
        input: n.inputs,
        output: n.outputs,
        name: n.name ?? `n${i}`,
        opType: n.op,
        domain: n.domain ?? "",
        attribute: attributes(n),
      })),
      initializer: (spec.initializers ?? []).map((t) => tensorProto(t.name, t)),
      input: spec.inputs.map((i) => valueInfo(i.name, i.shape, i.elemType)),
      output: spec.outputs.map((o) => valueInfo(o.name, o.shape)),
    },
  };
  const err = ModelProto.verify(model);
  if (err) throw new Error(`bad test model: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** A zoo model's bytes with node `index` turned into another operator. */
export function withOpReplaced(modelPath: string, index: number, opType: string): Uint8Array {
  const msg = ModelProto.decode(readFileSync(modelPath));
  const obj = ModelProto.toObject(msg) as { graph: { node: { opType: string }[] } };
  obj.graph.node[index]!.opType = opType;
  return ModelProto.encode(ModelProto.fromObject(obj)).finish();
}

/** Deterministic pseudo-random numbers (mulberry32) for reproducible test inputs. */
export { seededRandom as rng } from "../../sdk/random.js";
