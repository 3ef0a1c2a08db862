/**
 * Proof types as the contracts number them (a uint8; contracts/interfaces/
 * InferenceTypes.sol names the reserved ones). Which of them the SDK can
 * produce evidence for is the proof-system registry's business
 * (sdk/proofs/registry.ts), not this file's.
 */

/** The reserved proof-type ids. Other ids (a test's or a fork's own type) are valid too. */
export enum ProofType {
  Groth16 = 0,
  Ezkl = 1,
  Opml = 2,
  Tee = 3,
}

/** Any on-chain proof-type id (0-255). */
export type ProofTypeId = ProofType | number;
