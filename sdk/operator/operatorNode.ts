/**
 * The operator node: watches a router for requests, proves the ones it can
 * serve, submits the results, and persists every step in a JobStore so that a
 * kill -9 at any moment loses nothing and never sends a second fulfilment.
 *
 * Life of a job: pending -> (prove) -> proved -> (sign, store, broadcast) ->
 * signed -> (receipt) -> done. Proving runs up to `concurrency` jobs at once;
 * signing and broadcasting are serialized so nonces never collide.
 */
import { join } from "node:path";

import { type Provider, Transaction, type Wallet } from "ethers";

import { serialQueue, sleep } from "../async.js";
import { type InferenceRouter, connectProtocol, explainRevert } from "../protocol/contracts.js";
import { requestsBetween } from "../protocol/client.js";
import { proofTypeName } from "../protocol/proofType.js";
import { type ProtocolError, VinferError } from "../errors.js";
import type { Job, JobStore } from "./jobStore.js";
import { type Logger, silentLogger } from "./log.js";
import type { Prover } from "./provers.js";

export interface OperatorOptions {
  readonly provider: Provider;
  /** The operator's account; it signs fulfilments and earns the fees. */
  readonly wallet: Wallet;
  readonly router: string;
  readonly registry: string;
  readonly store: JobStore;
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
  /** First block to scan when the database is new (default: 0). */
  readonly fromBlock?: number;
  /** Requests paying less are skipped (default 0). */
  readonly minFee?: bigint;
  readonly logger?: Logger;
}

/** Blocks per eth_getLogs query. */
const SCAN_CHUNK = 5_000;
/** Extra gas over eth_estimateGas for the fulfil transaction. */
const GAS_MARGIN_PERCENT = 20n;
/** How long a job waits for its receipt before leaving it to the monitor. */
const RECEIPT_WAIT_MS = 30_000;

/** Contract errors that mean the request is not ours to fulfil any more. */
const GONE = new Set(["RequestNotPending", "RequestExpired"]);

/** The options with a default, resolved once. */
interface Tuning {
  readonly concurrency: number;
  readonly pollIntervalMs: number;
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly fromBlock: number;
  readonly minFee: bigint;
}

export class OperatorNode {
  private readonly router: InferenceRouter;
  private readonly log: Logger;
  private readonly t: Tuning;
  private readonly inFlight = new Set<bigint>();
  /** Signing, sending and following transactions: one account, one nonce sequence. */
  private readonly serialized = serialQueue();
  private running = false;
  private loop?: Promise<void>;
  private chainId = 0n;
  private lastNonce = -1;

  constructor(private readonly o: OperatorOptions) {
    this.router = connectProtocol({ router: o.router, registry: o.registry }, o.wallet).router;
    this.log = o.logger ?? silentLogger;
    this.t = {
      concurrency: o.concurrency ?? 2,
      pollIntervalMs: o.pollIntervalMs ?? 1_000,
      maxAttempts: o.maxAttempts ?? 5,
      backoffMs: o.backoffMs ?? 1_000,
      maxBackoffMs: o.maxBackoffMs ?? 60_000,
      fromBlock: o.fromBlock ?? 0,
      minFee: o.minFee ?? 0n,
    };
  }

  /** Checks the database belongs to this deployment, then runs until stop(). */
  async start(): Promise<void> {
    const network = await this.o.provider.getNetwork();
    this.chainId = network.chainId;
    this.o.store.bind({ chainId: this.chainId, router: this.o.router, operator: this.o.wallet.address });
    this.log.log("info", "operator.start", {
      chainId: this.chainId,
      router: this.o.router,
      operator: this.o.wallet.address,
      models: [...this.o.provers.keys()].join(","),
      ...this.o.store.counts(),
    });
    this.running = true;
    this.loop = this.run();
  }

