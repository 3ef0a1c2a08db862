/** vinfer deploy: the core contracts (Ignition), then each model's verifiers, registered. */
import { join, resolve } from "node:path";

import type { Command } from "commander";

import { prepareModel, verifiersOf } from "../../sdk/proofs/prepareModel.js";
import type { ProofSettings } from "../../sdk/proofs/proofSystem.js";
import { proofTypeName } from "../../sdk/proofs/registry.js";
import { connectProtocol } from "../../sdk/protocol/contracts.js";
import { deployProtocol, signingProvider } from "../../sdk/protocol/deployProtocol.js";
import { ProofType } from "../../sdk/protocol/proofType.js";
import { registerModel } from "../../sdk/protocol/registerModel.js";
import { EnclaveWorker } from "../../sdk/tee/worker/enclaveWorker.js";
import { InputError } from "../../sdk/errors.js";
import { cacheDir } from "../../sdk/paths.js";
import {
  type ChainOptions,
  DEFAULT_DEPLOYMENT_FILE,
  DEFAULT_PROOF_TYPES,
  type DeploymentFile,
  DevAccount,
  addChainOptions,
  connect,
  previousDeployment,
  proofTypesOption,
  writeDeployment,
} from "../chain.js";
import { nonNegativeInteger, positiveInteger, weiAmount } from "../options.js";
import { table } from "../format.js";
import { out as output } from "../output.js";
import { checkEnclaveRegistry } from "./tee.js";

/** A verifier `vinfer deploy` registered for a model (in its --json document). */
interface DeployedVerifier {
  readonly proofType: string;
  readonly proofTypeId: number;
  readonly address: string;
  readonly deployGas: bigint;
}

interface DeployOptions extends ChainOptions {
  model: string[];
  proof: ReturnType<typeof proofTypesOption>;
  out: string;
  deploymentId?: string;
  requestTimeout: number;
  enclaveRegistry?: string;
  challengeWindow?: number;
  clock?: number;
  claimBond?: bigint;
  challengeBond?: bigint;
}

