/**
 * vinfer/zk: zero-knowledge proofs of a model's integer result, with Groth16
 * (circom circuits, snarkjs or the native prover) or EZKL (Halo2, native
 * Python package), behind one ZkBackend interface.
 */
export type * from "./zkBackend.js";
export { type Progress, type StageTiming, consoleProgress, silentProgress } from "./progress.js";
export { groth16ZkBackend } from "./groth16/zkBackend.js";
export { ezklZkBackend } from "./ezkl/zkBackend.js";
export { Groth16Circuit, verifierCalldata, type Groth16Proof, type Groth16ProveResult } from "./groth16/backend.js";
export { EzklCircuit, EzklError, type EzklProof } from "./ezkl/backend.js";
export { Groth16Prover, encodeGroth16Evidence, groth16ProofSystem } from "./groth16/proofSystem.js";
export { EzklProver, encodeEzklEvidence, ezklProofSystem } from "./ezkl/proofSystem.js";
export { buildNative, nativeAvailable, nativeBinaryPath, type ProverChoice } from "./groth16/native.js";
export { ensurePythonEnv, pythonPath } from "./ezkl/pythonEnv.js";
