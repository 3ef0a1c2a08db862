/**
 * One account's transactions, exactly once each. Every action (a fulfilment,
 * a game move, a challenge, a deposit, a settle) has a key; `perform(key,
 * call)` signs the call, stores it under the key (./txLog.ts) *before*
 * broadcasting it, and from then on the key means that nonce: performing it
 * again (after a kill -9, or on the next tick) follows the stored bytes —
 * waits, re-sends the same bytes if the node lost them or a reorg took them
 * out of the chain — and signs again only
 *   - a fee replacement with the same nonce when the transaction is stuck
 *     (./fees.ts: priced below the base fee, or not mined after a few
 *     blocks), within the operator's fee cap; one nonce means at most one of
 *     the key's transactions can ever be mined;
 *   - a new transaction once the nonce went to another one (then the key's
 *     transactions can never be mined).
 * A transaction counts as mined only `confirmations` blocks deep.
 *
 * The account's signing is serialized here (one nonce sequence): the
 * fulfilment submitter (./submitter.ts) signs through the same lock, and the
 * sender fills a nonce gap that would hold its transactions back.
 */
import { type Provider, Transaction, type TransactionReceipt, type TransactionRequest, type Wallet } from "ethers";

import { serialQueue } from "../async.js";
import { VinferError } from "../errors.js";
import { explainRevert } from "../protocol/contracts.js";
import { DEFAULT_BUMP_AFTER_BLOCKS, type FeePolicy, type Fees, initialFees, replacementFees, stuckReason } from "./fees.js";
import type { Logger } from "./log.js";
import type { StoredTx, TxLog } from "./txLog.js";

/** Extra gas over eth_estimateGas. */
const GAS_MARGIN_PERCENT = 20n;
/** How long perform() waits for a receipt before leaving the transaction to a later call. */
const RECEIPT_WAIT_MS = 30_000;
/** Gas of a plain value transfer (what fills a nonce gap). */
const TRANSFER_GAS = 21_000n;
/** A nonce gap is filled only once it has lasted this many blocks and this long. */
const GAP_MIN_BLOCKS = 2;
const GAP_MIN_MS = 5_000;

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
  /** Blocks deep a transaction must be to count as mined (default 1: in a block). */
  readonly confirmations?: number;
  /** Fee cap and re-pricing of stuck transactions (default: no cap, re-price after 3 blocks). */
  readonly fees?: Partial<FeePolicy>;
}

/** A call with its gas limit, ready to sign. */
export interface EstimatedCall extends TxCall {
  readonly gasLimit: bigint;
}

/** A signed transaction, not yet stored or broadcast. */
export interface SignedTx {
  readonly hash: string;
  readonly raw: string;
  readonly nonce: number;
}

/** The transactions signed for one action: the last one, and the earlier ones it replaced (same nonce). */
export interface TrackedTx {
  readonly label: string;
  readonly hash: string;
  readonly raw: string;
  readonly replaced?: readonly string[];
}

/**
 * Where a tracked transaction stands: mined (confirmations deep; `hash` names the one of its
 * transactions that was), waiting (in the pool, in a shallow block, or just re-sent), or
 * dropped (its nonce went to another transaction: none of its transactions can be mined).
 */
export type TxProgress =
  | { readonly state: "mined"; readonly hash: string; readonly receipt: TransactionReceipt }
  | { readonly state: "waiting" }
  | { readonly state: "dropped" };

export class TxSender {
  private readonly serialized = serialQueue();
  private lastNonce = -1;
  private readonly confirmations: number;
  private readonly fees: FeePolicy;
  /** Block at which each waiting transaction was first seen in the pool (how long it has waited). */
  private readonly waitingSince = new Map<string, number>();
  /** Block hash each transaction was seen mined in: a receipt that disappears later is a reorg. */
  private readonly seenMined = new Map<string, string>();
  /** Hashes already reported as held back by the fee cap (reported once). */
  private readonly capped = new Set<string>();
  /** Nonce gaps seen, and since when (block, ms): a gap is filled only when it persists. */
  private gapsSeen = new Map<number, { block: number; at: number }>();

  constructor(private readonly o: TxSenderOptions) {
    this.confirmations = Math.max(1, o.confirmations ?? 1);
    this.fees = { bumpAfterBlocks: o.fees?.bumpAfterBlocks ?? DEFAULT_BUMP_AFTER_BLOCKS, maxFeePerGas: o.fees?.maxFeePerGas };
  }

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
   * The call with its gas limit (eth_estimateGas plus a margin). It needs no lock: estimating a
   * fulfilment runs its verifier, the slow part of signing, so it is done before taking the lock.
   * A call that would revert throws the explained revert, named by `label`.
   */
  async estimate(call: TxCall, label: string): Promise<EstimatedCall> {
    const { provider, wallet } = this.o;
    try {
      const gas = await provider.estimateGas({ from: wallet.address, to: call.to, data: call.data, value: call.value ?? 0n });
      return { ...call, gasLimit: (gas * (100n + GAS_MARGIN_PERCENT)) / 100n };
    } catch (err) {
      throw explainRevert(label, err);
    }
  }

