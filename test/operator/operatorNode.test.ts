/**
 * The operator node against an in-process chain (served over JSON-RPC): it
 * serves what it can, resumes stored work, retries with backoff, and never
 * sends a second fulfilment for a request.
 */

import { join } from "node:path";

import { expect } from "chai";

import "../helpers/releaseWorkers.js";
import { JobStore } from "../../sdk/operator/jobStore.js";
import type { OperatorOptions, Prover } from "../../sdk/operator/operatorNode.js";
import type { ProveContext } from "../../sdk/proofs/proofSystem.js";
import { Groth16Prover } from "../../sdk/zk/groth16/proofSystem.js";
import { ProofType } from "../../sdk/protocol/proofType.js";
import { Transaction } from "ethers";
import { type ChainEndpoint, operatorFixture, operatorNode } from "../helpers/operator.js";
import type { protocolFixture } from "../helpers/protocol.js";
import { packInt16 } from "../../sdk/commit/int16Tensor.js";

const OPERATOR = 1;

describe("OperatorNode", function () {
  let f: Awaited<ReturnType<typeof protocolFixture>>;
  let chain: ChainEndpoint;
  let dir: string;

  before(async function () {
    ({ f, chain, dir } = await operatorFixture("operator"));
  });

  after(async function () {
    await chain.close();
  });

  function node(store: JobStore, provers: Prover[], extra: Partial<OperatorOptions> = {}) {
    return operatorNode({ f, chain, dir }, store, provers, extra);
  }

  const request = (sample: number) => f.userRequest(sample, { fee: 1000n });

  it("proves requests concurrently, fulfils each with its own result, and earns the fees", async function () {
    const store = new JobStore(join(dir, "serve.db"));
    const n = node(store, [new Groth16Prover(f.model, f.circuit)], { concurrency: 2 });
    await n.start();
    const served = [await request(20), await request(21), await request(22), await request(23)];
    const jobs = await n.waitFor(
      served.map((s) => s.requestId),
      60_000,
    );
    await n.stop();
    for (const [i, job] of jobs.entries()) {
      expect(job.state).to.equal("done");
      expect(await f.router.isResult(served[i]!.requestId, served[i]!.request, packInt16(f.outputOf(served[i]!.input)))).to.equal(true);
    }
    expect(await f.router.balances(chain.wallet(OPERATOR).address)).to.equal(4000n);
    store.close();
  });

  it("skips requests below its minimum fee, and for models or proof types it does not serve", async function () {
    const cheap = await request(24);
    const store = new JobStore(join(dir, "skip.db"));
    const n = node(store, [new Groth16Prover(f.model, f.circuit)], { minFee: 10n ** 18n, fromBlock: cheap.blockNumber });
    await n.start();
    const [job] = await n.waitFor([cheap.requestId]);
    await n.stop();
    expect(job!.state).to.equal("skipped");
    expect(job!.lastError).to.match(/fee 1000 below minimum/);
    store.close();

    const other = new JobStore(join(dir, "other-model.db"));
    const n2 = node(other, [], { fromBlock: cheap.blockNumber });
    await n2.start();
    const [unserved] = await n2.waitFor([cheap.requestId]);
    await n2.stop();
    expect(unserved!.state).to.equal("skipped");
    expect(unserved!.lastError).to.match(/not serving model 0x[0-9a-f]{64} with groth16/);
    other.close();
  });

  it("re-sends a transaction it stored but never broadcast (killed in between), with the same hash", async function () {
    const store = new JobStore(join(dir, "resume.db"));
    const sent = await request(25);
    // What a node killed between storing and broadcasting leaves behind.
    const wallet = chain.wallet(OPERATOR);
    const proof = await f.prove(sent, wallet.address);
    store.bind({ chainId: f.chainId, router: f.addresses.router, operator: wallet.address });
    store.addScanned([{ record: sent, state: "pending" }], sent.blockNumber);
    store.markProved(sent.requestId, proof.output, proof.evidence);
    const data = f.router.interface.encodeFunctionData("fulfill", [
      sent.requestId,
      sent.request,
      packInt16(sent.input),
      packInt16(proof.output),
      proof.evidence,
    ]);
    const tx = await wallet.populateTransaction({ to: f.addresses.router, data, gasLimit: 2_000_000 });
    const raw = await wallet.signTransaction(tx);
    const hash = Transaction.from(raw).hash!;
    store.markSigned(sent.requestId, hash, raw);

    const n = node(store, [new Groth16Prover(f.model, f.circuit)], { fromBlock: sent.blockNumber + 1 });
    await n.start();
    const [job] = await n.waitFor([sent.requestId]);
    await n.stop();
    expect(job!.state).to.equal("done");
    expect(job!.txHash).to.equal(hash);
    expect([...chain.fulfilments].filter(([, id]) => id === sent.requestId).map(([h]) => h)).to.deep.equal([hash]);
    store.close();
  });

  it("retries a failing job with backoff, then gives up after maxAttempts", async function () {
    let calls = 0;
    const real = new Groth16Prover(f.model, f.circuit);
    const flaky: Prover = {
      proofType: ProofType.Groth16,
      prove: async (ctx: ProveContext) => {
        if (++calls <= 2) throw new Error(`prover crashed (attempt ${calls})`);
        return real.prove(ctx);
      },
    };
    const store = new JobStore(join(dir, "retry.db"));
    const sent = await request(26);
    const n = node(store, [flaky], { maxAttempts: 5, fromBlock: sent.blockNumber });
    await n.start();
    const [job] = await n.waitFor([sent.requestId]);
    await n.stop();
    expect(job!.state).to.equal("done");
    expect(job!.attempts).to.equal(2);
    store.close();

    const broken: Prover = { proofType: ProofType.Groth16, prove: () => Promise.reject(new Error("prover is broken")) };
    const store2 = new JobStore(join(dir, "fail.db"));
    const doomed = await request(27);
    const n2 = node(store2, [broken], { maxAttempts: 3, fromBlock: doomed.blockNumber });
    await n2.start();
    const [failed] = await n2.waitFor([doomed.requestId]);
    await n2.stop();
    expect(failed!.state).to.equal("failed");
    expect(failed!.attempts).to.equal(3);
    expect(failed!.lastError).to.equal("prover is broken");
    expect(await f.router.isPending(doomed.requestId, doomed.request)).to.equal(true);
    store2.close();
  });

  it("shares one job database between two nodes: each job is proven once, and one node signs for the account", async function () {
    const path = join(dir, "shared.db");
    const proved: bigint[] = [];
    const real = new Groth16Prover(f.model, f.circuit);
    const counting: Prover = {
      proofType: ProofType.Groth16,
      prove: async (ctx: ProveContext) => {
        proved.push(ctx.requestId);
        return real.prove(ctx);
      },
    };
    const sent = [await request(28), await request(29), await request(30), await request(31)];
    const [storeA, storeB] = [new JobStore(path), new JobStore(path)];
    const a = node(storeA, [counting], { fromBlock: sent[0]!.blockNumber, concurrency: 1 });
    const b = node(storeB, [counting], { fromBlock: sent[0]!.blockNumber, concurrency: 1 });
    await Promise.all([a.start(), b.start()]);
    const ids = sent.map((s) => s.requestId);
    const jobs = await a.waitFor(ids, 120_000);
    await Promise.all([a.stop(), b.stop()]);
    expect(jobs.map((j) => j.state)).to.deep.equal(ids.map(() => "done"));
    expect([...proved].sort(), "every job proven exactly once").to.deep.equal([...ids].sort());
    for (const id of ids)
      expect(
        [...chain.fulfilments].filter(([, r]) => r === id),
        `request ${id}: fulfil transactions`,
      ).to.have.length(1);
    storeA.close();
    storeB.close();
  });

  it("refuses a job database that belongs to another router", async function () {
    const store = new JobStore(join(dir, "serve.db"));
    expect(() => store.bind({ chainId: f.chainId, router: f.addresses.registry, operator: chain.wallet(OPERATOR).address })).to.throw(
      /belongs to chain:router:operator/,
    );
    store.close();
  });
});
