/**
 * What the operator runs for a job: the model's integer output and the
 * evidence for the request's proof type, bound to that request.
 */
import { fieldBinding } from "../protocol/binding.js";
import { encodeEzklEvidence, encodeGroth16Evidence } from "../protocol/evidence.js";
import { ProofType } from "../protocol/proofType.js";
import { VinferError } from "../errors.js";
import type { Groth16Circuit } from "../zk/groth16/backend.js";
import type { EzklCircuit } from "../zk/ezkl/backend.js";

export interface ProveContext {
  readonly chainId: bigint;
  readonly router: string;
  readonly requestId: bigint;
  readonly modelId: string;
  readonly fulfiller: string;
  readonly input: readonly bigint[];
  /** A scratch folder for this job's files. */
  readonly workDir: string;
}

export interface ProvenResult {
  readonly output: bigint[];
  /** The `evidence` bytes of router.fulfill (sdk/protocol/evidence.ts). */
  readonly evidence: string;
}

export interface Prover {
  readonly proofType: ProofType;
  prove(ctx: ProveContext): Promise<ProvenResult>;
}

function safeNumbers(input: readonly bigint[]): number[] {
  return input.map((v, i) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new VinferError("OPERATOR_INPUT", `input ${i} = ${v} is not a safe integer`);
    return n;
  });
}

/** Groth16: the circuit's public `binding` is the request binding, so the proof fits one request only. */
export class Groth16Prover implements Prover {
  readonly proofType = ProofType.Groth16;

  constructor(private readonly circuit: Groth16Circuit) {}

  async prove(ctx: ProveContext): Promise<ProvenResult> {
    const binding = fieldBinding(ctx);
    const proof = await this.circuit.prove({ binding, x: safeNumbers(ctx.input) });
    const decoded = this.circuit.decode(proof.publicSignals);
    return { output: decoded.outputs, evidence: encodeGroth16Evidence(proof) };
  }
}

/** EZKL: public input and output instances; the adapter rebuilds them from the request. */
export class EzklProver implements Prover {
  readonly proofType = ProofType.Ezkl;

  constructor(private readonly circuit: EzklCircuit) {}

  async prove(ctx: ProveContext): Promise<ProvenResult> {
    const proof = await this.circuit.proveQuantized(ctx.input, ctx.workDir);
    return { output: proof.outputs, evidence: encodeEzklEvidence(proof.proofBytes) };
  }
}
