/**
 * TEE as a proof type of the protocol: the evidence is one EIP-712 signature
 * (sdk/tee/resultSigning.ts) by an enclave key that the model's enclave
 * registry has admitted (contracts/tee/). The model's verifier slot holds that
 * registry's address; the router's adapter (contracts/adapters/TeeAdapter.sol)
 * recovers the key and asks the registry whether it may sign for the model.
 */
import { EnclaveRegistry__factory, QuorumAdmitter__factory, TeeAdapter__factory } from "../../types/ethers-contracts/index.js";
import { InputError, VinferError } from "../errors.js";
import { runInteger } from "../interp/integer.js";
import type { Model } from "../model.js";
import type { ModelProver, ProofSystem, ProveContext, ProvenResult, VerifierToDeploy } from "../proofs/proofSystem.js";
import { ProofType } from "../protocol/proofType.js";
import { sizeOf } from "../tensor.js";
import type { EnclaveWorker } from "./worker/enclaveWorker.js";

export interface TeeSettings {
  /** The enclave worker that signs results (its key must be admitted by `enclaveRegistry`). */
  readonly worker: EnclaveWorker;
  /** The EnclaveRegistry the model's verifier slot points at. */
  readonly enclaveRegistry: string;
}

declare module "../proofs/proofSystem.js" {
  interface ProofSettings {
    readonly tee?: TeeSettings;
  }
}

export class TeeProver implements ModelProver {
  readonly proofType = ProofType.Tee;

  constructor(
    private readonly model: Model,
    private readonly settings: TeeSettings,
  ) {
    settings.worker.loadModel(model);
  }

  /** The model's verifier is its enclave registry (an existing contract); the adapter takes no parameter. */
  verifier(): VerifierToDeploy {
    return { proofType: this.proofType, address: this.settings.enclaveRegistry, params: 0n };
  }

  async prove(ctx: ProveContext): Promise<ProvenResult> {
    const { output, signature } = await this.settings.worker.run(ctx);
    return { output, evidence: signature };
  }
}

export const teeProofSystem: ProofSystem = {
  proofType: ProofType.Tee,
  name: "tee",
  adapter: () => ({ contractName: "TeeAdapter", abi: TeeAdapter__factory.abi, bytecode: TeeAdapter__factory.bytecode }),
  revertAdvice: {
    Adapter_MalformedEvidence: "the evidence is not a 65-byte ECDSA signature",
    Adapter_MalformedSignature: "the evidence is not a valid ECDSA signature",
    Adapter_MalleableSignature: "the signature's s is in the upper half (malleable): use the low-s form",
    Enclave_KeyNotAdmitted: "the enclave key that signed is not admitted by the model's enclave registry (vinfer tee admit)",
    Enclave_KeyExpired: "the enclave key's admission expired; re-attest and admit the key again",
    Enclave_KeyRevoked: "the enclave key was revoked",
    Enclave_AdmitterDisabled: "the admitter that admitted the key was disabled: admit it again through an enabled admitter",
    Enclave_MeasurementRevoked: "the enclave's measurement was revoked: every key of it is refused",
    Enclave_MeasurementNotAccepted: "the model does not accept this enclave measurement",
    Enclave_InvalidExpiry:
      "the admission's expiry is past, or beyond the registry's maximum key lifetime: have the verifiers sign again (vinfer tee attester)",
    Enclave_ExpiryNotExtended: "the key is admitted until later than this admission: an older admission cannot shorten it",
    Enclave_NotAdmitter: "the quorum admitter is not enabled in this enclave registry (its owner calls setAdmitter)",
    Enclave_NotModelOwner: "only the model's owner (the account that registered it, vinfer deploy) chooses its accepted measurements",
    Enclave_MeasurementMismatch: "the key is admitted with another measurement; a key is renewed only with the same one",
    Enclave_ZeroValue: "the key, the measurement or an address is zero",
    Enclave_Unchanged: "nothing to change: it is already in that state",
    Quorum_TooFewSignatures:
      "an admission needs at least the quorum's threshold of signatures: run vinfer tee attester with more of its verifiers and pass every file",
    Quorum_AdmissionReplayed:
      "this exact admission was submitted before (each is accepted once); to renew the key, have the verifiers sign again",
    Quorum_NotVerifier: "a signature is by an account that is not an enabled attestation verifier of this quorum",
    Quorum_MalformedSignature: "a signature is not a valid 65-byte ECDSA signature",
    Quorum_SignerNotAscending: "two signatures are by the same verifier, or out of order",
    Quorum_InvalidThreshold: "the threshold must be from 1 to the number of verifiers",
    Quorum_Unchanged: "an attester address is listed twice, or already in that state",
  },
  errorAbis: () => [EnclaveRegistry__factory.abi, QuorumAdmitter__factory.abi],
  /**
   * The enclave runs the integer interpreter: any model that loads (IR built,
   * quantizer's bounds proved) and runs. One run on zero inputs shows that
   * every node's integer kernel executes.
   */
  support(model) {
    const zeros = model.graph.inputs.map((t) => ({ dtype: t.dtype, shape: t.shape, data: new Float64Array(sizeOf(t.shape)) }));
    try {
      runInteger(model.quantized, zeros);
    } catch (err) {
      if (!(err instanceof VinferError)) throw err;
      return { ok: false, reason: `the integer interpreter cannot run it: ${err.message}` };
    }
    return { ok: true, note: "the enclave runs the integer interpreter" };
  },
  async prepare(model, options = {}) {
    const tee = options.settings?.tee;
    if (!tee) throw new InputError("the tee proof type needs an enclave worker and the model's enclave registry (settings.tee)");
    return new TeeProver(model, tee);
  },
};
