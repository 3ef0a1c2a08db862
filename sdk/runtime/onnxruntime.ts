/**
 * Float inference with onnxruntime-node: the independent yardstick for the
 * IR's float mode and for the accuracy of the integer model.
 */
import * as ort from "onnxruntime-node";

import { checkInput } from "../interp/execute.js";
import type { IrGraph } from "../ir/types.js";
import type { DType, Tensor } from "../tensor.js";

export class OnnxRuntimeSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly graph: IrGraph,
  ) {}

  /** Opens `path` (an .onnx file) whose IR is `graph` (for input names and shapes). */
  static async open(path: string, graph: IrGraph): Promise<OnnxRuntimeSession> {
    const session = await ort.InferenceSession.create(path, { executionProviders: ["cpu"], graphOptimizationLevel: "disabled" });
    return new OnnxRuntimeSession(session, graph);
  }

  /** Runs inputs (in graph input order, each fed as its graph input's dtype) and returns the graph's outputs as SDK tensors. */
  async run(inputs: readonly Tensor[]): Promise<Tensor[]> {
    const feeds: Record<string, ort.Tensor> = {};
    this.graph.inputs.forEach((info, i) => {
      feeds[info.name] = ortTensor(info.dtype, checkInput(info, inputs[i]).data, info.shape);
    });
    const results = await this.session.run(feeds);
    return this.graph.outputs.map((info) => {
      const r = results[info.name]!;
      const data = Float64Array.from(r.data as ArrayLike<number | bigint>, Number);
      return { dtype: info.dtype, shape: [...r.dims], data };
    });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** An onnxruntime tensor of `dtype` (integer inputs such as int64 token ids are fed as integers, not floats). */
function ortTensor(dtype: DType, data: Float64Array, shape: readonly number[]): ort.Tensor {
  const dims = [...shape];
  switch (dtype) {
    case "float32":
      return new ort.Tensor("float32", Float32Array.from(data), dims);
    case "float64":
      return new ort.Tensor("float64", Float64Array.from(data), dims);
    case "int64":
      return new ort.Tensor(
        "int64",
        BigInt64Array.from(data, (v) => BigInt(v)),
        dims,
      );
    case "uint64":
      return new ort.Tensor(
        "uint64",
        BigUint64Array.from(data, (v) => BigInt(v)),
        dims,
      );
    case "int32":
      return new ort.Tensor("int32", Int32Array.from(data), dims);
    case "uint32":
      return new ort.Tensor("uint32", Uint32Array.from(data), dims);
    case "int16":
      return new ort.Tensor("int16", Int16Array.from(data), dims);
    case "uint16":
      return new ort.Tensor("uint16", Uint16Array.from(data), dims);
    case "int8":
      return new ort.Tensor("int8", Int8Array.from(data), dims);
    case "uint8":
      return new ort.Tensor("uint8", Uint8Array.from(data), dims);
    case "bool":
      return new ort.Tensor("bool", Uint8Array.from(data), dims);
  }
}
