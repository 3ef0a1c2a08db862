/**
 * vinfer serve: the operator node, until SIGINT/SIGTERM. With `--proof tee` it
 * also starts the enclave worker that signs TEE results, writes the worker's
 * attestation (for `vinfer tee attester`) and holds TEE jobs until the
 * worker's key is admitted and its measurement accepted. With `--queue` it is
 * the coordinator of a prover fleet (docs/operator-fleet.md).
 */
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";

import { type Command, InvalidArgumentError, Option } from "commander";

import { DEV_CHAIN_IDS } from "../../sdk/chain/devAccounts.js";
import { InputError, VinferError } from "../../sdk/errors.js";
import { buildClaim } from "../../sdk/opml/claim.js";
import { OpmlProver } from "../../sdk/opml/proofSystem.js";
import type { Lie } from "../../sdk/opml/lies.js";
import type { Logger } from "../../sdk/operator/log.js";
import { DEFAULT_BUMP_AFTER_BLOCKS } from "../../sdk/operator/fees.js";
import { OperatorNode, type Prover } from "../../sdk/operator/operatorNode.js";
import { FleetQueues } from "../../sdk/operator/fleet/queuedProver.js";
import { OperatorMetrics } from "../../sdk/operator/metrics.js";
import { checkQueueReachable } from "../../sdk/operator/fleet/redis.js";
import { prepareModel } from "../../sdk/proofs/prepareModel.js";
import type { ProofSettings } from "../../sdk/proofs/proofSystem.js";
import { proofTypeName } from "../../sdk/proofs/registry.js";
import { connectProtocol } from "../../sdk/protocol/contracts.js";
import { ProofType } from "../../sdk/protocol/proofType.js";
import { type AdmissionWait, awaitingAdmission, awaitingSignerAdmission } from "../../sdk/tee/awaitAdmission.js";
import type { EnclaveWorker } from "../../sdk/tee/worker/enclaveWorker.js";
import { type EnclaveRegistry, EnclaveRegistry__factory } from "../../types/ethers-contracts/index.js";
import { cacheDir } from "../../sdk/paths.js";
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
import { gweiAmount, nonNegativeInteger, positiveInteger, weiAmount } from "../options.js";
import { out } from "../output.js";
import { checkEnclaveRegistry, startEnclaveWorker } from "./tee.js";

interface ServeOptions extends ChainOptions {
  model: string[];
  proof: ReturnType<typeof proofTypesOption>;
  db: string;
  concurrency: number;
  pollMs: number;
  minFee: bigint;
  maxAttempts: number;
  deployment: string;
  enclave: "dev" | "tdx" | "nitro";
  enclaveRegistry?: string;
  attestationOut?: string;
  dishonest?: Lie;
  queue?: string;
  jobTimeoutMs: number;
  metricsPort?: number;
  confirmations: number;
  maxFee?: bigint;
  bumpAfterBlocks: number;
}

/**
 * How long the coordinator holds a fleet worker's TEE result for its signer's admission before the
 * attempt fails and a new signature is asked for (a single node waits for its own key as long as
 * it takes: admission is a step people take).
 */
const FLEET_ADMISSION_WAIT_MS = 30 * 60_000;

