/**
 * The OPML challenger (`vinfer challenge`): follows the ClaimOpened events of
 * a router's OPML adapter, re-executes every claim on a model it knows,
 * challenges each wrong one within its window (posting the challenge bond),
 * and plays every game to its end (sdk/opml/moves.ts challengerMove, from the
 * honest trace of the claim's input). Once a claim it disputed is rejected it
 * settles it on the router (router.settle), so the request is open again at
 * once for an honest operator; someone else settling it first is fine.
 *
 * Everything it learns and does is in its own SQLite file (node:sqlite, WAL,
 * synchronous FULL): the claims scanned with the block reached (one
 * transaction), each claim's verdict, the games, and every transaction under
 * the key of its action, stored before it is broadcast (./txSender.ts). So a
 * kill -9 at any moment loses nothing and, restarted on the same file, it
 * neither challenges a claim twice nor sends a move twice; its clock only
 * runs while it is down.
 *
 * Claim states: new (seen, not checked) - correct (the honest trace agrees) -
 * wrong (to challenge) - challenged (a game is open or over: see games) -
 * settled (rejected, and settled on the router: its request is open again) -
 * skipped (a model it does not know, or a window it missed).
 */
import type { DatabaseSync } from "node:sqlite";

import type { Provider, Wallet } from "ethers";

import { sleep } from "../async.js";
import { inputHashOfValues, outputHashOfValues } from "../commit/tensorHash.js";
import { packInt16, unpackInt16 } from "../commit/int16Tensor.js";
import { ProtocolError, VinferError } from "../errors.js";
import type { Model } from "../model.js";
import { type ClaimRef, OpmlGame } from "../opml/gameClient.js";
import { type ChallengerContext, GamePhase, challengerMove, claimerToMove, disputes, gameOver } from "../opml/moves.js";
import { ExecutionTrace } from "../opml/trace.js";
import { readRequest } from "../protocol/client.js";
import type { InferenceRouter } from "../protocol/contracts.js";
import { claimRefFromJson, claimRefToJson } from "./jobQueue.js";
import { type Logger, silentLogger } from "./log.js";
import { openDatabase } from "./sqlite.js";
import { GameTable, type GameState, OPML_SCHEMA, TxLog } from "./txLog.js";
import { type TxOutcome, TxSender } from "./txSender.js";

/** Blocks per eth_getLogs query. */
const SCAN_CHUNK = 5_000;

export type ChallengeClaimState = "new" | "correct" | "wrong" | "challenged" | "settled" | "skipped";

export interface ChallengeClaim {
  readonly claimKey: string;
  readonly requestId: bigint;
  readonly claim: ClaimRef;
  readonly windowEnd: number;
  readonly state: ChallengeClaimState;
  readonly input?: bigint[];
  readonly reason?: string;
}

