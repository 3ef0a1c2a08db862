/**
 * A model made ready for the proof types an operator serves: what `vinfer
 * deploy` registers verifiers from and what `vinfer serve` proves with.
 * Preparing is cached by content (sdk/zk/artifacts.ts), so a second call is fast.
 */
import { Model } from "../model.js";
import type { ProofTypeId } from "../protocol/proofType.js";
import { type Progress, silentProgress } from "../zk/progress.js";
import type { ModelProver, ProofSettings, VerifierToDeploy } from "./proofSystem.js";
import { proofSystem } from "./registry.js";

export interface PreparedModel {
  readonly model: Model;
  /** One prover per proof type asked for, in that order. */
  readonly provers: readonly ModelProver[];
}

export async function prepareModel(
  ref: string | Model,
  proofTypes: readonly ProofTypeId[],
  progress: Progress = silentProgress,
  settings: ProofSettings = {},
): Promise<PreparedModel> {
  const model = typeof ref === "string" ? Model.load(ref) : ref;
  const systems = proofTypes.map(proofSystem); // every type checked before the first slow compile
  const provers: ModelProver[] = [];
  for (const s of systems) provers.push(await s.prepare(model, { progress, settings }));
  return { model, provers };
}

/** The model-specific verifiers to deploy and register. */
export function verifiersOf(p: PreparedModel): VerifierToDeploy[] {
  return p.provers.map((prover) => prover.verifier());
}
