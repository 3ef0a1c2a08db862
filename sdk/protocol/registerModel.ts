/**
 * Puts a model on chain: registers its id in the ModelRegistry (if it is not
 * there yet) and sets the model-specific verifier of each proof type given,
 * deploying it first when it is a contract. Verifiers are generated per
 * circuit, so they are deployed here rather than by the Ignition module of
 * the core contracts. What each proof type needs comes from its ModelProver
 * (sdk/proofs/).
 */
import { ContractFactory, type Signer } from "ethers";

import { BYTES_PER_VALUE, INT16_MAX, INT16_MIN } from "../commit/int16Tensor.js";
import { InputError, ProtocolError } from "../errors.js";
import type { CompiledContract } from "../zk/solidity.js";
import type { Model } from "../model.js";
import type { VerifierToDeploy } from "../proofs/proofSystem.js";
import { proofTypeName } from "../proofs/registry.js";
import { type ModelRegistry, explainRevert } from "./contracts.js";
import type { ProofTypeId } from "./proofType.js";

/** Widest activations a request or result can carry: int16 lanes (contracts/libraries/Int16Tensors.sol). */
export const MAX_WIRE_BITS = 8 * BYTES_PER_VALUE;

export interface RegisteredVerifier {
  readonly proofType: ProofTypeId;
  readonly address: string;
  /** Gas of the verifier's deployment (0 when the verifier is an existing address). */
  readonly deployGas: bigint;
}

export interface RegisterResult {
  readonly modelId: string;
  readonly newlyRegistered: boolean;
  readonly verifiers: RegisteredVerifier[];
}

/**
 * The one input range the registry holds for a model (the router refuses a
 * request outside it): the declared range, or int16's whole range when the
 * model declares none. Inputs that declare different ranges cannot share one
 * on-chain range, so such a model is refused rather than checked loosely.
 */
export function registryInputRange(model: Model): { lo: bigint; hi: bigint } {
  const declared = model.inputBounds.filter((b) => b.declared);
  if (declared.length === 0) return { lo: INT16_MIN, hi: INT16_MAX };
  const [first] = declared;
  const uniform = declared.length === model.inputBounds.length && declared.every((b) => b.lo === first!.lo && b.hi === first!.hi);
  if (!uniform) {
    const list = model.inputBounds.map((b) => `${b.input}: ${b.declared ? `[${b.lo}, ${b.hi}]` : "undeclared"}`).join(", ");
    throw new InputError(
      `model ${model.modelId} declares different ranges for its inputs (${list}); the registry holds one input range per model: declare the same range for every input to serve it on chain`,
    );
  }
  return { lo: first!.lo, hi: first!.hi };
}

export async function registerModel(
  registry: ModelRegistry,
  signer: Signer,
  model: Model,
  verifiers: readonly VerifierToDeploy[],
  metadataURI = "",
): Promise<RegisterResult> {
  const modelId = model.modelId;
  const bits = model.quantized.config.activationBits;
  if (bits > MAX_WIRE_BITS) {
    throw new InputError(
      `model ${modelId} has ${bits}-bit activations; requests and results travel as int16 (docs/protocol.md, "Tensor encoding"): quantize it with activationBits <= ${MAX_WIRE_BITS} to serve it on chain`,
    );
  }
  const reg = registry.connect(signer);
  const info = await reg.model(modelId);
  const me = await signer.getAddress();
  let newlyRegistered = false;
  if (info.owner === "0x0000000000000000000000000000000000000000") {
    try {
      const { lo, hi } = registryInputRange(model);
      await (await reg.registerModel(modelId, model.inputLength, model.outputLength, lo, hi, metadataURI)).wait();
    } catch (err) {
      throw explainRevert(`registerModel(${modelId})`, err);
    }
    newlyRegistered = true;
  } else if (info.owner.toLowerCase() !== me.toLowerCase()) {
    throw new ProtocolError(`model ${modelId} is registered by ${info.owner}; only that account can set its verifiers`);
  }
  const deployed: RegisteredVerifier[] = [];
  for (const v of verifiers) {
    const { address, deployGas } = v.deploy
      ? await v.deploy(signer)
      : v.contract
        ? await deployContract(v.contract, signer)
        : { address: v.address, deployGas: 0n };
    try {
      await (await reg.setVerifier(modelId, v.proofType, address, v.params)).wait();
    } catch (err) {
      throw explainRevert(`setVerifier(${modelId}, ${proofTypeName(v.proofType)})`, err);
    }
    deployed.push({ proofType: v.proofType, address, deployGas });
  }
  return { modelId, newlyRegistered, verifiers: deployed };
}

/** Deploys a compiled contract with constructor `args`; its address and the deployment's gas. */
export async function deployContract(
  c: CompiledContract,
  signer: Signer,
  args: readonly unknown[] = [],
): Promise<{ address: string; deployGas: bigint }> {
  const contract = await new ContractFactory(c.abi as never, c.bytecode, signer).deploy(...args);
  const receipt = await contract.deploymentTransaction()!.wait();
  return { address: await contract.getAddress(), deployGas: receipt?.gasUsed ?? 0n };
}
