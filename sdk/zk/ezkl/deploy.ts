/**
 * Deploys a model's EZKL verifier: the single generated Halo2Verifier when it
 * fits the 24,576-byte contract limit, else EZKL's reusable verifier (one per
 * EZKL version, shared by models: pass its address to reuse it), the model's
 * verifying-key artefact (create_evm_vka) and an EzklReusableVerifier wrapper
 * that fixes the artefact and exposes the single verifier's
 * verifyProof(bytes, uint256[]); the wrapper's address is what the model
 * registry points at, and EzklAdapter calls it like a single verifier.
 */
import type { Signer } from "ethers";

import { EzklReusableVerifier__factory } from "../../../types/ethers-contracts/index.js";
import { deployContract } from "../../protocol/registerModel.js";
import type { CompiledContract } from "../solidity.js";
import type { EzklCircuit } from "./backend.js";

export interface DeployedEzklVerifier {
  /** What the model registry points at: the single verifier, or the wrapper. */
  readonly address: string;
  /** "single": the generated Halo2Verifier; "reusable": wrapper over the reusable verifier and the VKA. */
  readonly kind: "single" | "reusable";
  /** The reusable verifier and the verifying-key artefact (kind "reusable" only). */
  readonly reusableVerifier?: string;
  readonly artifact?: string;
  /** Deployed code size of each contract deployed here, in bytes. */
  readonly sizes: Record<string, number>;
  /** Gas of each deployment made here (none for a reused reusable verifier). */
  readonly deployGas: Record<string, bigint>;
}

export interface DeployEzklOptions {
  /** An already-deployed reusable verifier of the same EZKL version, to share. */
  readonly reusableVerifier?: string;
  /** Deploy the reusable form even when the single verifier fits. */
  readonly forceReusable?: boolean;
}

/** deployContract, plus the deployed code's size. */
async function deploySized(c: CompiledContract, signer: Signer, args: readonly unknown[] = []) {
  const { address, deployGas } = await deployContract(c, signer, args);
  const code = await signer.provider!.getCode(address);
  return { address, gas: deployGas, size: (code.length - 2) / 2 };
}

export async function deployEzklVerifier(
  circuit: EzklCircuit,
  signer: Signer,
  options: DeployEzklOptions = {},
): Promise<DeployedEzklVerifier> {
  if (!options.forceReusable && !circuit.needsReusableVerifier) {
    const v = await deploySized(circuit.verifierContract(), signer);
    return { address: v.address, kind: "single", sizes: { Halo2Verifier: v.size }, deployGas: { Halo2Verifier: v.gas } };
  }
  const { verifier, artifact } = circuit.reusableVerifierContracts();
  const sizes: Record<string, number> = {};
  const deployGas: Record<string, bigint> = {};
  let reusable = options.reusableVerifier;
  if (!reusable) {
    const v = await deploySized(verifier, signer);
    reusable = v.address;
    sizes.Halo2VerifierReusable = v.size;
    deployGas.Halo2VerifierReusable = v.gas;
  }
  const vka = await deploySized(artifact, signer);
  sizes.Halo2VerifyingArtifact = vka.size;
  deployGas.Halo2VerifyingArtifact = vka.gas;
  const wrapper = await deploySized(
    {
      abi: EzklReusableVerifier__factory.abi as unknown as unknown[],
      bytecode: EzklReusableVerifier__factory.bytecode,
      deployedBytecode: "0x",
    },
    signer,
    [reusable, vka.address],
  );
  sizes.EzklReusableVerifier = wrapper.size;
  deployGas.EzklReusableVerifier = wrapper.gas;
  return { address: wrapper.address, kind: "reusable", reusableVerifier: reusable, artifact: vka.address, sizes, deployGas };
}
