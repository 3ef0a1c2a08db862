/**
 * Plays one OPML dispute game to its end with both sides' strategies
 * (sdk/opml/moves.ts claimerMove / challengerMove) through an OpmlGame
 * client, and summarises it: the moves, the gas of each move kind, the
 * bisection rounds per level next to their bound. Shared by
 * test/opml/disputes.test.ts and scripts/bench-opml.ts.
 *
 * A side may stop moving after some moves (or have no move): the other side
 * then lets its clock run out (`advanceTime`, e.g. Hardhat's
 * networkHelpers.time.increase on a dev chain) and calls timeout.
 */
import type { Signer } from "ethers";

import { WEIGHT_CHUNK_SIZE } from "../commit/weights.js";
import type { OpmlGame } from "./gameClient.js";
import {
  type ChallengerContext,
  type ClaimerContext,
  GamePhase,
  type GameView,
  type Move,
  type MoveFn,
  challengerMove,
  claimerMove,
  claimerToMove,
  gameOver,
} from "./moves.js";

/** One side of a game: who signs its moves, what it plays from. */
export interface Side<C> {
  readonly signer: Signer;
  readonly ctx: C;
  /** Stops moving after this many moves (then the other side calls timeout). */
  readonly stopAfter?: number;
}

/** A mined move. */
export interface MoveRecord {
  readonly fn: MoveFn;
  readonly by: "claimer" | "challenger";
  readonly gas: bigint;
}

export interface PlayedDispute {
  /** The game's final state. */
  readonly view: GameView;
  /** Whether it ended by a timeout (a side stopped or had no move). */
  readonly byTimeout: boolean;
  /** Every mined move, in order (the timeout call, if any, is not one). */
  readonly gas: MoveRecord[];
}

export interface PlayOptions {
  /** Moves the chain's clock forward (a side that stopped is timed out after its clock ran out). */
  readonly advanceTime: (seconds: bigint) => Promise<void>;
  /** Seconds of clock per side (the model's OpmlModel.clock). */
  readonly clock: bigint;
  /** Called after each mined move (progress output). */
  readonly onMove?: (move: MoveRecord, index: number) => void;
}

/** Plays game `gameId` to its end with both strategies; a side that stops (or has no move) is timed out. */
export async function playDispute(
  game: OpmlGame,
  gameId: bigint,
  claimer: Side<ClaimerContext>,
  challenger: Side<ChallengerContext>,
  options: PlayOptions,
): Promise<PlayedDispute> {
  const gas: MoveRecord[] = [];
  const made = { claimer: 0, challenger: 0 };
  for (;;) {
    const view = await game.game(gameId);
    if (gameOver(view.phase)) return { view, byTimeout: false, gas };
    const claimerActive = claimer.stopAfter === undefined || made.claimer < claimer.stopAfter;
    const challengerActive = challenger.stopAfter === undefined || made.challenger < challenger.stopAfter;
    let move: Move | null = null;
    let by: "claimer" | "challenger" = "challenger";
    if (view.phase === GamePhase.OneStep) {
      // Anyone may execute the last step: the challenger first, the claimer when its trace holds.
      move = challengerActive ? challengerMove(view, challenger.ctx) : null;
      if (!move && claimerActive) {
        move = claimerMove(view, claimer.ctx);
        by = "claimer";
      }
    } else if (claimerToMove(view.phase)) {
      move = claimerActive ? claimerMove(view, claimer.ctx) : null;
      by = "claimer";
    } else {
      move = challengerActive ? challengerMove(view, challenger.ctx) : null;
    }
    if (!move) {
      await options.advanceTime(options.clock + 1n);
      await game.timeout(gameId);
      return { view: await game.game(gameId), byTimeout: true, gas };
    }
    const side = by === "claimer" ? claimer : challenger;
    const played = await game.connect(side.signer).play(move);
    made[by]++;
    const record: MoveRecord = { fn: move.fn, by, gas: played.gasUsed };
    gas.push(record);
    options.onMove?.(record, gas.length - 1);
  }
}

/** Gas of one move kind over a dispute. */
export interface MoveKindGas {
  readonly fn: MoveFn;
  readonly count: number;
  readonly min: bigint;
  readonly max: bigint;
  readonly mean: bigint;
  readonly total: bigint;
}

/** Bisection rounds of one level (a reveal and a pick each), measured and bounded. */
export interface LevelRounds {
  readonly level: 1 | 2 | 3;
  /** What the level bisects. */
  readonly over: string;
  /** The size it bisects: nodes (level 1), chunks of the disputed tensor (2), K + 1 values (3). */
  readonly size: number;
  readonly measured: number;
  /** ceil(log2 size). */
  readonly bound: number;
}

export interface DisputeSummary {
  readonly moves: number;
  readonly byKind: MoveKindGas[];
  /** Every move's gas together (the challenge transaction not included). */
  readonly movesGas: bigint;
  readonly rounds: LevelRounds[];
  /**
   * Moves outside the bisections: revealNode, revealChunk, pickElement and
   * executeStep (4), so moves = 2 × (rounds of the three levels) + 4.
   */
  readonly constantMoves: number;
  /** 2 × (ceil(log2 nodes) + ceil(log2 chunks) + ceil(log2 (K + 1))) + constantMoves. */
  readonly movesBound: number;
}

/** ceil(log2 n) (0 for n <= 1). */
export function ceilLog2(n: number): number {
  return n <= 1 ? 0 : Math.ceil(Math.log2(n));
}

/** Move kinds, in the order a game plays them. */
const MOVE_ORDER: readonly MoveFn[] = [
  "revealState",
  "pickState",
  "revealNode",
  "revealChildren",
  "pickChild",
  "revealChunk",
  "pickElement",
  "revealAccumulator",
  "pickAccumulator",
  "executeStep",
];

/** The moves, gas per move kind and bisection rounds of a played dispute on a model of `nodes` nodes. */
export function summarizeDispute(played: PlayedDispute, nodes: number): DisputeSummary {
  const byKind: MoveKindGas[] = [];
  for (const fn of MOVE_ORDER) {
    const gas = played.gas.filter((m) => m.fn === fn).map((m) => m.gas);
    if (gas.length === 0) continue;
    const total = gas.reduce((s, g) => s + g, 0n);
    byKind.push({
      fn,
      count: gas.length,
      min: gas.reduce((a, b) => (b < a ? b : a)),
      max: gas.reduce((a, b) => (b > a ? b : a)),
      mean: total / BigInt(gas.length),
      total,
    });
  }
  const count = (fn: MoveFn) => played.gas.filter((m) => m.fn === fn).length;
  const { view } = played;
  const chunks = Math.ceil(view.count / WEIGHT_CHUNK_SIZE);
  const rounds: LevelRounds[] = [
    { level: 1, over: "trace states (nodes)", size: nodes, measured: count("revealState"), bound: ceilLog2(nodes) },
    { level: 2, over: "chunks of the node's output", size: chunks, measured: count("revealChildren"), bound: ceilLog2(chunks) },
    {
      level: 3,
      over: "running values acc_0..acc_K, y (K + 1 steps)",
      size: view.termCount + 1,
      measured: count("revealAccumulator"),
      bound: ceilLog2(view.termCount + 1),
    },
  ];
  const constantMoves = 4;
  return {
    moves: played.gas.length,
    byKind,
    movesGas: played.gas.reduce((s, m) => s + m.gas, 0n),
    rounds,
    constantMoves,
    movesBound: 2 * rounds.reduce((s, r) => s + r.bound, 0) + constantMoves,
  };
}
