/**
 * The operator node's Prometheus metrics and health endpoint
 * (sdk/operator/metrics.ts, `vinfer serve --metrics-port`), scraped over HTTP
 * as Prometheus would while the node fulfils real requests.
 */
import type { AddressInfo } from "node:net";
import { join } from "node:path";

import { expect } from "chai";

import "../helpers/releaseWorkers.js";
import { JobStore } from "../../sdk/operator/jobStore.js";
import { OperatorMetrics } from "../../sdk/operator/metrics.js";
import type { OperatorNode } from "../../sdk/operator/operatorNode.js";
import { silentLogger } from "../../sdk/operator/log.js";
import { Groth16Prover } from "../../sdk/zk/groth16/proofSystem.js";
import { type ChainEndpoint, operatorFixture, operatorNode } from "../helpers/operator.js";
import type { protocolFixture } from "../helpers/protocol.js";

/** The value of one sample line of a Prometheus text exposition, or undefined. */
function sample(body: string, name: string): number | undefined {
  const line = body.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe("operator metrics (Prometheus) and health endpoint", function () {
  let f: Awaited<ReturnType<typeof protocolFixture>>;
  let chain: ChainEndpoint;
  let dir: string;

  before(async function () {
    ({ f, chain, dir } = await operatorFixture("metrics"));
  });

  after(async function () {
    await chain.close();
  });

  it("counts proofs, fulfilments, fees and gas, reports the store by state, and answers /healthz while running", async function () {
    const store = new JobStore(join(dir, "metrics.db"));
    let node: OperatorNode | undefined;
    const metrics = new OperatorMetrics({ store, healthy: () => node?.isRunning ?? false });
    const server = await metrics.serve(0);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      node = operatorNode({ f, chain, dir }, store, [new Groth16Prover(f.model, f.circuit)], { logger: metrics.logger(silentLogger) });
      await node.start();
      expect((await fetch(`${base}/healthz`)).status).to.equal(200);
      const sent = [await f.userRequest(60, { fee: 1000n }), await f.userRequest(61, { fee: 2000n })];
      const jobs = await node.waitFor(
        sent.map((s) => s.requestId),
        60_000,
      );
      expect(jobs.map((j) => j.state)).to.deep.equal(["done", "done"]);
      const response = await fetch(`${base}/metrics`);
      expect(response.status).to.equal(200);
      expect(response.headers.get("content-type")).to.contain("text/plain");
      const body = await response.text();
      expect(sample(body, 'vinfer_job_events_total{event="job.proved",proof_type="groth16"}')).to.equal(2);
      expect(sample(body, 'vinfer_job_events_total{event="job.done",proof_type="groth16"}')).to.equal(2);
      expect(sample(body, 'vinfer_proving_seconds_count{proof_type="groth16"}')).to.equal(2);
      expect(sample(body, "vinfer_fees_earned_wei_total")).to.equal(3000);
      const gas = await Promise.all(jobs.map(async (j) => (await f.ethers.provider.getTransactionReceipt(j.txHash!))!.gasUsed));
      expect(sample(body, "vinfer_gas_spent_total")).to.equal(Number(gas[0]! + gas[1]!));
      expect(sample(body, 'vinfer_jobs{state="done"}')).to.equal(2);
      expect(sample(body, 'vinfer_jobs{state="pending"}')).to.equal(0);
      await node.stop();
      expect((await fetch(`${base}/healthz`)).status).to.equal(503);
      expect((await fetch(`${base}/other`)).status).to.equal(404);
    } finally {
      server.close();
      store.close();
    }
  });
});
