/**
 * A model with the circuits of the proof types an operator serves: what
 * `vinfer deploy` registers verifiers from and what `vinfer serve` proves with.
 * Compiling is cached by content (sdk/zk/artifacts.ts), so a second call is fast.
 */
import { Model } from "../model.js";
import { ProofType, proofTypeName } from "../protocol/proofType.js";
import { type VerifierToDeploy, ezklVerifier, groth16Verifier } from "../protocol/registerModel.js";
import { InputError } from "../errors.js";
import { EzklCircuit } from "../zk/ezkl/backend.js";
import { calibrationSamples } from "../zk/ezkl/calibration.js";
import { Groth16Circuit } from "../zk/groth16/backend.js";
import { type Progress, silentProgress } from "../zk/progress.js";
import { EzklProver, Groth16Prover, type Prover } from "./provers.js";

export interface ModelCircuits {
  readonly model: Model;
  readonly groth16?: Groth16Circuit;
  readonly ezkl?: EzklCircuit;
}

export async function compileModelCircuits(
  ref: string | Model,
  proofTypes: readonly ProofType[],
  progress: Progress = silentProgress,
): Promise<ModelCircuits> {
  const model = typeof ref === "string" ? Model.load(ref) : ref;
  let groth16: Groth16Circuit | undefined;
  let ezkl: EzklCircuit | undefined;
  for (const t of proofTypes) {
    if (t === ProofType.Groth16) groth16 = await Groth16Circuit.compile(model, { progress });
    else if (t === ProofType.Ezkl) ezkl = await EzklCircuit.compile(model, { calibration: calibrationSamples(model), progress });
    else throw new InputError(`proof type ${proofTypeName(t)} is not implemented yet (available: groth16, ezkl)`);
  }
  return { model, ...(groth16 ? { groth16 } : {}), ...(ezkl ? { ezkl } : {}) };
}

/** The model-specific verifier contracts to deploy and register. */
export function verifiersOf(c: ModelCircuits): VerifierToDeploy[] {
  const out: VerifierToDeploy[] = [];
  if (c.groth16) out.push(groth16Verifier(c.model, c.groth16.verifierContract()));
  if (c.ezkl) out.push(ezklVerifier(c.ezkl.verifierContract()));
  return out;
}

/** The provers an operator node runs for this model. */
export function proversOf(c: ModelCircuits): Prover[] {
  const out: Prover[] = [];
  if (c.groth16) out.push(new Groth16Prover(c.groth16));
  if (c.ezkl) out.push(new EzklProver(c.ezkl));
  return out;
}