export function registerServe(program: Command): void {
  addDeploymentOption(
    addChainOptions(
      program
        .command("serve")
        .description("run an operator node: watch the router, prove requests for the given models, submit results")
        .requiredOption("--model <ref...>", "models to serve (zoo names, folders or .onnx files)")
        .addOption(
          new Option("--proof <types>", "proof types to serve (comma-separated)")
            .argParser(proofTypesOption)
            .default(DEFAULT_PROOF_TYPES, DEFAULT_PROOF_TYPES.map(proofTypeName).join(",")),
        )
        .option("--db <file>", "job database (SQLite); keep it across restarts", "operator.db")
        .option("--concurrency <n>", "jobs proven at the same time", nonNegativeInteger, 2)
        .option("--poll-ms <ms>", "how often to look for new requests", nonNegativeInteger, 1000)
        // a bigint default needs its description: commander's help would JSON.stringify it
        .addOption(new Option("--min-fee <wei>", "skip requests paying less").argParser(weiAmount).default(0n, "0"))
        .option("--max-attempts <n>", "attempts per job before giving up", nonNegativeInteger, 5)
        .addOption(
          new Option("--enclave <kind>", "--proof tee: where the enclave worker runs (dev: SIMULATED, no hardware protection)")
            .choices(["dev", "tdx", "nitro"])
            .default("dev"),
        )
        .option(
          "--enclave-registry <address>",
          "--proof tee: the EnclaveRegistry that admits the worker's key (default: the deployment file's, from `vinfer tee deploy-registry`)",
        )
        .option("--attestation-out <file>", "--proof tee: where to write the worker's attestation (default: <db>.attestation)")
        .option(
          "--dishonest <lie>",
          "--proof opml, local dev chains only: claim a wrong result (output[:E] | node:N:E | accumulator:N:E:T | inconsistent:N:E:SEED | random[:SEED]) to see it disputed",
          parseLie,
        )
        .option(
          "--queue <url>",
          "prover fleet: hand every proof (ZK proofs, OPML claims, TEE signatures) to `vinfer worker`s through this Redis (redis://host:port); this node keeps the key, the job store, the submissions and the OPML defence",
        )
        .option("--job-timeout-ms <ms>", "--queue: how long a fleet proof may take, queueing included", nonNegativeInteger, 600_000)
        .option(
          "--metrics-port <port>",
          "serve Prometheus metrics (GET /metrics) and a health check (GET /healthz) on 127.0.0.1:<port>",
          nonNegativeInteger,
        )
        .option(
          "--confirmations <n>",
          "blocks deep a request must be before the node acts on it, and a fulfilment before it counts as done (reorgs shallower than this are harmless)",
          positiveInteger,
          1,
        )
        .option(
          "--max-fee <gwei>",
          "the most the node pays per gas (base fee + tip); stuck transactions are re-priced up to it (default: no cap)",
          gweiAmount,
        )
        .option(
          "--bump-after-blocks <n>",
          "re-price a transaction (same nonce, +12.5% or more) still waiting after this many blocks, or at once when the base fee passes its fee cap",
          positiveInteger,
          DEFAULT_BUMP_AFTER_BLOCKS,
        )
        .option("--json", "stdout carries the event log only: one JSON object per line (time, level, event, fields)"),
    ),
  ).action(async (opts: ServeOptions) => {
    if (opts.dishonest && !opts.proof.includes(ProofType.Opml))
      throw new InputError("--dishonest makes OPML claims lie: it needs --proof opml");
    const c = await connect(opts, DevAccount.operator);
    if (opts.dishonest) {
      if (!DEV_CHAIN_IDS.has(c.chainId)) {
        c.provider.destroy();
        throw new InputError(
          `--dishonest posts wrong results and loses bonds: it runs only on a local dev chain (chain id ${[...DEV_CHAIN_IDS].join(" or ")}), not on chain ${c.chainId}`,
        );
      }
      out.warn(`\n*** DISHONEST OPERATOR (--dishonest): its OPML claims lie (${JSON.stringify(opts.dishonest)}); dev chains only. ***\n`);
    }
    const d = await loadDeployment(opts.deployment, c);
    const log = out.logger();
    let stopping = false;
    let settings: ProofSettings = opts.dishonest ? { opml: { lie: opts.dishonest } } : {};
    // With --queue, every proof goes to the fleet's workers (a TEE result is signed by a worker's
    // enclave). OPML is prepared here too: the node defends its claims, which needs the model's program.
    let fleet: FleetQueues | undefined;
    const fleetTypes = opts.queue ? opts.proof : [];
    const localTypes = opts.proof.filter((t) => !fleetTypes.includes(t) || t === ProofType.Opml);
    if (opts.queue) {
      await checkQueueReachable(opts.queue);
      fleet = new FleetQueues({ url: opts.queue, jobTimeoutMs: opts.jobTimeoutMs });
      log.log("info", "fleet.coordinator", { queue: opts.queue, proofTypes: fleetTypes.map(proofTypeName).join(",") });
    }
    let tee: { registry: EnclaveRegistry; wait: AdmissionWait } | undefined;
    let enclave: EnclaveWorker | undefined;
    if (opts.proof.includes(ProofType.Tee)) {
      const enclaveRegistry = opts.enclaveRegistry ?? d.tee?.enclaveRegistry;
      if (!enclaveRegistry)
        throw new InputError(
          `--proof tee signs for the models' enclave registry, and ${opts.deployment} records none: ` +
            "run `vinfer tee deploy-registry` first, or pass --enclave-registry <address>",
        );
      await checkEnclaveRegistry(c, enclaveRegistry, d.registry);
      const registry = EnclaveRegistry__factory.connect(enclaveRegistry, c.provider);
      tee = { registry, wait: { registry, log, stopping: () => stopping } };
      if (!fleet) {
        enclave = await startEnclaveWorker(opts.enclave, resolve(opts.attestationOut ?? `${opts.db}.attestation`), log, enclaveRegistry);
        settings = { ...settings, tee: { worker: enclave, enclaveRegistry } };
      }
    }
    const provers = new Map<string, readonly Prover[]>();
    for (const ref of opts.model) {
      out.info(`${ref}: loading circuits (${localTypes.map(proofTypeName).join(", ") || "none: every proof goes to the fleet"})`);
      const prepared = await prepareModel(ref, localTypes, out.progress(), settings);
      const modelId = prepared.model.modelId.toLowerCase();
      // A lie that does not fit the model (no such node, element or term) is refused now, not per request.
      if (opts.dishonest) buildClaim(prepared.model, new Array<bigint>(prepared.model.inputLength).fill(0n), opts.dishonest);
      provers.set(modelId, [
        ...prepared.provers.map((p) => {
          if (enclave && tee && p.proofType === ProofType.Tee) return awaitingAdmission(p, enclave.address, tee.wait);
          if (fleet && p instanceof OpmlProver) return fleet.opmlProver(p);
          return p;
        }),
        ...fleetTypes
          .filter((t) => t !== ProofType.Opml)
          .map((t) =>
            t === ProofType.Tee && tee
              ? awaitingSignerAdmission(fleet!.prover(t), { ...tee.wait, maxWaitMs: FLEET_ADMISSION_WAIT_MS }, (ctx) =>
                  fleet!.discard(t, ctx),
                )
              : fleet!.prover(t),
          ),
      ]);
      if (tee) await checkTeeVerifier(d, c.provider, modelId, await tee.registry.getAddress(), log);
    }
    // node:sqlite is Node 22+: loaded here so the other commands run on older Node too.
    const { JobStore } = await import("../../sdk/operator/jobStore.js").catch((err: unknown) => {
      throw new VinferError(
        "NODE_VERSION",
        `vinfer serve needs Node 22 or later for node:sqlite (this is ${process.version}); run it with \`npx vinfer\` inside the project, which uses the project's Node 22`,
        { cause: err },
      );
    });
    let store: InstanceType<typeof JobStore>;
    try {
      store = new JobStore(resolve(opts.db));
    } catch (err) {
      throw new InputError(`cannot open the job database ${opts.db}: ${(err as Error).message}`);
    }
    const metrics: OperatorMetrics | undefined =
      opts.metricsPort === undefined
        ? undefined
        : new OperatorMetrics({
            store,
            ...(fleet
              ? {
                  fleet: {
                    queues: fleet,
                    served: [...provers.keys()].flatMap((modelId) => fleetTypes.map((proofType) => ({ modelId, proofType }))),
                  },
                }
              : {}),
            // called by GET /healthz, which is served from after the node exists
            healthy: (): boolean => node.isRunning,
          });
    const node: OperatorNode = new OperatorNode({
      provider: c.provider,
      wallet: c.wallet,
      router: d.router,
      registry: d.registry,
      store,
      provers,
      workDir: resolve(cacheDir(), "operator", `chain-${c.chainId}`),
      concurrency: Math.max(1, opts.concurrency),
      pollIntervalMs: opts.pollMs,
      maxAttempts: Math.max(1, opts.maxAttempts),
      minFee: opts.minFee,
      fromBlock: d.fromBlock,
      confirmations: opts.confirmations,
      ...(opts.maxFee !== undefined ? { maxFeePerGas: opts.maxFee } : {}),
      bumpAfterBlocks: opts.bumpAfterBlocks,
      logger: metrics ? metrics.logger(log) : log,
    });
    const metricsServer = metrics && (await metrics.serve(opts.metricsPort!));
    if (metricsServer)
      log.log("info", "metrics.listening", { url: `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}/metrics` });
    await node.start();
    await new Promise<void>((done) => {
      const shutdown = () => {
        stopping = true;
        void node.stop().then(done);
      };
      process.once("SIGINT", shutdown);
      process.once("SIGTERM", shutdown);
    });
    metricsServer?.close();
    await fleet?.close();
    store.close();
    c.provider.destroy();
  });
}

