/**
 * What the element-wise operators share: building a node whose operands broadcast
 * multidirectionally (ONNX numpy-style) onto one output shape, and mapping a
 * function over the broadcast elements. Add, Sub, Mul, Div, the comparisons,
 * Where, the unary ops and the activations are written against these two.
 */
import type { IrNode, TensorInfo } from "../ir/types.js";
import { type DType, type Tensor, isFloatType, zeros } from "../tensor.js";
import { broadcastIndex, broadcastShapes } from "./broadcast.js";
import { type BuildContext, type NodeArithmetic, requireInput, structureError } from "./op.js";

/** The operands of an element-wise node and its output shape. */
export interface BroadcastOperands {
  readonly infos: readonly TensorInfo[];
  readonly names: readonly string[];
  readonly shape: number[];
}

/**
 * Reads the operands at `positions` (all required), checks that they broadcast together and, where
 * `sameType` lists positions, that those share one dtype; returns their names and the output shape.
 */
export function broadcastOperands(
  ctx: BuildContext,
  positions: readonly number[],
  what: readonly string[],
  sameType: readonly number[] = positions,
): BroadcastOperands {
  const infos = positions.map((p, i) => requireInput(ctx, p, what[i] ?? `input ${p}`));
  const typed = sameType.map((p) => infos[positions.indexOf(p)]!);
  for (const t of typed.slice(1)) {
    if (t.dtype !== typed[0]!.dtype) throw structureError(ctx, `operand types differ: ${typed[0]!.dtype} vs ${t.dtype}`);
  }
  let shape: number[] = [];
  for (const info of infos) {
    const next = broadcastShapes(shape, info.shape);
    if (!next) throw structureError(ctx, `shapes ${infos.map((t) => `[${t.shape.join(", ")}]`).join(" and ")} do not broadcast`);
    shape = next;
  }
  return { infos, names: positions.map((p) => ctx.inputNames[p]!), shape };
}

/** A node of `op` over `inputs` with one output of `dtype` and `shape`. */
export function elementwiseNode<N extends IrNode>(
  ctx: BuildContext,
  node: Omit<N, "name" | "outputs">,
  dtype: DType,
  shape: readonly number[],
): { node: N; outputs: TensorInfo[] } {
  const full = { ...node, name: ctx.name, outputs: ctx.outputNames.slice(0, 1) } as unknown as N;
  return { node: full, outputs: [{ name: full.outputs[0]!, dtype, shape }] };
}

/**
 * y[i] = f(operand values at i's broadcast indices, i) over the output described by `out`.
 * `f` gets the values in operand order.
 */
export function mapBroadcast(inputs: readonly Tensor[], out: TensorInfo, f: (values: readonly number[], i: number) => number): Tensor {
  const y = zeros(out.dtype, out.shape);
  const indices = inputs.map((t) => broadcastIndex(t.shape, out.shape));
  const values = new Array<number>(inputs.length);
  for (let i = 0; i < y.data.length; i++) {
    for (let k = 0; k < inputs.length; k++) values[k] = inputs[k]!.data[indices[k]![i]!]!;
    y.data[i] = f(values, i) + 0; // + 0 turns -0 (a product with 0, a negated 0) into 0: integers have one zero
  }
  return y;
}

/**
 * The float-mode rounding of an element of `dtype`: float32 rounding for float32 outputs (what
 * `NodeArithmetic.add` does in float mode), exact otherwise.
 */
export function floatRound(arith: NodeArithmetic, dtype: DType): (v: number) => number {
  return isFloatType(dtype) ? (v) => arith.add(v) : (v) => v;
}

/** The integer context of an integer or bound run; throws for a float run (a bug in the caller). */
export function integerOf(arith: NodeArithmetic, node: IrNode): NonNullable<NodeArithmetic["integer"]> {
  if (!arith.integer) throw new Error(`${node.op} node "${node.name}": the ${arith.mode} run has no integer context`);
  return arith.integer;
}

/** A param the node's quantization rule chose (NodeScale.params); throws if missing (a bug in the rule). */
export function paramOf(arith: NodeArithmetic, node: IrNode, name: string): number {
  const v = integerOf(arith, node).scale.params?.[name];
  if (v === undefined) throw new Error(`${node.op} node "${node.name}": its quantization rule chose no "${name}"`);
  return v;
}
