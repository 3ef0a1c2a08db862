/** `vinfer zk --backend groth16`: the Groth16 circuit behind the common ZK command shape. */
import { VinferError, InputError } from "../../errors.js";
import type { Model } from "../../model.js";
import { type SampleLike, sampleInputs } from "../../io/inputFile.js";
import type { ZkBackend, ZkCircuit, ZkCompileOptions, ZkProofFile, ZkProveOptions } from "../zkBackend.js";
import { type Groth16Proof, Groth16Circuit } from "./backend.js";

const INSECURE_WARNING = "warning: keys come from an INSECURE development powers of tau; use --ptau <ceremony file> in production";

function asProof(json: unknown, path: string): Groth16Proof {
  const p = json as Partial<Groth16Proof> | null;
  if (!p?.proof || !Array.isArray(p.publicSignals)) throw new InputError(`${path} is not a proof file written by "vinfer zk prove"`);
  return p as Groth16Proof;
}

class Groth16ZkCircuit implements ZkCircuit {
  constructor(
    private readonly model: Model,
    private readonly circuit: Groth16Circuit,
    private readonly privateWeights: boolean,
  ) {}

  get dir(): string {
    return this.circuit.dir;
  }

  get timings() {
    return this.circuit.timings;
  }

  get setupWarning(): string | undefined {
    return this.circuit.setupDir && this.circuit.insecureSetup ? INSECURE_WARNING : undefined;
  }

  describe(): string[] {
    return [`constraints ${this.circuit.plan.constraints}`];
  }

  async prove(sample: SampleLike, o: ZkProveOptions): Promise<ZkProofFile> {
    // the circuit has one graph input (planCircuit refuses others at compile time)
    const { inputs, outputs } = this.model.runInteger(sampleInputs(sample));
    const proof = await this.circuit.prove(
      { binding: o.binding, x: inputs[0]!.data, ...(this.privateWeights ? { w: this.model.commitment.tree.values } : {}) },
      o.progress,
    );
    const { timings, ...rest } = proof;
    return {
      content: JSON.stringify(
        { backend: "groth16", model: this.model.path, modelId: this.model.modelId, circuit: this.circuit.dir, ...rest },
        null,
        1,
      ),
      summary: `outputs ${Array.from(outputs[0]!.data).join(" ")}`,
      timings,
    };
  }

  async verify(json: unknown, path: string): Promise<string> {
    const proof = asProof(json, path);
    const t0 = performance.now();
    const ok = await this.circuit.verify(proof);
    const ms = performance.now() - t0;
    if (!ok) throw new VinferError("PROOF_INVALID", `proof ${path} does NOT verify for this model`);
    const d = this.circuit.decode(proof.publicSignals);
    return `valid proof (${ms.toFixed(0)} ms): outputs ${d.outputs.join(" ")}, binding ${d.binding}`;
  }

  async outputs(samples: readonly SampleLike[]): Promise<number[][]> {
    const out: number[][] = [];
    for (const s of samples) {
      const x = this.model.runInteger(sampleInputs(s)).inputs[0]!.data;
      out.push((await this.circuit.evaluate({ binding: 0n, x })).outputs.map(Number));
    }
    return out;
  }

  verifierSource(): string {
    return this.circuit.verifierSource();
  }
}

export const groth16ZkBackend: ZkBackend = {
  async compile(model: Model, o: ZkCompileOptions): Promise<ZkCircuit> {
    if (o.calibration) throw new InputError("--calibration applies to the ezkl backend only");
    const circuit = await Groth16Circuit.compile(model, {
      privateWeights: !!o.privateWeights,
      setup: o.setup ?? true,
      ...(o.progress ? { progress: o.progress } : {}),
      ...(o.ptau ? { ptau: o.ptau } : {}),
      ...(o.prover ? { prover: o.prover } : {}),
    });
    return new Groth16ZkCircuit(model, circuit, !!o.privateWeights);
  },
};
