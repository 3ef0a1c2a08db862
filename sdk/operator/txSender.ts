/**
 * One account's transactions, exactly once each. Every action (a game move,
 * a challenge, a deposit, a settle) has a key; `perform(key, call)` signs the
 * call, stores it under the key (./txLog.ts) *before* broadcasting it, and
 * from then on the key means that transaction: performing it again (after a
 * kill -9, or on the next tick) follows the stored bytes — waits, re-sends
 * the same bytes if the node lost them — and never signs a second one. Only
 * a transaction whose nonce went to another one is forgotten and signed anew.
 *
 * The account's signing is serialized here (one nonce sequence): the
 * fulfilment submitter (./submitter.ts) signs through the same lock.
 */
import { type Provider, Transaction, type TransactionReceipt, type Wallet } from "ethers";

import { serialQueue } from "../async.js";
import { explainRevert } from "../protocol/contracts.js";
import type { Logger } from "./log.js";
import type { StoredTx, TxLog } from "./txLog.js";

/** Extra gas over eth_estimateGas. */
const GAS_MARGIN_PERCENT = 20n;
/** How long perform() waits for a receipt before leaving the transaction to a later call. */
const RECEIPT_WAIT_MS = 30_000;

export interface TxCall {
  readonly to: string;
  readonly data: string;
  readonly value?: bigint;
}

export type TxOutcome =
  | { readonly status: "mined"; readonly hash: string; readonly receipt: TransactionReceipt }
  | { readonly status: "reverted"; readonly hash: string; readonly receipt: TransactionReceipt }
  | { readonly status: "pending"; readonly hash: string };

export interface TxSenderOptions {
  readonly provider: Provider;
  readonly wallet: Wallet;
  readonly chainId: bigint;
  readonly txs: TxLog;
  readonly log: Logger;
}

export class TxSender {
  private readonly serialized = serialQueue();
  private lastNonce = -1;

  constructor(private readonly o: TxSenderOptions) {}

  get address(): string {
    return this.o.wallet.address;
  }

  /** Runs `fn` holding the account's signing lock (nothing else signs meanwhile). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.serialized(fn);
  }

  /** The nonce the next transaction takes (call under exclusive(), then noteNonce once it is stored). */
  async nextNonce(): Promise<number> {
    // The sender's own count guards against an RPC that answers the pending count from a stale cache.
    return Math.max(await this.o.provider.getTransactionCount(this.o.wallet.address, "pending"), this.lastNonce + 1);
  }

  noteNonce(nonce: number): void {
    this.lastNonce = Math.max(this.lastNonce, nonce);
  }

  /**
   * Performs the action `key` with `call`, once: signs and stores it unless a transaction is
   * stored under the key already (then follows that one), broadcasts, and waits up to
   * `waitMs` for the receipt. A call that would revert throws the explained revert (nothing
   * is signed). `label` names the action in errors and logs.
   */
  async perform(key: string, call: TxCall, label: string, waitMs = RECEIPT_WAIT_MS): Promise<TxOutcome> {
    const stored = await this.serialized(() => this.signOnce(key, call, label));
    if (stored.state !== "sent") return this.outcome(stored);
    const receipt = await this.o.provider.waitForTransaction(stored.hash, 1, waitMs).catch(() => null);
    if (!receipt) return { status: "pending", hash: stored.hash };
    this.o.txs.setState(key, receipt.status === 1 ? "mined" : "reverted");
    return { status: receipt.status === 1 ? "mined" : "reverted", hash: stored.hash, receipt };
  }

  /** What became of the transaction stored under `key` (undefined: none stored). */
  async outcomeOf(key: string): Promise<TxOutcome | undefined> {
    const stored = this.o.txs.get(key);
    if (!stored) return undefined;
    const followed = stored.state === "sent" ? await this.serialized(() => this.follow(stored)) : stored;
    return followed && this.outcome(followed);
  }

  /** Follows every stored transaction still waiting (re-sending lost ones); call on each tick. */
  async followUnconfirmed(): Promise<void> {
    for (const tx of this.o.txs.unconfirmed()) {
      try {
        await this.serialized(() => this.follow(tx));
      } catch (err) {
        this.o.log.log("warn", "tx.follow_failed", { key: tx.key, tx: tx.hash, error: (err as Error).message });
      }
    }
  }

  private async outcome(stored: StoredTx): Promise<TxOutcome> {
    if (stored.state === "sent") return { status: "pending", hash: stored.hash };
    const receipt = await this.o.provider.getTransactionReceipt(stored.hash);
    if (!receipt) return { status: "pending", hash: stored.hash }; // a reorg took it out: still ours to follow
    return { status: stored.state, hash: stored.hash, receipt };
  }

  private async signOnce(key: string, call: TxCall, label: string): Promise<StoredTx> {
    const { provider, wallet, txs, log } = this.o;
    const existing = txs.get(key);
    if (existing) {
      const followed = existing.state === "sent" ? await this.follow(existing) : existing;
      if (followed !== undefined) return followed;
    }
    let gas: bigint;
    try {
      gas = await provider.estimateGas({ from: wallet.address, to: call.to, data: call.data, value: call.value ?? 0n });
    } catch (err) {
      throw explainRevert(label, err);
    }
    const nonce = await this.nextNonce();
    const tx = await wallet.populateTransaction({
      to: call.to,
      data: call.data,
      value: call.value ?? 0n,
      nonce,
      gasLimit: (gas * (100n + GAS_MARGIN_PERCENT)) / 100n,
      chainId: this.o.chainId,
    });
    const raw = await wallet.signTransaction(tx);
    const hash = Transaction.from(raw).hash!;
    txs.put(key, hash, raw, nonce);
    this.noteNonce(nonce);
    log.log("info", "tx.signed", { key, tx: hash, nonce, action: label });
    await provider.broadcastTransaction(raw);
    log.log("info", "tx.broadcast", { key, tx: hash });
    return txs.get(key)!;
  }

  /**
   * Brings a stored transaction's state up to date: mined or reverted once it has a receipt,
   * re-sent if the node does not know it, forgotten (undefined) if its nonce went to another one.
   */
  private async follow(tx: StoredTx): Promise<StoredTx | undefined> {
    const { provider, wallet, txs, log } = this.o;
    const receipt = await provider.getTransactionReceipt(tx.hash);
    if (receipt) {
      txs.setState(tx.key, receipt.status === 1 ? "mined" : "reverted");
      return txs.get(tx.key)!;
    }
    if (await provider.getTransaction(tx.hash)) return tx; // waiting to be mined
    if ((await provider.getTransactionCount(wallet.address, "latest")) > tx.nonce) {
      txs.drop(tx.key);
      log.log("warn", "tx.dropped", { key: tx.key, tx: tx.hash });
      return undefined;
    }
    // Signed but never seen by the node (e.g. killed between store and broadcast): the same bytes again.
    await provider.broadcastTransaction(tx.raw);
    log.log("info", "tx.rebroadcast", { key: tx.key, tx: tx.hash, nonce: tx.nonce });
    return tx;
  }
}