  /** Prices (within the fee cap) and signs an estimated call with the next nonce; call under exclusive(), store the result, then noteNonce. */
  async sign(call: EstimatedCall): Promise<SignedTx> {
    const nonce = await this.nextNonce();
    return this.signAt(nonce, { to: call.to, data: call.data, value: call.value ?? 0n, gasLimit: call.gasLimit });
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
    if (!(await this.o.provider.waitForTransaction(stored.hash, 1, waitMs).catch(() => null)))
      return { status: "pending", hash: stored.hash };
    const followed = await this.serialized(() => this.follow(this.o.txs.get(key)!));
    return followed ? this.outcome(followed) : { status: "pending", hash: stored.hash };
  }

  /** What became of the transaction stored under `key` (undefined: none stored). */
  async outcomeOf(key: string): Promise<TxOutcome | undefined> {
    const stored = this.o.txs.get(key);
    if (!stored) return undefined;
    const followed = stored.state === "sent" ? await this.serialized(() => this.follow(stored)) : stored;
    return followed && this.outcome(followed);
  }

  /** Follows every stored transaction still waiting (re-sending lost ones, re-pricing stuck ones); call on each tick. */
  async followUnconfirmed(): Promise<void> {
    for (const tx of this.o.txs.unconfirmed()) {
      try {
        await this.serialized(() => this.follow(tx));
      } catch (err) {
        this.o.log.log("warn", "tx.follow_failed", { key: tx.key, tx: tx.hash, error: (err as Error).message });
      }
    }
  }

  /**
   * Moves a tracked transaction on (call under exclusive()): reports it mined once it is
   * `confirmations` deep, re-sends its bytes when the node lost them or a reorg removed its
   * block, and signs a fee replacement when it is stuck (`replace` stores the replacement
   * before it is broadcast).
   */
  async advance(tx: TrackedTx, replace: (signed: SignedTx) => void): Promise<TxProgress> {
    const { provider, wallet, log } = this.o;
    const hashes = [tx.hash, ...(tx.replaced ?? [])];
    const mined = await this.minedOf(tx.label, hashes);
    if (mined) return mined;
    for (const hash of hashes)
      if (this.seenMined.delete(hash)) log.log("warn", "tx.reorged", { action: tx.label, tx: hash, reason: "its block left the chain" });
    const nonce = Transaction.from(tx.raw).nonce;
    const latestCount = await provider.getTransactionCount(wallet.address, "latest");
    if (await provider.getTransaction(tx.hash)) {
      // Only the next transaction to be mined is re-priced: the ones behind it wait for it, not for a better price.
      if (nonce === latestCount) await this.repriceIfStuck(tx, nonce, replace);
      return { state: "waiting" };
    }
    if (latestCount > nonce) {
      // Another transaction holds the nonce; unless it is one of ours mined meanwhile (or seen
      // by another node behind the RPC), or a block a reorg may still take back, ours is dead.
      const meanwhile = await this.minedOf(tx.label, hashes);
      if (meanwhile) return meanwhile;
      const deepBlock = (await provider.getBlockNumber()) - this.confirmations + 1;
      if (deepBlock < 0 || (await provider.getTransactionCount(wallet.address, deepBlock)) <= nonce) return { state: "waiting" };
      log.log("warn", "tx.dropped", { action: tx.label, tx: tx.hash, nonce, reason: "its nonce went to another transaction" });
      this.forget(hashes);
      return { state: "dropped" };
    }
    // Signed but not known to the node (killed between store and broadcast, evicted, or reorganised away): the same bytes again.
    await provider.broadcastTransaction(tx.raw);
    log.log("info", "tx.rebroadcast", { action: tx.label, tx: tx.hash, nonce });
    return { state: "waiting" };
  }

  /** The first of `hashes` with a receipt: mined when `confirmations` deep, waiting while shallower. */
  private async minedOf(label: string, hashes: readonly string[]): Promise<TxProgress | undefined> {
    const { provider, log } = this.o;
    for (const hash of hashes) {
      const receipt = await provider.getTransactionReceipt(hash);
      if (!receipt) continue;
      const depth = (await provider.getBlockNumber()) - receipt.blockNumber + 1;
      if (this.seenMined.get(hash) !== receipt.blockHash)
        log.log("info", "tx.mined", { action: label, tx: hash, block: receipt.blockNumber, depth, confirmations: this.confirmations });
      if (depth < this.confirmations) {
        this.seenMined.set(hash, receipt.blockHash);
        return { state: "waiting" };
      }
      this.forget(hashes); // final: not followed again
      return { state: "mined", hash, receipt };
    }
    return undefined;
  }

