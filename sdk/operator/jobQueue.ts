/**
 * The operator's job queue: what the watcher adds, provers take and the
 * submitter finishes. A job moves only along the edges of JOB_TRANSITIONS,
 * and a job being worked on is leased to one worker, so a second process on
 * the same queue never proves the same job. The SQLite JobStore implements
 * it; a networked queue (Redis/BullMQ, Postgres) can take its place.
 */
import type { ClaimRef } from "../opml/gameClient.js";
import { VinferError } from "../errors.js";
import type { InferenceRequest, RequestRecord } from "../protocol/request.js";
import type { GameTable, TxLog } from "./txLog.js";

/**
 * pending: seen, not proven - proved: output and evidence stored -
 * signed: fulfil transaction signed and stored, maybe broadcast -
 * done: fulfilled by us (receipt status 1) - skipped: not ours to do
 * (unserved model, expired, fulfilled by someone else) - failed: gave up.
 * Asynchronous proof types (OPML): the fulfilment records a claim instead of
 * a result - claimed: our claim stands in its challenge window or its games -
 * settled: accepted, settled on the router, bond released - rejected: a game
 * against it was lost (the request reopened; the bond went to the challenger).
 */
export type JobState = "pending" | "proved" | "signed" | "done" | "skipped" | "failed" | "claimed" | "settled" | "rejected";

/** The allowed moves (each of JobQueue's mark* methods takes one or more of them). done, skipped and failed are final. */
export const JOB_TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  pending: ["proved", "skipped", "failed"],
  proved: ["signed", "skipped", "failed"],
  // Back to proved when the stored transaction reverted or was replaced: it is signed anew.
  signed: ["done", "proved", "skipped", "claimed"],
  done: [],
  skipped: [],
  failed: [],
  claimed: ["settled", "rejected"],
  settled: [],
  rejected: [],
};

export const FINAL_STATES: readonly JobState[] = ["done", "skipped", "failed", "settled", "rejected"];

/**
 * An OPML claim as the adapter's ClaimOpened event gave it (IOpmlDisputeGame's ClaimRef, what
 * challenge and releaseBond take back), with its key and the end of its challenge window.
 */
export interface ClaimRecord {
  readonly claimKey: string;
  readonly claim: ClaimRefData;
  /** Seconds since the epoch (chain time). */
  readonly windowEnd: number;
}

/** IOpmlDisputeGame's ClaimRef. */
/** A claim as its ClaimOpened event names it (stored with the job as JSON). */
export type ClaimRefData = ClaimRef;

export function claimRefFromJson(json: string): ClaimRefData {
  const o = JSON.parse(json) as Record<string, string>;
  return {
    router: o.router!,
    requestId: BigInt(o.requestId!),
    modelId: o.modelId!,
    verifier: o.verifier!,
    verifierParams: BigInt(o.verifierParams!),
    claimer: o.claimer!,
    inputHash: o.inputHash!,
    outputHash: o.outputHash!,
    traceRoot: o.traceRoot!,
    finalState: o.finalState!,
  };
}

export function claimRefToJson(c: ClaimRefData): string {
  return JSON.stringify({ ...c, requestId: c.requestId.toString(), verifierParams: c.verifierParams.toString() });
}

export interface Job {
  readonly requestId: bigint;
  readonly request: InferenceRequest;
  readonly input: bigint[];
  readonly state: JobState;
  readonly output?: bigint[];
  readonly evidence?: string;
  /** The fulfil transaction last signed (the one waiting, or the one mined). */
  readonly txHash?: string;
  readonly rawTx?: string;
  /** Earlier fulfil transactions with the same nonce, replaced by a higher fee: one of them may be mined instead. */
  readonly replacedTxs?: readonly string[];
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError?: string;
  /** The worker holding the job, and until when (ms since the epoch). */
  readonly leaseOwner?: string;
  readonly leaseUntil?: number;
  /** OPML: the claim the fulfilment opened (claimed, settled, rejected jobs). */
  readonly claim?: ClaimRecord;
}

