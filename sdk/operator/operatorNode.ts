/**
 * The operator node: its roles wired together around one job queue.
 *   watcher    (./watcher.ts)   adds the router's requests to the queue
 *   provers    (sdk/proofs/)    one per served model and proof type, run here up to `concurrency` at once
 *   submitter  (./submitter.ts) the only holder of the key and nonce; signs, stores, sends, follows
 * Every step is written to the queue before the next side effect starts, so a
 * kill -9 at any moment loses nothing and never sends a second fulfilment.
 * Jobs being worked on are leased to this node; several nodes may share one
 * queue, proving different jobs, with one of them (the holder of the
 * "submitter" role) signing for the shared account.
 *
 * Life of a job: pending -> (prove) -> proved -> (sign, store, broadcast) ->
 * signed -> (receipt) -> done; or skipped / failed (sdk/operator/jobQueue.ts).
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";

import { type Provider, Transaction, type Wallet } from "ethers";

import { sleep } from "../async.js";
import { buildClaim } from "../opml/claim.js";
import type { ClaimerContext } from "../opml/moves.js";
import { OpmlProver } from "../opml/proofSystem.js";
import type { ModelProver } from "../proofs/proofSystem.js";
import { proofTypeName } from "../proofs/registry.js";
import { type InferenceRouter, connectProtocol } from "../protocol/contracts.js";
import type { InferenceRequest } from "../protocol/request.js";
import { InputError, type ProtocolError, VinferError } from "../errors.js";
import { FINAL_STATES, type Job, type JobQueue } from "./jobQueue.js";
import { type Logger, silentLogger } from "./log.js";
import { OpmlClaims } from "./opmlClaims.js";
import { Submitter, message } from "./submitter.js";
import { TxSender } from "./txSender.js";
import { Watcher, closedReason } from "./watcher.js";

/** What the node needs of a prover: its proof type and a way to prove a request. */
export type Prover = Pick<ModelProver, "proofType" | "prove">;

export interface OperatorOptions {
  readonly provider: Provider;
  /** The operator's account; it signs fulfilments and earns the fees. */
  readonly wallet: Wallet;
  readonly router: string;
  readonly registry: string;
  readonly store: JobQueue;
  /** Model id (lower-case hex) -> the provers this node runs for it. */
  readonly provers: ReadonlyMap<string, readonly Prover[]>;
  /** Scratch folder for proof files. */
  readonly workDir: string;
  /** Jobs proven at the same time (default 2). */
  readonly concurrency?: number;
  readonly pollIntervalMs?: number;
  /** Attempts per job before it is marked failed (default 5). */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per attempt up to maxBackoffMs (defaults 1 s, 60 s). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** How long a job stays leased to this node without a heartbeat (default 60 s). */
  readonly leaseMs?: number;
  /** First block to scan when the database is new (default: 0). */
  readonly fromBlock?: number;
  /** Requests paying less are skipped (default 0). */
  readonly minFee?: bigint;
  /**
   * Blocks deep a request must be before the node acts on it, and a transaction before the
   * node counts it as mined (default 1: in a block). Reorgs shallower than this are harmless.
   */
  readonly confirmations?: number;
  /** The most the node pays per gas (base fee plus tip); stuck transactions are re-priced up to it (default: no cap). */
  readonly maxFeePerGas?: bigint;
  /** A transaction still waiting after this many blocks is re-priced (default 3). */
  readonly bumpAfterBlocks?: number;
  /** How long a submission waits for its receipt before leaving it to the next tick (default 30 s). */
  readonly receiptWaitMs?: number;
  readonly logger?: Logger;
}

/** Contract errors that mean the request is not ours to fulfil any more. */
const GONE = new Set(["Router_RequestNotPending", "Router_RequestExpired"]);

/** The options with a default, resolved once. */
interface Tuning {
  readonly concurrency: number;
  readonly pollIntervalMs: number;
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly leaseMs: number;
  readonly fromBlock: number;
  readonly minFee: bigint;
  readonly confirmations: number;
}