  /** Drops what the sender remembers of transactions it will not follow again. */
  private forget(hashes: readonly string[]): void {
    for (const hash of hashes) {
      this.seenMined.delete(hash);
      this.waitingSince.delete(hash);
      this.capped.delete(hash);
    }
  }

  /**
   * Fills nonce gaps below the account's waiting transactions (call under exclusive(), after
   * following them): a nonce that no transaction of ours holds and the pool has none for
   * (a transaction signed elsewhere with this key and lost, say) would hold every later
   * one back for ever. A gap still there after GAP_MIN_BLOCKS blocks and GAP_MIN_MS (so that a
   * transaction still travelling to this RPC node is not overwritten) is filled with a
   * zero-value transfer to the account itself, stored under "nonce-gap:<nonce>" like any action.
   * `held`: the nonces of the transactions the caller tracks outside the sender's log.
   */
  async fillNonceGaps(held: readonly number[]): Promise<void> {
    const { provider, wallet, txs, log } = this.o;
    const ours = new Set([...held, ...txs.unconfirmed().map((t) => t.nonce)]);
    if (ours.size === 0) {
      this.gapsSeen.clear(); // nothing of ours waits: no gap holds anything back
      return;
    }
    const highest = Math.max(...ours);
    const [pending, block] = await Promise.all([provider.getTransactionCount(wallet.address, "pending"), provider.getBlockNumber()]);
    const now = Date.now();
    const gaps = new Map<number, { block: number; at: number }>();
    for (let nonce = pending; nonce < highest; nonce++)
      if (!ours.has(nonce)) gaps.set(nonce, this.gapsSeen.get(nonce) ?? { block, at: now });
    this.gapsSeen = gaps;
    for (const [nonce, seen] of gaps) {
      if (block - seen.block < GAP_MIN_BLOCKS || now - seen.at < GAP_MIN_MS) continue;
      const filler = await this.signAt(nonce, { to: wallet.address, data: "0x", value: 0n, gasLimit: TRANSFER_GAS });
      txs.put(`nonce-gap:${nonce}`, filler.hash, filler.raw, nonce);
      this.noteNonce(nonce);
      gaps.delete(nonce);
      log.log("warn", "tx.nonce_gap_filled", {
        nonce,
        tx: filler.hash,
        reason: `no transaction held nonce ${nonce} for ${block - seen.block} blocks; later ones waited behind it`,
      });
      await provider.broadcastTransaction(filler.raw);
    }
  }

  private async outcome(stored: StoredTx): Promise<TxOutcome> {
    if (stored.state === "sent") return { status: "pending", hash: stored.hash };
    const receipt = await this.o.provider.getTransactionReceipt(stored.hash);
    if (!receipt) {
      // A reorg deeper than the confirmations took it out: followed again like any waiting transaction.
      this.o.txs.setState(stored.key, "sent");
      this.o.log.log("warn", "tx.reorged", {
        action: stored.key,
        tx: stored.hash,
        reason: "its block left the chain after it was counted",
      });
      return { status: "pending", hash: stored.hash };
    }
    return { status: stored.state, hash: stored.hash, receipt };
  }

  private async signOnce(key: string, call: TxCall, label: string): Promise<StoredTx> {
    const { provider, txs, log } = this.o;
    const existing = txs.get(key);
    if (existing) {
      const followed = existing.state === "sent" ? await this.follow(existing) : existing;
      if (followed !== undefined) return followed;
    }
    const signed = await this.sign(await this.estimate(call, label));
    txs.put(key, signed.hash, signed.raw, signed.nonce);
    this.noteNonce(signed.nonce);
    log.log("info", "tx.signed", { key, tx: signed.hash, nonce: signed.nonce, action: label });
    await provider.broadcastTransaction(signed.raw);
    log.log("info", "tx.broadcast", { key, tx: signed.hash });
    return txs.get(key)!;
  }

  /**
   * Brings a stored transaction's state up to date: mined or reverted once it is deep enough,
   * re-sent or re-priced while it waits, forgotten (undefined) if its nonce went to another one.
   */
  private async follow(tx: StoredTx): Promise<StoredTx | undefined> {
    const { txs } = this.o;
    const progress = await this.advance({ label: tx.key, hash: tx.hash, raw: tx.raw, replaced: tx.replaced }, (r) =>
      txs.replace(tx.key, r.hash, r.raw),
    );
    if (progress.state === "waiting") return txs.get(tx.key)!;
    if (progress.state === "dropped") {
      txs.drop(tx.key);
      return undefined;
    }
    txs.setState(tx.key, progress.receipt.status === 1 ? "mined" : "reverted", progress.hash);
    return txs.get(tx.key)!;
  }

