/**
 * Prover-fleet load test (`npm run bench:operator`, issue 15): a burst of
 * mixed Groth16 and EZKL requests for digits-mlp on the in-process chain
 * (served over loopback JSON-RPC, as a real node would be), fulfilled by a
 * coordinator (an OperatorNode whose ZK proofs go to Redis/BullMQ) and 1, 2
 * and 4 `vinfer worker` processes. For each worker count: throughput, and
 * p50/p95 request-to-result latency per proof type (from the request's
 * receipt to the coordinator's `job.done`, the fulfilment mined), and a check
 * that every request was fulfilled exactly once.
 *
 *   npm run bench:operator -- [--requests 200] [--workers 1,2,4] [--ezkl-every 3]
 *
 * Writes bench/results/operator-load.json and .csv; scripts/plot_operator_load.py
 * draws operator-load.png. Needs redis-server (Debian's package) on PATH.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
import { FleetQueues } from "../sdk/operator/fleet/queuedProver.js";
import { JobStore } from "../sdk/operator/jobStore.js";
import { jsonLogger } from "../sdk/operator/log.js";
import { OperatorNode } from "../sdk/operator/operatorNode.js";
import { PACKAGE_ROOT } from "../sdk/paths.js";
import { prepareModel, verifiersOf } from "../sdk/proofs/prepareModel.js";
import { proofTypeName } from "../sdk/proofs/registry.js";
import { requestInference } from "../sdk/protocol/client.js";
import { connectProtocol } from "../sdk/protocol/contracts.js";
import { deployProtocol } from "../sdk/protocol/deployProtocol.js";
import { ProofType, type ProofTypeId } from "../sdk/protocol/proofType.js";
import { registerModel } from "../sdk/protocol/registerModel.js";
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
  /** First request sent to last fulfilment mined. */
  readonly makespanMs: number;
  readonly throughputPerSecond: number;
  readonly latency: Record<string, LatencyStats>;
  /** Every request fulfilled by exactly one InferenceFulfilled event. */
  readonly fulfilledOnce: boolean;
}

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "200" },
    workers: { type: "string", default: "1,2,4" },
    "ezkl-every": { type: "string", default: "3" },
  },
});
const requestCount = Number(args.requests);
const workerCounts = args.workers.split(",").map(Number);
const ezklEvery = Number(args["ezkl-every"]);
if (!Number.isInteger(requestCount) || requestCount < 1) throw new Error("--requests must be a positive integer");
if (workerCounts.some((w) => !Number.isInteger(w) || w < 1)) throw new Error("--workers must be positive integers, e.g. 1,2,4");
if (!Number.isInteger(ezklEvery) || ezklEvery < 1) throw new Error("--ezkl-every must be a positive integer (1: every request is EZKL)");

/** Request i's proof type: every `ezklEvery`-th is EZKL, the others Groth16. */
const proofTypeOf = (i: number): ProofTypeId => ((i + 1) % ezklEvery === 0 ? ProofType.Ezkl : ProofType.Groth16);

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

