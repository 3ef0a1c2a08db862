/**
 * TEE as a proof type of the protocol: the evidence is one EIP-712 signature
 * (sdk/tee/resultSigning.ts) by an enclave key that the model's enclave
 * registry has admitted (contracts/tee/). The model's verifier slot holds that
 * registry's address; the router's adapter (contracts/adapters/TeeAdapter.sol)
 * recovers the key and asks the registry whether it may sign for the model.
 */
import { TeeAdapter__factory } from "../../types/ethers-contracts/index.js";
import { InputError } from "../errors.js";
import type { Model } from "../model.js";
import type { ModelProver, ProofSystem, ProveContext, ProvenResult, VerifierToDeploy } from "../proofs/proofSystem.js";
import { ProofType } from "../protocol/proofType.js";
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
  },
  async prepare(model, options = {}) {
    const tee = options.settings?.tee;
    if (!tee) throw new InputError("the tee proof type needs an enclave worker and the model's enclave registry (settings.tee)");
    return new TeeProver(model, tee);
  },
};
