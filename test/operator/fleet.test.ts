/**
 * The prover fleet (sdk/operator/fleet/, docs/operator-fleet.md) with a real
 * redis-server: a coordinator (an OperatorNode whose ZK provers queue their
 * jobs) and `vinfer worker` processes that prove them. Every request is
 * fulfilled exactly once, also when a worker is killed mid-proof.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import { Wallet, recoverAddress } from "ethers";

import "../helpers/releaseWorkers.js";
import { FleetQueues } from "../../sdk/operator/fleet/queuedProver.js";
import { checkQueueReachable } from "../../sdk/operator/fleet/redis.js";
import { JobStore } from "../../sdk/operator/jobStore.js";
import { prepareModel, verifiersOf } from "../../sdk/proofs/prepareModel.js";
import { waitForResult } from "../../sdk/protocol/client.js";
import { ProofType, type ProofTypeId } from "../../sdk/protocol/proofType.js";
import type { ProveContext } from "../../sdk/proofs/proofSystem.js";
import { OPML_DEFAULTS, type OpmlProver, opmlProofSystem } from "../../sdk/opml/proofSystem.js";
import { InputError } from "../../sdk/errors.js";
import { jsonLogger } from "../../sdk/operator/log.js";
import { awaitingSignerAdmission } from "../../sdk/tee/awaitAdmission.js";
import { admitDevAttestation } from "../../sdk/tee/devEnclave.js";
import { acceptMeasurement, deployEnclaveRegistry } from "../../sdk/tee/enclaveRegistry.js";
import { TeeProver } from "../../sdk/tee/proofSystem.js";
import { signTeeResult, teeResultDigest } from "../../sdk/tee/resultSigning.js";
import { DEV_ENCLAVE_MEASUREMENT } from "../../sdk/tee/worker/backends.js";
import { EnclaveWorker } from "../../sdk/tee/worker/enclaveWorker.js";
import { registerModel } from "../../sdk/protocol/registerModel.js";
import type { RequestRecord } from "../../sdk/protocol/request.js";
import type { OperatorNode, OperatorOptions, Prover } from "../../sdk/operator/operatorNode.js";
import { VinferError } from "../../sdk/errors.js";
import { type ChainEndpoint, operatorFixture, operatorNode } from "../helpers/operator.js";
import type { protocolFixture } from "../helpers/protocol.js";
import { WorkerProcess } from "../../scripts/devchain/fleetWorker.js";
import { type RedisServer, freePort, startRedis } from "../../scripts/devchain/redisServer.js";

const FEE = 1000n;

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

  /** Coordinators started by the test, stopped after it even when it fails midway (a running node keeps mocha alive). */
  let running: { node: OperatorNode; fleet: FleetQueues; store: JobStore }[] = [];
  /** Tells held TEE jobs to give up, so that stopping their node does not wait for an admission. */
  let stopping = false;

  afterEach(async function () {
    stopping = true;
    for (const r of running.splice(0)) await shutDown(r);
    stopping = false;
  });

  async function shutDown(r: { node: OperatorNode; fleet: FleetQueues; store: JobStore }) {
    await r.node.stop();
    await r.fleet.close();
    r.store.close();
  }

  /** A coordinator on a new job store and the fleet's queues, serving `provers(fleet)` (default: Groth16 and EZKL). */
  async function coordinator(db: string, provers?: (fleet: FleetQueues) => Prover[], extra: Partial<OperatorOptions> = {}) {
    const store = new JobStore(join(dir, db));
    const fleet = new FleetQueues({ url: redis.url });
    const node = operatorNode(
      { f, chain, dir },
      store,
      provers?.(fleet) ?? [fleet.prover(ProofType.Groth16), fleet.prover(ProofType.Ezkl)],
      {
        concurrency: 8,
        ...extra,
      },
    );
    const r = { node, fleet, store };
    running.push(r);
    await node.start();
    return {
      ...r,
      /** Stops the coordinator now (its store is closed: read it before). */
      stop: async () => {
        running = running.filter((x) => x !== r);
        await shutDown(r);
      },
    };
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
    workers.push(new WorkerProcess(redis.url, ["groth16", "ezkl"], 10_000), new WorkerProcess(redis.url, ["groth16", "ezkl"], 10_000));
    await Promise.all(workers.map((w) => w.until("fleet.worker_ready", 2)));
    const { node, stop } = await coordinator("batch.db");
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
    await stop();
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

  it("a worker builds an OPML claim; the coordinator claims with it and settles it after the window", async function () {
    const local = (await opmlProofSystem.prepare(f.model)) as OpmlProver;
    await registerModel(f.registry, f.owner, f.model, [local.verifier()]);
    const opmlWorker = new WorkerProcess(redis.url, ["opml"], 10_000);
    workers.push(opmlWorker);
    await opmlWorker.until("fleet.worker_ready");
    const { node, store, stop } = await coordinator("opml.db", (fleet) => [fleet.opmlProver(local)]);
    const rec = await f.userRequest(60, { proofType: ProofType.Opml, fee: FEE });
    const deadline = Date.now() + 120_000;
    while (store.get(rec.requestId)?.state !== "claimed") {
      if (Date.now() > deadline) throw new Error(`no claim: ${JSON.stringify(store.get(rec.requestId))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(opmlWorker.count("fleet.proved"), "the claim was built by the worker").to.equal(1);
    await f.connection.networkHelpers.time.increase(BigInt(OPML_DEFAULTS.challengeWindow) + 1n);
    const [job] = await node.waitFor([rec.requestId], 60_000);
    await stop();
    expect(job!.state, job!.lastError).to.equal("settled");
    expect((await waitForResult(f.router, rec.requestId, { timeoutMs: 1_000 })).output).to.deep.equal(f.outputOf(rec.input));
  });

  it("a worker's enclave signs a TEE result; the coordinator holds it until that key is admitted, then fulfils", async function () {
    const attesters = [Wallet.createRandom(), Wallet.createRandom()];
    const tee = await deployEnclaveRegistry(f.owner, {
      modelRegistry: f.addresses.registry,
      attesters: attesters.map((a) => a.address),
      threshold: 2,
    });
    const enclaveRegistry = await tee.enclaveRegistry.getAddress();
    // The model's TEE verifier is the registry (a local enclave only names it; it signs nothing here).
    await registerModel(f.registry, f.owner, f.model, [
      new TeeProver(f.model, { worker: EnclaveWorker.start(), enclaveRegistry }).verifier(),
    ]);
    await acceptMeasurement(tee.enclaveRegistry, f.model.modelId, DEV_ENCLAVE_MEASUREMENT);
    const attestationFile = join(dir, "tee-worker.attestation");
    const teeWorker = new WorkerProcess(redis.url, ["tee"], 10_000, ["--enclave", "dev", "--attestation-out", attestationFile]);
    workers.push(teeWorker);
    await teeWorker.until("fleet.worker_ready");

    const events: { event: string; enclaveKey?: string }[] = [];
    const logger = jsonLogger((line) => events.push(JSON.parse(line) as { event: string }));
    const { node, store, stop } = await coordinator(
      "tee.db",
      (fleet) => [
        awaitingSignerAdmission(fleet.prover(ProofType.Tee), {
          registry: tee.enclaveRegistry,
          log: logger,
          stopping: () => stopping,
          pollMs: 100,
        }),
      ],
      { logger },
    );
    const rec = await f.userRequest(61, { proofType: ProofType.Tee, fee: FEE });
    const deadline = Date.now() + 120_000;
    while (!events.some((e) => e.event === "tee.waiting_for_admission")) {
      if (Date.now() > deadline) throw new Error(`not held for admission: ${events.map((e) => e.event).join(" ")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(store.get(rec.requestId)!.state, "held, not submitted").to.equal("pending");

    const { admission } = await admitDevAttestation(f.chainId, tee, attesters, readFileSync(attestationFile), {
      // Chain time, which earlier tests moved ahead of the wall clock (an OPML challenge window).
      at: new Date(Number((await chain.provider.getBlock("latest"))!.timestamp) * 1000),
      maxLifetimeSeconds: 3600,
      uri: "data:dev",
    });
    const [job] = await node.waitFor([rec.requestId], 60_000);
    await stop();
    expect(job!.state, job!.lastError).to.equal("done");
    expect(events.find((e) => e.event === "tee.waiting_for_admission")!.enclaveKey).to.equal(admission.key);
    const ctx = { chainId: f.chainId, router: f.addresses.router, requestId: rec.requestId, modelId: f.model.modelId, input: rec.input };
    const signer = recoverAddress(teeResultDigest({ ...ctx, fulfiller: chain.wallet(1).address }, job!.output!), job!.evidence!);
    expect(signer, "signed by the worker's enclave key").to.equal(admission.key);
    expect((await waitForResult(f.router, rec.requestId, { timeoutMs: 1_000 })).output).to.deep.equal(f.outputOf(rec.input));
    expect(await fulfilments(rec)).to.equal(1);
  });

  it("gives up on a TEE result whose signer is never admitted, and discards it so that the retry asks for a new one", async function () {
    const tee = await deployEnclaveRegistry(f.owner, { modelRegistry: f.addresses.registry, attesters: [f.owner.address], threshold: 1 });
    const stranger = Wallet.createRandom();
    const discarded: bigint[] = [];
    const signedByStranger: Prover = {
      proofType: ProofType.Tee,
      async prove(ctx) {
        const output = f.outputOf(ctx.input);
        return { output, evidence: await signTeeResult(stranger, ctx, output) };
      },
    };
    const events: string[] = [];
    const prover = awaitingSignerAdmission(
      signedByStranger,
      { registry: tee.enclaveRegistry, log: jsonLogger((l) => events.push(l)), stopping: () => false, pollMs: 50, maxWaitMs: 300 },
      async (ctx) => void discarded.push(ctx.requestId),
    );
    const ctx = {
      chainId: f.chainId,
      router: f.addresses.router,
      requestId: 77n,
      modelId: f.model.modelId,
      fulfiller: f.operator.address,
      input: f.inputOf(0),
      workDir: "",
    };
    let error: unknown;
    await prover.prove(ctx).catch((e: unknown) => (error = e));
    expect((error as VinferError).code).to.equal("TEE_SIGNER_NOT_ADMITTED");
    expect((error as Error).message).to.contain(stranger.address);
    expect(discarded).to.deep.equal([77n]);
    expect(events.join("")).to.contain("tee.waiting_for_admission");
  });

  it("refuses a worker's OPML claim whose output this node does not compute, and discards it", async function () {
    const local = (await opmlProofSystem.prepare(f.model)) as OpmlProver;
    const discarded: bigint[] = [];
    /** A fleet whose worker claims another output (another build of the model, say). */
    class OtherBuildFleet extends FleetQueues {
      override async prove(_type: ProofTypeId, ctx: ProveContext) {
        return { output: f.outputOf(ctx.input).map((v) => v + 1n), evidence: "0x" };
      }
      override async discard(_type: ProofTypeId, ctx: ProveContext) {
        discarded.push(ctx.requestId);
      }
    }
    const fleet = new OtherBuildFleet({ url: redis.url });
    const ctx = {
      chainId: f.chainId,
      router: f.addresses.router,
      requestId: 78n,
      modelId: f.model.modelId,
      fulfiller: f.operator.address,
      input: f.inputOf(1),
      workDir: "",
    };
    let error: unknown;
    await fleet
      .opmlProver(local)
      .prove(ctx)
      .catch((e: unknown) => (error = e));
    expect((error as VinferError).code).to.equal("FLEET_CLAIM_MISMATCH");
    expect(discarded).to.deep.equal([78n]);
    await fleet.close();
  });

  it("refuses to send a dishonest OPML node's claims to the fleet, whose workers claim honestly", async function () {
    const liar = (await opmlProofSystem.prepare(f.model, { settings: { opml: { lie: { kind: "output", element: 0 } } } })) as OpmlProver;
    const fleet = new FleetQueues({ url: redis.url });
    expect(() => fleet.opmlProver(liar)).to.throw(InputError, /--dishonest .* --queue/);
    await fleet.close();
  });

  it("a worker SIGKILLed mid-proof: another worker takes its job after the lock runs out; one fulfilment", async function () {
    const LOCK_MS = 2_000;
    const first = new WorkerProcess(redis.url, ["groth16", "ezkl"], LOCK_MS);
    workers.push(first);
    await first.until("fleet.worker_ready", 2);
    const { node, stop } = await coordinator("kill.db");
    const rec = await f.userRequest(50, { proofType: ProofType.Ezkl, fee: FEE });
    await first.until("fleet.proving"); // an EZKL proof takes seconds: killed in the middle of it
    first.kill("SIGKILL");
    const second = new WorkerProcess(redis.url, ["groth16", "ezkl"], LOCK_MS);
    workers.push(second);
    const [job] = await node.waitFor([rec.requestId], 600_000);
    await stop();
    expect(first.count("fleet.proved")).to.equal(0);
    expect(second.count("fleet.proved")).to.equal(1);
    expect(job!.state, job!.lastError).to.equal("done");
    expect(await fulfilments(rec)).to.equal(1);
    expect((await waitForResult(f.router, rec.requestId, { timeoutMs: 1_000 })).fulfiller).to.equal(chain.wallet(1).address);
  });
});
