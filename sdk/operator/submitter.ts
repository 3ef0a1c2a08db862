/**
 * The submitter role: the only holder of the operator's key and nonce. It
 * signs a proved job's fulfil transaction, stores it *before* broadcasting it
 * (so after a kill -9 the very same transaction is re-sent, never a second
 * one), and follows stored transactions until they are mined, re-sending or
 * re-signing when they were lost or replaced. Its calls run one at a time.
 */
import { type Provider, Transaction, type TransactionReceipt, type Wallet } from "ethers";

import { packInt16 } from "../commit/int16Tensor.js";
import { type InferenceRouter, explainRevert } from "../protocol/contracts.js";
import type { Job, JobQueue } from "./jobQueue.js";
import type { Logger } from "./log.js";
import type { TxSender } from "./txSender.js";
import { closedReason } from "./watcher.js";

/** Extra gas over eth_estimateGas for the fulfil transaction. */
const GAS_MARGIN_PERCENT = 20n;
/** How long a job waits for its receipt before leaving it to followSigned. */
const RECEIPT_WAIT_MS = 30_000;

export interface SubmitterOptions {
  readonly provider: Provider;
  readonly wallet: Wallet;
  readonly router: InferenceRouter;
  readonly routerAddress: string;
  readonly chainId: bigint;
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
    await this.serialized(() => this.sign(requestId));
    const job = this.o.queue.get(requestId)!;
    if (job.state !== "signed") return;
    const receipt = await this.o.provider.waitForTransaction(job.txHash!, 1, RECEIPT_WAIT_MS).catch(() => null);
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

  private async sign(id: bigint): Promise<void> {
    const { queue, provider, wallet, router, log } = this.o;
    const job = queue.get(id)!;
    if (job.state !== "proved") return;
    const closed = await closedReason(router, provider, job);
    if (closed) return this.o.skip(id, closed);
    const data = router.interface.encodeFunctionData("fulfill", [
      id,
      job.request,
      packInt16(job.input),
      packInt16(job.output!),
      job.evidence!,
    ]);
    let gas: bigint;
    try {
      gas = await provider.estimateGas({ from: wallet.address, to: this.o.routerAddress, data });
    } catch (err) {
      throw explainRevert(`fulfill(${id})`, err);
    }
    const nonce = await this.o.sender.nextNonce();
    const tx = await wallet.populateTransaction({
      to: this.o.routerAddress,
      data,
      nonce,
      gasLimit: (gas * (100n + GAS_MARGIN_PERCENT)) / 100n,
      chainId: this.o.chainId,
    });
    const raw = await wallet.signTransaction(tx);
    const hash = Transaction.from(raw).hash!;
    if (!this.o.holdsRole()) {
      log.log("warn", "tx.not_submitter", { requestId: id, reason: "another node holds the submitter role; left to it" });
      return;
    }
    queue.markSigned(id, hash, raw);
    this.o.sender.noteNonce(nonce);
    log.log("info", "tx.signed", { requestId: id, tx: hash, nonce });
    await provider.broadcastTransaction(raw);
    log.log("info", "tx.broadcast", { requestId: id, tx: hash });
  }

  /** Moves a signed job on from what the chain says of its transaction (the router's settle is another thing). */
  private async followTransaction(job: Job): Promise<void> {
    if (job.state !== "signed") return;
    const { queue, provider, wallet, router, log } = this.o;
    const id = job.requestId;
    const receipt = await provider.getTransactionReceipt(job.txHash!);
    if (receipt?.status === 1) {
      const claimedTopic = router.interface.getEvent("InferenceClaimed").topicHash;
      if (receipt.logs.some((l) => l.topics[0] === claimedTopic)) return this.o.claimed(job, receipt);
      queue.markDone(id);
      log.log("info", "job.done", { requestId: id, tx: job.txHash, gasUsed: receipt.gasUsed, block: receipt.blockNumber });
      return;
    }
    if (receipt) {
      // Mined but reverted: someone else got there first, or our transaction was short of gas.
      if (await router.isPending(id, job.request)) {
        queue.markUnsigned(id, `transaction ${job.txHash} reverted`);
        this.o.retry(id, new Error(`fulfil transaction ${job.txHash} reverted`));
      } else {
        this.o.skip(id, "fulfilled by another transaction");
      }
      return;
    }
    if (await provider.getTransaction(job.txHash!)) return; // still waiting to be mined
    const nonce = Transaction.from(job.rawTx!).nonce;
    if ((await provider.getTransactionCount(wallet.address, "latest")) > nonce) {
      // The nonce was used by a transaction other than ours: ours can never be mined.
      queue.markUnsigned(id, `transaction ${job.txHash} was replaced`);
      log.log("warn", "tx.dropped", { requestId: id, tx: job.txHash });
      return;
    }
    // Signed but never seen by the node (e.g. killed between store and broadcast): the same bytes again.
    await provider.broadcastTransaction(job.rawTx!);
    log.log("info", "tx.rebroadcast", { requestId: id, tx: job.txHash, nonce });
  }
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