  /** Stops scanning and waits for jobs in flight to reach a stored state. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    while (this.inFlight.size > 0) await sleep(50);
    await this.serialized(async () => undefined);
    this.log.log("info", "operator.stop", { ...this.o.store.counts() });
  }

  /** Resolves once every given request's job has reached a final state. */
  async waitFor(requestIds: readonly bigint[], timeoutMs = 600_000): Promise<Job[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const jobs = requestIds.map((id) => this.o.store.get(id));
      if (jobs.every((j) => j && ["done", "skipped", "failed"].includes(j.state))) return jobs as Job[];
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

  /** One round: find new requests, follow sent transactions, start due jobs. */
  async tick(): Promise<void> {
    await this.scan();
    // Sent transactions first: after a restart this re-sends a stored transaction before any
    // new one takes the next nonce.
    await this.serialized(() => this.followSigned());
    if (this.inFlight.size >= this.t.concurrency) return;
    // Jobs in flight are still due in the store: ask for enough to fill every free slot past them.
    for (const job of this.o.store.due(["pending", "proved"], Date.now(), this.t.concurrency)) {
      if (this.inFlight.size >= this.t.concurrency) break;
      if (this.inFlight.has(job.requestId)) continue;
      this.inFlight.add(job.requestId);
      void this.process(job).finally(() => this.inFlight.delete(job.requestId));
    }
  }

  private async scan(): Promise<void> {
    const latest = await this.o.provider.getBlockNumber();
    let from = Math.max(this.o.store.scannedBlock() + 1, this.t.fromBlock);
    while (from <= latest) {
      const to = Math.min(from + SCAN_CHUNK - 1, latest);
      const records = await requestsBetween(this.router, from, to);
      const classified = records.map((record) => {
        const r = record.request;
        const served = this.proverFor(r.modelId, r.proofType) !== undefined;
        const cheap = r.fee < this.t.minFee;
        const reason = !served
          ? `not serving model ${r.modelId} with ${proofTypeName(r.proofType)}`
          : cheap
            ? `fee ${r.fee} below minimum`
            : undefined;
        return { record, state: reason ? ("skipped" as const) : ("pending" as const), ...(reason ? { reason } : {}) };
      });
      const added = this.o.store.addScanned(classified, to);
      for (const c of classified)
        this.log.log(c.state === "pending" ? "info" : "debug", c.state === "pending" ? "job.new" : "job.skipped", {
          requestId: c.record.requestId,
          modelId: c.record.request.modelId,
          proofType: proofTypeName(c.record.request.proofType),
          reason: c.reason,
        });
      if (added > 0 || records.length > 0) this.log.log("debug", "scan", { from, to, requests: records.length, added });
      from = to + 1;
    }
  }

  private proverFor(modelId: string, proofType: number): Prover | undefined {
    return this.o.provers.get(modelId.toLowerCase())?.find((p) => p.proofType === proofType);
  }

  private async process(job: Job): Promise<void> {
    const id = job.requestId;
    try {
      if (job.state === "pending") {
        if (!(await this.stillOpen(job))) return;
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
          workDir: join(this.o.workDir, `request-${id}`),
        });
        this.o.store.markProved(id, result.output, result.evidence);
        this.log.log("info", "job.proved", { requestId: id, ms: Date.now() - started, output: result.output.join(" ") });
      }
      await this.serialized(() => this.submit(id));
      await this.awaitReceipt(id);
    } catch (err) {
      this.retryLater(id, err);
    }
  }

  /** False (and the job skipped) when the request is fulfilled, cancelled or expired. */
  private async stillOpen(job: Job): Promise<boolean> {
    const [pending, block] = await Promise.all([this.router.isPending(job.requestId, job.request), this.o.provider.getBlock("latest")]);
    const reason = !pending
      ? "no longer pending (fulfilled or cancelled)"
      : block && BigInt(block.timestamp) > job.request.deadline
        ? "expired"
        : undefined;
    if (!reason) return true;
    this.skip(job.requestId, reason);
    return false;
  }

  /** Signs the fulfilment, stores it, then broadcasts it. Runs serialized. */
  private async submit(id: bigint): Promise<void> {
    const job = this.o.store.get(id)!;
    if (job.state !== "proved") return;
    if (!(await this.stillOpen(job))) return;
    const data = this.router.interface.encodeFunctionData("fulfill", [id, job.request, job.input, job.output!, job.evidence!]);
    let gas: bigint;
    try {
      gas = await this.o.provider.estimateGas({ from: this.o.wallet.address, to: this.o.router, data });
    } catch (err) {
      throw explainRevert(`fulfill(${id})`, err);
    }
    // The node's own count guards against an RPC that answers the pending count from a stale cache.
    const nonce = Math.max(await this.o.provider.getTransactionCount(this.o.wallet.address, "pending"), this.lastNonce + 1);
    const tx = await this.o.wallet.populateTransaction({
      to: this.o.router,
      data,
      nonce,
      gasLimit: (gas * (100n + GAS_MARGIN_PERCENT)) / 100n,
      chainId: this.chainId,
    });
    const raw = await this.o.wallet.signTransaction(tx);
    const hash = Transaction.from(raw).hash!;
    this.o.store.markSigned(id, hash, raw);
    this.lastNonce = nonce;
    this.log.log("info", "tx.signed", { requestId: id, tx: hash, nonce });
    await this.o.provider.broadcastTransaction(raw);
    this.log.log("info", "tx.broadcast", { requestId: id, tx: hash });
  }

  private async awaitReceipt(id: bigint): Promise<void> {
    const job = this.o.store.get(id)!;
    if (job.state !== "signed") return;
    const receipt = await this.o.provider.waitForTransaction(job.txHash!, 1, RECEIPT_WAIT_MS).catch(() => null);
    if (receipt) await this.serialized(() => this.settle(this.o.store.get(id)!));
  }

  /** Follows every stored transaction: settles mined ones, re-sends lost ones. */
  private async followSigned(): Promise<void> {
    for (const job of this.o.store.due(["signed"], Number.MAX_SAFE_INTEGER, 1_000)) {
      try {
        await this.settle(job);
      } catch (err) {
        this.log.log("warn", "tx.follow_failed", { requestId: job.requestId, error: message(err) });
      }
    }
  }

  private async settle(job: Job): Promise<void> {
    if (job.state !== "signed") return;
    const id = job.requestId;
    const receipt = await this.o.provider.getTransactionReceipt(job.txHash!);
    if (receipt?.status === 1) {
      this.o.store.markDone(id);
      this.log.log("info", "job.done", { requestId: id, tx: job.txHash, gasUsed: receipt.gasUsed, block: receipt.blockNumber });
      return;
    }
    if (receipt) {
      // Mined but reverted: someone else got there first, or our transaction was short of gas.
      if (await this.router.isPending(id, job.request)) {
        this.o.store.markUnsigned(id, `transaction ${job.txHash} reverted`);
        this.retryLater(id, new Error(`fulfil transaction ${job.txHash} reverted`));
      } else {
        this.skip(id, "fulfilled by another transaction");
      }
      return;
    }
    if (await this.o.provider.getTransaction(job.txHash!)) return; // still waiting to be mined
    const nonce = Transaction.from(job.rawTx!).nonce;
    if ((await this.o.provider.getTransactionCount(this.o.wallet.address, "latest")) > nonce) {
      // The nonce was used by a transaction other than ours: ours can never be mined.
      this.o.store.markUnsigned(id, `transaction ${job.txHash} was replaced`);
      this.log.log("warn", "tx.dropped", { requestId: id, tx: job.txHash });
      return;
    }
    // Signed but never seen by the node (e.g. killed between store and broadcast): the same bytes again.
    await this.o.provider.broadcastTransaction(job.rawTx!);
    this.log.log("info", "tx.rebroadcast", { requestId: id, tx: job.txHash, nonce });
  }

  private retryLater(id: bigint, err: unknown): void {
    const revert = (err as ProtocolError).revertName;
    if (revert && GONE.has(revert)) {
      this.skip(id, message(err));
      return;
    }
    const job = this.o.store.get(id)!;
    if (job.state === "signed") {
      // The transaction is stored: following it (re-sending if needed) is the monitor's job, and
      // giving up now could abandon a fulfilment that still gets mined.
      this.log.log("warn", "tx.send_failed", { requestId: id, tx: job.txHash, error: message(err) });
      return;
    }
    const delay = Math.min(this.t.backoffMs * 2 ** job.attempts, this.t.maxBackoffMs);
    const attempts = this.o.store.recordAttempt(id, message(err), Date.now() + delay);
    if (attempts >= this.t.maxAttempts) {
      this.o.store.markFailed(id, message(err));
      this.log.log("error", "job.failed", { requestId: id, attempts, error: message(err) });
    } else {
      this.log.log("warn", "job.retry", { requestId: id, attempts, inMs: delay, error: message(err) });
    }
  }

  /** Not ours to do: fulfilled or cancelled by others, expired, unserved. */
  private skip(id: bigint, reason: string): void {
    this.o.store.markSkipped(id, reason);
    this.log.log("info", "job.skipped", { requestId: id, reason });
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
