/**
 * Float mode of the IR: ONNX semantics in float64 arithmetic, each op's result
 * rounded to float32 when its tensor is float32 (as ONNX runtimes store it).
 * The yardstick the integer mode is measured against.
 */
import { checkFloatInputRanges } from "../ir/inputRanges.js";
import type { IrGraph, IrNode } from "../ir/types.js";
import type { NodeArithmetic } from "../ops/op.js";
import type { DType, Tensor } from "../tensor.js";
import { type ExecuteOptions, type GraphInputs, bindInputs, executeGraph } from "./execute.js";

function floatArithmetic(graph: IrGraph, node: IrNode): NodeArithmetic {
  return floatArithmeticOf(node, graph.tensors.get(node.outputs[0]!)!.dtype);
}

/** The float arithmetic of a node whose first output has type `dtype` (also used to fold constant subgraphs). */
export function floatArithmeticOf(node: IrNode, dtype: DType): NodeArithmetic {
  const round = dtype === "float32" ? Math.fround : (v: number) => v;
  return {
    mode: "float",
    productScale: node.op === "Gemm" ? node.alpha : 1,
    biasScale: node.op === "Gemm" ? node.beta : 1,
    linear: round,
    add: round,
    average: (sum, count) => round(sum / count),
  };
}

/** Runs the float IR; `options.onNode` sees every node's tensors in order. A value outside its input's declared range is refused. */
export function runFloat(graph: IrGraph, inputs: GraphInputs, options: ExecuteOptions = {}): Tensor[] {
  const values = bindInputs(graph, inputs);
  checkFloatInputRanges(graph, values);
  return executeGraph(
    graph,
    values,
    (name) => graph.constants.get(name),
    (node) => floatArithmetic(graph, node),
    options.onNode,
  );
}
