/**
 * The execution trace an OPML claim commits to: the request's input, then
 * every node's output (all of a node's outputs, concatenated in output
 * order, row-major), in graph order, exactly as the integer interpreter
 * computes them (its `onNode` hook).
 *
 * Commitment (Solidity twin: contracts/libraries/TraceCommitments.sol):
 *   tensor root  = the root of the tensor's values under the weights tree's
 *                  conventions (chunks of 16 int256, leaf 0x00 ‖ chunk,
 *                  positional keccak tree; docs/commitments.md)
 *   step leaf i  = keccak256(0x02 ‖ uint256 i ‖ tensor root ‖ uint256 count)
 *                  (step 0: the input; step i > 0: node i - 1's output)
 *   state root k = positional tree of fixed width P = nextPow2(S + 1) over
 *                  step leaves 0..k, bytes32(0) beyond: everything computed
 *                  after k steps, so agreeing on state k agrees on every step
 *                  up to k (what makes level 1 a bisection)
 *   trace root   = positional keccak tree over state roots 0..S
 * A claim posts the output and the trace root only: 32 bytes, whatever the
 * model's size. A dispute bisects the state roots (level 1), then walks one
 * step's tensor tree to one element (level 2).
 */
import { keccakBytes, hexBytes } from "../commit/keccak.js";
import { ZERO_HASH, merkleLevels, merkleProof } from "../commit/merkle.js";
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

/** The state tree's width for a trace of `steps` steps: the power of two at or above it. */
export function stateWidth(steps: number): number {
  let width = 1;
  while (width < steps) width *= 2;
  return width;
}

export class ExecutionTrace {
  /** Step leaves 0..S. */
  readonly leaves: readonly string[];
  /** State roots 0..S. */
  readonly states: readonly string[];
  /** The trace tree (over the state roots), leaves first. */
  readonly levels: string[][];
  /** Each state's tree, leaves first (kept: every opening in a state reads it). */
  private readonly stateTrees: readonly string[][][];

  constructor(readonly steps: readonly TraceStep[]) {
    this.leaves = steps.map((s, i) => stepLeaf(i, s.tree.root, s.values.length));
    const width = stateWidth(steps.length);
    this.stateTrees = steps.map((_, k) => {
      const leaves = new Array<string>(width).fill(ZERO_HASH);
      for (let i = 0; i <= k; i++) leaves[i] = this.leaves[i]!;
      return merkleLevels(leaves);
    });
    this.states = this.stateTrees.map((levels) => levels.at(-1)![0]!);
    this.levels = merkleLevels(this.states);
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

  /** The state root before any node ran (the input only). */
  get initialState(): string {
    return this.states[0]!;
  }

  /** The state root after every node. */
  get finalState(): string {
    return this.states[this.states.length - 1]!;
  }

  /** State root `k` with its proof to the trace root (a level-1 reveal). */
  openState(k: number): { stateRoot: string; proof: string[] } {
    this.checkStep(k);
    return { stateRoot: this.states[k]!, proof: merkleProof(this.levels, k) };
  }

  /** Step `index`'s leaf opening in state `state` (index <= state): tensor root, count, proof to that state root. */
  openStep(index: number, state: number = this.steps.length - 1): { tensorRoot: string; count: number; proof: string[] } {
    this.checkStep(index);
    this.checkStep(state);
    if (index > state) throw new RangeError(`step ${index} is not in state ${state} (steps 0..${state})`);
    const s = this.steps[index]!;
    const levels = this.stateTrees[state]!;
    return { tensorRoot: s.tree.root, count: s.values.length, proof: merkleProof(levels, index) };
  }

  /**
   * The sibling path of step `index`'s leaf in the state tree (the end of
   * level 1): it hashes to state `index - 1` with a zero leaf and to state
   * `index` with the step's leaf.
   */
  statePath(index: number): string[] {
    this.checkStep(index);
    return merkleProof(this.stateTrees[index]!, index);
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
    for (let i = 0; i < n; i++) if (this.leaves[i] !== other.leaves[i]) return i;
    return this.steps.length === other.steps.length ? -1 : n;
  }

  private checkStep(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.steps.length)
      throw new RangeError(`the trace has steps 0..${this.steps.length - 1}, not ${index}`);
  }
}

/** A trace step holding `values` (exported so a dishonest operator can build a trace that lies). */
export function step(name: string, op: string, values: Float64Array): TraceStep {
  return { name, op, values, tree: new WeightTree(values) };
}
