/** Runs an IR graph node by node; the caller supplies the constants and each node's arithmetic. */
import { InputError } from "../errors.js";
import type { IrGraph, IrNode, TensorInfo } from "../ir/types.js";
import { opOf } from "../ops/index.js";
import type { NodeArithmetic } from "../ops/op.js";
import { type Tensor, sizeOf } from "../tensor.js";

/** Graph inputs, either in the graph's input order or by name. */
export type GraphInputs = readonly Tensor[] | ReadonlyMap<string, Tensor>;

/**
 * Binds caller tensors to the graph's inputs. A tensor with the right number
 * of elements is accepted in any shape and takes the declared one (so a flat
 * 64-vector feeds a [1, 1, 8, 8] input).
 */
export function bindInputs(graph: IrGraph, inputs: GraphInputs): Map<string, Tensor> {
  const values = new Map<string, Tensor>();
  graph.inputs.forEach((info, i) => {
    const t = Array.isArray(inputs) ? (inputs as readonly Tensor[])[i] : (inputs as ReadonlyMap<string, Tensor>).get(info.name);
    values.set(info.name, { dtype: info.dtype, shape: info.shape, data: checkInput(info, t).data });
  });
  return values;
}

/** The value bound to graph input `info`, checked for presence and element count. */
export function checkInput(info: TensorInfo, t: Tensor | undefined): Tensor {
  if (!t) throw new InputError(`missing value for graph input "${info.name}" of shape [${info.shape.join(", ")}]`);
  if (t.data.length !== sizeOf(info.shape)) {
    throw new InputError(
      `graph input "${info.name}" needs shape [${info.shape.join(", ")}] (${sizeOf(info.shape)} values), got ${t.data.length} values`,
    );
  }
  return t;
}

/**
 * Called after each node has run, in graph order, with the tensors it read
 * (its inputs, constants included) and wrote (one per output). The tensors are
 * the interpreter's own: a hook that keeps them must not modify them.
 */
export type NodeHook = (node: IrNode, inputs: readonly Tensor[], outputs: readonly Tensor[]) => void;

export interface ExecuteOptions {
  /** Sees every node's inputs and outputs as it runs (e.g. an execution trace). */
  readonly onNode?: NodeHook;
}

export function executeGraph(
  graph: IrGraph,
  values: Map<string, Tensor>,
  constant: (name: string) => Tensor | undefined,
  arithmeticOf: (node: IrNode) => NodeArithmetic,
  onNode?: NodeHook,
): Tensor[] {
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((name) => values.get(name) ?? constant(name)!);
    const outInfos = node.outputs.map((name) => graph.tensors.get(name)!);
    const outputs = opOf(node).run(node, inputs, outInfos, arithmeticOf(node));
    node.outputs.forEach((name, i) => values.set(name, outputs[i]!));
    onNode?.(node, inputs, outputs);
  }
  return graph.outputs.map((o) => values.get(o.name) ?? constant(o.name)!);
}
