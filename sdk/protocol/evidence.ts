/**
 * Evidence encoders: the `evidence` bytes the router's proof adapters decode
 * (contracts/verifiers/). One function per proof type.
 */
import { AbiCoder, hexlify, isHexString } from "ethers";

import { InputError } from "../errors.js";
import { type Groth16Proof, verifierCalldata } from "../zk/groth16/backend.js";

/** Groth16: abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c); the adapter rebuilds the public signals. */
export function encodeGroth16Evidence(proof: Groth16Proof): string {
  const [a, b, c] = verifierCalldata(proof);
  return AbiCoder.defaultAbiCoder().encode(["uint256[2]", "uint256[2][2]", "uint256[2]"], [a, b, c]);
}

/** EZKL: the proof bytes exactly as the Halo2 verifier's verifyProof takes them. */
export function encodeEzklEvidence(proofBytes: string | Uint8Array): string {
  if (typeof proofBytes === "string" && !isHexString(proofBytes)) throw new InputError("EZKL proof bytes must be 0x-prefixed hex");
  return hexlify(proofBytes);
}
