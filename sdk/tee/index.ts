/** vinfer/tee: enclave attestations, the on-chain enclave registry, and results signed by admitted enclave keys. */
export * from "./attestation/index.js";
export { attestAndSign, type AttestOptions, type SignedAdmission } from "./attester.js";
export * from "./enclaveRegistry.js";
export * from "./resultSigning.js";
export { TeeProver, teeProofSystem, type TeeSettings } from "./proofSystem.js";
