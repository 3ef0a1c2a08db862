/**
 * The operator's durable job queue (./jobQueue.ts), in an embedded SQLite database
 * (node:sqlite, built into Node 22: no native add-on to compile, and its
 * synchronous API makes each state change one atomic, fsynced write).
 *
 * A job only moves forward, and every step is written before the next side
 * effect starts: the signed fulfil transaction is stored *before* it is
 * broadcast, so after a kill -9 the node re-sends the very same transaction
 * (same hash, same nonce) instead of a second one.
 */
import type { DatabaseSync } from "node:sqlite";

import { VinferError } from "../errors.js";
import { requestFromJson, requestToJson } from "../protocol/request.js";
import {
  type ClaimRecord,
  JOB_TRANSITIONS,
  type Job,
  type JobQueue,
  type JobState,
  JobTransitionError,
  type ScannedRequest,
  claimRefFromJson,
  claimRefToJson,
} from "./jobQueue.js";
import { openDatabase } from "./sqlite.js";
import { GameTable, OPML_SCHEMA, TxLog } from "./txLog.js";

export type { Job, JobState } from "./jobQueue.js";

interface JobRow {
  request_id: string;
  request_json: string;
  input_json: string;
  state: JobState;
  output_json: string | null;
  evidence: string | null;
  tx_hash: string | null;
  raw_tx: string | null;
  replaced_txs: string | null;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  lease_owner: string | null;
  lease_until: number | null;
  claim_key: string | null;
  claim_json: string | null;
  window_end: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
  request_id TEXT PRIMARY KEY,
  request_json TEXT NOT NULL,
  input_json TEXT NOT NULL,
  state TEXT NOT NULL,
  output_json TEXT,
  evidence TEXT,
  tx_hash TEXT,
  raw_tx TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, next_attempt_at);