interface ClaimRow {
  claim_key: string;
  request_id: string;
  claim_json: string;
  window_end: number;
  state: ChallengeClaimState;
  input_json: string | null;
  reason: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS claims (
  claim_key TEXT PRIMARY KEY,
  request_id TEXT NOT NULL,
  claim_json TEXT NOT NULL,
  window_end INTEGER NOT NULL,
  state TEXT NOT NULL,
  input_json TEXT,
  reason TEXT,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS claims_by_state ON claims (state);
`;

const toClaim = (r: ClaimRow): ChallengeClaim => ({
  claimKey: r.claim_key,
  requestId: BigInt(r.request_id),
  claim: claimRefFromJson(r.claim_json),
  windowEnd: r.window_end,
  state: r.state,
  ...(r.input_json !== null ? { input: (JSON.parse(r.input_json) as string[]).map(BigInt) } : {}),
  ...(r.reason !== null ? { reason: r.reason } : {}),
});

/** The challenger's database. */
export class ChallengerStore {
  private readonly db: DatabaseSync;
  readonly games: GameTable;
  readonly txs: TxLog;

  constructor(path: string) {
    this.db = openDatabase(path);
    this.db.exec(OPML_SCHEMA);
    this.db.exec(SCHEMA);
    this.games = new GameTable(this.db);
    this.txs = new TxLog(this.db);
  }

  close(): void {
    this.db.close();
  }

  private meta(key: string): string | undefined {
    return (this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;
  }

  private setMeta(key: string, value: string): void {
    this.db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  /** Ties the file to one adapter on one chain and one challenger account. */
  bind(identity: { chainId: bigint; adapter: string; challenger: string }): void {
    const wanted = `${identity.chainId}:${identity.adapter.toLowerCase()}:${identity.challenger.toLowerCase()}`;
    const have = this.meta("identity");
    if (have === undefined) this.setMeta("identity", wanted);
    else if (have !== wanted)
      throw new VinferError(
        "CHALLENGER_DB_MISMATCH",
        `this challenger database belongs to chain:adapter:challenger ${have}, not ${wanted}; use another --store file`,
      );
  }

  /** The last block whose claims are all in the table (-1 before the first scan). */
  scannedBlock(): number {
    return Number(this.meta("claimsScannedBlock") ?? -1);
  }

  /** Records new claims and the block the scan reached, in one transaction. */
  addScanned(claims: readonly { claimKey: string; claim: ClaimRef; windowEnd: number }[], toBlock: number): number {
    const insert = this.db.prepare(
      "INSERT OR IGNORE INTO claims (claim_key, request_id, claim_json, window_end, state, updated_at) VALUES (?, ?, ?, ?, 'new', ?)",
    );
    let added = 0;
    this.db.exec("BEGIN IMMEDIATE");
    try {
      for (const c of claims)
        added += Number(insert.run(c.claimKey, c.claim.requestId.toString(), claimRefToJson(c.claim), c.windowEnd, Date.now()).changes);
      this.setMeta("claimsScannedBlock", String(toBlock));
      this.db.exec("COMMIT");
    } catch (err) {
      this.db.exec("ROLLBACK");
      throw err;
    }
    return added;
  }

  get(claimKey: string): ChallengeClaim | undefined {
    const row = this.db.prepare("SELECT * FROM claims WHERE claim_key = ?").get(claimKey) as ClaimRow | undefined;
    return row ? toClaim(row) : undefined;
  }

  withState(state: ChallengeClaimState): ChallengeClaim[] {
    return (
      this.db.prepare("SELECT * FROM claims WHERE state = ? ORDER BY CAST(request_id AS INTEGER)").all(state) as unknown as ClaimRow[]
    ).map(toClaim);
  }

  /** Challenged claims a game of theirs rejected (won, or refunded: lost to another challenger) and not yet settled. */
  rejectedUnsettled(): ChallengeClaim[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM claims WHERE state = 'challenged' AND EXISTS (
             SELECT 1 FROM games WHERE games.claim_key = claims.claim_key AND games.state IN ('won', 'refunded'))
           ORDER BY CAST(request_id AS INTEGER)`,
        )
        .all() as unknown as ClaimRow[]
    ).map(toClaim);
  }

  all(): ChallengeClaim[] {
    return (this.db.prepare("SELECT * FROM claims ORDER BY CAST(request_id AS INTEGER)").all() as unknown as ClaimRow[]).map(toClaim);
  }

  /** Moves a claim to `state` (with the request's input once known, and why). */
  setState(claimKey: string, state: ChallengeClaimState, o: { input?: readonly bigint[]; reason?: string } = {}): void {
    this.db
      .prepare("UPDATE claims SET state = ?, input_json = COALESCE(?, input_json), reason = ?, updated_at = ? WHERE claim_key = ?")
      .run(state, o.input ? JSON.stringify(o.input.map(String)) : null, o.reason ?? null, Date.now(), claimKey);
  }
}

export interface ChallengerOptions {
  readonly provider: Provider;
  readonly wallet: Wallet;
  readonly router: InferenceRouter;
  readonly routerAddress: string;
  /** The router's OPML adapter (the game). */
  readonly adapter: string;
  readonly store: ChallengerStore;
  /** Model id (lower-case hex) -> the model it re-executes claims with. */
  readonly models: ReadonlyMap<string, Model>;
  readonly pollIntervalMs?: number;
  /** First block to scan when the database is new (default 0). */
  readonly fromBlock?: number;
  readonly logger?: Logger;
}

/** What a game's end means for the challenger. */
function challengerOutcome(phase: GamePhase): GameState {
  if (phase === GamePhase.ChallengerWon) return "won";
  if (phase === GamePhase.ClaimerWon) return "lost";
  return "refunded";
}

