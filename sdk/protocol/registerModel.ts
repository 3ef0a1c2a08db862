/**
 * Puts a model on chain: registers its id in the ModelRegistry (if it is not
 * there yet) and deploys and sets the model-specific verifier of each proof
 * type given. Verifiers are generated per circuit, so they are deployed here
 * rather than by the Ignition module of the core contracts.
 */
import { ContractFactory, type Signer } from "ethers";

import { ProtocolError } from "../errors.js";
import type { Model } from "../model.js";
import type { CompiledContract } from "../zk/solidity.js";
import { type ModelRegistry, explainRevert } from "./contracts.js";
import { ProofType, proofTypeName } from "./proofType.js";

export interface VerifierToDeploy {
  readonly proofType: ProofType;
  readonly contract: CompiledContract;
  /** The adapter's parameter for this model (Groth16: the input bit width). */
  readonly params: bigint;
}

export interface RegisteredVerifier {
  readonly proofType: ProofType;
  readonly address: string;
  readonly deployGas: bigint;
}

export interface RegisterResult {
  readonly modelId: string;
  readonly newlyRegistered: boolean;
  readonly verifiers: RegisteredVerifier[];
}

/** The Groth16 verifier of a compiled circuit, with its input width as the adapter parameter. */
export function groth16Verifier(model: Model, contract: CompiledContract): VerifierToDeploy {
  return { proofType: ProofType.Groth16, contract, params: BigInt(model.quantized.config.activationBits) };
}

export function ezklVerifier(contract: CompiledContract): VerifierToDeploy {
  return { proofType: ProofType.Ezkl, contract, params: 0n };
}

export async function registerModel(
  registry: ModelRegistry,
  signer: Signer,
  model: Model,
  verifiers: readonly VerifierToDeploy[],
  metadataURI = "",
): Promise<RegisterResult> {
  const modelId = model.modelId;
  const reg = registry.connect(signer);
  const info = await reg.model(modelId);
  const me = await signer.getAddress();
  let newlyRegistered = false;
  if (info.owner === "0x0000000000000000000000000000000000000000") {
    try {
      await (await reg.registerModel(modelId, model.inputLength, model.outputLength, metadataURI)).wait();
    } catch (err) {
      throw explainRevert(`registerModel(${modelId})`, err);
    }
    newlyRegistered = true;
  } else if (info.owner.toLowerCase() !== me.toLowerCase()) {
    throw new ProtocolError(`model ${modelId} is registered by ${info.owner}; only that account can set its verifiers`);
  }
  const deployed: RegisteredVerifier[] = [];
  for (const v of verifiers) {
    const factory = new ContractFactory(v.contract.abi as never, v.contract.bytecode, signer);
    const contract = await factory.deploy();
    const receipt = await contract.deploymentTransaction()!.wait();
    const address = await contract.getAddress();
    try {
      await (await reg.setVerifier(modelId, v.proofType, address, v.params)).wait();
    } catch (err) {
      throw explainRevert(`setVerifier(${modelId}, ${proofTypeName(v.proofType)})`, err);
    }
    deployed.push({ proofType: v.proofType, address, deployGas: receipt?.gasUsed ?? 0n });
  }
  return { modelId, newlyRegistered, verifiers: deployed };
}
