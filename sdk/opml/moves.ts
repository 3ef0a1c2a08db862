/**
 * How each side of an OPML dispute game plays (contracts/opml/OpmlDisputeGame.sol,
 * docs/opml.md): pure strategies from a game's state to the next contract call.
 *
 * The claimer reveals what its own trace (honest or lying) commits to:
 *   level 1  the state root at the midpoint (with its proof to the trace root),
 *            then the disputed step's leaf and the node's program
 *   level 2  the cursor's two children in the step's tensor tree, then the chunk
 *   level 3  the running sum at the midpoint of acc_0..acc_K, y (a liar may lie here:
 *            nothing but the bisection binds these values)
 * The honest challenger answers from the honest trace: it agrees with a value
 * iff it is the honest one, descends into a child that differs from the
 * honest tensor tree (padding subtrees are zeroRoot there as in the claimer's),
 * picks an element that differs, and, once one step is left, executes it on
 * chain with operands opened against the agreed state. Invariant: the game's
 * `lo` value is always honest and its `hi` value never is, so the step
 * executed on chain computes something other than the claimer's value.
 *
 * A dishonest challenger (tests: attacks on a correct claim) agrees, descends
 * and picks at random; it never executes the last step (it would lose), the
 * claimer does.
 */
import { keccak256, toUtf8Bytes } from "ethers";

import { WEIGHT_CHUNK_SIZE, weightChunk } from "../commit/weights.js";
import type { Model } from "../model.js";
import { elementAccumulators, openOperands } from "./accumulators.js";
import { seededRandom } from "../random.js";
import { type ResolvedLie, lieAccumulator } from "./lies.js";
import { type NodeProgram, modelProgram } from "./program.js";
import type { ExecutionTrace } from "./trace.js";

/** IOpmlDisputeGame.GamePhase, in its order. */
export enum GamePhase {
  StateReveal,
  StatePick,
  NodeReveal,
  ChildrenReveal,
  ChildPick,
  ChunkReveal,
  ElementPick,
  AccumulatorReveal,
  AccumulatorPick,
  OneStep,
  ClaimerWon,
  ChallengerWon,
  Refunded,
}

/** Whose move a phase waits for (OneStep: the challenger's clock runs, anyone may execute). */
export function claimerToMove(phase: GamePhase): boolean {
  return (
    phase === GamePhase.StateReveal ||
    phase === GamePhase.NodeReveal ||
    phase === GamePhase.ChildrenReveal ||
    phase === GamePhase.ChunkReveal ||
    phase === GamePhase.AccumulatorReveal
  );
}

/** Whether the game is over. */
export function gameOver(phase: GamePhase): boolean {
  return phase >= GamePhase.ClaimerWon;
}

/** A game's state (IOpmlDisputeGame.GameView), with small integers as numbers. */
export interface GameView {
  readonly gameId: bigint;
  readonly claimKey: string;
  readonly claimer: string;
  readonly challenger: string;
  readonly verifier: string;
  readonly phase: GamePhase;
  readonly lastMove: bigint;
  readonly claimerClock: bigint;
  readonly challengerClock: bigint;
  readonly moves: number;
  /** Level 1's bisection bounds while phase <= NodeReveal, level 3's from AccumulatorReveal on. */
  readonly lo: number;
  readonly hi: number;
  readonly traceRoot: string;
  readonly loState: string;
  readonly hiState: string;
  readonly node: number;
  readonly programHash: string;
  readonly tensorRoot: string;
  readonly count: number;
  readonly cursor: string;
  readonly position: number;
  readonly height: number;
  readonly element: number;
  readonly claimedValue: bigint;
  readonly termCount: number;
  readonly loAcc: bigint;
  readonly hiAcc: bigint;
  readonly revealedLeft: string;
  readonly revealedRight: string;
  readonly revealedValue: bigint;
  /** ElementPick: the chunk the claimer revealed (its ChunkRevealed event). */
  readonly chunk?: readonly bigint[];
}

/** The on-chain GameView struct (typechain's output) as a GameView. */
export interface GameViewStruct {
  claimKey: string;
  claimer: string;
  challenger: string;
  verifier: string;
  phase: bigint;
  lastMove: bigint;
  claimerClock: bigint;
  challengerClock: bigint;
  moves: bigint;
  lo: bigint;
  hi: bigint;
  traceRoot: string;
  loState: string;
  hiState: string;
  node: bigint;
  programHash: string;
  tensorRoot: string;
  count: bigint;
  cursor: string;
  position: bigint;
  height: bigint;
  element: bigint;
  claimedValue: bigint;
  termCount: bigint;
  loAcc: bigint;
  hiAcc: bigint;
  revealedLeft: string;
  revealedRight: string;
  revealedValue: bigint;
}

