/**
 * EZKL (Halo2-KZG) as a proof type of the protocol. The circuit's public
 * instances are the request's integer input, the request binding (chain,
 * router, request, model, fulfiller; sdk/zk/ezkl/binding.ts) and the proven
 * output; the adapter (contracts/adapters/EzklAdapter.sol) rebuilds them from
 * the request, and the evidence is the proof bytes exactly as the Halo2
 * verifier takes them.
 */
import { type Signer, hexlify, isHexString } from "ethers";

import { EzklAdapter__factory } from "../../../types/ethers-contracts/index.js";
import { InputError } from "../../errors.js";
import type { ModelProver, ProofSystem, ProveContext, ProvenResult, VerifierToDeploy } from "../../proofs/proofSystem.js";
import { fieldBinding } from "../../protocol/binding.js";
import { ProofType } from "../../protocol/proofType.js";
import { EzklCircuit } from "./backend.js";
import { isFloatType } from "../../tensor.js";
import { calibrationFile, calibrationSamples } from "./calibration.js";
import { deployEzklVerifier } from "./deploy.js";
import { ezklZkBackend } from "./zkBackend.js";

/** Evidence: the proof bytes exactly as the Halo2 verifier's verifyProof takes them. */
export function encodeEzklEvidence(proofBytes: string | Uint8Array): string {
  if (typeof proofBytes === "string" && !isHexString(proofBytes)) throw new InputError("EZKL proof bytes must be 0x-prefixed hex");
  return hexlify(proofBytes);
}

export class EzklProver implements ModelProver {
  readonly proofType = ProofType.Ezkl;

  /**
   * @param verifierAddress an already-deployed verifier for this circuit (e.g. the wrapper that
   *   deployEzklVerifier deploys for a model whose single verifier is over 24 KB).
   */
  constructor(
    readonly circuit: EzklCircuit,
    readonly verifierAddress?: string,
  ) {}

  /**
   * The EZKL-generated Halo2Verifier, or past 24 KB EZKL's reusable verifier, the model's artefact and
   * their wrapper (deployEzklVerifier), or the deployed verifier given; the adapter takes no parameter.
   */
  verifier(): VerifierToDeploy {
    if (this.verifierAddress) return { proofType: this.proofType, address: this.verifierAddress, params: 0n };
    if (this.circuit.needsReusableVerifier) {
      const deploy = async (signer: Signer) => {
        const d = await deployEzklVerifier(this.circuit, signer);
        return { address: d.address, deployGas: Object.values(d.deployGas).reduce((a, b) => a + b, 0n) };
      };
      return { proofType: this.proofType, deploy, params: 0n };
    }
    return { proofType: this.proofType, contract: this.circuit.verifierContract(), params: 0n };
  }

  async prove(ctx: ProveContext): Promise<ProvenResult> {
    const binding = fieldBinding(ctx);
    const proof = await this.circuit.proveQuantized(ctx.input, ctx.workDir, undefined, binding);
    return { output: proof.outputs, evidence: encodeEzklEvidence(proof.proofBytes) };
  }
}

export const ezklProofSystem: ProofSystem = {
  proofType: ProofType.Ezkl,
  name: "ezkl",
  adapter: () => ({ contractName: "EzklAdapter", abi: EzklAdapter__factory.abi, bytecode: EzklAdapter__factory.bytecode }),
  /**
   * EZKL reads the ONNX file itself (tract), not our IR, so which operators
   * it takes is decided by EZKL when it compiles; there is no static check of
   * ours to make. What is known now goes in the note.
   */
  support(model) {
    const notes = ["EZKL compiles the ONNX itself and decides at `vinfer zk compile --backend ezkl`"];
    if (!calibrationFile(model))
      notes.push("needs calibration samples (`--calibration <file>`): no data set or input.json beside the model");
    const integer = model.graph.inputs.filter((t) => !isFloatType(t.dtype));
    if (integer.length > 0) {
      notes.push(
        `integer input${integer.length > 1 ? "s" : ""} ${integer.map((t) => `"${t.name}" ${t.dtype}`).join(", ")}: ` +
          `a request's input reaches EZKL as q / 2^${model.quantized.config.fracBits}, not tried for integer inputs`,
      );
    }
    return { ok: true, deferred: true, note: notes.join("; ") };
  },
  async prepare(model, options = {}) {
    const circuit = await EzklCircuit.compile(model, {
      calibration: calibrationSamples(model),
      ...(options.progress ? { progress: options.progress } : {}),
    });
    return new EzklProver(circuit);
  },
  zk: ezklZkBackend,
};
