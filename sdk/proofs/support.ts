/**
 * Which proof types can take a model: each registered proof system answers
 * for itself (ProofSystem.support), so a new proof type shows up in `vinfer
 * inspect` without touching it.
 */
import { VinferError } from "../errors.js";
import type { Model } from "../model.js";
import type { ProofTypeId } from "../protocol/proofType.js";
import type { ProofSupport } from "./proofSystem.js";
import { proofSystems } from "./registry.js";

export interface ProofTypeSupport {
  readonly name: string;
  readonly proofType: ProofTypeId;
  /** undefined: the proof system has no static check. */
  readonly support?: ProofSupport;
}

/** Every registered proof type's answer for `model`, in proof type order. */
export function proofSupport(model: Model): ProofTypeSupport[] {
  return proofSystems().map((s) => {
    if (!s.support) return { name: s.name, proofType: s.proofType };
    let support: ProofSupport;
    try {
      support = s.support(model);
    } catch (err) {
      // a typed refusal the check did not expect is still a refusal, in the error's own words
      if (!(err instanceof VinferError)) throw err;
      support = { ok: false, reason: err.message };
    }
    return { name: s.name, proofType: s.proofType, support };
  });
}

/** One line: "yes", "maybe" (decided later), "no" or "?" (no check), then the note or the refused node and reason. */
export function describeSupport(s: ProofTypeSupport): { verdict: string; detail: string } {
  const p = s.support;
  if (!p) return { verdict: "?", detail: "this proof type has no static check" };
  if (p.ok) return { verdict: p.deferred ? "maybe" : "yes", detail: p.note ?? "" };
  const where = p.node !== undefined ? `${p.op ?? "node"} node "${p.node}": ` : "";
  return { verdict: "no", detail: where + p.reason };
}
