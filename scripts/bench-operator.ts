/**
 * Prover-fleet load test (`npm run bench:operator`, issue 15): a burst of
 * requests of mixed proof types for digits-mlp on the in-process chain
 * (served over loopback JSON-RPC, as a real node would be), served by a
 * coordinator (an OperatorNode whose proofs go to Redis/BullMQ) and 1, 2 and
 * 4 `vinfer worker` processes, each proving every type (Groth16, EZKL, OPML
 * claims, TEE signatures by its own dev enclave, admitted by a 2-of-2
 * attester quorum before the burst). For each worker count: throughput, and
 * p50/p95 latency per proof type from the request's receipt to the
 * coordinator's `job.done` (the fulfilment mined), or for OPML to
 * `opml.claimed` (the claim mined; the result is final only after the
 * challenge window, which is chain time, not load), and a check that every
 * request got exactly one fulfilment.
 *
 *   npm run bench:operator -- [--requests 200] [--workers 1,2,4] [--mix groth16:5,ezkl:1,tee:2,opml:2]
 *
 * Writes bench/results/operator-load.json and .csv; scripts/plot_operator_load.py
 * draws operator-load.png. Needs redis-server (Debian's package) on PATH.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { SingleBar } from "cli-progress";
import { Wallet } from "ethers";
import { network } from "hardhat";

import { table } from "../cli/format.js";
import { devAccountKey } from "../sdk/chain/devAccounts.js";
import { rpcProvider } from "../sdk/chain/rpcProvider.js";
import { Model } from "../sdk/model.js";
import type { Tensor } from "../sdk/tensor.js";
import { FleetQueues } from "../sdk/operator/fleet/queuedProver.js";
import { JobStore } from "../sdk/operator/jobStore.js";
import { jsonLogger } from "../sdk/operator/log.js";
import { OperatorNode, type Prover } from "../sdk/operator/operatorNode.js";
import { type OpmlProver, opmlProofSystem } from "../sdk/opml/proofSystem.js";
import { PACKAGE_ROOT } from "../sdk/paths.js";
import { prepareModel, verifiersOf } from "../sdk/proofs/prepareModel.js";
import { parseProofType, proofTypeName } from "../sdk/proofs/registry.js";
import { requestInference } from "../sdk/protocol/client.js";
import { connectProtocol } from "../sdk/protocol/contracts.js";
import { deployProtocol } from "../sdk/protocol/deployProtocol.js";
import { ProofType, type ProofTypeId } from "../sdk/protocol/proofType.js";
import { registerModel } from "../sdk/protocol/registerModel.js";
import { awaitingSignerAdmission } from "../sdk/tee/awaitAdmission.js";
import { admitDevAttestation } from "../sdk/tee/devEnclave.js";
import { type EnclaveContracts, acceptMeasurement, deployEnclaveRegistry } from "../sdk/tee/enclaveRegistry.js";
import { TeeProver } from "../sdk/tee/proofSystem.js";
import { DEV_ENCLAVE_MEASUREMENT } from "../sdk/tee/worker/backends.js";
import { EnclaveWorker } from "../sdk/tee/worker/enclaveWorker.js";
import { ZOO_DIR, readInputFile } from "../sdk/zoo/files.js";
import { WorkerProcess } from "./devchain/fleetWorker.js";
import { serveJsonRpc } from "./devchain/jsonRpcServer.js";
import { startRedis } from "./devchain/redisServer.js";

const MODEL = "digits-mlp";
const FEE = 1000n;
const OPERATOR_ACCOUNT = 1;
/** Requests stay open for a day: a slow run must not see them expire. */
const REQUEST_TIMEOUT_SECONDS = 86_400;
/** A worker killed mid-proof loses its job after this long (no worker is killed here). */
const WORKER_LOCK_MS = 30_000;
const ATTESTERS = 2;
const KEY_LIFETIME_SECONDS = 86_400;
const OUT_DIR = join(PACKAGE_ROOT, "bench", "results");

interface LatencyStats {
  readonly requests: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly meanMs: number;
}

