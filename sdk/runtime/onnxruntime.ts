/**
 * Float inference with onnxruntime-node: the independent yardstick for the
 * IR's float mode and for the accuracy of the integer model.
 */
import * as ort from "onnxruntime-node";

import { checkInput } from "../interp/execute.js";
import type { IrGraph } from "../ir/types.js";
import type { Tensor } from "../tensor.js";

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

  /** Runs float32 inputs (in graph input order) and returns the graph's outputs as SDK tensors. */
  async run(inputs: readonly Tensor[]): Promise<Tensor[]> {
    const feeds: Record<string, ort.Tensor> = {};
    this.graph.inputs.forEach((info, i) => {
      const t = checkInput(info, inputs[i]);
      feeds[info.name] = new ort.Tensor("float32", Float32Array.from(t.data), [...info.shape]);
    });
    const results = await this.session.run(feeds);
    return this.graph.outputs.map((info) => {
      const r = results[info.name]!;
      const data = r.type === "int64" ? Float64Array.from(r.data as BigInt64Array, Number) : Float64Array.from(r.data as Float32Array);
      return { dtype: info.dtype, shape: [...r.dims], data };
    });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