`;

/** A job in a final state is nobody's. */
const RELEASE = "lease_owner = NULL, lease_until = NULL";

/** Columns added after the first release; a database from before gets them on open. */
const ADDED_COLUMNS: Record<string, string> = {
  lease_owner: "TEXT",
  lease_until: "INTEGER",
  claim_key: "TEXT",
  claim_json: "TEXT",
  window_end: "INTEGER",
  replaced_txs: "TEXT",
};

const bigints = (json: string) => (JSON.parse(json) as string[]).map((v) => BigInt(v));
const strings = (values: readonly bigint[]) => JSON.stringify(values.map(String));

function toJob(r: JobRow): Job {
  return {
    requestId: BigInt(r.request_id),
    request: requestFromJson(JSON.parse(r.request_json) as Record<string, string | number>),
    input: bigints(r.input_json),
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    ...(r.output_json !== null ? { output: bigints(r.output_json) } : {}),
    ...(r.evidence !== null ? { evidence: r.evidence } : {}),
    ...(r.tx_hash !== null ? { txHash: r.tx_hash } : {}),
    ...(r.raw_tx !== null ? { rawTx: r.raw_tx } : {}),
    ...(r.replaced_txs !== null ? { replacedTxs: JSON.parse(r.replaced_txs) as string[] } : {}),
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    ...(r.lease_owner !== null ? { leaseOwner: r.lease_owner, leaseUntil: r.lease_until ?? 0 } : {}),
    ...(r.claim_json !== null
      ? { claim: { claimKey: r.claim_key!, claim: claimRefFromJson(r.claim_json), windowEnd: r.window_end ?? 0 } }
      : {}),
  };
}

export class JobStore implements JobQueue {
  private readonly db: DatabaseSync;
  readonly games: GameTable;
  readonly txs: TxLog;

  /** Opens (creating if needed) the database at `path`; ":memory:" for a throwaway store. */
  constructor(path: string) {
    this.db = openDatabase(path);
    this.db.exec(SCHEMA);
    this.db.exec(OPML_SCHEMA);
    this.games = new GameTable(this.db);
    this.txs = new TxLog(this.db);
    const have = new Set((this.db.prepare("PRAGMA table_info(jobs)").all() as { name: string }[]).map((c) => c.name));
    for (const [name, type] of Object.entries(ADDED_COLUMNS))
      if (!have.has(name)) this.db.exec(`ALTER TABLE jobs ADD COLUMN ${name} ${type}`);
  }

  close(): void {
    this.db.close();
  }

  /**
   * Ties the database to one router on one chain and one operator account, so
   * a job table is never replayed against another deployment by mistake.
   */
  bind(identity: { chainId: bigint; router: string; operator: string }): void {
    const wanted = `${identity.chainId}:${identity.router.toLowerCase()}:${identity.operator.toLowerCase()}`;
    const have = this.meta("identity");
    if (have === undefined) this.setMeta("identity", wanted);
    else if (have !== wanted)
      throw new VinferError(
        "OPERATOR_DB_MISMATCH",
        `this job database belongs to chain:router:operator ${have}, not ${wanted}; use another --db file`,
      );
  }

  meta(key: string): string | undefined {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(key, value);
  }

  /** The last block whose requests are all in the table (-1 before the first scan). */
  scannedBlock(): number {
    return Number(this.meta("scannedBlock") ?? -1);
  }

  /** Records newly seen requests and the block they were scanned up to, in one transaction. */
  addScanned(records: readonly ScannedRequest[], toBlock: number): number {
    const insert = this.db.prepare(
      "INSERT OR IGNORE INTO jobs (request_id, request_json, input_json, state, last_error, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
    );
    let added = 0;
    this.transaction(() => {
      for (const { record, state, reason } of records) {
        const r = insert.run(
          record.requestId.toString(),
          JSON.stringify(requestToJson(record.request)),
          strings(record.input),
          state,
          reason ?? null,
          Date.now(),
        );
        added += Number(r.changes);
      }
      this.setMeta("scannedBlock", String(toBlock));
    });
    return added;
  }

  get(requestId: bigint): Job | undefined {
    const row = this.db.prepare("SELECT * FROM jobs WHERE request_id = ?").get(requestId.toString()) as JobRow | undefined;
    return row ? toJob(row) : undefined;
  }

  lease(
    owner: string,
    states: readonly JobState[],
    now: number,
    leaseMs: number,
    limit: number,
    accept: (job: Job) => boolean = () => true,
  ): Job[] {
    const marks = states.map(() => "?").join(", ");
    const jobs: Job[] = [];
    this.transaction(() => {
      const due = this.db.prepare(
        `SELECT * FROM jobs WHERE state IN (${marks}) AND next_attempt_at <= ?
           AND (lease_owner IS NULL OR lease_owner = ? OR lease_until <= ?)
         ORDER BY CAST(request_id AS INTEGER)`,
      );
      const take = this.db.prepare("UPDATE jobs SET lease_owner = ?, lease_until = ? WHERE request_id = ?");
      for (const row of due.iterate(...states, now, owner, now) as Iterable<JobRow>) {
        if (jobs.length >= limit) break;
        const job = toJob({ ...row, lease_owner: owner, lease_until: now + leaseMs });
        if (!accept(job)) continue;
        take.run(owner, now + leaseMs, row.request_id);
        jobs.push(job);
      }
    });
    return jobs;
  }

  renewLeases(owner: string, requestIds: readonly bigint[], until: number): void {
    const renew = this.db.prepare("UPDATE jobs SET lease_until = ? WHERE lease_owner = ? AND request_id = ?");
    this.transaction(() => {
      for (const id of requestIds) renew.run(until, owner, id.toString());
    });
  }

  release(requestId: bigint, owner: string): void {
    this.db
      .prepare("UPDATE jobs SET lease_owner = NULL, lease_until = NULL WHERE request_id = ? AND lease_owner = ?")
      .run(requestId.toString(), owner);
  }

  releaseAll(owner: string): void {
    this.db.prepare("UPDATE jobs SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?").run(owner);
    this.db.prepare("DELETE FROM meta WHERE key LIKE 'role:%' AND value LIKE ?").run(`${owner}@%`);
  }

  leaseOwners(): string[] {
    const jobs = this.db.prepare("SELECT DISTINCT lease_owner AS o FROM jobs WHERE lease_owner IS NOT NULL").all() as { o: string }[];
    const roles = this.db.prepare("SELECT value FROM meta WHERE key LIKE 'role:%'").all() as { value: string }[];
    return [...new Set([...jobs.map((r) => r.o), ...roles.map((r) => r.value.slice(0, r.value.lastIndexOf("@")))])];
  }

  leaseRole(role: string, owner: string, now: number, leaseMs: number): boolean {
    let held = false;
    this.transaction(() => {
      const current = this.meta(`role:${role}`);
      const at = current?.lastIndexOf("@") ?? -1;
      const [holder, until] = current && at > 0 ? [current.slice(0, at), Number(current.slice(at + 1))] : [undefined, 0];
      held = holder === undefined || holder === owner || until <= now;
      if (held) this.setMeta(`role:${role}`, `${owner}@${now + leaseMs}`);
    });
    return held;
  }

  all(): Job[] {
    return (this.db.prepare("SELECT * FROM jobs ORDER BY CAST(request_id AS INTEGER)").all() as unknown as JobRow[]).map(toJob);
  }

  inState(state: JobState): Job[] {
    return (
      this.db.prepare("SELECT * FROM jobs WHERE state = ? ORDER BY CAST(request_id AS INTEGER)").all(state) as unknown as JobRow[]
    ).map(toJob);
  }

  counts(): Record<JobState, number> {
    const counts: Record<JobState, number> = {
      pending: 0,
      proved: 0,
      signed: 0,
      done: 0,
      skipped: 0,
      failed: 0,
      claimed: 0,
      settled: 0,
      rejected: 0,
    };
    for (const r of this.db.prepare("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").all() as { state: JobState; n: number }[])
      counts[r.state] = r.n;
    return counts;
  }

  markProved(requestId: bigint, output: readonly bigint[], evidence: string): void {
    this.move(requestId, ["pending"], "proved", "output_json = ?, evidence = ?, last_error = NULL", strings(output), evidence);
  }

  markSigned(requestId: bigint, txHash: string, rawTx: string): void {
    this.move(requestId, ["proved"], "signed", "tx_hash = ?, raw_tx = ?, replaced_txs = NULL", txHash, rawTx);
  }

  markReplaced(requestId: bigint, txHash: string, rawTx: string): void {
    const job = this.get(requestId);
    if (job?.state !== "signed") throw new JobTransitionError(requestId, job?.state, "signed", ["signed"]);
    const replaced = JSON.stringify([...(job.replacedTxs ?? []), job.txHash]);
    this.db
      .prepare("UPDATE jobs SET tx_hash = ?, raw_tx = ?, replaced_txs = ?, updated_at = ? WHERE request_id = ? AND state = 'signed'")
      .run(txHash, rawTx, replaced, Date.now(), requestId.toString());
  }

  markUnsigned(requestId: bigint, reason: string): void {
    this.move(requestId, ["signed"], "proved", "tx_hash = NULL, raw_tx = NULL, replaced_txs = NULL, last_error = ?", reason);
  }

  markDone(requestId: bigint, minedTx?: string): void {
    this.move(requestId, ["signed"], "done", `tx_hash = COALESCE(?, tx_hash), last_error = NULL, ${RELEASE}`, minedTx ?? null);
  }

  markSkipped(requestId: bigint, reason: string): void {
    this.move(requestId, ["pending", "proved", "signed"], "skipped", `last_error = ?, ${RELEASE}`, reason);
  }

  markFailed(requestId: bigint, reason: string): void {
    this.move(requestId, ["pending", "proved"], "failed", `last_error = ?, ${RELEASE}`, reason);
  }

  markClaimed(requestId: bigint, c: ClaimRecord): void {
    this.move(
      requestId,
      ["signed"],
      "claimed",
      `claim_key = ?, claim_json = ?, window_end = ?, last_error = NULL, ${RELEASE}`,
      c.claimKey,
      claimRefToJson(c.claim),
      c.windowEnd,
    );
  }

  markSettled(requestId: bigint): void {
    this.move(requestId, ["claimed"], "settled", `last_error = NULL, ${RELEASE}`);
  }

  markRejected(requestId: bigint, reason: string): void {
    this.move(requestId, ["claimed"], "rejected", `last_error = ?, ${RELEASE}`, reason);
  }

  recordAttempt(requestId: bigint, error: string, nextAttemptAt: number): number {
    const r = this.db
      .prepare(
        `UPDATE jobs SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, updated_at = ?
         WHERE request_id = ? AND state NOT IN ('done', 'skipped', 'failed', 'settled', 'rejected')`,
      )
      .run(error, nextAttemptAt, Date.now(), requestId.toString());
    if (Number(r.changes) !== 1) {
      const state = this.get(requestId)?.state;
      throw new VinferError(
        "OPERATOR_JOB_STATE",
        state ? `job ${requestId} is ${state}: a final job takes no more attempts` : `no job for request ${requestId}`,
      );
    }
    return this.get(requestId)!.attempts;
  }

  /** Moves the job from one of `from` to `to` in one guarded UPDATE; each edge must be in JOB_TRANSITIONS. */
  private move(requestId: bigint, from: readonly JobState[], to: JobState, set: string, ...values: (string | number | null)[]): void {
    for (const f of from) if (!JOB_TRANSITIONS[f].includes(to)) throw new Error(`bug: ${f} -> ${to} is not a job transition`);
    const r = this.db
      .prepare(`UPDATE jobs SET state = ?, ${set}, updated_at = ? WHERE request_id = ? AND state IN (${from.map(() => "?").join(", ")})`)
      .run(to, ...values, Date.now(), requestId.toString(), ...from);
    if (Number(r.changes) !== 1) throw new JobTransitionError(requestId, this.get(requestId)?.state, to, from);
  }

  private transaction(fn: () => void): void {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      fn();
      this.db.exec("COMMIT");
    } catch (err) {
      this.db.exec("ROLLBACK");
      throw err;
    }
  }
}
