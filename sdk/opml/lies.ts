/**
 * Dishonest play, for tests, demos and the operator's `--dishonest`: how a
 * claimer lies about a result, and a challenger that attacks correct claims.
 *
 * A claimer's lie changes one element of its trace (an output element, or an
 * element of any node's output, the later nodes then run on the changed value)
 * and so its trace root; at level 3 it may also reveal running sums that are
 * not the ones its trace implies (no commitment binds them: only the bisection
 * and the one step on chain do). Every such claim is wrong, and an honest
 * challenger wins every game against it (test/opml/disputes.test.ts).
 *
 * Lies:
 *   output       the last step's element `element` (default 0) changed
 *   node         node `node`'s output element `element` changed; the nodes after it run on it
 *   accumulator  as `node`, and the running sums revealed at level 3 for that element are wrong
 *                from acc_{term+1} on (the lie then sits in fold term `term`, not in the epilogue)
 *   inconsistent as `node`, and every level-3 reveal of that element is, at random (`seed`), the
 *                honest value or another one: a claimer that changes its story from move to move
 *   random       a seeded choice among output, node, accumulator and inconsistent
 */
import { seededRandom } from "../random.js";
import { InputError } from "../errors.js";
import type { Model } from "../model.js";
import type { Tensor } from "../tensor.js";
import { modelProgram, termCount } from "./accumulators.js";
import { ExecutionTrace, type TraceStep, step } from "./trace.js";

export type Lie =
  | { readonly kind: "output"; readonly element?: number }
  | { readonly kind: "node"; readonly node: number; readonly element: number }
  | { readonly kind: "accumulator"; readonly node: number; readonly element: number; readonly term: number }
  | { readonly kind: "inconsistent"; readonly node: number; readonly element: number; readonly seed: number }
  | { readonly kind: "random"; readonly seed: number };

/** A lie with every choice made: which element of which node, and how level 3 lies. */
export interface ResolvedLie {
  readonly kind: "node" | "accumulator" | "inconsistent";
  readonly node: number;
  readonly element: number;
  /** accumulator: the fold term whose result is the first wrong running sum. */
  readonly term?: number;
  /** inconsistent: the seed of the level-3 reveals. */
  readonly seed?: number;
}

/** Makes every choice of `lie` for `model` (seeded for `random`), checking its node, element and term. */
export function resolveLie(model: Model, honest: ExecutionTrace, lie: Lie): ResolvedLie {
  const nodes = model.graph.nodes.length;
  const countOf = (node: number) => honest.steps[node + 1]!.values.length;
  const checkElement = (node: number, element: number) => {
    if (!Number.isInteger(node) || node < 0 || node >= nodes) throw new InputError(`lie: the model has nodes 0..${nodes - 1}, not ${node}`);
    if (!Number.isInteger(element) || element < 0 || element >= countOf(node))
      throw new InputError(`lie: node ${node} has output elements 0..${countOf(node) - 1}, not ${element}`);
  };
  switch (lie.kind) {
    case "output": {
      const node = nodes - 1;
      const element = lie.element ?? 0;
      checkElement(node, element);
      return { kind: "node", node, element };
    }
    case "node":
      checkElement(lie.node, lie.element);
      return { kind: "node", node: lie.node, element: lie.element };
    case "accumulator": {
      checkElement(lie.node, lie.element);
      const k = termCount(modelProgram(model).programs[lie.node]!, lie.element);
      if (!Number.isInteger(lie.term) || lie.term < 0 || lie.term >= k)
        throw new InputError(`lie: element ${lie.element} of node ${lie.node} has terms 0..${k - 1}, not ${lie.term}`);
      return { kind: "accumulator", node: lie.node, element: lie.element, term: lie.term };
    }
    case "inconsistent":
      checkElement(lie.node, lie.element);
      return { kind: "inconsistent", node: lie.node, element: lie.element, seed: lie.seed };
    case "random": {
      const r = seededRandom(lie.seed);
      const pick = (n: number) => Math.min(n - 1, Math.floor(r() * n));
      const kinds = ["output", "node", "accumulator", "inconsistent"] as const;
      const kind = kinds[pick(kinds.length)]!;
      const node = kind === "output" ? nodes - 1 : pick(nodes);
      const element = pick(countOf(node));
      if (kind === "output" || kind === "node") return { kind: "node", node, element };
      if (kind === "inconsistent") return { kind, node, element, seed: Math.floor(r() * 2 ** 31) };
      const k = termCount(modelProgram(model).programs[node]!, element);
      return { kind, node, element, term: pick(k) };
    }
  }
}

/**
 * The lying claimer's trace: node `lie.node`'s output element `lie.element`
 * moved by one (down at the top of the activation range), and every later
 * node run on the changed value by the interpreter itself.
 */
export function lyingTrace(model: Model, input: readonly bigint[], lie: ResolvedLie): ExecutionTrace {
  const top = 2 ** (model.quantized.config.activationBits - 1) - 1;
  const steps: TraceStep[] = [step("input", "Input", Float64Array.from(input, Number))];
  let index = 0;
  model.runQuantized(input, {
    onNode: (node, _inputs, outputs) => {
      if (index === lie.node) changeElement(outputs, lie.element, top);
      steps.push(step(node.name, node.op, concat(outputs)));
      index++;
    },
  });
  return new ExecutionTrace(steps);
}

/** Changes element `element` of a node's outputs (concatenated) in place, so later nodes read it. */
function changeElement(outputs: readonly Tensor[], element: number, top: number): void {
  let at = element;
  for (const t of outputs) {
    if (at < t.data.length) {
      const data = t.data;
      data[at] = data[at]! >= top ? data[at]! - 1 : data[at]! + 1;
      return;
    }
    at -= t.data.length;
  }
  throw new RangeError(`the node has no output element ${element}`);
}

function concat(outputs: readonly Tensor[]): Float64Array {
  const values = new Float64Array(outputs.reduce((n, t) => n + t.data.length, 0));
  let at = 0;
  for (const t of outputs) {
    values.set(t.data, at);
    at += t.data.length;
  }
  return values;
}

/**
 * The value a lying claimer reveals for v_index (acc_index, or the element
 * itself at K + 1) of (node, element) at level 3, given the values its own
 * trace implies. `reveal` counts the element's level-3 reveals so far.
 */
export function lieAccumulator(
  lie: ResolvedLie | undefined,
  node: number,
  element: number,
  index: number,
  own: bigint,
  reveal: number,
): bigint {
  if (!lie || lie.node !== node || lie.element !== element) return own;
  if (lie.kind === "accumulator" && index > lie.term!) return own + 1n;
  if (lie.kind === "inconsistent") {
    const r = seededRandom((lie.seed! ^ Math.imul(reveal + 1, 0x9e3779b1)) >>> 0);
    return r() < 0.5 ? own : own + BigInt(1 + Math.floor(r() * 1000)) * (r() < 0.5 ? -1n : 1n);
  }
  return own;
}
