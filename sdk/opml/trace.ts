/**
 * The execution trace an OPML claim commits to: the request's input, then
 * every node's output (all of a node's outputs, concatenated in output
 * order, row-major), in graph order, exactly as the integer interpreter
 * computes them (its `onNode` hook).
 *
 * Commitment (Solidity twin: contracts/opml/TraceCommitments.sol):
 *   tensor root  = the root of the tensor's values under the weights tree's
 *                  conventions (chunks of 16 int256, leaf 0x00 ‖ chunk,
 *                  positional keccak tree; docs/commitments.md)
 *   step leaf i  = keccak256(0x02 ‖ uint256 i ‖ tensor root ‖ uint256 count)
 *                  (step 0: the input; step i > 0: node i - 1's output)
 *   trace root   = positional keccak tree over the step leaves
 * A claim posts the output and the trace root only: 32 bytes, whatever the
 * model's size. A dispute opens one step leaf (level 1), then one chunk of
 * its tensor (level 2).
 */
import { keccakBytes, hexBytes } from "../commit/keccak.js";
import { merkleLevels, merkleProof } from "../commit/merkle.js";
import { WeightTree } from "../commit/weights.js";
import { int256Words } from "../commit/words.js";
import type { Model } from "../model.js";

const STEP_LEAF_PREFIX = Uint8Array.of(0x02);

export interface TraceStep {
  /** "input", or the node's name. */
  readonly name: string;
  /** "Input", or the node's op. */
  readonly op: string;
  readonly values: Float64Array;
  /** The tensor's chunk tree (same conventions as the weights tree). */
  readonly tree: WeightTree;
}

/** A step's leaf in the trace tree. */
export function stepLeaf(index: number, tensorRoot: string, count: number): string {
  return keccakBytes(STEP_LEAF_PREFIX, int256Words([index]), hexBytes(tensorRoot), int256Words([count]));
}

export class ExecutionTrace {
  readonly levels: string[][];

  private constructor(readonly steps: readonly TraceStep[]) {
    this.levels = merkleLevels(steps.map((s, i) => stepLeaf(i, s.tree.root, s.values.length)));
  }

  /** Runs `model` on a request's quantized input and records every step. */
  static of(model: Model, input: readonly bigint[]): ExecutionTrace {
    const steps: TraceStep[] = [step("input", "Input", Float64Array.from(input, Number))];
    model.runQuantized(input, {
      onNode: (node, _inputs, outputs) => {
        const values = new Float64Array(outputs.reduce((n, t) => n + t.data.length, 0));
        let at = 0;
        for (const t of outputs) {
          values.set(t.data, at);
          at += t.data.length;
        }
        steps.push(step(node.name, node.op, values));
      },
    });
    return new ExecutionTrace(steps);
  }

  /** The 32 bytes a claim posts. */
  get root(): string {
    return this.levels[this.levels.length - 1]![0]!;
  }

  /** Step `index`'s leaf opening: its tensor root and count, and the Merkle proof to the trace root. */
  openStep(index: number): { tensorRoot: string; count: number; proof: string[] } {
    const s = this.steps[index];
    if (!s) throw new RangeError(`the trace has ${this.steps.length} steps, not ${index + 1}`);
    return { tensorRoot: s.tree.root, count: s.values.length, proof: merkleProof(this.levels, index) };
  }

  /** The chunk holding element `element` of step `index`'s tensor, with its proof to the tensor root. */
  openElement(index: number, element: number): { chunkIndex: number; chunk: number[]; proof: string[] } {
    const s = this.steps[index];
    if (!s) throw new RangeError(`the trace has ${this.steps.length} steps, not ${index + 1}`);
    if (element < 0 || element >= s.values.length)
      throw new RangeError(`step ${index} has ${s.values.length} elements, not ${element + 1}`);
    return s.tree.proofFor(element);
  }

  /** The first step whose tensor differs from `other`'s (what level 1 of a dispute finds), or -1. */
  firstDifference(other: ExecutionTrace): number {
    const n = Math.min(this.steps.length, other.steps.length);
    for (let i = 0; i < n; i++) if (this.levels[0]![i] !== other.levels[0]![i]) return i;
    return this.steps.length === other.steps.length ? -1 : n;
  }
}

function step(name: string, op: string, values: Float64Array): TraceStep {
  return { name, op, values, tree: new WeightTree(values) };
}
