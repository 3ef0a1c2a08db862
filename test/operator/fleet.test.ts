/**
 * The prover fleet (sdk/operator/fleet/, docs/operator-fleet.md) with a real
 * redis-server: a coordinator (an OperatorNode whose ZK provers queue their
 * jobs) and `vinfer worker` processes that prove them. Every request is
 * fulfilled exactly once, also when a worker is killed mid-proof.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

import { expect } from "chai";

import "../helpers/releaseWorkers.js";
import { FleetQueues } from "../../sdk/operator/fleet/queuedProver.js";
import { checkQueueReachable } from "../../sdk/operator/fleet/redis.js";
import { JobStore } from "../../sdk/operator/jobStore.js";
import { prepareModel, verifiersOf } from "../../sdk/proofs/prepareModel.js";
import { waitForResult } from "../../sdk/protocol/client.js";
import { ProofType } from "../../sdk/protocol/proofType.js";
import { registerModel } from "../../sdk/protocol/registerModel.js";
import type { RequestRecord } from "../../sdk/protocol/request.js";
import { VinferError } from "../../sdk/errors.js";
import { type ChainEndpoint, operatorFixture, operatorNode } from "../helpers/operator.js";
import type { protocolFixture } from "../helpers/protocol.js";
import { type RedisServer, freePort, startRedis } from "../helpers/redisServer.js";

const BIN = join(import.meta.dirname, "..", "..", "bin", "vinfer.js");
const FEE = 1000n;

/** A `vinfer worker` process (its own process group, so SIGKILL takes its EZKL subprocess too) and its event log. */
class WorkerProcess {
  readonly events: { event: string; jobId?: string }[] = [];
  private readonly child: ChildProcess;
  private stderr = "";

  constructor(url: string, lockMs: number) {
    this.child = spawn(
      process.execPath,
      [BIN, "worker", "--queue", url, "--model", "digits-mlp", "--proof", "groth16,ezkl", "--lock-ms", String(lockMs), "--json"],
      { stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    let buffer = "";
    this.child.stdout!.on("data", (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) if (line.startsWith("{")) this.events.push(JSON.parse(line) as { event: string; jobId?: string });
    });
    this.child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
  }

  count(event: string): number {
    return this.events.filter((e) => e.event === event).length;
  }

  async until(event: string, n = 1, timeoutMs = 300_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (this.count(event) < n) {
      if (this.child.exitCode !== null) throw new Error(`worker exited (${this.child.exitCode}): ${this.stderr}`);
      if (Date.now() > end) throw new Error(`worker: no ${n} x ${event} within ${timeoutMs} ms; stderr: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  kill(signal: NodeJS.Signals): void {
    process.kill(-this.child.pid!, signal);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((done) => this.child.once("exit", done));
    this.kill("SIGTERM");
    await exited;
  }
}

describe("prover fleet (Redis + BullMQ): coordinator and worker processes", function () {
  this.timeout(900_000);
  let f: Awaited<ReturnType<typeof protocolFixture>>;
  let chain: ChainEndpoint;
  let dir: string;
  let redis: RedisServer;
  const workers: WorkerProcess[] = [];

  before(async function () {
    const fixture = await operatorFixture("fleet");
    ({ f, chain, dir } = fixture);
    redis = await startRedis();
    // digits-mlp for EZKL too (the fixture registers Groth16): the workers load the same cached keys.
    const prepared = await prepareModel(f.model, [ProofType.Ezkl]);
    await registerModel(f.registry, f.owner, f.model, verifiersOf(prepared));
  });

  after(async function () {
    await Promise.all(workers.map((w) => w.stop()));
    await chain.close();
    await redis?.stop();
  });

  function coordinator(store: JobStore, fleet: FleetQueues) {
    return operatorNode({ f, chain, dir }, store, [fleet.prover(ProofType.Groth16), fleet.prover(ProofType.Ezkl)], { concurrency: 8 });
  }

  async function fulfilments(rec: RequestRecord): Promise<number> {
    return (await f.router.queryFilter(f.router.filters.InferenceFulfilled(rec.requestId))).length;
  }

  it("refuses a queue URL nothing answers at, naming it", async function () {
    const url = `redis://127.0.0.1:${await freePort()}`;
    let error: unknown;
    await checkQueueReachable(url, 1_000).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(VinferError);
    expect((error as VinferError).code).to.equal("QUEUE_UNREACHABLE");
    expect((error as Error).message).to.contain(`cannot reach the job queue at ${url}`);
  });

  it("two workers prove a batch of Groth16 and EZKL requests; the coordinator fulfils each exactly once", async function () {
    workers.push(new WorkerProcess(redis.url, 10_000), new WorkerProcess(redis.url, 10_000));
    await Promise.all(workers.map((w) => w.until("fleet.worker_ready", 2)));
    const store = new JobStore(join(dir, "batch.db"));
    const fleet = new FleetQueues({ url: redis.url });
    const node = coordinator(store, fleet);
    await node.start();
    const sent: RequestRecord[] = [];
    for (const [i, proofType] of [
      ProofType.Groth16,
      ProofType.Ezkl,
      ProofType.Groth16,
      ProofType.Groth16,
      ProofType.Ezkl,
      ProofType.Groth16,
    ].entries())
      sent.push(await f.userRequest(40 + i, { proofType, fee: FEE }));
    const jobs = await node.waitFor(
      sent.map((s) => s.requestId),
      600_000,
    );
    await node.stop();
    await fleet.close();
    store.close();
    for (const [i, job] of jobs.entries()) {
      expect(job.state, `request ${sent[i]!.requestId}: ${job.lastError}`).to.equal("done");
      // Accepted on chain means the proof verified; Groth16 proves our integer semantics, EZKL its own circuit's.
      const result = await waitForResult(f.router, sent[i]!.requestId, { timeoutMs: 1_000 });
      if (sent[i]!.request.proofType === ProofType.Groth16) expect(result.output).to.deep.equal(f.outputOf(sent[i]!.input));
      else expect(result.output).to.have.length(10);
      expect(await fulfilments(sent[i]!)).to.equal(1);
    }
    expect(workers.reduce((n, w) => n + w.count("fleet.proved"), 0)).to.equal(sent.length);
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });

  it("a worker SIGKILLed mid-proof: another worker takes its job after the lock runs out; one fulfilment", async function () {
    const LOCK_MS = 2_000;
    const first = new WorkerProcess(redis.url, LOCK_MS);
    workers.push(first);
    await first.until("fleet.worker_ready", 2);
    const store = new JobStore(join(dir, "kill.db"));
    const fleet = new FleetQueues({ url: redis.url });
    const node = coordinator(store, fleet);
    await node.start();
    const rec = await f.userRequest(50, { proofType: ProofType.Ezkl, fee: FEE });
    await first.until("fleet.proving"); // an EZKL proof takes seconds: killed in the middle of it
    first.kill("SIGKILL");
    const second = new WorkerProcess(redis.url, LOCK_MS);
    workers.push(second);
    const [job] = await node.waitFor([rec.requestId], 600_000);
    await node.stop();
    await fleet.close();
    store.close();
    expect(first.count("fleet.proved")).to.equal(0);
    expect(second.count("fleet.proved")).to.equal(1);
    expect(job!.state, job!.lastError).to.equal("done");
    expect(await fulfilments(rec)).to.equal(1);
    expect((await waitForResult(f.router, rec.requestId, { timeoutMs: 1_000 })).fulfiller).to.equal(chain.wallet(1).address);
  });
});
