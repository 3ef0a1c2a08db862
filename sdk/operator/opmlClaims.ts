/**
 * The operator's OPML role: what happens to a fulfilment the router recorded
 * as a claim (InferenceClaimed) instead of a result.
 *
 *   bond     before an OPML fulfilment is signed, the account's unlocked
 *            balance on the adapter must cover the model's claim bond; the
 *            shortfall is deposited (once per attempt: ./txSender.ts keys).
 *   claim    the mined fulfilment's ClaimOpened event is stored with the job
 *            (signed -> claimed).
 *   defence  every Challenged event against one of our claims adds a game;
 *            each tick plays the claimer's move of every open game
 *            (sdk/opml/moves.ts claimerMove, from the claim's own trace,
 *            rebuilt from the model and the stored input), or calls timeout
 *            when the challenger's clock ran out. A move is keyed by the game
 *            and its move count, so after a kill -9 the stored move is
 *            followed, never signed twice; the game's phase says whose turn it is.
 *   settle   once the adapter's claimStatus is Accepted (window passed, every
 *            game won): router.settle (the consumer gets its result and the
 *            fee is credited), then releaseBond (claimed -> settled).
 *            Rejected: a game was lost (claimed -> rejected).
 */
import type { Provider, TransactionReceipt } from "ethers";

import { type OpmlAdapter, OpmlModel__factory } from "../../types/ethers-contracts/index.js";
import { packInt16 } from "../commit/int16Tensor.js";
import { ProtocolError, VinferError } from "../errors.js";
import { ClaimStatus, OpmlGame, claimRefOf } from "../opml/gameClient.js";
import { type ClaimerContext, GamePhase, claimerMove, claimerToMove, gameOver } from "../opml/moves.js";
import type { InferenceRouter } from "../protocol/contracts.js";
import { ProofType } from "../protocol/proofType.js";
import type { ClaimRecord, Job, JobQueue } from "./jobQueue.js";
import type { Logger } from "./log.js";
import type { GameState } from "./txLog.js";
import type { TxOutcome, TxSender } from "./txSender.js";

/** Blocks per eth_getLogs query. */
const SCAN_CHUNK = 5_000;
/** IOpmlDisputeGame's ClaimState (OpmlDisputeGame.claims). */
const CLAIM_OPEN = 1n;

export interface OpmlClaimsOptions {
  readonly provider: Provider;
  readonly router: InferenceRouter;
  readonly routerAddress: string;
  readonly queue: JobQueue;
  readonly sender: TxSender;
  readonly log: Logger;
  /** The claimer's context of a job (its model, its trace and lie), or undefined if this node cannot defend it. */
  readonly claimerOf: (job: Job) => ClaimerContext | undefined;
  /** First block to scan for games when the database is new. */
  readonly fromBlock: number;
}

/** What a game's end means for the claimer. */
function claimerOutcome(phase: GamePhase): GameState {
  if (phase === GamePhase.ClaimerWon) return "won";
  if (phase === GamePhase.ChallengerWon) return "lost";
  return "refunded";
}

export class OpmlClaims {
  private adapterPromise?: Promise<OpmlGame | undefined>;
  private readonly contexts = new Map<bigint, ClaimerContext>();

  constructor(private readonly o: OpmlClaimsOptions) {}

  /** The router's OPML adapter (which is also the game), or undefined when it has none. */
  adapter(): Promise<OpmlGame | undefined> {
    this.adapterPromise ??= this.o.router
      .adapters(ProofType.Opml)
      .then((a) => (a === `0x${"00".repeat(20)}` ? undefined : new OpmlGame(a, this.o.provider)));
    return this.adapterPromise;
  }

  private async requireAdapter(): Promise<OpmlGame> {
    const game = await this.adapter();
    if (!game) throw new ProtocolError(`router ${this.o.routerAddress} has no OPML adapter (proof type 2)`);
    return game;
  }

  /** Before an OPML fulfilment is signed: the account's unlocked balance on the adapter covers the claim bond. */
  async ensureBond(job: Job): Promise<void> {
    if (job.request.proofType !== ProofType.Opml) return;
    const game = await this.requireAdapter();
    const bond = await OpmlModel__factory.connect(job.request.verifier, this.o.provider).claimBond();
    const have = await game.balanceOf(this.o.sender.address);
    if (have >= bond) return;
    // A deposit of an earlier attempt still waiting is followed, not paid a second time.
    const earlier = Array.from({ length: job.attempts }, (_, a) => `deposit:${job.requestId}:${a}`);
    const key = earlier.find((k) => this.o.queue.txs.get(k)?.state === "sent") ?? `deposit:${job.requestId}:${job.attempts}`;
    const data = game.contract.interface.encodeFunctionData("deposit");
    const outcome = await this.o.sender.perform(key, { to: game.address, data, value: bond - have }, `deposit(${bond - have} wei)`);
    if (outcome.status !== "mined") throw new VinferError("OPML_BOND", `bond deposit ${outcome.hash} is ${outcome.status}; retrying`);
    this.o.log.log("info", "opml.bond_deposited", { requestId: job.requestId, amount: bond - have, tx: outcome.hash });
  }