interface RunResult {
  readonly workers: number;
  readonly requests: number;
  /** First request sent to last result (OPML: claim) mined. */
  readonly makespanMs: number;
  readonly throughputPerSecond: number;
  readonly latency: Record<string, LatencyStats>;
  /** Every request answered by exactly one InferenceFulfilled (OPML: InferenceClaimed) event. */
  readonly answeredOnce: boolean;
}

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "200" },
    workers: { type: "string", default: "1,2,4" },
    mix: { type: "string", default: "groth16:5,ezkl:1,tee:2,opml:2" },
  },
});
const requestCount = Number(args.requests);
const workerCounts = args.workers.split(",").map(Number);
if (!Number.isInteger(requestCount) || requestCount < 1) throw new Error("--requests must be a positive integer");
if (workerCounts.some((w) => !Number.isInteger(w) || w < 1)) throw new Error("--workers must be positive integers, e.g. 1,2,4");
/** One cycle of proof types (groth16:5 = five Groth16 requests), repeated over the burst. */
const cycle: ProofTypeId[] = args.mix.split(",").flatMap((part) => {
  const [name, count] = part.split(":");
  const n = Number(count ?? 1);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--mix: ${part} is not <proof type>:<count>`);
  return new Array<ProofTypeId>(n).fill(parseProofType(name!));
});
if (cycle.length === 0) throw new Error("--mix names no request");
const proofTypes = [...new Set(cycle)];
const proofTypeOf = (i: number): ProofTypeId => cycle[i % cycle.length]!;

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function stats(latencies: number[]): LatencyStats {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    requests: sorted.length,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    meanMs: Math.round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

/** The chain, the protocol and digits-mlp registered for every proof type of the mix. */
async function deployment() {
  const connection = await network.create();
  const [owner, , , user] = await connection.ethers.getSigners();
  const addresses = await deployProtocol(connection.provider, { requestTimeoutSeconds: REQUEST_TIMEOUT_SECONDS });
  const { router, registry } = connectProtocol(addresses, owner!);
  const model = Model.load(MODEL);
  process.stderr.write(`preparing ${MODEL} for ${proofTypes.map(proofTypeName).join(", ")} (cached after the first run)...\n`);
  const zk = proofTypes.filter((t) => t === ProofType.Groth16 || t === ProofType.Ezkl);
  const verifiers = zk.length ? verifiersOf(await prepareModel(model, zk)) : [];
  const opml = proofTypes.includes(ProofType.Opml) ? ((await opmlProofSystem.prepare(model)) as OpmlProver) : undefined;
  if (opml) verifiers.push(opml.verifier());
  const attesters = Array.from({ length: ATTESTERS }, () => Wallet.createRandom());
  let tee: EnclaveContracts | undefined;
  if (proofTypes.includes(ProofType.Tee)) {
    tee = await deployEnclaveRegistry(owner!, {
      modelRegistry: addresses.registry,
      attesters: attesters.map((a) => a.address),
      threshold: ATTESTERS,
    });
    const enclaveRegistry = await tee.enclaveRegistry.getAddress();
    // The registry is the model's TEE verifier; this local enclave only names it.
    verifiers.push(new TeeProver(model, { worker: EnclaveWorker.start(), enclaveRegistry }).verifier());
  }
  await registerModel(registry, owner!, model, verifiers);
  if (tee) await acceptMeasurement(tee.enclaveRegistry, model.modelId, DEV_ENCLAVE_MEASUREMENT);
  const chainId = (await connection.ethers.provider.getNetwork()).chainId;
  return { connection, user: user!, addresses, router, model, opml, tee, attesters, chainId };
}

type Deployment = Awaited<ReturnType<typeof deployment>>;

/** Admits a worker's enclave key, from the attestation file it wrote, by the attester quorum. */
async function admitWorker(d: Deployment, tee: EnclaveContracts, attestationFile: string): Promise<void> {
  const block = await d.connection.ethers.provider.getBlock("latest");
  await admitDevAttestation(d.chainId, tee, d.attesters, readFileSync(attestationFile), {
    at: new Date(block!.timestamp * 1000),
    maxLifetimeSeconds: KEY_LIFETIME_SECONDS,
    uri: "data:bench",
  });
}

async function run(d: Deployment, workers: number, samples: readonly Tensor[]): Promise<RunResult> {
  const redis = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), "vinfer-load-"));
  const names = proofTypes.map(proofTypeName);
  const procs = Array.from(
    { length: workers },
    (_, i) => new WorkerProcess(redis.url, names, WORKER_LOCK_MS, ["--attestation-out", join(dir, `worker-${i}.attestation`)]),
  );
  const fleet = new FleetQueues({ url: redis.url });
  const server = await serveJsonRpc(d.connection.provider, 0);
  const provider = rpcProvider(server.url, 100);
  const answeredAt = new Map<bigint, number>();
  const bar = new SingleBar({ format: `${workers} worker(s) [{bar}] {value}/{total} answered | {duration}s`, stream: process.stderr });
  try {
    await Promise.all(procs.map((w) => w.until("fleet.worker_ready", proofTypes.length)));
    if (d.tee) for (let i = 0; i < workers; i++) await admitWorker(d, d.tee, join(dir, `worker-${i}.attestation`));
    const store = new JobStore(join(dir, "coordinator.db"));
    const log = jsonLogger((line) => {
      const e = JSON.parse(line) as { event: string; requestId?: string; time: string };
      if ((e.event === "job.done" || e.event === "opml.claimed") && e.requestId !== undefined) {
        answeredAt.set(BigInt(e.requestId), Date.parse(e.time));
        bar.increment();
      }
    });
    const provers: Prover[] = proofTypes.map((t) => {
      if (t === ProofType.Opml) return fleet.opmlProver(d.opml!);
      if (t === ProofType.Tee)
        return awaitingSignerAdmission(fleet.prover(t), { registry: d.tee!.enclaveRegistry, log, stopping: () => false });
      return fleet.prover(t);
    });
    const startBlock = (await provider.getBlockNumber()) + 1;
    const node = new OperatorNode({
      provider,
      wallet: new Wallet(devAccountKey(OPERATOR_ACCOUNT), provider),
      router: d.addresses.router,
      registry: d.addresses.registry,
      store,
      provers: new Map([[d.model.modelId.toLowerCase(), provers]]),
      workDir: join(dir, "work"),
      // Every pending job goes to the queue at once: the workers, not the coordinator, set the pace.
      concurrency: requestCount,
      pollIntervalMs: 100,
      receiptWaitMs: 1_000,
      fromBlock: startBlock,
      logger: log,
    });
    await node.start();
    bar.start(requestCount, 0);
    const sent: { requestId: bigint; proofType: ProofTypeId; at: number }[] = [];
    const userRouter = d.router.connect(d.user);
    const firstSent = Date.now();
    for (let i = 0; i < requestCount; i++) {
      const proofType = proofTypeOf(i);
      const input = d.model.quantizedInput([samples[i % samples.length]!]);
      const rec = await requestInference(userRouter, { modelId: d.model.modelId, input, proofType, fee: FEE });
      sent.push({ requestId: rec.requestId, proofType, at: Date.now() });
    }
    while (sent.some((s) => !answeredAt.has(s.requestId))) await new Promise((r) => setTimeout(r, 200));
    bar.stop();
    await node.stop();
    store.close();
    const answers = [
      ...(await d.router.queryFilter(d.router.filters.InferenceFulfilled(), startBlock)),
      ...(await d.router.queryFilter(d.router.filters.InferenceClaimed(), startBlock)),
    ];
    const counts = new Map<bigint, number>();
    for (const e of answers) counts.set(e.args[0], (counts.get(e.args[0]) ?? 0) + 1);
    const makespanMs = Math.max(...sent.map((s) => answeredAt.get(s.requestId)!)) - firstSent;
    const latency: Record<string, LatencyStats> = {};
    for (const type of proofTypes)
      latency[proofTypeName(type)] = stats(sent.filter((s) => s.proofType === type).map((s) => answeredAt.get(s.requestId)! - s.at));
    latency.all = stats(sent.map((s) => answeredAt.get(s.requestId)! - s.at));
    return {
      workers,
      requests: requestCount,
      makespanMs,
      throughputPerSecond: Number(((requestCount * 1000) / makespanMs).toFixed(3)),
      latency,
      answeredOnce: sent.every((s) => counts.get(s.requestId) === 1),
    };
  } finally {
    bar.stop();
    await fleet.close();
    await Promise.all(procs.map((w) => w.stop()));
    await redis.stop();
    provider.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const d = await deployment();
  const samples = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json")).samples;
  const runs: RunResult[] = [];
  for (const workers of workerCounts) runs.push(await run(d, workers, samples));

  const machine = {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis: spawnSync("redis-server", ["--version"], { encoding: "utf8" }).stdout.trim(),
  };
  const data = { generatedAt: new Date().toISOString(), model: MODEL, mix: args.mix, machine, runs };
  writeFileSync(join(OUT_DIR, "operator-load.json"), `${JSON.stringify(data, null, 2)}\n`);
  const types = [...proofTypes.map(proofTypeName), "all"];
  const header = [
    "workers",
    "requests",
    "makespan_s",
    "throughput_per_s",
    ...types.flatMap((t) => [`${t}_p50_s`, `${t}_p95_s`]),
    "answered_once",
  ];
  const rows = runs.map((r) => [
    String(r.workers),
    String(r.requests),
    (r.makespanMs / 1000).toFixed(1),
    r.throughputPerSecond.toFixed(2),
    ...types.flatMap((t) => [(r.latency[t]!.p50Ms / 1000).toFixed(1), (r.latency[t]!.p95Ms / 1000).toFixed(1)]),
    String(r.answeredOnce),
  ]);
  writeFileSync(join(OUT_DIR, "operator-load.csv"), [header, ...rows].map((r) => r.join(",")).join("\n") + "\n");
  process.stdout.write(`${table([header, ...rows])}\n`);
  process.stdout.write(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB\n`);
  const plot = spawnSync(join(PACKAGE_ROOT, ".venv", "bin", "python"), [
    join(PACKAGE_ROOT, "scripts", "plot_operator_load.py"),
    join(OUT_DIR, "operator-load.json"),
    join(OUT_DIR, "operator-load.png"),
  ]);
  process.stdout.write(
    plot.status === 0
      ? "wrote bench/results/operator-load.{json,csv,png}\n"
      : `wrote bench/results/operator-load.{json,csv}; no plot (npm run setup:python): ${plot.stderr?.toString() ?? plot.error?.message}\n`,
  );
  if (runs.some((r) => !r.answeredOnce)) {
    process.stderr.write("a request was not answered exactly once: see operator-load.json\n");
    process.exitCode = 1;
  }
}

await main();
