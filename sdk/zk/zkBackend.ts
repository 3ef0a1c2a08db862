/**
 * What the `vinfer zk` commands need from a ZK backend, in one shape for
 * every backend: compile a model's circuit, prove a sample into a proof file,
 * verify a proof file, evaluate samples, render the Solidity verifier. Each
 * backend implements it in its own folder (groth16/zkBackend.ts,
 * ezkl/zkBackend.ts) and exposes it as its ProofSystem's `zk`.
 */
import type { Model } from "../model.js";
import type { SampleLike } from "../io/inputFile.js";
import type { ProverChoice } from "./groth16/native.js";
import type { Progress, StageTiming } from "./progress.js";

export interface ZkCompileOptions {
  /** false: stop before the key set-up (witness generation only), where the backend can. */
  readonly setup?: boolean;
  /** Groth16: weights as private signals committed by Poseidon. */
  readonly privateWeights?: boolean;
  /** Groth16: a powers-of-tau file from a public ceremony. */
  readonly ptau?: string;
  /** Groth16: which prover proves (native, snarkjs, or auto). */
  readonly prover?: ProverChoice;
  /** EZKL: a data file of samples to calibrate the scales on. */
  readonly calibration?: string;
  readonly progress?: Progress;
}

export interface ZkProveOptions {
  /** The public binding field element (backends that have one). */
  readonly binding: bigint;
  /** A scratch folder for the backend's own files. */
  readonly workDir: string;
  readonly progress?: Progress;
}

export interface ZkProofFile {
  /** The proof file's content (JSON text), as `vinfer zk verify` reads it back. */
  readonly content: string;
  /** What the proof says, in one line (its outputs). */
  readonly summary: string;
  readonly timings: readonly StageTiming[];
}

export interface ZkCircuit {
  readonly dir: string;
  readonly timings: readonly StageTiming[];
  /** A warning to print when the keys come from an INSECURE development set-up. */
  readonly setupWarning?: string;
  /** Size lines to print after compiling ("constraints 2421", "logrows 15"). */
  describe(): string[];
  /** Proves one sample (one float tensor per graph input, or a single-input model's tensor). */
  prove(sample: SampleLike, options: ZkProveOptions): Promise<ZkProofFile>;
  /** Verifies a proof file's content; returns a one-line summary, throws VinferError PROOF_INVALID if it does not verify. */
  verify(json: unknown, path: string): Promise<string>;
  /** The circuit's outputs for each sample, as numbers (witness only, no proof). */
  outputs(samples: readonly SampleLike[], workDir: string): Promise<number[][]>;
  verifierSource(): string;
}

export interface ZkBackend {
  compile(model: Model, options: ZkCompileOptions): Promise<ZkCircuit>;
}
