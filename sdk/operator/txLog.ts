/**
 * The durable records OPML adds to an operator's or a challenger's SQLite
 * database (sdk/operator/jobStore.ts, sdk/operator/challengerStore.ts):
 *
 *   transactions  every transaction the account signs outside a fulfilment
 *                 (bond deposit, game moves, challenge, settle, bond release),
 *                 under a key that names the one action it performs
 *                 ("move:<game>:<moves>", "settle:<request>", ...), stored
 *                 *before* it is broadcast: after a kill -9 the same key finds
 *                 the same signed bytes and follows them instead of signing a
 *                 second transaction (./txSender.ts).
 *   games         the dispute games this account plays, and where each stands.
 */
import type { DatabaseSync } from "node:sqlite";

export const OPML_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS transactions (
  key TEXT PRIMARY KEY,
  hash TEXT NOT NULL,
  raw TEXT NOT NULL,
  nonce INTEGER NOT NULL,
  state TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  replaced TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS games (
  game_id TEXT PRIMARY KEY,
  claim_key TEXT NOT NULL,
  request_id TEXT NOT NULL,
  claimer TEXT NOT NULL,
  challenger TEXT NOT NULL,
  state TEXT NOT NULL,
  phase INTEGER NOT NULL DEFAULT 0,
  moves INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS games_by_state ON games (state);
`;

/** sent: signed, stored, maybe broadcast - mined: receipt status 1 - reverted: receipt status 0. */
export type StoredTxState = "sent" | "mined" | "reverted";

export interface StoredTx {
  readonly key: string;
  /** The transaction last signed for the key (the one waiting, or the one mined). */
  readonly hash: string;
  readonly raw: string;
  readonly nonce: number;
  readonly state: StoredTxState;
  /** Earlier transactions signed for the key with the same nonce (fee replacements): one of them may be mined instead. */
  readonly replaced: readonly string[];
}

interface TxRow {
  key: string;
  hash: string;
  raw: string;
  nonce: number;
  state: StoredTxState;
  replaced: string;
}

const toStoredTx = (r: TxRow): StoredTx => ({ ...r, replaced: JSON.parse(r.replaced) as string[] });

export class TxLog {
  constructor(private readonly db: DatabaseSync) {
    // A database from before fee replacements gets the column on open.
    const have = (db.prepare("PRAGMA table_info(transactions)").all() as { name: string }[]).map((c) => c.name);
    if (!have.includes("replaced")) db.exec("ALTER TABLE transactions ADD COLUMN replaced TEXT NOT NULL DEFAULT '[]'");
  }

  get(key: string): StoredTx | undefined {
    const row = this.db.prepare("SELECT key, hash, raw, nonce, state, replaced FROM transactions WHERE key = ?").get(key) as
      TxRow | undefined;
    return row && toStoredTx(row);
  }

  /** Records a signed transaction before it is broadcast. */
  put(key: string, hash: string, raw: string, nonce: number): void {
    this.db
      .prepare(
        `INSERT INTO transactions (key, hash, raw, nonce, state, updated_at) VALUES (?, ?, ?, ?, 'sent', ?)
         ON CONFLICT(key) DO UPDATE SET hash = excluded.hash, raw = excluded.raw, nonce = excluded.nonce,
           state = 'sent', replaced = '[]', updated_at = excluded.updated_at`,
      )
      .run(key, hash, raw, nonce, Date.now());
  }

  /** Records a fee replacement (same nonce) before it is broadcast; the transaction it replaces is kept in `replaced`. */
  replace(key: string, hash: string, raw: string): void {
    const stored = this.get(key)!;
    this.db
      .prepare("UPDATE transactions SET hash = ?, raw = ?, replaced = ?, updated_at = ? WHERE key = ?")
      .run(hash, raw, JSON.stringify([...stored.replaced, stored.hash]), Date.now(), key);
  }

  /** Records the receipt's verdict; `hash` names the one mined when it is an earlier one of the key's transactions. */
  setState(key: string, state: StoredTxState, hash?: string): void {
    this.db
      .prepare("UPDATE transactions SET state = ?, hash = COALESCE(?, hash), updated_at = ? WHERE key = ?")
      .run(state, hash ?? null, Date.now(), key);
  }

  /** Forgets a transaction that can never be mined (its nonce went to another one): the action may be signed anew. */
  drop(key: string): void {
    this.db.prepare("DELETE FROM transactions WHERE key = ?").run(key);
  }

  /** Transactions still waiting for their receipt. */
  unconfirmed(): StoredTx[] {
    return (
      this.db
        .prepare("SELECT key, hash, raw, nonce, state, replaced FROM transactions WHERE state = 'sent' ORDER BY nonce")
        .all() as unknown as TxRow[]
    ).map(toStoredTx);
  }

  /** Every transaction recorded (oldest nonce first). */
  all(): StoredTx[] {
    return (
      this.db.prepare("SELECT key, hash, raw, nonce, state, replaced FROM transactions ORDER BY nonce").all() as unknown as TxRow[]
    ).map(toStoredTx);
  }
}

export interface NewGame {
  readonly gameId: bigint;
  readonly claimKey: string;
  readonly requestId: bigint;
  readonly claimer: string;
  readonly challenger: string;
}

/** open: being played - won / lost: over, from this account's side - refunded: closed, the claim lost elsewhere. */
export type GameState = "open" | "won" | "lost" | "refunded";

export interface GameRecord {
  readonly gameId: bigint;
  readonly claimKey: string;
  readonly requestId: bigint;
  readonly claimer: string;
  readonly challenger: string;
  readonly state: GameState;
  /** The phase and move count last seen on chain. */
  readonly phase: number;
  readonly moves: number;
  readonly lastError?: string;
}

interface GameRow {
  game_id: string;
  claim_key: string;
  request_id: string;
  claimer: string;
  challenger: string;
  state: GameState;
  phase: number;
  moves: number;
  last_error: string | null;
}

const toGame = (r: GameRow): GameRecord => ({
  gameId: BigInt(r.game_id),
  claimKey: r.claim_key,
  requestId: BigInt(r.request_id),
  claimer: r.claimer,
  challenger: r.challenger,
  state: r.state,
  phase: r.phase,
  moves: r.moves,
  ...(r.last_error !== null ? { lastError: r.last_error } : {}),
});

export class GameTable {
  constructor(private readonly db: DatabaseSync) {}

  /** The last block whose Challenged events are all in the table (-1 before the first scan). */
  scannedBlock(): number {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'gamesScannedBlock'").get() as { value: string } | undefined;
    return Number(row?.value ?? -1);
  }

  /** Records new games and the block the scan reached, in one transaction. */
  addScanned(games: readonly NewGame[], toBlock: number): number {
    let added = 0;
    this.db.exec("BEGIN IMMEDIATE");
    try {
      for (const g of games) if (this.add(g)) added++;
      this.db
        .prepare("INSERT INTO meta (key, value) VALUES ('gamesScannedBlock', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .run(String(toBlock));
      this.db.exec("COMMIT");
    } catch (err) {
      this.db.exec("ROLLBACK");
      throw err;
    }
    return added;
  }

  /** Adds a game (once; a game already known is left as it is). Returns whether it was new. */
  add(g: NewGame): boolean {
    const r = this.db
      .prepare(
        `INSERT OR IGNORE INTO games (game_id, claim_key, request_id, claimer, challenger, state, updated_at)
         VALUES (?, ?, ?, ?, ?, 'open', ?)`,
      )
      .run(g.gameId.toString(), g.claimKey, g.requestId.toString(), g.claimer, g.challenger, Date.now());
    return Number(r.changes) === 1;
  }

  get(gameId: bigint): GameRecord | undefined {
    const row = this.db.prepare("SELECT * FROM games WHERE game_id = ?").get(gameId.toString()) as GameRow | undefined;
    return row ? toGame(row) : undefined;
  }

  open(): GameRecord[] {
    return (
      this.db.prepare("SELECT * FROM games WHERE state = 'open' ORDER BY CAST(game_id AS INTEGER)").all() as unknown as GameRow[]
    ).map(toGame);
  }

  all(): GameRecord[] {
    return (this.db.prepare("SELECT * FROM games ORDER BY CAST(game_id AS INTEGER)").all() as unknown as GameRow[]).map(toGame);
  }

  ofClaim(claimKey: string): GameRecord[] {
    return (this.db.prepare("SELECT * FROM games WHERE claim_key = ?").all(claimKey) as unknown as GameRow[]).map(toGame);
  }

  /** Records what the chain says of an open game (phase and moves), and its end. */
  update(gameId: bigint, phase: number, moves: number, state: GameState = "open", error: string | null = null): void {
    this.db
      .prepare("UPDATE games SET phase = ?, moves = ?, state = ?, last_error = ?, updated_at = ? WHERE game_id = ?")
      .run(phase, moves, state, error, Date.now(), gameId.toString());
  }

  noteError(gameId: bigint, error: string): void {
    this.db.prepare("UPDATE games SET last_error = ?, updated_at = ? WHERE game_id = ?").run(error, Date.now(), gameId.toString());
  }
}
