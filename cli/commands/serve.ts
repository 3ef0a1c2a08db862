/** vinfer serve: the operator node, until SIGINT/SIGTERM. */
import { resolve } from "node:path";

import type { Command } from "commander";

import { VinferError } from "../../sdk/errors.js";
import { jsonLogger } from "../../sdk/operator/log.js";
import { OperatorNode, type Prover } from "../../sdk/operator/operatorNode.js";
import { prepareModel } from "../../sdk/proofs/prepareModel.js";
import { proofTypeName } from "../../sdk/proofs/registry.js";
import { BUILD_DIR } from "../../sdk/zk/artifacts.js";
import { consoleProgress } from "../../sdk/zk/progress.js";
import {
  type ChainOptions,
  DEFAULT_PROOF_TYPES,
  DevAccount,
  addChainOptions,
  addDeploymentOption,
  connect,
  loadDeployment,
  proofTypesOption,
} from "../chain.js";
import { nonNegativeInteger, weiAmount } from "../options.js";

interface ServeOptions extends ChainOptions {
  model: string[];
  proof: ReturnType<typeof proofTypesOption>;
  db: string;
  concurrency: number;
  pollMs: number;
  minFee: bigint;
  maxAttempts: number;
  deployment: string;
}

export function registerServe(program: Command): void {
  addDeploymentOption(
    addChainOptions(
      program
        .command("serve")
        .description("run an operator node: watch the router, prove requests for the given models, submit results")
        .requiredOption("--model <ref...>", "models to serve (zoo names, folders or .onnx files)")
        .option("--proof <types>", "proof types to serve (comma-separated)", proofTypesOption, DEFAULT_PROOF_TYPES)
        .option("--db <file>", "job database (SQLite); keep it across restarts", "operator.db")
        .option("--concurrency <n>", "jobs proven at the same time", nonNegativeInteger, 2)
        .option("--poll-ms <ms>", "how often to look for new requests", nonNegativeInteger, 1000)
        .option("--min-fee <wei>", "skip requests paying less", weiAmount, 0n)
        .option("--max-attempts <n>", "attempts per job before giving up", nonNegativeInteger, 5),
    ),
  ).action(async (opts: ServeOptions) => {
    const c = await connect(opts, DevAccount.operator);
    const d = await loadDeployment(opts.deployment, c);
    const provers = new Map<string, readonly Prover[]>();
    for (const ref of opts.model) {
      console.error(`${ref}: loading circuits (${opts.proof.map(proofTypeName).join(", ")})`);
      const prepared = await prepareModel(ref, opts.proof, consoleProgress());
      provers.set(prepared.model.modelId.toLowerCase(), prepared.provers);
    }
    // node:sqlite is Node 22+: loaded here so the other commands run on older Node too.
    const { JobStore } = await import("../../sdk/operator/jobStore.js").catch((err: unknown) => {
      throw new VinferError(
        "NODE_VERSION",
        `vinfer serve needs Node 22 or later for node:sqlite (this is ${process.version}); run it with \`npx vinfer\` inside the project, which uses the project's Node 22`,
        { cause: err },
      );
    });
    const store = new JobStore(resolve(opts.db));
    const node = new OperatorNode({
      provider: c.provider,
      wallet: c.wallet,
      router: d.router,
      registry: d.registry,
      store,
      provers,
      workDir: resolve(BUILD_DIR, "operator", `chain-${c.chainId}`),
      concurrency: Math.max(1, opts.concurrency),
      pollIntervalMs: opts.pollMs,
      maxAttempts: Math.max(1, opts.maxAttempts),
      minFee: opts.minFee,
      fromBlock: d.fromBlock,
      logger: jsonLogger(),
    });
    await node.start();
    await new Promise<void>((done) => {
      const shutdown = () => void node.stop().then(done);
      process.once("SIGINT", shutdown);
      process.once("SIGTERM", shutdown);
    });
    store.close();
    c.provider.destroy();
  });
}