export function gameViewOf(gameId: bigint, g: GameViewStruct, chunk?: readonly bigint[]): GameView {
  return {
    gameId,
    claimKey: g.claimKey,
    claimer: g.claimer,
    challenger: g.challenger,
    verifier: g.verifier,
    phase: Number(g.phase) as GamePhase,
    lastMove: g.lastMove,
    claimerClock: g.claimerClock,
    challengerClock: g.challengerClock,
    moves: Number(g.moves),
    lo: Number(g.lo),
    hi: Number(g.hi),
    traceRoot: g.traceRoot,
    loState: g.loState,
    hiState: g.hiState,
    node: Number(g.node),
    programHash: g.programHash,
    tensorRoot: g.tensorRoot,
    count: Number(g.count),
    cursor: g.cursor,
    position: Number(g.position),
    height: Number(g.height),
    element: Number(g.element),
    claimedValue: g.claimedValue,
    termCount: Number(g.termCount),
    loAcc: g.loAcc,
    hiAcc: g.hiAcc,
    revealedLeft: g.revealedLeft,
    revealedRight: g.revealedRight,
    revealedValue: g.revealedValue,
    ...(chunk ? { chunk } : {}),
  };
}

/** The game's move functions. */
export type MoveFn =
  | "revealState"
  | "pickState"
  | "revealNode"
  | "revealChildren"
  | "pickChild"
  | "revealChunk"
  | "pickElement"
  | "revealAccumulator"
  | "pickAccumulator"
  | "executeStep";

/** One game contract call: the function and its arguments, the game id first. */
export interface Move {
  readonly fn: MoveFn;
  readonly args: readonly unknown[];
}

/** What the claimer plays from: its model, its own trace, and its lie if it tells one. */
export interface ClaimerContext {
  readonly model: Model;
  readonly trace: ExecutionTrace;
  readonly lie?: ResolvedLie;
}

/**
 * What a challenger plays from: the model and the honest trace of the
 * claim's input; `strategy` "random" (with `seed`) attacks whatever the claim.
 */
export interface ChallengerContext {
  readonly model: Model;
  readonly honest: ExecutionTrace;
  readonly strategy?: "honest" | "random";
  readonly seed?: number;
}

/**
 * Whether an honest challenger disputes a claim: its final state is not the
 * honest one. Not the trace root: a game never opens leaf 0 of the trace root
 * (it computes state 0 from the input), so a claim with the right states
 * along every path a game can take, and junk at leaf 0, wins every game; a
 * wrong final state always loses one (docs/opml.md).
 */
export function disputes(claim: { readonly finalState: string }, honest: ExecutionTrace): boolean {
  return claim.finalState.toLowerCase() !== honest.finalState.toLowerCase();
}

/** The claimer's next move, or null when it is not the claimer's turn (or the game is over). */
export function claimerMove(view: GameView, ctx: ClaimerContext): Move | null {
  const { trace } = ctx;
  const id = view.gameId;
  switch (view.phase) {
    case GamePhase.StateReveal: {
      const { stateRoot, proof } = trace.openState(mid(view));
      return { fn: "revealState", args: [id, stateRoot, proof] };
    }
    case GamePhase.NodeReveal: {
      const node = view.lo;
      const step = view.hi;
      const { tensorRoot, count } = trace.openStep(step, step);
      const program = modelProgram(ctx.model);
      return {
        fn: "revealNode",
        args: [id, tensorRoot, count, trace.statePath(step), programStruct(program.programs[node]!), program.proof(node)],
      };
    }
    case GamePhase.ChildrenReveal: {
      const levels = trace.steps[view.node + 1]!.tree.levels[view.height - 1]!;
      return { fn: "revealChildren", args: [id, levels[2 * view.position]!, levels[2 * view.position + 1]!] };
    }
    case GamePhase.ChunkReveal:
      return { fn: "revealChunk", args: [id, chunkOf(trace, view.node + 1, view.position)] };
    case GamePhase.AccumulatorReveal: {
      const m = mid(view);
      const own = values(ctx.model, trace, view.node, view.element)[m]!;
      return { fn: "revealAccumulator", args: [id, lieAccumulator(ctx.lie, view.node, view.element, m, own, view.moves)] };
    }
    case GamePhase.OneStep: {
      // Anyone may execute: the claimer does when the step holds by its own trace (it wins).
      const v = values(ctx.model, trace, view.node, view.element);
      const holds = v[view.lo] === view.loAcc && v[view.hi] === view.hiAcc;
      return holds ? executeStep(ctx.model, trace, view) : null;
    }
    default:
      return null;
  }
}

