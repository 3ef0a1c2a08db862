/**
 * Deploys the core contracts with the Ignition module (ignition/modules/
 * VinferProtocol.ts) through Ignition's core library on any EIP-1193
 * provider: Hardhat's in-process network for the demo and tests, or an RPC
 * URL through `vinfer deploy` (signingProvider: a key held here). Hardhat is
 * not needed at run time. With a journal folder (`deploymentDir`) a deploy
 * that stopped half-way resumes where it stopped. Every registered proof
 * system's adapter is deployed and registered on the router.
 */
import {
  type Artifact,
  type ArtifactResolver,
  type DeploymentResult,
  DeploymentResultType,
  type EIP1193Provider,
  type ExecutionEventListener,
  deploy,
} from "@nomicfoundation/ignition-core";
import type { JsonRpcProvider, Wallet } from "ethers";

import { adapterFutureId, vinferProtocolModule } from "../../ignition/modules/VinferProtocol.js";
import { InferenceRouter__factory, ModelRegistry__factory } from "../../types/ethers-contracts/index.js";
import { VinferError } from "../errors.js";
import { proofSystems } from "../proofs/registry.js";
import type { ProtocolAddresses } from "./contracts.js";

export interface DeployProtocolOptions {
  readonly requestTimeoutSeconds?: number;
  readonly maxCallbackGasLimit?: number;
  /** Ignition's journal folder: a rerun with the same folder resumes (real chains). In memory when absent. */
  readonly deploymentDir?: string;
  /** Called as each contract deployment or call completes (Ignition's future id). */
  readonly onStep?: (futureId: string) => void;
}

export class DeployError extends VinferError {
  constructor(message: string) {
    super("DEPLOY", message);
  }
}

/** The core contracts the module names without an artefact of its own (the adapters carry theirs). */
const CORE_CONTRACTS: Readonly<Record<string, { abi: readonly unknown[]; bytecode: string }>> = {
  ModelRegistry: ModelRegistry__factory,
  InferenceRouter: InferenceRouter__factory,
};

const artifactResolver: ArtifactResolver = {
  loadArtifact(contractName: string): Promise<Artifact> {
    const c = CORE_CONTRACTS[contractName];
    if (!c) return Promise.reject(new DeployError(`no artefact for contract ${contractName}`));
    return Promise.resolve({
      _format: "hh3-artifact-1",
      contractName,
      sourceName: `${contractName}.sol`,
      abi: [...c.abi],
      bytecode: c.bytecode,
      deployedBytecode: "0x",
      linkReferences: {},
      deployedLinkReferences: {},
    });
  },
  getBuildInfo: () => Promise.resolve(undefined),
};

/** Ignition reports every event to its listener; only completed steps are of interest here. */
function stepListener(onStep: (futureId: string) => void): ExecutionEventListener {
  const complete = new Set(["deploymentExecutionStateComplete", "callExecutionStateComplete"]);
  return new Proxy({} as ExecutionEventListener, {
    get: (_, name: string) => (event: { futureId?: string }) => {
      if (complete.has(name) && event.futureId) onStep(event.futureId);
      return Promise.resolve();
    },
  });
}

function failure(result: Exclude<DeploymentResult, { type: DeploymentResultType.SUCCESSFUL_DEPLOYMENT }>): string {
  switch (result.type) {
    case DeploymentResultType.EXECUTION_ERROR:
      return [
        ...result.failed.map((f) => `${f.futureId}: ${f.error}`),
        ...result.timedOut.map((t) => `${t.futureId}: timed out`),
        ...result.held.map((h) => `${h.futureId}: held (${h.reason})`),
      ].join("; ");
    case DeploymentResultType.VALIDATION_ERROR:
    case DeploymentResultType.RECONCILIATION_ERROR:
    case DeploymentResultType.PREVIOUS_RUN_ERROR:
      return Object.entries(result.errors)
        .map(([id, errors]) => `${id}: ${errors.join(", ")}`)
        .join("; ");
  }
}

export async function deployProtocol(provider: EIP1193Provider, o: DeployProtocolOptions = {}): Promise<ProtocolAddresses> {
  const parameters: Record<string, number> = {};
  if (o.requestTimeoutSeconds !== undefined) parameters.requestTimeoutSeconds = o.requestTimeoutSeconds;
  if (o.maxCallbackGasLimit !== undefined) parameters.maxCallbackGasLimit = o.maxCallbackGasLimit;
  const systems = proofSystems();
  const accounts = (await provider.request({ method: "eth_accounts" })) as string[];
  if (accounts.length === 0) throw new DeployError("the provider has no account to deploy from");
  const result = await deploy({
    artifactResolver,
    provider,
    ignitionModule: vinferProtocolModule(systems),
    deploymentParameters: { VinferProtocol: parameters },
    accounts,
    ...(o.deploymentDir ? { deploymentDir: o.deploymentDir } : {}),
    ...(o.onStep ? { executionEventListener: stepListener(o.onStep) } : {}),
  });
  if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) {
    throw new DeployError(`the protocol's deployment failed: ${failure(result)}`);
  }
  const address = (id: string) => {
    const c = result.contracts[id];
    if (!c) throw new DeployError(`the deployment has no contract ${id}`);
    return c.address;
  };
  const adapters: Record<string, string> = {};
  for (const s of systems) adapters[s.name] = address(`VinferProtocol#${adapterFutureId(s)}`);
  return { registry: address("VinferProtocol#ModelRegistry"), router: address("VinferProtocol#InferenceRouter"), adapters };
}

/**
 * An EIP-1193 provider over an RPC endpoint whose transactions `wallet` signs
 * here (the node need not hold the key): what Ignition needs on a real chain.
 */
export function signingProvider(rpc: JsonRpcProvider, wallet: Wallet): EIP1193Provider {
  const signer = wallet.connect(rpc);
  return {
    async request({ method, params }) {
      const args = (params ?? []) as unknown[];
      if (method === "eth_accounts" || method === "eth_requestAccounts") return [signer.address];
      if (method !== "eth_sendTransaction") return rpc.send(method, args);
      const tx = args[0] as Record<string, string | undefined>;
      if (tx.from?.toLowerCase() !== signer.address.toLowerCase())
        throw new DeployError(`cannot sign for ${tx.from}: the key held is ${signer.address}`);
      const populated = await signer.populateTransaction({
        to: tx.to ?? null,
        data: tx.data,
        value: tx.value,
        nonce: tx.nonce === undefined ? undefined : Number(tx.nonce),
        gasLimit: tx.gas,
        ...(tx.gasPrice ? { gasPrice: tx.gasPrice } : { maxFeePerGas: tx.maxFeePerGas, maxPriorityFeePerGas: tx.maxPriorityFeePerGas }),
      });
      return rpc.send("eth_sendRawTransaction", [await signer.signTransaction(populated)]);
    },
  };
}
