/**
 * How the one-step executor is deployed: every kernel family's contract
 * (sdk/opml/kernels/index.ts), then OneStepExecutor with their addresses
 * (address 0 for a family without a kernel). The OPML proof system hands
 * this list to the protocol's Ignition module as the adapter's dependencies;
 * tests and scripts that want an executor alone call deployOneStepExecutor.
 */
import { ContractFactory, type Signer, ZeroAddress } from "ethers";

import { OneStepExecutor__factory } from "../../types/ethers-contracts/index.js";
import type { OneStepExecutor } from "../../types/ethers-contracts/index.js";
import type { AdapterDependency } from "../proofs/proofSystem.js";
import { KERNELS } from "./kernels/index.js";

/** The kernels (in family order, present ones only), then the executor, whose one argument lists them. */
export function executorDeployment(): AdapterDependency[] {
  const deps: AdapterDependency[] = [];
  const slots = KERNELS.map((k) => {
    if (!k) return null;
    deps.push({ contractName: k.contractName, abi: k.artifact.abi, bytecode: k.artifact.bytecode, adapterArgument: false });
    return deps.length - 1;
  });
  deps.push({
    contractName: "OneStepExecutor",
    abi: OneStepExecutor__factory.abi,
    bytecode: OneStepExecutor__factory.bytecode,
    constructorArgs: [slots],
  });
  return deps;
}

/** Deploys every kernel and an executor using them, from `signer`. */
export async function deployOneStepExecutor(signer: Signer): Promise<OneStepExecutor> {
  const kernels: string[] = [];
  for (const k of KERNELS) {
    if (!k) {
      kernels.push(ZeroAddress);
      continue;
    }
    const factory = new ContractFactory(k.artifact.abi as never, k.artifact.bytecode, signer);
    const contract = await factory.deploy();
    await contract.waitForDeployment();
    kernels.push(await contract.getAddress());
  }
  const executor = await new OneStepExecutor__factory(signer).deploy(kernels as [string, string, string, string]);
  await executor.waitForDeployment();
  return executor;
}
