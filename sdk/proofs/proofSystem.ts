/**
 * The boundary every proof type implements. The operator, model registration,
 * deployment and the CLI only talk to a ProofSystem found in the registry
 * (./registry.ts), so adding a proof type means one folder that implements
 * this file's interfaces plus one registration line.
 *
 * Life of a model under one proof system:
 *   prepare(model)          compile circuits, keys (cached by content)      -> ModelProver
 *   prover.verifier()       the per-model contract (or address) the registry points at
 *   prover.prove(request)   output + evidence bytes for one request, bound to it
 * and once per protocol deployment, adapter(): the router's adapter contract
 * that decodes this type's evidence (contracts/adapters/).
 */
import type { Signer } from "ethers";

import type { Model } from "../model.js";
import type { ProofTypeId } from "../protocol/proofType.js";
import type { CompiledContract } from "../zk/solidity.js";
import type { Progress } from "../zk/progress.js";
import type { ZkBackend } from "../zk/zkBackend.js";

/** A contract's deployable artefact (what typechain factories and solc give). */
export interface ContractArtifact {
  readonly contractName: string;
  readonly abi: readonly unknown[];
  readonly bytecode: string;
}

/**
 * A contract deployed before an adapter, with its constructor arguments: each
 * the index of an earlier dependency (its address), or a list of them (an
 * address[] / fixed array; null for address 0).
 */
export interface AdapterDependency extends ContractArtifact {
  readonly constructorArgs?: readonly (number | readonly (number | null)[])[];
  /** Whether the adapter's constructor takes this contract's address (in dependency order); default true. */
  readonly adapterArgument?: boolean;
}

/** Everything a prover may bind its evidence to: the request and who submits it. */
export interface ProveContext {
  readonly chainId: bigint;
  readonly router: string;
  readonly requestId: bigint;
  readonly modelId: string;
  readonly fulfiller: string;
  readonly input: readonly bigint[];
  /** The request's fee in wei, where the node knows it (the prover fleet orders its queue by it). */
  readonly fee?: bigint;
  /** A scratch folder for this job's files. */
  readonly workDir: string;
}

export interface ProvenResult {
  readonly output: bigint[];
  /** The `evidence` bytes of router.fulfill, as this proof type's adapter decodes them. */
  readonly evidence: string;
}

/**
 * The model-specific verifier of one proof type: a contract to deploy (a
 * generated Groth16 or Halo2 verifier) or an existing address (a signer, a
 * shared contract), plus the adapter's parameter for this model.
 */
export type VerifierToDeploy = { readonly proofType: ProofTypeId; readonly params: bigint } & (
  | { readonly contract: CompiledContract; readonly address?: undefined; readonly deploy?: undefined }
  | { readonly address: string; readonly contract?: undefined; readonly deploy?: undefined }
  /** A verifier of several contracts (e.g. EZKL's reusable verifier, artefact and wrapper): `deploy` returns what to point at. */
  | { readonly deploy: (signer: Signer) => Promise<DeployedVerifier>; readonly contract?: undefined; readonly address?: undefined }
);

/** Where a verifier was deployed, and the gas of its deployment (all its contracts). */
export interface DeployedVerifier {
  readonly address: string;
  readonly deployGas: bigint;
}

/** One model made ready for one proof type. */
export interface ModelProver {
  readonly proofType: ProofTypeId;
  /** What the model registry must point at for this proof type. */
  verifier(): VerifierToDeploy;
  /** The model's output on the request's input, with evidence bound to the request. */
  prove(ctx: ProveContext): Promise<ProvenResult>;
}

/**
 * Settings a proof type needs beyond the model (e.g. the TEE type's enclave
 * worker and enclave registry). Each proof type adds its own entry to this
 * interface from its folder (TypeScript declaration merging), so the
 * boundary names none of them.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ProofSettings {}

export interface PrepareOptions {
  readonly progress?: Progress;
  readonly settings?: ProofSettings;
}

/**
 * Whether a proof system can take a model (`vinfer inspect` prints it). A
 * refusal names the node and operator that stop it where there is one
 * (none for a graph-level reason, e.g. several graph inputs). `deferred`
 * says the answer is only known later (EZKL decides at its own compile).
 */
export type ProofSupport =
  | { readonly ok: true; readonly note?: string; readonly deferred?: boolean }
  | { readonly ok: false; readonly node?: string; readonly op?: string; readonly reason: string };

export interface ProofSystem {
  /** The on-chain ProofType value (contracts/interfaces/InferenceTypes.sol). */
  readonly proofType: ProofTypeId;
  /** Lower-case name used on the command line, in logs and in deployment files. */
  readonly name: string;
  /** The router adapter of this proof type, deployed once per protocol deployment. */
  adapter(): ContractArtifact;
  /**
   * Contracts the adapter's constructor takes, deployed before it, each
   * without constructor arguments (e.g. OPML's one-step executor); their
   * addresses are the adapter's constructor arguments, in this order.
   */
  adapterDependencies?(): readonly AdapterDependency[];
  /**
   * Whether the adapter's constructor takes the router as its last argument
   * (after the dependencies): an adapter that holds funds for the router's
   * fulfillers (OPML's claim bonds) must accept `submit` from that router only.
   */
  readonly adapterTakesRouter?: boolean;
  /** What to tell a user about each custom error the adapter (or `errorAbis`' contracts) can revert with. */
  readonly revertAdvice?: Readonly<Record<string, string>>;
  /** ABIs of the proof type's other contracts whose errors users meet (e.g. the TEE enclave registry). */
  errorAbis?(): readonly (readonly unknown[])[];
  /** Compiles or loads what the model needs off-chain (cached), and returns its prover. */
  prepare(model: Model, options?: PrepareOptions): Promise<ModelProver>;
  /**
   * Whether this proof system can take `model`, decided statically and fast
   * (no circuit compiled, no key made), with the refused node and the reason
   * if it cannot.
   */
  support?(model: Model): ProofSupport;
  /** ZK proof types: what the `vinfer zk` commands drive (compile, prove and verify files). */
  readonly zk?: ZkBackend;
}