/** --dishonest's lie: output[:E] | node:N:E | accumulator:N:E:T | inconsistent:N:E:SEED | random[:SEED]. */
export function parseLie(value: string): Lie {
  const [kind, ...rest] = value.trim().split(":");
  const n = rest.map((v) => (/^\d+$/.test(v) ? Number(v) : NaN));
  const bad = (form: string) =>
    new InvalidArgumentError(
      `"${value}": expected ${form} with non-negative integers (output[:E], node:N:E, accumulator:N:E:T, inconsistent:N:E:SEED, random[:SEED])`,
    );
  if (n.some((v) => !Number.isSafeInteger(v))) throw bad(kind ?? "a lie");
  switch (kind) {
    case "output":
      if (n.length > 1) throw bad("output[:ELEMENT]");
      return n.length === 1 ? { kind: "output", element: n[0]! } : { kind: "output" };
    case "node":
      if (n.length !== 2) throw bad("node:NODE:ELEMENT");
      return { kind: "node", node: n[0]!, element: n[1]! };
    case "accumulator":
      if (n.length !== 3) throw bad("accumulator:NODE:ELEMENT:TERM");
      return { kind: "accumulator", node: n[0]!, element: n[1]!, term: n[2]! };
    case "inconsistent":
      if (n.length !== 3) throw bad("inconsistent:NODE:ELEMENT:SEED");
      return { kind: "inconsistent", node: n[0]!, element: n[1]!, seed: n[2]! };
    case "random":
      if (n.length > 1) throw bad("random[:SEED]");
      return { kind: "random", seed: n[0] ?? 1 };
    default:
      throw bad("a lie");
  }
}

/** Warns when the model's TEE verifier is not the worker's enclave registry (its results would be refused). */
async function checkTeeVerifier(
  d: Parameters<typeof connectProtocol>[0],
  provider: Parameters<typeof connectProtocol>[1],
  modelId: string,
  enclaveRegistry: string,
  log: Logger,
): Promise<void> {
  let verifier: string | undefined;
  try {
    verifier = (await connectProtocol(d, provider).registry.requestConfig(modelId, ProofType.Tee))[2].verifier;
  } catch {
    verifier = undefined;
  }
  if (verifier?.toLowerCase() !== enclaveRegistry.toLowerCase())
    log.log("warn", "tee.model_verifier", {
      modelId,
      verifier: verifier ?? null,
      enclaveRegistry,
      problem: "the model's TEE verifier is not this enclave registry: register it with `vinfer deploy --model … --proof tee`",
    });
}