  /** A mined fulfilment that opened a claim: stores it with the job (signed -> claimed). */
  async recordClaim(job: Job, receipt: TransactionReceipt): Promise<void> {
    const game = await this.requireAdapter();
    const iface = game.contract.interface;
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== game.address.toLowerCase()) continue;
      const parsed = iface.parseLog(log);
      if (parsed?.name !== "ClaimOpened") continue;
      const claim: ClaimRecord = {
        claimKey: parsed.args.claimKey as string,
        claim: claimRefOf(parsed.args.claim as Parameters<typeof claimRefOf>[0]),
        windowEnd: Number(parsed.args.windowEnd as bigint),
      };
      // Games opened before this claim was recorded are caught up from the claim's block.
      const scanned = this.o.queue.games.scannedBlock();
      const early =
        scanned >= receipt.blockNumber
          ? await game.contract.queryFilter(game.contract.filters.Challenged(claim.claimKey), receipt.blockNumber, scanned)
          : [];
      this.o.queue.markClaimed(job.requestId, claim);
      for (const e of early) this.addGame(job.requestId, claim.claimKey, e.args.gameId, e.args.challenger);
      this.o.log.log("info", "opml.claimed", {
        requestId: job.requestId,
        claimKey: claim.claimKey,
        windowEnd: claim.windowEnd,
        tx: receipt.hash,
      });
      return;
    }
    throw new ProtocolError(`fulfil transaction ${receipt.hash} recorded a claim but the OPML adapter logged no ClaimOpened`);
  }

  /** One round: new games, a move in each open game, settle what is final. */
  async tick(): Promise<void> {
    const claimed = this.o.queue.all().filter((j) => j.state === "claimed");
    const open = this.o.queue.games.open();
    if (claimed.length === 0 && open.length === 0) return;
    const game = await this.requireAdapter();
    await this.scanGames(game, claimed);
    for (const g of this.o.queue.games.open()) {
      try {
        await this.play(game, g.gameId, g.requestId);
      } catch (err) {
        const message = (err as Error).message;
        this.o.queue.games.noteError(g.gameId, message);
        this.o.log.log("warn", "opml.move_failed", { gameId: g.gameId, requestId: g.requestId, error: message });
      }
    }
    for (const job of claimed) {
      try {
        await this.settle(game, job);
      } catch (err) {
        this.o.log.log("warn", "opml.settle_failed", { requestId: job.requestId, error: (err as Error).message });
      }
    }
  }

  private addGame(requestId: bigint, claimKey: string, gameId: bigint, challenger: string): void {
    if (this.o.queue.games.add({ gameId, claimKey, requestId, claimer: this.o.sender.address, challenger }))
      this.o.log.log("warn", "opml.challenged", { requestId, gameId, challenger, claimKey });
  }

  /** Adds the Challenged events against our claims up to the latest block. */
  private async scanGames(game: OpmlGame, claimed: readonly Job[]): Promise<void> {
    const ours = new Map(claimed.map((j) => [j.claim!.claimKey.toLowerCase(), j.requestId]));
    const latest = await this.o.provider.getBlockNumber();
    let from = Math.max(this.o.queue.games.scannedBlock() + 1, this.o.fromBlock);
    while (from <= latest) {
      const to = Math.min(from + SCAN_CHUNK - 1, latest);
      const events = await game.contract.queryFilter(game.contract.filters.Challenged(), from, to);
      const found = events
        .filter((e) => ours.has(e.args.claimKey.toLowerCase()))
        .map((e) => ({
          gameId: e.args.gameId,
          claimKey: e.args.claimKey,
          requestId: ours.get(e.args.claimKey.toLowerCase())!,
          claimer: this.o.sender.address,
          challenger: e.args.challenger,
        }));
      this.o.queue.games.addScanned(found, to);
      for (const g of found)
        this.o.log.log("warn", "opml.challenged", { requestId: g.requestId, gameId: g.gameId, challenger: g.challenger });
      from = to + 1;
    }
  }

  private context(job: Job): ClaimerContext {
    let ctx = this.contexts.get(job.requestId);
    if (!ctx) {
      ctx = this.o.claimerOf(job);
      if (!ctx)
        throw new VinferError(
          "OPML_NO_MODEL",
          `request ${job.requestId}: this node does not serve model ${job.request.modelId} with OPML, so it cannot defend its claim (restart it with --model <that model> --proof opml)`,
        );
      this.contexts.set(job.requestId, ctx);
    }
    return ctx;
  }

  /** The claimer's move in game `gameId`, a timeout if the challenger ran out of clock, or its end. */
  private async play(game: OpmlGame, gameId: bigint, requestId: bigint): Promise<void> {
    const view = await game.game(gameId);
    if (gameOver(view.phase)) {
      const state = claimerOutcome(view.phase);
      this.o.queue.games.update(gameId, view.phase, view.moves, state);
      this.o.log.log(state === "won" ? "info" : "error", "opml.game_over", { gameId, requestId, outcome: state, moves: view.moves });
      return;
    }
    const job = this.o.queue.get(requestId)!;
    if (job.state === "rejected") {
      // Another game rejected the claim: this one can only be refunded to its challenger.
      this.o.queue.games.update(gameId, view.phase, view.moves, "refunded");
      return;
    }
    this.o.queue.games.update(gameId, view.phase, view.moves);
    const move = claimerMove(view, this.context(job));
    if (move) {
      const data = game.contract.interface.encodeFunctionData(
        move.fn as Parameters<OpmlAdapter["interface"]["encodeFunctionData"]>[0],
        move.args as never,
      );
      const outcome = await this.o.sender.perform(`move:${gameId}:${view.moves}`, { to: game.address, data }, `${move.fn}(game ${gameId})`);
      this.afterSend(`move:${gameId}:${view.moves}`, outcome);
      this.o.log.log("info", "opml.move", {
        gameId,
        requestId,
        move: move.fn,
        phase: GamePhase[view.phase],
        moves: view.moves,
        tx: outcome.hash,
      });
      return;
    }
    if (claimerToMove(view.phase)) return; // bug guard: claimerMove answers every claimer phase
    const block = await this.o.provider.getBlock("latest");
    if (block && BigInt(block.timestamp) - view.lastMove > view.challengerClock) {
      const data = game.contract.interface.encodeFunctionData("timeout", [gameId]);
      const outcome = await this.o.sender.perform(`timeout:${gameId}`, { to: game.address, data }, `timeout(game ${gameId})`);
      this.afterSend(`timeout:${gameId}`, outcome);
      this.o.log.log("info", "opml.timeout", { gameId, requestId, tx: outcome.hash });
    }
  }

  /** A reverted action may be tried again (after a fresh gas estimate, which fails first if it still cannot succeed). */
  private afterSend(key: string, outcome: TxOutcome): void {
    if (outcome.status !== "reverted") return;
    this.o.queue.txs.drop(key);
    this.o.log.log("warn", "tx.reverted", { key, tx: outcome.hash });
  }

  /** Settles an accepted claim and releases its bond; records a rejected one. */
  private async settle(game: OpmlGame, job: Job): Promise<void> {
    const id = job.requestId;
    const c = job.claim!;
    const status = await game.claimStatus(c.claim);
    if (status === ClaimStatus.Pending) return;
    if (status === ClaimStatus.Rejected) {
      const lost = (await game.contract.queryFilter(game.contract.filters.ClaimRejected(c.claimKey))).at(-1)?.args.gameId;
      this.o.queue.markRejected(id, lost !== undefined ? `game ${lost} was lost: the claim is rejected` : "the claim was rejected");
      for (const g of this.o.queue.games.ofClaim(c.claimKey)) {
        if (g.state !== "open") continue;
        const view = await game.game(g.gameId);
        // The game that rejected it is over (lost); the others can only be refunded to their challengers.
        this.o.queue.games.update(g.gameId, view.phase, view.moves, gameOver(view.phase) ? claimerOutcome(view.phase) : "refunded");
      }
      this.o.log.log("error", "opml.rejected", { requestId: id, claimKey: c.claimKey });
      return;
    }
    // Accepted: the router records the result (fee, callback); anyone may have settled it already.
    if (!(await this.o.router.isResult(id, job.request, packInt16(job.output!)))) {
      const data = this.o.router.interface.encodeFunctionData("settle", [id, job.request, packInt16(job.output!), this.o.sender.address]);
      const outcome = await this.o.sender.perform(`settle:${id}`, { to: this.o.routerAddress, data }, `settle(${id})`);
      this.afterSend(`settle:${id}`, outcome);
      if (outcome.status !== "mined") return;
      this.o.log.log("info", "opml.settled", { requestId: id, tx: outcome.hash });
    }
    const state = await game.contract.claimState(c.claimKey);
    if (state === CLAIM_OPEN) {
      const data = game.contract.interface.encodeFunctionData("releaseBond", [c.claim]);
      const outcome = await this.o.sender.perform(`release:${id}`, { to: game.address, data }, `releaseBond(${id})`);
      this.afterSend(`release:${id}`, outcome);
      if (outcome.status !== "mined") return;
      this.o.log.log("info", "opml.bond_released", { requestId: id, tx: outcome.hash });
    }
    this.o.queue.markSettled(id);
    this.o.log.log("info", "job.settled", { requestId: id });
  }
}
