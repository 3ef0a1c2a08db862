/** vinfer deploy: the core contracts (Ignition), then each model's verifiers, registered. */
import { resolve } from "node:path";

import type { Command } from "commander";

import { prepareModel, verifiersOf } from "../../sdk/proofs/prepareModel.js";
import type { ProofSettings } from "../../sdk/proofs/proofSystem.js";
import { proofTypeName } from "../../sdk/proofs/registry.js";
import { connectProtocol } from "../../sdk/protocol/contracts.js";
import { deployProtocol } from "../../sdk/protocol/deployProtocol.js";
import { ProofType } from "../../sdk/protocol/proofType.js";
import { registerModel } from "../../sdk/protocol/registerModel.js";
import { EnclaveWorker } from "../../sdk/tee/worker/enclaveWorker.js";
import { InputError } from "../../sdk/errors.js";
import { REPO_ROOT } from "../../sdk/zk/artifacts.js";
import { consoleProgress } from "../../sdk/zk/progress.js";
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
import { checkEnclaveRegistry } from "./tee.js";

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
      .option("--challenge-bond <wei>", "--proof opml: what a challenger posts per game (default 0.1 ETH)", weiAmount),
  ).action(async (opts: DeployOptions) => {
    const out = resolve(opts.out);
    const c = await connect(opts, DevAccount.deployer);
    try {
      const genesis = await c.provider.getBlock(0);
      const deploymentId = opts.deploymentId ?? `vinfer-${c.chainId}-${genesis?.hash?.slice(2, 10) ?? "unknown"}`;
      // Hardhat (for Ignition) reads its config from the project root.
      process.chdir(REPO_ROOT);
      const { default: hre } = await import("hardhat");
      const connection = await hre.network.connect({ network: "vinfer", override: { url: opts.rpc, accounts: [c.wallet.privateKey] } });
      const addresses = await deployProtocol(connection, { deploymentId, displayUi: true, requestTimeoutSeconds: opts.requestTimeout });
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
      console.log(`\ncore contracts on chain ${c.chainId} (Ignition deployment ${deploymentId}); addresses written to ${out}`);

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
      const rows: string[][] = [];
      for (const ref of opts.model) {
        console.error(`\n${ref}: compiling circuits (${opts.proof.map(proofTypeName).join(", ")}); cached after the first time`);
        const prepared = await prepareModel(ref, opts.proof, consoleProgress(), settings);
        const r = await registerModel(registry, c.wallet, prepared.model, verifiersOf(prepared), ref);
        for (const v of r.verifiers) rows.push([ref, r.modelId, proofTypeName(v.proofType), v.address, v.deployGas.toString()]);
      }
      if (rows.length > 0) console.log(`\n${table([["model", "model id", "proof", "verifier", "deploy gas"], ...rows])}`);
    } finally {
      c.provider.destroy();
    }
  });
}
