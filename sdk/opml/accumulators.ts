/**
 * Level 3 of an OPML dispute: the reduction behind one output element of one
 * node, acc_0..acc_K then y, computed from a trace (the accumulators a party
 * commits to and bisects), and the Merkle openings of the operands one step
 * reads, exactly as contracts/opml/OneStepExecutor.sol takes them
 * (foldStep/epilogueStep's `operands`).
 *
 * The program of each node (op code, params) is sdk/opml/program.ts; the
 * indexing and arithmetic, the executor's twin, sdk/opml/operands.ts (its
 * functions are re-exported here).
 *
 * Operands open against trace state `node` (the agreed state of a dispute
 * over node `node`'s output: steps 0..node, sdk/opml/trace.ts) and the weight
 * tree (the model's weight stream, sdk/commit/weights.ts).
 */
import { ZERO_HASH } from "../commit/merkle.js";
import { WEIGHT_CHUNK_SIZE, type WeightTree } from "../commit/weights.js";
import type { Model } from "../model.js";
import {
  type NodeProgram,
  type OperandRef,
  SOURCE_NONE,
  SOURCE_TRACE,
  epilogue,
  fold,
  initialAccumulator,
  locate,
  modelProgram,
  operandsOf,
  termCount,
} from "./program.js";
import type { ExecutionTrace } from "./trace.js";

export * from "./program.js";

/** One operand's opening: the Solidity struct OperandOpening (IOneStepExecutor.sol). */
export interface OperandOpeningStruct {
  /** Trace operands: the step's tensor root and count, and the step leaf's proof to the agreed state root. */
  readonly tensorRoot: string;
  readonly count: number;
  readonly stepProof: string[];
  /** The chunk holding the element (16 values) and its proof to the tensor root (trace) or the weights root (weight). */
  readonly chunk: bigint[];
  readonly chunkProof: string[];
}

/** What a step reading nothing at an operand position (source 0) passes: ignored by the executor. */
export const EMPTY_OPENING: OperandOpeningStruct = Object.freeze({
  tensorRoot: ZERO_HASH,
  count: 0,
  stepProof: [],
  chunk: new Array<bigint>(WEIGHT_CHUNK_SIZE).fill(0n),
  chunkProof: [],
});

/** Which trace step, and where in it, holds tensor `name` (a graph input: step 0; node p's output: step p + 1). */
export function tensorLocation(model: Model, name: string): { step: number; offset: number } {
  const at = locate(model, name);
  if (!at) throw new RangeError(`tensor "${name}" is neither a graph input nor a node output`);
  return at;
}

/** Node `node`'s program. */
export function programOf(model: Model, node: number): NodeProgram {
  const p = modelProgram(model).programs[node];
  if (!p) throw new RangeError(`the model has nodes 0..${model.graph.nodes.length - 1}, not ${node}`);
  return p;
}

/** The value an operand reads, from `trace` or the model's weights (0 for source 0). */
export function operandValue(model: Model, trace: ExecutionTrace, r: OperandRef): bigint {
  if (r.source === SOURCE_NONE) return 0n;
  const values = r.source === SOURCE_TRACE ? trace.steps[r.step]?.values : model.commitment.tree.values;
  const v = values?.[r.index];
  if (v === undefined)
    throw new RangeError(`operand ${JSON.stringify(r)} lies outside the ${r.source === SOURCE_TRACE ? "trace" : "weights"}`);
  return BigInt(v);
}

/**
 * The reduction of element `element` of node `node` over `trace`'s tensors:
 * accs = acc_0..acc_K, y = the epilogue of acc_K (for an honest trace, the
 * trace's element `element` of step node + 1).
 */
export function elementAccumulators(model: Model, trace: ExecutionTrace, node: number, element: number): { accs: bigint[]; y: bigint } {
  const p = programOf(model, node);
  const k = termCount(p, element);
  const accs = [initialAccumulator(p, element)];
  const read = (refs: readonly OperandRef[]) => refs.map((r) => operandValue(model, trace, r));
  for (let t = 0; t < k; t++) {
    const acc = accs[t]!;
    accs.push(fold(p, element, t, acc, read(operandsOf(p, element, t, acc))));
  }
  const accK = accs[k]!;
  return { accs, y: epilogue(p, element, accK, read(operandsOf(p, element, k, accK))) };
}

/**
 * The openings foldStep (term < K) or epilogueStep (term == K) takes for term
 * `term` of element `element` of node `node` from accumulator `acc`: trace
 * operands opened against trace state `node`, weights against the weight tree.
 */
export function openOperands(
  model: Model,
  trace: ExecutionTrace,
  node: number,
  element: number,
  term: number,
  acc: bigint,
): OperandOpeningStruct[] {
  const p = programOf(model, node);
  return operandsOf(p, element, term, acc).map((r) => openingOf(model.commitment.tree, trace, node, r));
}

/** The opening of one operand against trace state `state` and the weight tree `weights` (the model's: `model.commitment.tree`). */
export function openingOf(weights: WeightTree, trace: ExecutionTrace, state: number, r: OperandRef): OperandOpeningStruct {
  if (r.source === SOURCE_NONE) return { ...EMPTY_OPENING, chunk: [...EMPTY_OPENING.chunk] };
  if (r.source === SOURCE_TRACE) {
    const opened = trace.openElement(r.step, r.index);
    const s = trace.openStep(r.step, state);
    return { tensorRoot: s.tensorRoot, count: s.count, stepProof: s.proof, chunk: opened.chunk.map(BigInt), chunkProof: opened.proof };
  }
  if (r.index < 0 || r.index >= weights.values.length)
    throw new RangeError(`weight ${r.index} is outside the model's ${weights.values.length} weights`);
  const opened = weights.proofFor(r.index);
  return { tensorRoot: ZERO_HASH, count: 0, stepProof: [], chunk: opened.chunk.map(BigInt), chunkProof: opened.proof };
}