export class OperatorNode {
  /** This node's name in the queue's leases: host, process and a random part. */
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  private readonly router: InferenceRouter;
  private readonly queue: JobQueue;
  private readonly log: Logger;
  private readonly t: Tuning;
  /** Jobs this node is proving (at most `concurrency`), and proved jobs it is submitting. */
  private readonly proving = new Set<bigint>();
  private readonly submitting = new Set<bigint>();
  private readonly watcher: Watcher;
  private submitter?: Submitter;
  private sender?: TxSender;
  private opml?: OpmlClaims;
  private isSubmitter = false;
  private running = false;

  /** Whether the node runs (between start and stop): the health endpoint's answer. */
  get isRunning(): boolean {
    return this.running;
  }
  private loop?: Promise<void>;
  private chainId = 0n;

  constructor(private readonly o: OperatorOptions) {
    this.router = connectProtocol({ router: o.router, registry: o.registry }, o.wallet).router;
    this.queue = o.store;
    this.log = o.logger ?? silentLogger;
    this.t = {
      concurrency: o.concurrency ?? 2,
      pollIntervalMs: o.pollIntervalMs ?? 1_000,
      maxAttempts: o.maxAttempts ?? 5,
      backoffMs: o.backoffMs ?? 1_000,
      maxBackoffMs: o.maxBackoffMs ?? 60_000,
      leaseMs: o.leaseMs ?? 60_000,
      fromBlock: o.fromBlock ?? 0,
      minFee: o.minFee ?? 0n,
      confirmations: Math.max(1, o.confirmations ?? 1),
    };
    this.watcher = new Watcher({
      provider: o.provider,
      router: this.router,
      queue: this.queue,
      refusal: (r) => this.refusal(r),
      fromBlock: this.t.fromBlock,
      confirmations: this.t.confirmations,
      log: this.log,
    });
  }

  /** Checks the database belongs to this deployment, then runs until stop(). */
  async start(): Promise<void> {
    const network = await this.o.provider.getNetwork();
    this.chainId = network.chainId;
    this.queue.bind({ chainId: this.chainId, router: this.o.router, operator: this.o.wallet.address });
    this.releaseDeadWorkers();
    this.sender = new TxSender({
      provider: this.o.provider,
      wallet: this.o.wallet,
      chainId: this.chainId,
      txs: this.queue.txs,
      log: this.log,
      confirmations: this.t.confirmations,
      fees: {
        maxFeePerGas: this.o.maxFeePerGas,
        ...(this.o.bumpAfterBlocks !== undefined ? { bumpAfterBlocks: this.o.bumpAfterBlocks } : {}),
      },
    });
    // A restarted node starts its nonce count after every transaction it stored, not from the RPC's pending count alone.
    for (const nonce of [...this.signedNonces(), ...this.queue.txs.unconfirmed().map((t) => t.nonce)]) this.sender.noteNonce(nonce);
    this.opml = new OpmlClaims({
      provider: this.o.provider,
      router: this.router,
      routerAddress: this.o.router,
      queue: this.queue,
      sender: this.sender,
      log: this.log,
      claimerOf: (job) => this.claimerOf(job),
      fromBlock: this.t.fromBlock,
    });
    const opml = this.opml;
    this.submitter = new Submitter({
      provider: this.o.provider,
      router: this.router,
      routerAddress: this.o.router,
      queue: this.queue,
      log: this.log,
      skip: (id, reason) => this.skip(id, reason),
      retry: (id, err) => this.retryLater(id, err),
      holdsRole: () => this.queue.leaseRole("submitter", this.workerId, Date.now(), this.t.leaseMs),
      sender: this.sender,
      claimed: (job, receipt) => opml.recordClaim(job, receipt),
      beforeSign: (job) => opml.ensureBond(job),
      ...(this.o.receiptWaitMs !== undefined ? { receiptWaitMs: this.o.receiptWaitMs } : {}),
    });
    this.log.log("info", "operator.start", {
      chainId: this.chainId,
      router: this.o.router,
      operator: this.o.wallet.address,
      worker: this.workerId,
      models: [...this.o.provers.keys()].join(","),
      ...this.queue.counts(),
    });
    this.running = true;
    this.loop = this.run();
  }

