/** `vinfer zk --backend ezkl`: the EZKL circuit behind the common ZK command shape. */
import { readFileSync } from "node:fs";

import { InputError, VinferError } from "../../errors.js";
import type { Model } from "../../model.js";
import type { SampleLike } from "../../io/inputFile.js";
import type { ZkBackend, ZkCircuit, ZkCompileOptions, ZkProofFile, ZkProveOptions } from "../zkBackend.js";
import { type EzklProof, EzklCircuit } from "./backend.js";
import { calibrationSamples } from "./calibration.js";

const INSECURE_WARNING = "warning: the SRS is an INSECURE development SRS (ezkl gen_srs); see docs/ezkl.md for the public KZG ceremony SRS";

class EzklZkCircuit implements ZkCircuit {
  readonly setupWarning = INSECURE_WARNING;

  constructor(private readonly circuit: EzklCircuit) {}

  get dir(): string {
    return this.circuit.dir;
  }

  get timings() {
    return this.circuit.timings;
  }

  describe(): string[] {
    return [`logrows ${this.circuit.logrows}`];
  }

  /** EZKL quantizes the float sample itself; the outputs are its fixed point, rescaled. */
  async prove(sample: SampleLike, o: ZkProveOptions): Promise<ZkProofFile> {
    const proof = await this.circuit.prove(sample, o.workDir, o.progress);
    return {
      content: readFileSync(proof.path, "utf8"), // EZKL's own file, byte for byte
      summary: `outputs ${proof.outputs.map((v) => v.toFixed(4)).join(" ")} (EZKL's fixed point, rescaled)`,
      timings: proof.timings,
    };
  }

  async verify(json: unknown, path: string): Promise<string> {
    const native = await this.circuit.verifyNative(path);
    const wasm = this.circuit.verifyWasm(json as EzklProof["json"]);
    if (!native || !wasm)
      throw new VinferError("PROOF_INVALID", `proof ${path} does NOT verify for this model (native ${native}, wasm ${wasm})`);
    return "valid proof (native EZKL and WASM engine)";
  }

  outputs(samples: readonly SampleLike[], workDir: string): Promise<number[][]> {
    return this.circuit.outputs(samples, workDir);
  }

  verifierSource(): string {
    return this.circuit.verifierSource();
  }
}

export const ezklZkBackend: ZkBackend = {
  async compile(model: Model, o: ZkCompileOptions): Promise<ZkCircuit> {
    if (o.privateWeights) throw new InputError("--private-weights applies to the groth16 backend only");
    if (o.ptau) throw new InputError("--ptau applies to the groth16 backend only");
    const circuit = await EzklCircuit.compile(model, {
      calibration: calibrationSamples(model, o.calibration),
      ...(o.progress ? { progress: o.progress } : {}),
    });
    return new EzklZkCircuit(circuit);
  },
};