export interface ScannedRequest {
  readonly record: RequestRecord;
  readonly state: "pending" | "skipped";
  readonly reason?: string;
}

/** A move the queue refused: the job was not in a state the move starts from. */
export class JobTransitionError extends VinferError {
  constructor(requestId: bigint, state: JobState | undefined, to: JobState, from: readonly JobState[]) {
    super(
      "OPERATOR_JOB_STATE",
      state === undefined
        ? `no job for request ${requestId}`
        : `job ${requestId} is ${state}; it cannot become ${to} (only a job that is ${from.join(" or ")} can)`,
    );
  }
}

export interface JobQueue {
  /** Ties the queue to one router on one chain and one operator account. */
  bind(identity: { chainId: bigint; router: string; operator: string }): void;
  /** The last block whose requests are all in the queue (-1 before the first scan). */
  scannedBlock(): number;
  /** Records newly seen requests and the block they were scanned up to, atomically; returns how many were new. */
  addScanned(requests: readonly ScannedRequest[], toBlock: number): number;
  get(requestId: bigint): Job | undefined;
  all(): Job[];
  /** The jobs in one state, oldest request first. */
  inState(state: JobState): Job[];
  counts(): Record<JobState, number>;
  /**
   * Leases up to `limit` jobs in `states` that are due at `now`, not leased
   * by another worker and that `accept` takes (default: all), oldest request
   * first, until `now + leaseMs`.
   */
  lease(owner: string, states: readonly JobState[], now: number, leaseMs: number, limit: number, accept?: (job: Job) => boolean): Job[];
  /** Extends the worker's leases on the given jobs (a heartbeat while it works on them). */
  renewLeases(owner: string, requestIds: readonly bigint[], until: number): void;
  release(requestId: bigint, owner: string): void;
  /** Releases every lease and role held by `owner` (a worker known to be gone). */
  releaseAll(owner: string): void;
  /** Owners of the leases and roles held now. */
  leaseOwners(): string[];
  /** Takes or renews a queue-wide role (e.g. "submitter": one signer per account) unless another owner holds it. */
  leaseRole(role: string, owner: string, now: number, leaseMs: number): boolean;
  markProved(requestId: bigint, output: readonly bigint[], evidence: string): void;
  /** Stores the signed transaction before it is broadcast (the exactly-once pivot). */
  markSigned(requestId: bigint, txHash: string, rawTx: string): void;
  /**
   * Stores a fee replacement of the signed transaction (same nonce, higher fee) before it is
   * broadcast; the transaction it replaces joins `replacedTxs`.
   */
  markReplaced(requestId: bigint, txHash: string, rawTx: string): void;
  /** Back to `proved` (the stored transaction was dropped or reverted): the next submission signs anew. */
  markUnsigned(requestId: bigint, reason: string): void;
  /** Fulfilled; `minedTx` names the transaction mined when it is one of the replaced ones. */
  markDone(requestId: bigint, minedTx?: string): void;
  markSkipped(requestId: bigint, reason: string): void;
  markFailed(requestId: bigint, reason: string): void;
  /** The mined fulfilment opened an OPML claim (signed -> claimed). */
  markClaimed(requestId: bigint, claim: ClaimRecord): void;
  /** The claim was accepted, settled on the router and its bond released (claimed -> settled). */
  markSettled(requestId: bigint): void;
  /** The claim lost a game (claimed -> rejected). */
  markRejected(requestId: bigint, reason: string): void;
  /** OPML: the games played against this account's claims. */
  readonly games: GameTable;
  /** Transactions other than fulfilments, stored before they are broadcast (./txSender.ts). */
  readonly txs: TxLog;
  /** Records a failed attempt; the job stays in its state and is due again at `nextAttemptAt`. Returns the attempt count. */
  recordAttempt(requestId: bigint, error: string, nextAttemptAt: number): number;
}
