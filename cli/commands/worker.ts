/**
 * `vinfer worker --queue redis://...`: a stateless prover of the fleet
 * (sdk/operator/fleet/, docs/operator-fleet.md). It proves the jobs that a
 * coordinator (`vinfer serve --queue`) queues for the models and proof
 * types it was started with; it needs no key and no chain. With `--proof tee`
 * it runs an enclave worker whose key signs the results: its attestation is
 * written for the quorum to admit, as `vinfer serve --proof tee` does.
 */
import { hostname } from "node:os";
import { resolve } from "node:path";

import { type Command, Option } from "commander";
import { ZeroAddress } from "ethers";

import { ProverWorker } from "../../sdk/operator/fleet/proverWorker.js";
import { checkQueueReachable } from "../../sdk/operator/fleet/redis.js";
import type { Prover } from "../../sdk/operator/operatorNode.js";
import { cacheDir } from "../../sdk/paths.js";
import { prepareModel } from "../../sdk/proofs/prepareModel.js";
import { proofTypeName } from "../../sdk/proofs/registry.js";
import type { ProofSettings } from "../../sdk/proofs/proofSystem.js";
import { ProofType } from "../../sdk/protocol/proofType.js";
import type { EnclaveKind } from "../../sdk/tee/worker/backends.js";
import { DEFAULT_PROOF_TYPES, proofTypesOption } from "../chain.js";
import { nonNegativeInteger } from "../options.js";
import { out } from "../output.js";
import { startEnclaveWorker } from "./tee.js";

interface WorkerOptions {
  queue: string;
  model: string[];
  proof: ReturnType<typeof proofTypesOption>;
  concurrency: number;
  lockMs: number;
  enclave: EnclaveKind;
  attestationOut?: string;
}

/**
 * A worker's enclave signs for whichever registry the coordinator's models name: the registry
 * is the coordinator's concern (it checks each signer's admission), so none is set here.
 */
const NO_REGISTRY = ZeroAddress;

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("run a prover worker of the fleet: prove the jobs a coordinator (vinfer serve --queue) queues")
    .requiredOption("--queue <url>", "the fleet's Redis, redis://host:port")
    .requiredOption("--model <ref...>", "models to prove (zoo names, folders or .onnx files)")
    .addOption(
      new Option("--proof <types>", "proof types to prove (comma-separated): groth16, ezkl, opml (claims), tee (signatures)")
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
    .addOption(
      new Option("--enclave <kind>", "--proof tee: where the enclave worker runs (dev: SIMULATED, no hardware protection)")
        .choices(["dev", "tdx", "nitro"])
        .default("dev"),
    )
    .option("--attestation-out <file>", "--proof tee: where to write the enclave's attestation (default: worker-<host>-<pid>.attestation)")
    .option("--json", "stdout carries the event log only: one JSON object per line (time, level, event, fields)")
    .action(async (opts: WorkerOptions) => {
      await checkQueueReachable(opts.queue);
      const log = out.logger();
      let settings: ProofSettings = {};
      if (opts.proof.includes(ProofType.Tee)) {
        const file = resolve(opts.attestationOut ?? `worker-${hostname()}-${process.pid}.attestation`);
        settings = { tee: { worker: await startEnclaveWorker(opts.enclave, file, log), enclaveRegistry: NO_REGISTRY } };
      }
      const provers = new Map<string, readonly Prover[]>();
      for (const ref of opts.model) {
        out.info(`${ref}: loading circuits (${opts.proof.map(proofTypeName).join(", ")})`);
        const prepared = await prepareModel(ref, opts.proof, out.progress(), settings);
        provers.set(prepared.model.modelId.toLowerCase(), prepared.provers);
      }
      const worker = new ProverWorker({
        url: opts.queue,
        provers,
        concurrency: Math.max(1, opts.concurrency),
        workDir: resolve(cacheDir(), "worker", String(process.pid)),
        logger: log,
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
