/**
 * Reading and checking Groth16 evidence anywhere, a web page included (no
 * Node built-ins): the proof points from a fulfilment's evidence
 * (`decodeGroth16Evidence`, the inverse of proofSystem.ts'
 * encodeGroth16Evidence), the public signals the Groth16 adapter rebuilds
 * from the request (`groth16PublicSignals`, as
 * contracts/adapters/Groth16Adapter.sol's publicSignals), and snarkjs'
 * verification against the circuit's verifying key (`verifyGroth16`).
 */
import { AbiCoder, type BytesLike } from "ethers";
import * as snarkjs from "snarkjs";

import { SNARK_SCALAR_FIELD } from "../../field.js";
import { InputError } from "../../errors.js";
import { packInputs } from "./packing.js";
import { snarkjsCurve } from "./workers.js";

export type { Groth16Proof as SnarkjsGroth16Proof, VerificationKey as Groth16VerificationKey } from "snarkjs";

const EVIDENCE_TYPES = ["uint256[2]", "uint256[2][2]", "uint256[2]"];

/**
 * The proof in snarkjs' form from evidence abi.encode(uint256[2] a,
 * uint256[2][2] b, uint256[2] c); b's G2 coordinates come back from the EVM
 * precompile's (c1, c0) order. Throws InputError for bytes that are not that encoding.
 */
export function decodeGroth16Evidence(evidence: BytesLike): snarkjs.Groth16Proof {
  let decoded: ReturnType<AbiCoder["decode"]>;
  try {
    decoded = AbiCoder.defaultAbiCoder().decode(EVIDENCE_TYPES, evidence);
  } catch (cause) {
    throw new InputError(
      `the evidence is not a Groth16 proof, abi.encode(uint256[2], uint256[2][2], uint256[2]): ${(cause as Error).message}`,
    );
  }
  const [a, b, c] = decoded as unknown as [bigint[], bigint[][], bigint[]];
  const s = (x: bigint) => x.toString();
  return {
    pi_a: [s(a[0]!), s(a[1]!), "1"],
    pi_b: [
      [s(b[0]![1]!), s(b[0]![0]!)],
      [s(b[1]![1]!), s(b[1]![0]!)],
      ["1", "0"],
    ],
    pi_c: [s(c[0]!), s(c[1]!), "1"],
    protocol: "groth16",
    curve: "bn128",
  };
}

export interface Groth16SignalsOf {
  /** The request's quantized input. */
  readonly input: readonly bigint[];
  /** The fulfilled (quantized) output. */
  readonly output: readonly bigint[];
  /** The request binding as a field element (sdk/protocol/binding.ts fieldBinding). */
  readonly binding: bigint;
  /** The circuit's input bit width: the model's activation bits (the verifier's registered params). */
  readonly inputBits: number;
}

/** The public signals of a fulfilment, in snarkjs' order: [yPacked[..], xPacked[..], binding] (public-weights circuits). */
export function groth16PublicSignals(o: Groth16SignalsOf): string[] {
  if (o.binding < 0n || o.binding >= SNARK_SCALAR_FIELD) throw new InputError(`the binding ${o.binding} is not a field element`);
  return [...packInputs(o.output, o.inputBits, "output"), ...packInputs(o.input, o.inputBits), o.binding].map(String);
}

/** snarkjs' Groth16 verification; false for an invalid proof, signals or key (never throws for those). */
export async function verifyGroth16(
  verificationKey: snarkjs.VerificationKey,
  proof: snarkjs.Groth16Proof,
  publicSignals: readonly string[],
): Promise<boolean> {
  try {
    await snarkjsCurve();
    return await snarkjs.groth16.verify(verificationKey, [...publicSignals], proof);
  } catch {
    return false;
  }
}
