/**
 * Groth16 as a proof type of the protocol: the circom circuit's public
 * `binding` is the request binding (sdk/protocol/binding.ts), so a proof
 * fulfils one request, for one fulfiller, only. The adapter
 * (contracts/adapters/Groth16Adapter.sol) rebuilds the public signals from
 * the request; the evidence is just the proof points.
 */
import { AbiCoder } from "ethers";

import { Groth16Adapter__factory } from "../../../types/ethers-contracts/index.js";
import { VinferError } from "../../errors.js";
import type { Model } from "../../model.js";
import type { ModelProver, ProofSystem, ProveContext, ProvenResult, VerifierToDeploy } from "../../proofs/proofSystem.js";
import { fieldBinding } from "../../protocol/binding.js";
import { ProofType } from "../../protocol/proofType.js";
import { Groth16Circuit, type Groth16Proof, verifierCalldata } from "./backend.js";
import { CircuitCompileError, planCircuit } from "./circuitGen.js";
import { groth16ZkBackend } from "./zkBackend.js";

/** Evidence: abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c); the adapter rebuilds the public signals. */
export function encodeGroth16Evidence(proof: Groth16Proof): string {
  const [a, b, c] = verifierCalldata(proof);
  return AbiCoder.defaultAbiCoder().encode(["uint256[2]", "uint256[2][2]", "uint256[2]"], [a, b, c]);
}

function safeNumbers(input: readonly bigint[]): number[] {
  return input.map((v, i) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new VinferError("OPERATOR_INPUT", `input ${i} = ${v} is not a safe integer`);
    return n;
  });
}

export class Groth16Prover implements ModelProver {
  readonly proofType = ProofType.Groth16;

  constructor(
    private readonly model: Model,
    readonly circuit: Groth16Circuit,
  ) {}

  /** The snarkjs-rendered verifier; the adapter's parameter is the circuit's input bit width. */
  verifier(): VerifierToDeploy {
    return {
      proofType: this.proofType,
      contract: this.circuit.verifierContract(),
      params: BigInt(this.model.quantized.config.activationBits),
    };
  }

  async prove(ctx: ProveContext): Promise<ProvenResult> {
    const proof = await this.circuit.prove({ binding: fieldBinding(ctx), x: safeNumbers(ctx.input) });
    return { output: this.circuit.decode(proof.publicSignals).outputs, evidence: encodeGroth16Evidence(proof) };
  }
}

export const groth16ProofSystem: ProofSystem = {
  proofType: ProofType.Groth16,
  name: "groth16",
  adapter: () => ({ contractName: "Groth16Adapter", abi: Groth16Adapter__factory.abi, bytecode: Groth16Adapter__factory.bytecode }),
  revertAdvice: {
    Adapter_MalformedEvidence: "the evidence is not a Groth16 proof: abi.encode(uint256[2], uint256[2][2], uint256[2])",
    Adapter_InputOutOfRange: "an input value does not fit the circuit's input width",
    Adapter_InvalidInputBits: "the model's Groth16 verifier was registered with an input width outside 2..64",
  },
  /** The circuit's plan (no circom run): what the compiler refuses, it refuses here with the node and reason. */
  support(model) {
    try {
      const plan = planCircuit(model.quantized, { emit: false });
      return { ok: true, note: `${plan.constraints.toLocaleString("en-US")} constraints` };
    } catch (err) {
      if (!(err instanceof CircuitCompileError)) throw err;
      return {
        ok: false,
        ...(err.node !== undefined ? { node: err.node } : {}),
        ...(err.op !== undefined ? { op: err.op } : {}),
        reason: err.reason,
      };
    }
  },
  async prepare(model, options = {}) {
    return new Groth16Prover(model, await Groth16Circuit.compile(model, { ...(options.progress ? { progress: options.progress } : {}) }));
  },
  zk: groth16ZkBackend,
};
