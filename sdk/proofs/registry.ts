/**
 * The proof systems this SDK can produce evidence for, keyed by their
 * on-chain ProofType. The operator, model registration, deployment and the
 * CLI loop over it; a new proof type is one folder plus one line in
 * BUILT_IN below (or a registerProofSystem call, as tests do for their own).
 */
import { InputError } from "../errors.js";
import { opmlProofSystem } from "../opml/proofSystem.js";
import { setRevertVocabulary } from "../protocol/contracts.js";
import { ProofType, type ProofTypeId } from "../protocol/proofType.js";
import { teeProofSystem } from "../tee/proofSystem.js";
import { ezklProofSystem } from "../zk/ezkl/proofSystem.js";
import { groth16ProofSystem } from "../zk/groth16/proofSystem.js";
import type { ProofSystem } from "./proofSystem.js";
import type { ZkBackend } from "../zk/zkBackend.js";

const MAX_PROOF_TYPE = 255;
const BUILT_IN: readonly ProofSystem[] = [groth16ProofSystem, ezklProofSystem, opmlProofSystem, teeProofSystem];

const systems = new Map<ProofTypeId, ProofSystem>();
for (const s of BUILT_IN) registerProofSystem(s);
// explainRevert (sdk/protocol/contracts.ts) names the registered systems' adapter errors too.
setRevertVocabulary(() => proofSystems());

/** Adds a proof system; its id and name must be new. */
export function registerProofSystem(system: ProofSystem): void {
  const t = system.proofType;
  if (!Number.isInteger(t) || t < 0 || t > MAX_PROOF_TYPE) throw new InputError(`proof type id ${t} is not a uint8`);
  if (!/^[a-z][a-z0-9-]*$/.test(system.name))
    throw new InputError(`proof system name "${system.name}" must be lower-case letters, digits and dashes`);
  if (systems.has(t)) throw new InputError(`proof type ${t} is already registered (${systems.get(t)!.name})`);
  if (findByName(system.name)) throw new InputError(`a proof system named "${system.name}" is already registered`);
  const reserved = reservedId(system.name);
  if (reserved !== undefined && reserved !== t)
    throw new InputError(`"${system.name}" is the name of reserved proof type ${reserved}, not of ${t}`);
  systems.set(t, system);
}

/** Removes a proof system registered by registerProofSystem (tests clean up with it). */
export function unregisterProofSystem(proofType: ProofTypeId): void {
  if (BUILT_IN.some((s) => s.proofType === proofType)) throw new InputError(`proof type ${proofType} is built in`);
  systems.delete(proofType);
}

/** Every registered proof system, by id. */
export function proofSystems(): ProofSystem[] {
  return [...systems.values()].sort((a, b) => a.proofType - b.proofType);
}

/** The proof system of `proofType`; an InputError naming the available ones if there is none. */
export function proofSystem(proofType: ProofTypeId): ProofSystem {
  const s = systems.get(proofType);
  if (!s)
    throw new InputError(
      `proof type ${proofTypeName(proofType)} is not implemented yet (available: ${proofSystems()
        .map((x) => x.name)
        .join(", ")})`,
    );
  return s;
}

/** The ZK backends among the proof systems (what `vinfer zk --backend` offers). */
export function zkBackends(): Map<string, ZkBackend> {
  const out = new Map<string, ZkBackend>();
  for (const s of proofSystems()) if (s.zk) out.set(s.name, s.zk);
  return out;
}

function findByName(name: string): ProofSystem | undefined {
  const n = name.toLowerCase();
  return [...systems.values()].find((s) => s.name === n);
}

/** A proof type by name: a registered system's, or a reserved one (opml, tee) that may have none yet. */
export function parseProofType(name: string): ProofTypeId {
  const n = name.toLowerCase();
  const s = findByName(n);
  if (s) return s.proofType;
  const reserved = reservedId(n);
  if (reserved !== undefined) return reserved;
  throw new InputError(`unknown proof type "${name}" (expected one of: ${knownNames().join(", ")})`);
}

export function proofTypeName(t: ProofTypeId): string {
  return systems.get(t)?.name ?? ProofType[t]?.toLowerCase() ?? `proof type ${t}`;
}

/** The reserved id of a name (ProofType: groth16, ezkl, opml, tee). */
function reservedId(name: string): ProofType | undefined {
  const entry = Object.entries(ProofType).find(([k, v]) => typeof v === "number" && k.toLowerCase() === name.toLowerCase());
  return entry?.[1] as ProofType | undefined;
}

function knownNames(): string[] {
  const reserved = Object.keys(ProofType).filter((k) => Number.isNaN(Number(k)));
  return [...new Set([...proofSystems().map((s) => s.name), ...reserved.map((k) => k.toLowerCase())])];
}
