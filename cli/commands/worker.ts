/**
 * `vinfer worker --queue redis://...`: a stateless prover of the fleet
 * (sdk/operator/fleet/, docs/operator-fleet.md). It proves the jobs that a
 * coordinator (`vinfer serve --queue`) queues for the models and ZK proof
 * types it was started with; it needs no key and no chain.
 */
import { resolve } from "node:path";

import { type Command, Option } from "commander";

import { InputError } from "../../sdk/errors.js";
import { ProverWorker } from "../../sdk/operator/fleet/proverWorker.js";
import { checkQueueReachable } from "../../sdk/operator/fleet/redis.js";
import type { Prover } from "../../sdk/operator/operatorNode.js";
import { cacheDir } from "../../sdk/paths.js";
import { prepareModel } from "../../sdk/proofs/prepareModel.js";
import { proofTypeName } from "../../sdk/proofs/registry.js";
import { DEFAULT_PROOF_TYPES, FLEET_PROOF_TYPES, proofTypesOption } from "../chain.js";
import { nonNegativeInteger } from "../options.js";
import { out } from "../output.js";

interface WorkerOptions {
  queue: string;
  model: string[];
  proof: ReturnType<typeof proofTypesOption>;
  concurrency: number;
  lockMs: number;
}

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("run a prover worker of the fleet: prove the jobs a coordinator (vinfer serve --queue) queues")
    .requiredOption("--queue <url>", "the fleet's Redis, redis://host:port")
    .requiredOption("--model <ref...>", "models to prove (zoo names, folders or .onnx files)")
    .addOption(
      new Option("--proof <types>", "proof types to prove (comma-separated): ZK types and opml (claims)")
        .argParser(proofTypesOption)
        .default(DEFAULT_PROOF_TYPES, DEFAULT_PROOF_TYPES.map(proofTypeName).join(",")),
    )
    .option("--concurrency <n>", "jobs proven at the same time, per model and proof type", nonNegativeInteger, 1)
    .option(
      "--lock-ms <ms>",
      "a job's lock: after a killed worker's lock runs out, another worker takes its job",
      nonNegativeInteger,
      10_000,
    )
    .option("--json", "stdout carries the event log only: one JSON object per line (time, level, event, fields)")
    .action(async (opts: WorkerOptions) => {
      const other = opts.proof.filter((t) => !FLEET_PROOF_TYPES.includes(t));
      if (other.length)
        throw new InputError(
          `vinfer worker proves ${FLEET_PROOF_TYPES.map(proofTypeName).join(", ")}; ${other.map(proofTypeName).join(", ")} stays with the coordinator (vinfer serve), which holds the enclave worker`,
        );
      await checkQueueReachable(opts.queue);
      const provers = new Map<string, readonly Prover[]>();
      for (const ref of opts.model) {
        out.info(`${ref}: loading circuits (${opts.proof.map(proofTypeName).join(", ")})`);
        const prepared = await prepareModel(ref, opts.proof, out.progress());
        provers.set(prepared.model.modelId.toLowerCase(), prepared.provers);
      }
      const worker = new ProverWorker({
        url: opts.queue,
        provers,
        concurrency: Math.max(1, opts.concurrency),
        workDir: resolve(cacheDir(), "worker", String(process.pid)),
        logger: out.logger(),
        lockDurationMs: Math.max(1_000, opts.lockMs),
        stalledIntervalMs: Math.max(500, Math.floor(opts.lockMs / 2)),
      });
      await worker.start();
      await new Promise<void>((done) => {
        const shutdown = () => void worker.stop().then(done);
        process.once("SIGINT", shutdown);
        process.once("SIGTERM", shutdown);
      });
    });
}
