/**
 * Where a lie makes an OPML dispute longest: the (node, element, first wrong
 * running value) whose game has the most moves. The same search as
 * scripts/bench-opml.ts (which may import it from here): the bisection over
 * nodes, over the disputed tensor's chunks and over the element's K + 1
 * running values each take as many rounds as the lie's position forces.
 */
import type { Model } from "../model.js";
import type { Lie } from "../opml/lies.js";
import { ceilLog2 } from "../opml/playDispute.js";
import { modelProgram, outputCount, termCount } from "../opml/program.js";

/** Words per chunk of a node's output in the game's second level (contracts/opml: WEIGHT_CHUNK_SIZE). */
const WORDS_PER_CHUNK = 16;

/** Bisection rounds over [0, size] when the first value the sides disagree on is `firstWrong` (1..size). */
export function bisectionRounds(size: number, firstWrong: number): number {
  let lo = 0;
  let hi = size;
  let rounds = 0;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid < firstWrong) lo = mid;
    else hi = mid;
    rounds++;
  }
  return rounds;
}

export interface LiePlace {
  readonly node: number;
  readonly op: string;
  readonly element: number;
  readonly terms: number;
  readonly outputs: number;
  /** The first wrong value of the element's v_0..v_{K+1}: K + 1 (the element itself) or a running sum. */
  readonly firstWrong: number;
  readonly rounds: readonly [number, number, number];
  /** Expected moves: 2 × rounds + 4 (revealNode, revealChunk, pickElement, executeStep). */
  readonly moves: number;
  readonly lie: Lie;
  /** The step the game ends with. */
  readonly step: "fold" | "epilogue";
}

/** The lie at (node, middle element) whose first wrong value is v_firstWrong, and the game it makes. */
export function placeOf(model: Model, node: number, firstWrong: number): LiePlace {
  const program = modelProgram(model).programs[node]!;
  const outputs = outputCount(program);
  // The middle element: no padding tap in a convolution's or pool's window.
  const element = Math.floor(outputs / 2);
  const terms = termCount(program, element);
  const rounds = [
    bisectionRounds(model.graph.nodes.length, node + 1),
    ceilLog2(Math.ceil(outputs / WORDS_PER_CHUNK)),
    bisectionRounds(terms + 1, firstWrong),
  ] as const;
  const lie: Lie =
    firstWrong === terms + 1 ? { kind: "node", node, element } : { kind: "accumulator", node, element, term: firstWrong - 1 };
  return {
    node,
    op: model.graph.nodes[node]!.op,
    element,
    terms,
    outputs,
    firstWrong,
    rounds,
    moves: 2 * (rounds[0] + rounds[1] + rounds[2]) + 4,
    lie,
    step: firstWrong === terms + 1 ? "epilogue" : "fold",
  };
}

/**
 * The places whose game has the most moves, one per node that reaches it (on
 * a node, a lie on the element itself first, then the earliest running sum).
 * Which of them costs the most gas is for the caller to measure.
 */
export function longestPlaces(model: Model): LiePlace[] {
  const perNode: LiePlace[] = [];
  for (let node = 0; node < model.graph.nodes.length; node++) {
    const terms = termCount(modelProgram(model).programs[node]!, 0);
    let best: LiePlace | undefined;
    for (let j = terms + 1; j >= 1; j--) {
      const p = placeOf(model, node, j);
      if (!best || p.moves > best.moves) best = p;
    }
    perNode.push(best!);
  }
  const most = Math.max(...perNode.map((p) => p.moves));
  return perNode.filter((p) => p.moves === most);
}
