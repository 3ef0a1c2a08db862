/**
 * Float inference with onnxruntime-node: the independent yardstick for the
 * IR's float mode and for the accuracy of the integer model. It is an
 * optional peer dependency of the package (its install script downloads
 * CUDA binaries), loaded on first use.
 */
import type * as Ort from "onnxruntime-node";

import { VinferError } from "../errors.js";
import { checkInput } from "../interp/execute.js";
import type { IrGraph } from "../ir/types.js";
import type { DType, Tensor } from "../tensor.js";

/** onnxruntime-node is not installed: the float reference is unavailable (nothing else needs it). */
export class OnnxRuntimeMissingError extends VinferError {
  constructor(cause: unknown) {
    super(
      "ONNXRUNTIME_MISSING",
      "onnxruntime-node is not installed: it is the optional float reference. " +
        "Install it with `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node` (skip: no CUDA download)",
      { cause },
    );
  }
}

let loaded: Promise<typeof Ort> | undefined;
function onnxRuntime(): Promise<typeof Ort> {
  loaded ??= import("onnxruntime-node").catch((err: unknown) => {
    loaded = undefined;
    throw new OnnxRuntimeMissingError(err);
  });
  return loaded;
}

/** Whether onnxruntime-node can be loaded here. */
export async function onnxRuntimeAvailable(): Promise<boolean> {
  return onnxRuntime().then(
    () => true,
    () => false,
  );
}

export class OnnxRuntimeSession {
  private constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    private readonly graph: IrGraph,
  ) {}

  /** Opens `path` (an .onnx file) whose IR is `graph` (for input names and shapes). */
  static async open(path: string, graph: IrGraph): Promise<OnnxRuntimeSession> {
    const ort = await onnxRuntime();
    const session = await ort.InferenceSession.create(path, { executionProviders: ["cpu"], graphOptimizationLevel: "disabled" });
    return new OnnxRuntimeSession(ort, session, graph);
  }

  /** Runs inputs (in graph input order, each fed as its graph input's dtype) and returns the graph's outputs as SDK tensors. */
  async run(inputs: readonly Tensor[]): Promise<Tensor[]> {
    const feeds: Record<string, Ort.Tensor> = {};
    this.graph.inputs.forEach((info, i) => {
      feeds[info.name] = ortTensor(this.ort, info.dtype, checkInput(info, inputs[i]).data, info.shape);
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
function ortTensor(ort: typeof Ort, dtype: DType, data: Float64Array, shape: readonly number[]): Ort.Tensor {
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
