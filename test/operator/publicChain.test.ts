/**
 * The operator node on a chain that behaves like a public one: blocks that
 * are reorganised away, a base fee that jumps, transactions that wait in the
 * pool, a nonce that nothing holds. The in-process chain plays each part
 * (snapshot/revert for reorgs, the next block's base fee, mining on demand),
 * served over JSON-RPC to the node as a real node would be.
 */
import { join } from "node:path";

import { expect } from "chai";
import { Transaction } from "ethers";

import "../helpers/releaseWorkers.js";
import { sleep } from "../../sdk/async.js";
import { packInt16 } from "../../sdk/commit/int16Tensor.js";
import { JobStore } from "../../sdk/operator/jobStore.js";
import { jsonLogger } from "../../sdk/operator/log.js";
import { OperatorMetrics } from "../../sdk/operator/metrics.js";
import type { OperatorNode, OperatorOptions } from "../../sdk/operator/operatorNode.js";
import { Groth16Prover } from "../../sdk/zk/groth16/proofSystem.js";
import { type OperatorFixture, operatorFixture, operatorNode } from "../helpers/operator.js";

const OPERATOR = 1;

interface LogEntry {
  readonly event: string;
  readonly [field: string]: unknown;
}

describe("The operator node on a public chain (reorgs, stuck transactions, nonce gaps)", function () {
  let fx: OperatorFixture;
  let events: LogEntry[];
  let node: OperatorNode | undefined;
  let store: JobStore | undefined;

  beforeEach(async function () {
    fx = await operatorFixture("public-chain");
    events = [];
  });

  afterEach(async function () {
    await node?.stop();
    store?.close();
    node = undefined;
    store = undefined;
    metrics = undefined;
    await fx.chain.close();
  });

  const rpc = (method: string, params: unknown[] = []) => fx.f.connection.provider.request({ method, params });
  const mine = (blocks = 1) => rpc("hardhat_mine", [`0x${blocks.toString(16)}`]);

  let metrics: OperatorMetrics | undefined;

  function start(db: string, extra: Partial<OperatorOptions>): OperatorNode {
    store ??= new JobStore(join(fx.dir, db));
    const s = store;
    metrics ??= new OperatorMetrics({ store: s, healthy: () => true });
    const logger = metrics.logger(
      jsonLogger((line) => {
        events.push(JSON.parse(line) as LogEntry);
        if (process.env.VINFER_TEST_LOGS) process.stderr.write(line);
      }),
    );
    node = operatorNode(fx, store, [new Groth16Prover(fx.f.model, fx.f.circuit)], { logger, receiptWaitMs: 200, ...extra });
    return node;
  }

  async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${events.map((e) => e.event).join(" ")}`);
      await sleep(50);
    }
  }

  const logged = (event: string, match: (e: LogEntry) => boolean = () => true) =>
    until(event, () => events.find((e) => e.event === event && match(e)));

  /** With automine off: sends a request and mines until it is in a block. */
  async function requestMined(sample: number) {
    const sent = fx.f.userRequest(sample, { fee: 1000n });
    let done = false;
    void sent.finally(() => (done = true)).catch(() => undefined);
    while (!done) {
      await mine();
      await sleep(50);
    }
    return sent;
  }

  /** With automine off: mines a block at a time until the node is done with the request (what it sends lands in the next block). */
  async function mineUntilFinished(requestId: bigint) {
    const deadline = Date.now() + 30_000;
    while (!["done", "skipped", "failed"].includes(store!.get(requestId)?.state ?? "")) {
      if (Date.now() > deadline) throw new Error(`request ${requestId} not finished; events: ${events.map((e) => e.event).join(" ")}`);
      await mine();
      await sleep(100);
    }
    return store!.get(requestId)!;
  }

  const fulfilmentsOf = (requestId: bigint) => [...fx.chain.fulfilments].filter(([, id]) => id === requestId).map(([hash]) => hash);

  describe("with --confirmations 3", function () {
    it("never acts on a request that a reorg removes before it is 3 blocks deep", async function () {
      await start("shallow.db", { confirmations: 3 }).start();
      const snapshot = await rpc("evm_snapshot");
      const doomed = await fx.f.userRequest(30, { fee: 1000n });
      await mine(1); // 2 blocks deep
      await sleep(500); // several polls
      expect(store!.get(doomed.requestId), "a job for a request 2 blocks deep").to.equal(undefined);
      expect(store!.scannedBlock()).to.be.below(doomed.blockNumber);

      await rpc("evm_revert", [snapshot]);
      await mine(3);
      // The router numbers requests again from where the reorg left it: the same id, another input.
      const real = await fx.f.userRequest(31, { fee: 1000n });
      expect(real.requestId).to.equal(doomed.requestId);
      expect(real.input).to.not.deep.equal(doomed.input);
      await mine(2);
      await logged("tx.mined", (e) => e.action === `fulfill(${real.requestId})`);
      await mine(2); // the fulfilment 3 blocks deep
      const [job] = await node!.waitFor([real.requestId], 60_000);
      expect(job!.state).to.equal("done");
      expect(job!.input).to.deep.equal(real.input);
      expect(await fx.f.router.isResult(real.requestId, real.request, packInt16(fx.f.outputOf(real.input)))).to.equal(true);
      expect(fulfilmentsOf(real.requestId)).to.have.length(1);
    });

    it("re-sends a fulfilment whose block is reorganised away, and counts it done only 3 blocks deep", async function () {
      const sent = await fx.f.userRequest(32, { fee: 1000n });
      await mine(2); // 3 blocks deep
      const snapshot = await rpc("evm_snapshot");
      await start("reorg.db", { confirmations: 3, fromBlock: sent.blockNumber }).start();
      const mined = await logged("tx.mined", (e) => e.action === `fulfill(${sent.requestId})`);
      expect(store!.get(sent.requestId)!.state, "1 block deep").to.equal("signed");

      await rpc("evm_revert", [snapshot]); // the fulfilment's block leaves the chain
      expect(await fx.chain.provider.getTransactionReceipt(String(mined.tx))).to.equal(null);
      await logged("tx.reorged", (e) => e.tx === mined.tx);
      await logged("tx.rebroadcast", (e) => e.tx === mined.tx);
      await until("the re-sent fulfilment mined", () =>
        fx.chain.provider.getTransactionReceipt(String(mined.tx)).then((r) => r ?? undefined),
      );
      await sleep(300);
      expect(store!.get(sent.requestId)!.state, "1 block deep again").to.equal("signed");
      await mine(2);
      const [job] = await node!.waitFor([sent.requestId], 30_000);
      expect(job!.state).to.equal("done");
      expect(job!.txHash).to.equal(mined.tx);
      // The same signed bytes went out again: one fulfilment transaction, in the chain once.
      expect(fulfilmentsOf(sent.requestId)).to.deep.equal([mined.tx]);
      expect(await fx.f.router.balances(fx.chain.wallet(OPERATOR).address)).to.equal(1000n);
    });
  });

  describe("stuck transactions (automine off)", function () {
    beforeEach(async function () {
      await rpc("evm_setAutomine", [false]);
    });

    it("replaces a fulfilment priced below the base fee (same nonce, higher fee), never above --max-fee", async function () {
      const sent = await requestMined(33);
      const cappedAt = async (cap: bigint) => start("stuck.db", { maxFeePerGas: cap, fromBlock: sent.blockNumber }).start();

      // A first price from the current base fee; then the base fee jumps past it.
      const probe = start("stuck.db", { fromBlock: sent.blockNumber });
      await probe.start();
      const signed = await until("the fulfilment signed", () =>
        store!.get(sent.requestId)?.state === "signed" ? store!.get(sent.requestId) : undefined,
      );
      await probe.stop();
      const first = Transaction.from(signed.rawTx!);
      const baseFee = first.maxFeePerGas! * 4n;
      await rpc("hardhat_setNextBlockBaseFeePerGas", [`0x${baseFee.toString(16)}`]);
      await mine();
      expect(await fx.chain.provider.getTransactionReceipt(first.hash!), "priced below the base fee").to.equal(null);

      // A cap below the base fee: one replacement up to the cap, then it waits.
      const lowCap = first.maxFeePerGas! * 2n;
      await cappedAt(lowCap);
      await logged("tx.replaced", (e) => e.replaces === first.hash);
      await logged("tx.fee_capped");
      await node!.stop();
      const held = store!.get(sent.requestId)!;
      const atCap = Transaction.from(held.rawTx!);
      expect(atCap.nonce).to.equal(first.nonce);
      expect(atCap.maxFeePerGas).to.equal(lowCap);
      expect(held.replacedTxs).to.deep.equal([first.hash]);
      expect(fulfilmentsOf(sent.requestId).map((h) => fx.chain.fulfilments.get(h))).to.have.length(2);
      for (const hash of fulfilmentsOf(sent.requestId)) {
        const tx = await fx.chain.provider.getTransaction(hash);
        if (tx) expect(tx.maxFeePerGas! <= lowCap, `${hash} priced above the cap`).to.equal(true);
      }

      // Restarted with a cap above the base fee: replaced again from the stored transaction, and mined.
      const highCap = baseFee * 10n;
      events.length = 0;
      await cappedAt(highCap);
      const replaced = await logged("tx.replaced", (e) => e.replaces === atCap.hash);
      expect(BigInt(String(replaced.maxFeePerGas)) <= highCap).to.equal(true);
      const job = await mineUntilFinished(sent.requestId);
      expect(job.state).to.equal("done");
      const receipt = (await fx.chain.provider.getTransactionReceipt(job.txHash!))!;
      const minedTx = (await fx.chain.provider.getTransaction(job.txHash!))!;
      expect(minedTx.nonce).to.equal(first.nonce);
      expect(minedTx.maxFeePerGas! >= receipt.gasPrice).to.equal(true);
      expect(minedTx.maxFeePerGas! <= highCap).to.equal(true);
      expect(await fx.f.router.balances(fx.chain.wallet(OPERATOR).address)).to.equal(1000n);
      const counted = await metrics!.registry.getSingleMetricAsString("vinfer_tx_events_total");
      expect(counted).to.contain('vinfer_tx_events_total{event="tx.replaced"} 2');
      expect(counted).to.contain('vinfer_tx_events_total{event="tx.fee_capped"} 1');
      // Three transactions signed for the request, one nonce: one of them mined, the others can never be.
      expect(fulfilmentsOf(sent.requestId)).to.have.length(3);
      for (const hash of fulfilmentsOf(sent.requestId).filter((h) => h !== job.txHash))
        expect(await fx.chain.provider.getTransactionReceipt(hash)).to.equal(null);
    });

    it("fills a nonce gap that holds its fulfilment back", async function () {
      const sent = await requestMined(34);
      const wallet = fx.chain.wallet(OPERATOR);
      // A transaction from the operator's key made outside the node (a manual transfer, say), then lost from the pool.
      const nonce = await fx.chain.provider.getTransactionCount(wallet.address, "pending");
      const outside = await wallet.sendTransaction({ to: wallet.address, value: 1n, nonce });
      await start("gap.db", { fromBlock: sent.blockNumber, bumpAfterBlocks: 1_000 }).start();
      const signed = await until("the fulfilment signed", () =>
        store!.get(sent.requestId)?.state === "signed" ? store!.get(sent.requestId) : undefined,
      );
      expect(Transaction.from(signed.rawTx!).nonce).to.equal(nonce + 1);
      await rpc("hardhat_dropTransaction", [outside.hash]);

      // The gap must last 2 blocks and 5 s before it is filled (a transaction may still be on its way).
      let filled: LogEntry | undefined;
      const deadline = Date.now() + 30_000;
      while (!(filled = events.find((e) => e.event === "tx.nonce_gap_filled"))) {
        if (Date.now() > deadline) throw new Error(`no gap filled; events: ${events.map((e) => e.event).join(" ")}`);
        await mine();
        await sleep(250);
      }
      expect(Transaction.from(store!.get(sent.requestId)!.rawTx!).hash, "the fulfilment behind the gap is not re-priced").to.equal(
        Transaction.from(signed.rawTx!).hash,
      );
      expect(filled.nonce).to.equal(nonce);
      const job = await mineUntilFinished(sent.requestId);
      expect(job.state).to.equal("done");
      expect(Transaction.from(job.rawTx!).nonce).to.equal(nonce + 1);
      const filler = store!.txs.get(`nonce-gap:${nonce}`)!;
      const fillerTx = (await fx.chain.provider.getTransaction(filler.hash))!;
      expect([fillerTx.to, fillerTx.value, fillerTx.nonce]).to.deep.equal([wallet.address, 0n, nonce]);
      expect((await fx.chain.provider.getTransactionReceipt(filler.hash))!.status).to.equal(1);
      expect(await fx.f.router.balances(wallet.address)).to.equal(1000n);
    });
  });
});
