/**
 * An OPML claim: the output, the execution trace it commits to, and the
 * evidence bytes router.fulfill carries, exactly as contracts/adapters/
 * OpmlAdapter.sol decodes them:
 *
 *   abi.encode(bytes32 traceRoot, bytes32 finalState, bytes32[] finalStateProof, bytes32[] outputPath)
 *
 * The final state S opens at leaf S of the trace root and the output's step
 * leaf at leaf S of the final state; state 0 is not opened by the claim (a
 * challenge computes it from the request's input). The output is the last step's
 * tensor, so the model's output must be its last node's only output
 * (modelProgram refuses other graphs).
 */
import { AbiCoder } from "ethers";

import type { Model } from "../model.js";
import { type Lie, type ResolvedLie, lyingTrace, resolveLie } from "./lies.js";
import { ExecutionTrace } from "./trace.js";

export interface OpmlClaim {
  /** The claimer's trace (a lying one when `lie` is set). */
  readonly trace: ExecutionTrace;
  /** The output the claim posts: the trace's last step. */
  readonly output: bigint[];
  /** router.fulfill's evidence bytes. */
  readonly evidence: string;
  /** The lie, every choice made (undefined: an honest claim). */
  readonly lie?: ResolvedLie;
}

/** The claim of `model` on a request's quantized input: honest, or telling `lie`. */
export function buildClaim(model: Model, input: readonly bigint[], lie?: Lie): OpmlClaim {
  const honest = ExecutionTrace.of(model, input);
  if (!lie) return claimOf(honest);
  const resolved = resolveLie(model, honest, lie);
  return { ...claimOf(lyingTrace(model, input, resolved)), lie: resolved };
}

/** The output and evidence a trace commits to. */
export function claimOf(trace: ExecutionTrace): OpmlClaim {
  const last = trace.steps.length - 1;
  const output = Array.from(trace.steps[last]!.values, (v) => BigInt(v));
  return { trace, output, evidence: claimEvidence(trace) };
}

/** The evidence bytes of a trace (see the file comment). */
export function claimEvidence(trace: ExecutionTrace): string {
  const last = trace.steps.length - 1;
  return AbiCoder.defaultAbiCoder().encode(
    ["bytes32", "bytes32", "bytes32[]", "bytes32[]"],
    [trace.root, trace.finalState, trace.openState(last).proof, trace.openStep(last, last).proof],
  );
}
