/**
 * The submitter role: the only holder of the operator's key and nonce. It
 * signs a proved job's fulfil transaction, stores it *before* broadcasting it
 * (so after a kill -9 the very same transaction is re-sent, never a second
 * nonce), and follows stored transactions until they are mined deep enough,
 * re-sending them when lost or reorganised away, re-pricing them (same
 * nonce) when stuck, re-signing when their nonce went to another transaction
 * (./txSender.ts). Its calls run one at a time.
 */
import type { Provider, TransactionReceipt } from "ethers";

import { packInt16 } from "../commit/int16Tensor.js";
import type { InferenceRouter } from "../protocol/contracts.js";
import type { Job, JobQueue } from "./jobQueue.js";
import type { Logger } from "./log.js";
import type { EstimatedCall, TxSender } from "./txSender.js";
import { closedReason } from "./watcher.js";

/** How long a job waits for its receipt before leaving it to the next tick's follow (default). */
const RECEIPT_WAIT_MS = 30_000;

export interface SubmitterOptions {
  readonly provider: Provider;
  readonly router: InferenceRouter;
  readonly routerAddress: string;
  readonly queue: JobQueue;
  readonly log: Logger;
  /** The job is not ours to do any more. */
  readonly skip: (requestId: bigint, reason: string) => void;
  /** The job's transaction failed in a way worth another attempt later. */
  readonly retry: (requestId: bigint, err: unknown) => void;
  /**
   * Takes or renews the queue-wide submitter role; false when another node holds it. Asked right
   * before each signature, so two nodes sharing a queue never sign with the same nonce.
   */
  readonly holdsRole: () => boolean;
  /** The account's signing lock and nonce sequence, shared with the node's other transactions. */
  readonly sender: TxSender;
  /**
   * A mined fulfilment that the router recorded as a claim (InferenceClaimed: an asynchronous
   * proof type such as OPML) rather than a result: the node records the claim.
   */
  readonly claimed: (job: Job, receipt: TransactionReceipt) => Promise<void>;
  /** Runs before a proved job's fulfilment is signed, outside the signing lock (OPML: deposit the claim bond). */
  readonly beforeSign?: (job: Job) => Promise<void>;
  /** How long submit() waits for the receipt before leaving the job to follow() (default 30 s). */
  readonly receiptWaitMs?: number;
}

export class Submitter {
  /** Signing, sending and following transactions: one account, one nonce sequence (the sender's). */
  private readonly serialized: <T>(fn: () => Promise<T>) => Promise<T>;

  constructor(private readonly o: SubmitterOptions) {
    this.serialized = (fn) => o.sender.exclusive(fn);
  }

  /** Signs, stores and broadcasts the fulfilment of a proved job, then waits a while for its receipt. */
  async submit(requestId: bigint): Promise<void> {
    const proved = this.o.queue.get(requestId);
    if (proved?.state === "proved") await this.o.beforeSign?.(proved);
    const call = await this.prepare(requestId);
    if (call) await this.serialized(() => this.sign(requestId, call));
    const job = this.o.queue.get(requestId)!;
    if (job.state !== "signed") return;
    const receipt = await this.o.provider.waitForTransaction(job.txHash!, 1, this.o.receiptWaitMs ?? RECEIPT_WAIT_MS).catch(() => null);
    if (receipt) await this.serialized(() => this.followTransaction(this.o.queue.get(requestId)!));
  }

  /** Follows stored transactions: records mined ones, re-sends lost ones. */
  async follow(jobs: readonly Job[]): Promise<void> {
    await this.serialized(async () => {
      for (const job of jobs) {
        try {
          await this.followTransaction(job);
        } catch (err) {
          this.o.log.log("warn", "tx.follow_failed", { requestId: job.requestId, error: message(err) });
        }
      }
    });
  }

  /** Resolves once every call queued so far has finished. */
  async idle(): Promise<void> {
    await this.serialized(async () => undefined);
  }

  /**
   * The fulfil call of a proved job, estimated (outside the signing lock: the estimate runs the
   * verifier), or undefined when the job is not ours to sign any more.
   */
  private async prepare(id: bigint): Promise<EstimatedCall | undefined> {
    const { queue, provider, router } = this.o;
    const job = queue.get(id)!;
    if (job.state !== "proved") return undefined;
    const closed = await closedReason(router, provider, job);
    if (closed) {
      this.o.skip(id, closed);
      return undefined;
    }
    const data = router.interface.encodeFunctionData("fulfill", [
      id,
      job.request,
      packInt16(job.input),
      packInt16(job.output!),
      job.evidence!,
    ]);
    return this.o.sender.estimate({ to: this.o.routerAddress, data }, `fulfill(${id})`);
  }

  /** Signs, stores and broadcasts a prepared fulfilment (under the signing lock: one nonce sequence). */
  private async sign(id: bigint, call: EstimatedCall): Promise<void> {
    const { queue, provider, log, sender } = this.o;
    if (queue.get(id)!.state !== "proved") return; // signed meanwhile by another path
    const signed = await sender.sign(call);
    if (!this.o.holdsRole()) {
      log.log("warn", "tx.not_submitter", { requestId: id, reason: "another node holds the submitter role; left to it" });
      return;
    }
    queue.markSigned(id, signed.hash, signed.raw);
    sender.noteNonce(signed.nonce);
    log.log("info", "tx.signed", { requestId: id, tx: signed.hash, nonce: signed.nonce });
    await provider.broadcastTransaction(signed.raw);
    log.log("info", "tx.broadcast", { requestId: id, tx: signed.hash });
  }

  /**
   * Moves a signed job on from what the chain says of its transaction (the router's settle is
   * another thing): done once mined `confirmations` deep, re-sent when lost or reorganised
   * away, re-priced when stuck, signed anew when reverted or when its nonce went to another one.
   */
  private async followTransaction(job: Job): Promise<void> {
    if (job.state !== "signed") return;
    const { queue, router, log } = this.o;
    const id = job.requestId;
    const progress = await this.o.sender.advance(
      { label: `fulfill(${id})`, hash: job.txHash!, raw: job.rawTx!, replaced: job.replacedTxs ?? [] },
      (r) => queue.markReplaced(id, r.hash, r.raw),
    );
    if (progress.state === "waiting") return;
    if (progress.state === "dropped") {
      // The nonce was used by a transaction other than ours: ours can never be mined.
      queue.markUnsigned(id, `the nonce of transaction ${job.txHash} went to another transaction`);
      return;
    }
    const { hash, receipt } = progress;
    if (receipt.status === 1) {
      const claimedTopic = router.interface.getEvent("InferenceClaimed").topicHash;
      if (receipt.logs.some((l) => l.topics[0] === claimedTopic)) return this.o.claimed(job, receipt);
      queue.markDone(id, hash);
      log.log("info", "job.done", { requestId: id, tx: hash, gasUsed: receipt.gasUsed, block: receipt.blockNumber });
      return;
    }
    // Mined but reverted: someone else got there first, or our transaction was short of gas.
    if (await router.isPending(id, job.request)) {
      queue.markUnsigned(id, `transaction ${hash} reverted`);
      this.o.retry(id, new Error(`fulfil transaction ${hash} reverted`));
    } else {
      this.o.skip(id, "fulfilled by another transaction");
    }
  }
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