  /** Signs a fee replacement of a waiting transaction when it is stuck and the cap allows a valid bump. */
  private async repriceIfStuck(tx: TrackedTx, nonce: number, replace: (signed: SignedTx) => void): Promise<void> {
    const { provider, log } = this.o;
    const latest = await provider.getBlock("latest");
    if (!latest) return;
    const since = this.waitingSince.get(tx.hash) ?? latest.number;
    this.waitingSince.set(tx.hash, since);
    const old = Transaction.from(tx.raw);
    const fees = feesOf(old);
    const baseFee = latest.baseFeePerGas ?? 0n;
    const market = await provider.getFeeData();
    const tip = market.maxPriorityFeePerGas ?? market.gasPrice ?? fees.maxPriorityFeePerGas;
    const reason = stuckReason(fees, baseFee, tip, latest.number - since, this.fees);
    if (!reason) return;
    const next = replacementFees(fees, baseFee, tip, this.fees.maxFeePerGas);
    if (!next) {
      if (!this.capped.has(tx.hash))
        log.log("warn", "tx.fee_capped", {
          action: tx.label,
          tx: tx.hash,
          nonce,
          maxFeePerGas: fees.maxFeePerGas,
          cap: this.fees.maxFeePerGas,
          reason,
        });
      this.capped.add(tx.hash);
      return;
    }
    const replacement = await this.signAt(
      nonce,
      { to: old.to!, data: old.data, value: old.value, gasLimit: old.gasLimit },
      {
        ...next,
        legacy: old.type === 0 || old.type === 1,
      },
    );
    replace(replacement);
    this.waitingSince.delete(tx.hash);
    log.log("warn", "tx.replaced", {
      action: tx.label,
      tx: replacement.hash,
      replaces: tx.hash,
      nonce,
      maxFeePerGas: next.maxFeePerGas,
      maxPriorityFeePerGas: next.maxPriorityFeePerGas,
      reason,
    });
    await provider.broadcastTransaction(replacement.raw);
  }

  /** Signs `tx` with `nonce`, at `price` or at the chain's suggested price held to the cap. */
  private async signAt(nonce: number, tx: TransactionRequest, price?: Price): Promise<SignedTx> {
    const { provider, wallet, chainId } = this.o;
    const p = price ?? (await this.suggestedPrice(provider));
    const fields = p.legacy
      ? { type: 0, gasPrice: p.maxFeePerGas }
      : { type: 2, maxFeePerGas: p.maxFeePerGas, maxPriorityFeePerGas: p.maxPriorityFeePerGas };
    const populated = await wallet.populateTransaction({ ...tx, nonce, chainId, ...fields });
    const raw = await wallet.signTransaction(populated);
    return { hash: Transaction.from(raw).hash!, raw, nonce };
  }

  /**
   * The chain's suggested price, held to the cap: EIP-1559 where blocks carry a base fee (a zero
   * base fee included, where ethers reports no fee cap), a legacy gas price where they do not.
   */
  private async suggestedPrice(provider: Provider): Promise<Price> {
    const [data, block] = await Promise.all([provider.getFeeData(), provider.getBlock("latest")]);
    const legacy = block?.baseFeePerGas === null || block?.baseFeePerGas === undefined;
    const maxFeePerGas = data.maxFeePerGas ?? data.gasPrice;
    const tip = data.maxPriorityFeePerGas ?? data.gasPrice;
    if (maxFeePerGas === null || tip === null)
      throw new VinferError(
        "CHAIN_NO_FEE_DATA",
        "the chain answers no gas price (eth_gasPrice, eth_feeHistory): cannot price a transaction",
      );
    const fees = initialFees({ maxFeePerGas, maxPriorityFeePerGas: tip < maxFeePerGas ? tip : maxFeePerGas }, this.fees.maxFeePerGas);
    return { ...fees, legacy };
  }
}

/** A price to sign at: EIP-1559 fees, or (legacy) a gas price in maxFeePerGas. */
interface Price extends Fees {
  readonly legacy: boolean;
}

/** A signed transaction's price (a legacy one's gas price is both its cap and its tip). */
function feesOf(tx: Transaction): Fees {
  return {
    maxFeePerGas: tx.maxFeePerGas ?? tx.gasPrice ?? 0n,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas ?? tx.gasPrice ?? 0n,
  };
}