async function main(): Promise<void> {
  const connection = await network.create();
  const [owner, , , user] = await connection.ethers.getSigners();
  const addresses = await deployProtocol(connection.provider, { requestTimeoutSeconds: REQUEST_TIMEOUT_SECONDS });
  const { router, registry } = connectProtocol(addresses, owner!);
  const model = Model.load(MODEL);
  process.stderr.write(`preparing ${MODEL} for Groth16 and EZKL (cached after the first run)...\n`);
  const prepared = await prepareModel(model, [ProofType.Groth16, ProofType.Ezkl]);
  await registerModel(registry, owner!, model, verifiersOf(prepared));
  const samples = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json")).samples;
  const server = await serveJsonRpc(connection.provider, 0);
  const provider = rpcProvider(server.url, 100);
  const wallet = new Wallet(devAccountKey(OPERATOR_ACCOUNT), provider);
  const userRouter = router.connect(user!);

  const runs: RunResult[] = [];
  for (const workers of workerCounts) {
    const redis = await startRedis();
    const procs = Array.from({ length: workers }, () => new WorkerProcess(redis.url, ["groth16", "ezkl"], WORKER_LOCK_MS));
    const dir = mkdtempSync(join(tmpdir(), "vinfer-load-"));
    const fleet = new FleetQueues({ url: redis.url });
    const doneAt = new Map<bigint, number>();
    const bar = new SingleBar({ format: `${workers} worker(s) [{bar}] {value}/{total} fulfilled | {duration}s`, stream: process.stderr });
    try {
      await Promise.all(procs.map((w) => w.until("fleet.worker_ready", 2)));
      const store = new JobStore(join(dir, "coordinator.db"));
      const startBlock = (await provider.getBlockNumber()) + 1;
      const node = new OperatorNode({
        provider,
        wallet,
        router: addresses.router,
        registry: addresses.registry,
        store,
        provers: new Map([[model.modelId.toLowerCase(), [fleet.prover(ProofType.Groth16), fleet.prover(ProofType.Ezkl)]]]),
        workDir: join(dir, "work"),
        // Every pending job goes to the queue at once: the workers, not the coordinator, set the pace.
        concurrency: requestCount,
        pollIntervalMs: 100,
        receiptWaitMs: 1_000,
        fromBlock: startBlock,
        logger: jsonLogger((line) => {
          const e = JSON.parse(line) as { event: string; requestId?: string; time: string };
          if (e.event === "job.done" && e.requestId !== undefined) {
            doneAt.set(BigInt(e.requestId), Date.parse(e.time));
            bar.increment();
          }
        }),
      });
      await node.start();
      bar.start(requestCount, 0);
      const sent: { requestId: bigint; proofType: ProofTypeId; at: number }[] = [];
      const firstSent = Date.now();
      for (let i = 0; i < requestCount; i++) {
        const proofType = proofTypeOf(i);
        const input = model.quantizedInput([samples[i % samples.length]!]);
        const rec = await requestInference(userRouter, { modelId: model.modelId, input, proofType, fee: FEE });
        sent.push({ requestId: rec.requestId, proofType, at: Date.now() });
      }
      await node.waitFor(
        sent.map((s) => s.requestId),
        3_600_000,
      );
      bar.stop();
      await node.stop();
      store.close();
      const fulfilled = await router.queryFilter(router.filters.InferenceFulfilled(), startBlock);
      const counts = new Map<bigint, number>();
      for (const e of fulfilled) counts.set(e.args[0], (counts.get(e.args[0]) ?? 0) + 1);
      const lastDone = Math.max(...sent.map((s) => doneAt.get(s.requestId)!));
      const makespanMs = lastDone - firstSent;
      const latency: Record<string, LatencyStats> = {};
      for (const type of [ProofType.Groth16, ProofType.Ezkl]) {
        const mine = sent.filter((s) => s.proofType === type).map((s) => doneAt.get(s.requestId)! - s.at);
        if (mine.length > 0) latency[proofTypeName(type)] = stats(mine);
      }
      latency.all = stats(sent.map((s) => doneAt.get(s.requestId)! - s.at));
      runs.push({
        workers,
        requests: requestCount,
        makespanMs,
        throughputPerSecond: Number(((requestCount * 1000) / makespanMs).toFixed(3)),
        latency,
        fulfilledOnce: sent.every((s) => counts.get(s.requestId) === 1),
      });
    } finally {
      bar.stop();
      await fleet.close();
      await Promise.all(procs.map((w) => w.stop()));
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  provider.destroy();
  await server.close();

  const machine = {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis: spawnSync("redis-server", ["--version"], { encoding: "utf8" }).stdout.trim(),
  };
  const data = { generatedAt: new Date().toISOString(), model: MODEL, ezklEvery, machine, runs };
  writeFileSync(join(OUT_DIR, "operator-load.json"), `${JSON.stringify(data, null, 2)}\n`);
  const types = ["groth16", "ezkl", "all"];
  const header = [
    "workers",
    "requests",
    "makespan_s",
    "throughput_per_s",
    ...types.flatMap((t) => [`${t}_p50_s`, `${t}_p95_s`]),
    "fulfilled_once",
  ];
  const rows = runs.map((r) => [
    String(r.workers),
    String(r.requests),
    (r.makespanMs / 1000).toFixed(1),
    r.throughputPerSecond.toFixed(2),
    ...types.flatMap((t) => [((r.latency[t]?.p50Ms ?? NaN) / 1000).toFixed(1), ((r.latency[t]?.p95Ms ?? NaN) / 1000).toFixed(1)]),
    String(r.fulfilledOnce),
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
  if (runs.some((r) => !r.fulfilledOnce)) {
    process.stderr.write("a request was not fulfilled exactly once: see operator-load.json\n");
    process.exitCode = 1;
  }
}

await main();