export function registerDeploy(program: Command): void {
  addChainOptions(
    program
      .command("deploy")
      .description("deploy the registry, router and proof adapters (Hardhat Ignition), then register models with their verifiers")
      .option("--model <ref...>", "zoo names, folders or .onnx files to register", [])
      .option("--proof <types>", "proof types to deploy verifiers for (comma-separated)", proofTypesOption, DEFAULT_PROOF_TYPES)
      .option("--out <file>", "where to write the deployment's addresses", DEFAULT_DEPLOYMENT_FILE)
      .option(
        "--deployment-id <id>",
        "Ignition deployment id (default: per chain and genesis block, so a restarted dev chain gets a new one)",
      )
      .option("--request-timeout <seconds>", "how long requests stay open", nonNegativeInteger, 3600)
      .option(
        "--enclave-registry <address>",
        "--proof tee: the EnclaveRegistry that admits the model's enclave keys (default: the --out file's, from `vinfer tee deploy-registry`)",
      )
      .option("--challenge-window <seconds>", "--proof opml: how long anyone may challenge a claim (default 3600)", positiveInteger)
      .option("--clock <seconds>", "--proof opml: each side's chess clock in a dispute game (default 3600)", positiveInteger)
      .option("--claim-bond <wei>", "--proof opml: what a claimer locks per claim (default 0.1 ETH)", weiAmount)
      .option("--challenge-bond <wei>", "--proof opml: what a challenger posts per game (default 0.1 ETH)", weiAmount)
      .option("--json", "print the deployment (addresses, registered models and verifiers) as one JSON document"),
  ).action(async (opts: DeployOptions) => {
    const out = resolve(opts.out);
    const c = await connect(opts, DevAccount.deployer);
    try {
      const genesis = await c.provider.getBlock(0);
      const deploymentId = opts.deploymentId ?? `vinfer-${c.chainId}-${genesis?.hash?.slice(2, 10) ?? "unknown"}`;
      // Ignition's journal: a deploy that stopped half-way resumes from it
      const addresses = await deployProtocol(signingProvider(c.provider, c.wallet), {
        deploymentDir: join(cacheDir(), "ignition", deploymentId),
        requestTimeoutSeconds: opts.requestTimeout,
        onStep: (futureId) => output.info(`  ✓ ${futureId}`),
      });
      const fromBlock = (await c.provider.getBlockNumber()) - 8;
      // The same core contracts again (Ignition resumes its deployment): keep the TEE contracts recorded with them.
      const previous = previousDeployment(out, c.chainId);
      const tee = previous?.registry.toLowerCase() === addresses.registry.toLowerCase() ? previous.tee : undefined;
      const deployment: DeploymentFile = {
        chainId: c.chainId.toString(),
        fromBlock: Math.max(fromBlock, 0),
        ...addresses,
        ...(tee ? { tee } : {}),
      };
      writeDeployment(out, deployment);
      output.text(`\ncore contracts on chain ${c.chainId} (Ignition deployment ${deploymentId}); addresses written to ${out}`);
      output.text(
        table([
          ["contract", "address"],
          ["ModelRegistry", addresses.registry],
          ["InferenceRouter", addresses.router],
          ...Object.entries(addresses.adapters).map(([name, address]) => [`adapter (${name})`, address]),
        ]),
      );

      let settings: ProofSettings = {
        opml: {
          ...(opts.challengeWindow !== undefined ? { challengeWindow: opts.challengeWindow } : {}),
          ...(opts.clock !== undefined ? { clock: opts.clock } : {}),
          ...(opts.claimBond !== undefined ? { claimBond: opts.claimBond } : {}),
          ...(opts.challengeBond !== undefined ? { challengeBond: opts.challengeBond } : {}),
        },
      };
      if (opts.proof.includes(ProofType.Tee) && opts.model.length > 0) {
        const enclaveRegistry = opts.enclaveRegistry ?? tee?.enclaveRegistry;
        if (!enclaveRegistry)
          throw new InputError(
            `--proof tee registers the model's enclave registry as its TEE verifier, and ${out} records none: ` +
              "run `vinfer tee deploy-registry --attesters <addr,...> --threshold <m>` first, or pass --enclave-registry <address>",
          );
        await checkEnclaveRegistry(c, enclaveRegistry, addresses.registry);
        // Deploy only reads the TEE verifier (the registry's address): no enclave signs anything here.
        settings = { ...settings, tee: { worker: EnclaveWorker.start(), enclaveRegistry } };
      }

      const { registry } = connectProtocol(addresses, c.wallet);
      const models: { model: string; modelId: string; newlyRegistered: boolean; verifiers: DeployedVerifier[] }[] = [];
      for (const ref of opts.model) {
        output.info(`\n${ref}: compiling circuits (${opts.proof.map(proofTypeName).join(", ")}); cached after the first time`);
        const prepared = await prepareModel(ref, opts.proof, output.progress(), settings);
        const r = await registerModel(registry, c.wallet, prepared.model, verifiersOf(prepared), ref);
        models.push({
          model: ref,
          modelId: r.modelId,
          newlyRegistered: r.newlyRegistered,
          verifiers: r.verifiers.map((v) => ({
            proofType: proofTypeName(v.proofType),
            proofTypeId: v.proofType,
            address: v.address,
            deployGas: v.deployGas,
          })),
        });
      }
      const rows = models.flatMap((m) => m.verifiers.map((v) => [m.model, m.modelId, v.proofType, v.address, v.deployGas.toString()]));
      if (rows.length > 0) output.text(`\n${table([["model", "model id", "proof", "verifier", "deploy gas"], ...rows])}`);
      output.jsonResult({ deploymentId, deploymentFile: out, ...deployment, models });
    } finally {
      c.provider.destroy();
    }
  });
}