/** The challenger's next move, or null when it is not the challenger's turn (or it has none). */
export function challengerMove(view: GameView, ctx: ChallengerContext): Move | null {
  if (ctx.strategy === "random") return randomChallengerMove(view, ctx);
  const { honest } = ctx;
  const id = view.gameId;
  switch (view.phase) {
    case GamePhase.StatePick:
      return { fn: "pickState", args: [id, same(honest.states[mid(view)]!, view.revealedLeft)] };
    case GamePhase.ChildPick: {
      const levels = honest.steps[view.node + 1]!.tree.levels[view.height - 1]!;
      return { fn: "pickChild", args: [id, same(levels[2 * view.position]!, view.revealedLeft)] };
    }
    case GamePhase.ElementPick: {
      const chunk = requireChunk(view);
      const mine = chunkOf(honest, view.node + 1, view.position);
      const offset = chunk.findIndex((v, j) => v !== mine[j] && view.position * WEIGHT_CHUNK_SIZE + j < view.count);
      if (offset < 0) return null;
      return { fn: "pickElement", args: [id, offset, [...chunk], programStruct(modelProgram(ctx.model).programs[view.node]!)] };
    }
    case GamePhase.AccumulatorPick: {
      const honestValue = values(ctx.model, honest, view.node, view.element)[mid(view)]!;
      return { fn: "pickAccumulator", args: [id, honestValue === view.revealedValue] };
    }
    case GamePhase.OneStep:
      return executeStep(ctx.model, honest, view);
    default:
      return null;
  }
}

/** A challenger that attacks at random: deterministic in (seed, game, move number). */
function randomChallengerMove(view: GameView, ctx: ChallengerContext): Move | null {
  const r = seededRandom(Number(BigInt.asUintN(32, BigInt(keccak256(toUtf8Bytes(`${ctx.seed ?? 0}/${view.gameId}/${view.moves}`))))));
  const id = view.gameId;
  switch (view.phase) {
    case GamePhase.StatePick:
      return { fn: "pickState", args: [id, r() < 0.5] };
    case GamePhase.ChildPick: {
      // Never into padding: no element could be picked there.
      const chunks = Math.ceil(view.count / WEIGHT_CHUNK_SIZE);
      const rightInside = (2 * view.position + 1) * 2 ** (view.height - 1) < chunks;
      return { fn: "pickChild", args: [id, rightInside && r() < 0.5] };
    }
    case GamePhase.ElementPick: {
      const chunk = requireChunk(view);
      const inside = Math.min(WEIGHT_CHUNK_SIZE, view.count - view.position * WEIGHT_CHUNK_SIZE);
      const offset = Math.min(inside - 1, Math.floor(r() * inside));
      return { fn: "pickElement", args: [id, offset, [...chunk], programStruct(modelProgram(ctx.model).programs[view.node]!)] };
    }
    case GamePhase.AccumulatorPick:
      return { fn: "pickAccumulator", args: [id, r() < 0.5] };
    default:
      return null;
  }
}

/** executeStep on the game's last step, operands opened from `trace` against state `node` (the agreed one). */
function executeStep(model: Model, trace: ExecutionTrace, view: GameView): Move {
  const program = modelProgram(model).programs[view.node]!;
  const operands = openOperands(model, trace, view.node, view.element, view.lo, view.loAcc);
  return { fn: "executeStep", args: [view.gameId, programStruct(program), operands] };
}

function mid(view: GameView): number {
  return Math.floor((view.lo + view.hi) / 2);
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function requireChunk(view: GameView): readonly bigint[] {
  if (!view.chunk)
    throw new RangeError(`game ${view.gameId}: picking an element needs the revealed chunk (OpmlGame.game reads it from ChunkRevealed)`);
  return view.chunk;
}

/** Chunk `position` of step `step`'s tensor, as int256 values. */
export function chunkOf(trace: ExecutionTrace, step: number, position: number): bigint[] {
  return weightChunk(trace.steps[step]!.values, position).map((v) => BigInt(v));
}

/** A node program as the contract's NodeProgram struct. */
export function programStruct(p: NodeProgram): { op: number; params: bigint[] } {
  return { op: p.op, params: [...p.params] };
}

const valueCache = new WeakMap<ExecutionTrace, Map<string, bigint[]>>();

/**
 * v_0..v_{K+1} of (node, element) as `trace`'s inputs to the node imply
 * them: acc_0..acc_K, then y = epilogue(acc_K) (which a lying trace's element
 * need not equal).
 */
export function values(model: Model, trace: ExecutionTrace, node: number, element: number): bigint[] {
  let perTrace = valueCache.get(trace);
  if (!perTrace) {
    perTrace = new Map();
    valueCache.set(trace, perTrace);
  }
  const key = `${node}/${element}`;
  let v = perTrace.get(key);
  if (!v) {
    const { accs, y } = elementAccumulators(model, trace, node, element);
    v = [...accs, y];
    perTrace.set(key, v);
  }
  return v;
}