  /** Stops scanning and waits for jobs in flight to reach a stored state. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    while (this.proving.size + this.submitting.size > 0) await sleep(50);
    await this.submitter?.idle();
    this.queue.releaseAll(this.workerId);
    this.log.log("info", "operator.stop", { ...this.queue.counts() });
  }

  /** Resolves once every given request's job has reached a final state. */
  async waitFor(requestIds: readonly bigint[], timeoutMs = 600_000): Promise<Job[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const jobs = requestIds.map((id) => this.queue.get(id));
      if (jobs.every((j) => j && FINAL_STATES.includes(j.state))) return jobs as Job[];
      if (Date.now() > deadline)
        throw new VinferError(
          "OPERATOR_TIMEOUT",
          `requests ${requestIds.join(", ")} not finished within ${timeoutMs} ms (see the operator's log)`,
        );
      await sleep(100);
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.tick();
      } catch (err) {
        this.log.log("warn", "operator.tick_failed", { error: message(err) });
      }
      await sleep(this.t.pollIntervalMs);
    }
  }

  /** One round: find new requests, follow sent transactions, submit proved jobs, start proving due ones. */
  async tick(): Promise<void> {
    await this.watcher.scan();
    const now = Date.now();
    this.queue.renewLeases(this.workerId, [...this.proving, ...this.submitting], now + this.t.leaseMs);
    const wasSubmitter = this.isSubmitter;
    this.isSubmitter = this.queue.leaseRole("submitter", this.workerId, now, this.t.leaseMs);
    if (this.isSubmitter !== wasSubmitter) this.log.log("info", "operator.role", { submitter: this.isSubmitter });
    if (this.isSubmitter) {
      // Sent transactions first: after a restart this re-sends a stored transaction before any
      // new one takes the next nonce.
      const signed = this.queue.lease(this.workerId, ["signed"], now, this.t.leaseMs, 1_000, (j) => !this.busy(j.requestId));
      await this.submitter!.follow(signed);
      for (const job of signed) this.queue.release(job.requestId, this.workerId);
      // Proofs finished here or by other nodes on the queue; signing is serialized, not limited by proving slots.
      for (const job of this.queue.lease(this.workerId, ["proved"], now, this.t.leaseMs, 1_000, (j) => !this.busy(j.requestId)))
        this.track(this.submitting, job.requestId, this.submitter!.submit(job.requestId));
      // OPML: other transactions left waiting, then the claims' games, settlement and bonds.
      await this.sender!.followUnconfirmed();
      await this.fillNonceGaps().catch((err: unknown) => this.log.log("warn", "tx.nonce_gap_check_failed", { error: message(err) }));
      await this.opml!.tick();
    }
    const free = this.t.concurrency - this.proving.size;
    if (free <= 0) return;
    const serveable = (j: Job) => !this.busy(j.requestId) && this.proverFor(j.request.modelId, j.request.proofType) !== undefined;
    for (const job of this.queue.lease(this.workerId, ["pending"], now, this.t.leaseMs, free, serveable))
      this.track(this.proving, job.requestId, this.prove(job));
  }

  /** A nonce below our waiting fulfilments that nothing of ours holds is filled, or they would wait for ever. */
  private async fillNonceGaps(): Promise<void> {
    await this.sender!.exclusive(() => this.sender!.fillNonceGaps(this.signedNonces()));
  }

  /** The nonces of the fulfil transactions signed and not yet settled. */
  private signedNonces(): number[] {
    return this.queue.inState("signed").map((j) => Transaction.from(j.rawTx!).nonce);
  }

  private busy(id: bigint): boolean {
    return this.proving.has(id) || this.submitting.has(id);
  }

  /** Runs a job's work in the background; the job's lease ends with it. */
  private track(set: Set<bigint>, id: bigint, work: Promise<void>): void {
    set.add(id);
    void work
      .catch((err: unknown) => this.retryLater(id, err))
      .finally(() => {
        set.delete(id);
        this.queue.release(id, this.workerId);
      });
  }

  /** Why this node does not serve a request, or undefined if it does. */
  private refusal(r: InferenceRequest): string | undefined {
    if (!this.proverFor(r.modelId, r.proofType)) return `not serving model ${r.modelId} with ${proofTypeName(r.proofType)}`;
    if (r.fee < this.t.minFee) return `fee ${r.fee} below minimum`;
    return undefined;
  }

  /** What the node defends an OPML claim of `job` with: the claim it made, rebuilt from the model and the input. */
  private claimerOf(job: Job): ClaimerContext | undefined {
    const prover = this.proverFor(job.request.modelId, job.request.proofType);
    if (!(prover instanceof OpmlProver)) return undefined;
    const claim = buildClaim(prover.model, job.input, prover.settings.lie);
    return { model: prover.model, trace: claim.trace, ...(claim.lie ? { lie: claim.lie } : {}) };
  }

  private proverFor(modelId: string, proofType: number): Prover | undefined {
    return this.o.provers.get(modelId.toLowerCase())?.find((p) => p.proofType === proofType);
  }

  /** Proves a pending job, then submits it if this node holds the submitter role. */
  private async prove(job: Job): Promise<void> {
    const id = job.requestId;
    const closed = await closedReason(this.router, this.o.provider, job);
    if (closed) return this.skip(id, closed);
    const prover = this.proverFor(job.request.modelId, job.request.proofType)!;
    const started = Date.now();
    this.log.log("info", "job.proving", { requestId: id, proofType: proofTypeName(prover.proofType) });
    const result = await prover.prove({
      chainId: this.chainId,
      router: this.o.router,
      requestId: id,
      modelId: job.request.modelId,
      fulfiller: this.o.wallet.address,
      input: job.input,
      fee: job.request.fee,
      workDir: join(this.o.workDir, `request-${id}`),
    });
    this.queue.markProved(id, result.output, result.evidence);
    this.log.log("info", "job.proved", { requestId: id, ms: Date.now() - started, output: result.output.join(" ") });
    if (this.isSubmitter) await this.submitter!.submit(id);
  }

  private retryLater(id: bigint, err: unknown): void {
    const revert = (err as ProtocolError).revertName;
    if (revert && GONE.has(revert)) return this.skip(id, message(err));
    const job = this.queue.get(id)!;
    if (job.state === "signed") {
      // The transaction is stored: following it (re-sending if needed) is the submitter's job, and
      // giving up now could abandon a fulfilment that still gets mined.
      this.log.log("warn", "tx.send_failed", { requestId: id, tx: job.txHash, error: message(err) });
      return;
    }
    if (err instanceof InputError) {
      // The input itself is refused (outside the model's declared range, say): no retry changes that.
      this.queue.markFailed(id, message(err));
      this.log.log("error", "job.failed", { requestId: id, attempts: job.attempts, error: message(err) });
      return;
    }
    const delay = Math.min(this.t.backoffMs * 2 ** job.attempts, this.t.maxBackoffMs);
    const attempts = this.queue.recordAttempt(id, message(err), Date.now() + delay);
    if (attempts >= this.t.maxAttempts) {
      this.queue.markFailed(id, message(err));
      this.log.log("error", "job.failed", { requestId: id, attempts, error: message(err) });
    } else {
      this.log.log("warn", "job.retry", { requestId: id, attempts, inMs: delay, error: message(err) });
    }
  }

  /** Not ours to do: fulfilled or cancelled by others, expired, unserved. */
  private skip(id: bigint, reason: string): void {
    this.queue.markSkipped(id, reason);
    this.log.log("info", "job.skipped", { requestId: id, reason });
  }

  /** Leases of workers on this host whose process is gone (killed) are released at once, not at expiry. */
  private releaseDeadWorkers(): void {
    const host = hostname();
    for (const owner of this.queue.leaseOwners()) {
      const [h, pid] = owner.split(":");
      const previousSelf = Number(pid) === process.pid && owner !== this.workerId; // a reused pid after a restart
      if (h === host && pid && (previousSelf || !processAlive(Number(pid)))) {
        this.queue.releaseAll(owner);
        this.log.log("info", "operator.released_dead_worker", { worker: owner });
      }
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
