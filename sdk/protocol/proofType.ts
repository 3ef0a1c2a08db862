/** The proof types of contracts/interfaces/InferenceTypes.sol, in the same order. */
import { InputError } from "../errors.js";

export enum ProofType {
  Groth16 = 0,
  Ezkl = 1,
  Opml = 2,
  Tee = 3,
}

const NAMES: Record<string, ProofType> = { groth16: ProofType.Groth16, ezkl: ProofType.Ezkl, opml: ProofType.Opml, tee: ProofType.Tee };

/** Proof types the SDK can produce evidence for today. */
export const IMPLEMENTED_PROOF_TYPES: readonly ProofType[] = [ProofType.Groth16, ProofType.Ezkl];

export function parseProofType(name: string): ProofType {
  const t = NAMES[name.toLowerCase()];
  if (t === undefined) throw new InputError(`unknown proof type "${name}" (expected one of: ${Object.keys(NAMES).join(", ")})`);
  return t;
}

export function proofTypeName(t: ProofType): string {
  return ProofType[t]?.toLowerCase() ?? `proof type ${t}`;
}