export class Challenger {
  private readonly log: Logger;
  private readonly game: OpmlGame;
  private readonly contexts = new Map<string, ChallengerContext>();
  private sender?: TxSender;
  private running = false;
  private loop?: Promise<void>;

  constructor(private readonly o: ChallengerOptions) {
    this.log = o.logger ?? silentLogger;
    this.game = new OpmlGame(o.adapter, o.provider);
  }

  /** Binds the store, then runs rounds until stop() (with `loop: false`, the caller calls tick()). */
  async start(o: { loop?: boolean } = {}): Promise<void> {
    const chainId = (await this.o.provider.getNetwork()).chainId;
    this.o.store.bind({ chainId, adapter: this.o.adapter, challenger: this.o.wallet.address });
    this.sender = new TxSender({ provider: this.o.provider, wallet: this.o.wallet, chainId, txs: this.o.store.txs, log: this.log });
    this.log.log("info", "challenger.start", {
      chainId,
      router: this.o.routerAddress,
      adapter: this.o.adapter,
      challenger: this.o.wallet.address,
      models: [...this.o.models.keys()].join(","),
      claims: this.o.store.all().length,
      openGames: this.o.store.games.open().length,
    });
    if (o.loop === false) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.log.log("info", "challenger.stop", { claims: this.o.store.all().length, openGames: this.o.store.games.open().length });
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.tick();
      } catch (err) {
        this.log.log("warn", "challenger.tick_failed", { error: (err as Error).message });
      }
      await sleep(this.o.pollIntervalMs ?? 1_000);
    }
  }

  /** One round: new claims, verdicts, challenges, one move in every open game, settling the claims it got rejected. */
  async tick(): Promise<void> {
    if (!this.sender) throw new Error("bug: tick() before start()");
    await this.sender.followUnconfirmed();
    await this.scan();
    for (const c of this.o.store.withState("new")) await this.check(c);
    for (const c of this.o.store.withState("wrong")) {
      try {
        await this.challenge(c);
      } catch (err) {
        this.log.log("error", "challenge.failed", { requestId: c.requestId, claimKey: c.claimKey, error: (err as Error).message });
      }
    }
    for (const g of this.o.store.games.open()) {
      try {
        await this.play(g.gameId, g.claimKey);
      } catch (err) {
        this.o.store.games.noteError(g.gameId, (err as Error).message);
        this.log.log("warn", "opml.move_failed", { gameId: g.gameId, error: (err as Error).message });
      }
    }
    for (const c of this.o.store.rejectedUnsettled()) {
      try {
        await this.settle(c);
      } catch (err) {
        this.log.log("warn", "claim.settle_failed", { requestId: c.requestId, claimKey: c.claimKey, error: (err as Error).message });
      }
    }
  }

  /** Claims and games (resolves once every open game is over and every claim it got rejected is settled, or after `timeoutMs`). */
  async waitForGames(timeoutMs = 600_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (
      this.o.store.games.open().length > 0 ||
      this.o.store.withState("wrong").length > 0 ||
      this.o.store.rejectedUnsettled().length > 0
    ) {
      if (Date.now() > deadline) throw new VinferError("CHALLENGER_TIMEOUT", `games still open after ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  private async scan(): Promise<void> {
    const latest = await this.o.provider.getBlockNumber();
    let from = Math.max(this.o.store.scannedBlock() + 1, this.o.fromBlock ?? 0);
    while (from <= latest) {
      const to = Math.min(from + SCAN_CHUNK - 1, latest);
      const opened = (await this.game.claimsOpened(from, to)).filter(
        (c) => c.claim.router.toLowerCase() === this.o.routerAddress.toLowerCase(),
      );
      this.o.store.addScanned(
        opened.map((c) => ({ claimKey: c.claimKey, claim: c.claim, windowEnd: Number(c.windowEnd) })),
        to,
      );
      for (const c of opened)
        this.log.log("info", "claim.new", {
          requestId: c.requestId,
          claimKey: c.claimKey,
          claimer: c.claim.claimer,
          modelId: c.claim.modelId,
        });
      from = to + 1;
    }
  }

  /** Re-executes a claim: correct, wrong, or skipped (unknown model, input not found). */
  private async check(c: ChallengeClaim): Promise<void> {
    const model = this.o.models.get(c.claim.modelId.toLowerCase());
    if (!model) {
      const reason = `unknown model ${c.claim.modelId} (not among --model)`;
      this.o.store.setState(c.claimKey, "skipped", { reason });
      this.log.log("warn", "claim.skipped", { requestId: c.requestId, claimKey: c.claimKey, reason });
      return;
    }
    const record = await readRequest(this.o.router, c.requestId);
    if (inputHashOfValues(record.input).toLowerCase() !== c.claim.inputHash.toLowerCase()) {
      const reason = `the claim's input hash is not request ${c.requestId}'s`;
      this.o.store.setState(c.claimKey, "skipped", { reason });
      this.log.log("warn", "claim.skipped", { requestId: c.requestId, claimKey: c.claimKey, reason });
      return;
    }
    const started = Date.now();
    const honest = this.context(c.claimKey, model, record.input).honest;
    const wrong = disputes(c.claim, honest);
    this.o.store.setState(c.claimKey, wrong ? "wrong" : "correct", { input: record.input });
    this.log.log(wrong ? "warn" : "info", wrong ? "claim.wrong" : "claim.correct", {
      requestId: c.requestId,
      claimKey: c.claimKey,
      ms: Date.now() - started,
    });
  }

  private context(claimKey: string, model: Model, input: readonly bigint[]): ChallengerContext {
    let ctx = this.contexts.get(claimKey);
    if (!ctx) {
      ctx = { model, honest: ExecutionTrace.of(model, input) };
      this.contexts.set(claimKey, ctx);
    }
    return ctx;
  }

  /** Posts the challenge bond against a wrong claim (once: the action's key is the claim's). */
  private async challenge(c: ChallengeClaim): Promise<void> {
    const key = `challenge:${c.claimKey}`;
    const block = await this.o.provider.getBlock("latest");
    if (!this.o.store.txs.get(key) && block && block.timestamp > c.windowEnd) {
      const reason = `its challenge window closed at ${c.windowEnd} before it could be challenged`;
      this.o.store.setState(c.claimKey, "skipped", { reason });
      this.log.log("error", "claim.missed", { requestId: c.requestId, claimKey: c.claimKey, reason });
      return;
    }
    const { challengeBond } = await this.game.terms(c.claim.verifier);
    if (!this.o.store.txs.get(key)) {
      const balance = await this.o.provider.getBalance(this.o.wallet.address);
      if (balance < challengeBond)
        throw new VinferError(
          "INSUFFICIENT_FUNDS",
          `account ${this.o.wallet.address} has ${balance} wei; challenging request ${c.requestId} needs the challenge bond of ${challengeBond} wei plus gas: fund it`,
        );
    }
    const data = this.game.contract.interface.encodeFunctionData("challenge", [c.claim, packInt16(c.input!)]);
    const outcome = await this.sender!.perform(
      key,
      { to: this.o.adapter, data, value: challengeBond },
      `challenge(request ${c.requestId})`,
    );
    if (outcome.status === "pending") return;
    if (outcome.status === "reverted") {
      this.o.store.txs.drop(key);
      throw new ProtocolError(`challenge of request ${c.requestId}: transaction ${outcome.hash} reverted`);
    }
    for (const log of outcome.receipt.logs) {
      if (log.address.toLowerCase() !== this.o.adapter.toLowerCase()) continue;
      const parsed = this.game.contract.interface.parseLog(log);
      if (parsed?.name !== "Challenged") continue;
      const gameId = parsed.args.gameId as bigint;
      this.o.store.games.add({
        gameId,
        claimKey: c.claimKey,
        requestId: c.requestId,
        claimer: c.claim.claimer,
        challenger: this.o.wallet.address,
      });
      this.o.store.setState(c.claimKey, "challenged");
      this.log.log("warn", "challenge.opened", {
        requestId: c.requestId,
        claimKey: c.claimKey,
        gameId,
        bond: challengeBond,
        tx: outcome.hash,
      });
      return;
    }
    throw new ProtocolError(`challenge transaction ${outcome.hash} emitted no Challenged event`);
  }

  /** The challenger's move in one game, a timeout when the claimer ran out of clock, a refund, or its end. */
  private async play(gameId: bigint, claimKey: string): Promise<void> {
    const view = await this.game.game(gameId);
    if (gameOver(view.phase)) {
      const state = challengerOutcome(view.phase);
      this.o.store.games.update(gameId, view.phase, view.moves, state);
      this.log.log(state === "lost" ? "error" : "info", "opml.game_over", {
        gameId,
        outcome: state,
        phase: GamePhase[view.phase],
        moves: view.moves,
      });
      return;
    }
    this.o.store.games.update(gameId, view.phase, view.moves);
    const c = this.o.store.get(claimKey)!;
    const iface = this.game.contract.interface;
    const claimState = await this.game.contract.claimState(claimKey);
    if (claimState === 2n) {
      // Another game rejected the claim: this one is closed and its bond refunded.
      await this.send(`refund:${gameId}`, iface.encodeFunctionData("refundChallenge", [gameId]), `refundChallenge(game ${gameId})`);
      return;
    }
    const model = this.o.models.get(c.claim.modelId.toLowerCase())!;
    const move = challengerMove(view, this.context(claimKey, model, c.input!));
    if (move) {
      const outcome = await this.send(
        `move:${gameId}:${view.moves}`,
        iface.encodeFunctionData(move.fn as never, move.args as never),
        `${move.fn}(game ${gameId})`,
      );
      this.log.log("info", "opml.move", { gameId, move: move.fn, phase: GamePhase[view.phase], moves: view.moves, tx: outcome.hash });
      return;
    }
    if (!claimerToMove(view.phase)) return;
    const block = await this.o.provider.getBlock("latest");
    if (block && BigInt(block.timestamp) - view.lastMove > view.claimerClock) {
      const outcome = await this.send(`timeout:${gameId}`, iface.encodeFunctionData("timeout", [gameId]), `timeout(game ${gameId})`);
      this.log.log("info", "opml.timeout", { gameId, tx: outcome.hash });
    }
  }

  /**
   * Settles a claim it got rejected: router.settle reopens the request for another operator (the
   * router's ClaimRejected). Once per claim (the action's key); a claim someone else settled first
   * (Router_NoClaim, and the router's ClaimRejected for it is there) counts as settled.
   */
  private async settle(c: ChallengeClaim): Promise<void> {
    const id = c.requestId;
    const { router } = this.o;
    const { request } = await readRequest(router, id);
    // The claimed output, as the claim's InferenceClaimed event carries it.
    const claimed = (await router.queryFilter(router.filters.InferenceClaimed(id, c.claim.claimer))).find(
      (log) => outputHashOfValues(unpackInt16(log.args.output)).toLowerCase() === c.claim.outputHash.toLowerCase(),
    );
    if (!claimed) throw new ProtocolError(`request ${id}: no InferenceClaimed event of claim ${c.claimKey} on the router`);
    const key = `settle:${id}:${c.claimKey}`;
    const data = router.interface.encodeFunctionData("settle", [id, request, claimed.args.output, c.claim.claimer]);
    let outcome: TxOutcome;
    try {
      outcome = await this.send(key, data, `settle(${id})`, this.o.routerAddress);
    } catch (err) {
      if ((err as ProtocolError).revertName !== "Router_NoClaim") throw err;
      const [rejected] = await router.queryFilter(router.filters.ClaimRejected(id, c.claim.claimer), claimed.blockNumber);
      if (!rejected) throw err;
      this.o.store.setState(c.claimKey, "settled", { reason: `settled by another account (transaction ${rejected.transactionHash})` });
      this.log.log("info", "claim.settled_elsewhere", { requestId: id, claimKey: c.claimKey, tx: rejected.transactionHash });
      return;
    }
    if (outcome.status !== "mined") return; // pending: followed next round; reverted: dropped, tried again
    this.o.store.setState(c.claimKey, "settled", { reason: `settled by this challenger (transaction ${outcome.hash})` });
    this.log.log("info", "claim.settled", { requestId: id, claimKey: c.claimKey, tx: outcome.hash });
  }

  private async send(key: string, data: string, label: string, to = this.o.adapter): Promise<TxOutcome> {
    const outcome = await this.sender!.perform(key, { to, data }, label);
    if (outcome.status === "reverted") {
      this.o.store.txs.drop(key); // tried again after a fresh gas estimate, which fails first if it cannot succeed
      this.log.log("warn", "tx.reverted", { key, tx: outcome.hash });
    }
    return outcome;
  }
}
