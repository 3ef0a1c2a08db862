/**
 * The program an enclave runs: it creates its signing key inside the
 * enclave (the key never leaves it), attests that key, loads models by model
 * id, runs the integer interpreter and signs each result for one request
 * (sdk/tee/resultSigning.ts). The operator asks it for signed results; the
 * chain accepts them only while the key's admission stands (contracts/tee/).
 */
import { type BaseWallet, Wallet } from "ethers";

import { InputError } from "../../errors.js";
import { Model } from "../../model.js";
import { type TeeResultContext, signTeeResult } from "../resultSigning.js";
import { type EnclaveBackend, devBackend } from "./backends.js";

/** How long an attestation of the worker's key is meant to back an admission (default one day). */
const DEFAULT_LIFETIME_SECONDS = 24 * 3600;

export interface SignedResult {
  readonly output: bigint[];
  /** The key's EIP-712 signature: the `evidence` of a TEE fulfilment. */
  readonly signature: string;
}

export class EnclaveWorker {
  private readonly models = new Map<string, Model>();
  private attestationCache?: Uint8Array;

  private constructor(
    private readonly key: BaseWallet,
    readonly backend: EnclaveBackend,
    readonly lifetimeSeconds: number,
  ) {}

  /** Starts a worker with a fresh key created inside this (enclave) process. */
  static start(backend: EnclaveBackend = devBackend, lifetimeSeconds = DEFAULT_LIFETIME_SECONDS): EnclaveWorker {
    return new EnclaveWorker(Wallet.createRandom(), backend, lifetimeSeconds);
  }

  /** The enclave key's address: what the attestation binds and the chain admits. */
  get address(): string {
    return this.key.address;
  }

  /** The attestation of this worker's key (made once). */
  async attestation(): Promise<Uint8Array> {
    this.attestationCache ??= await this.backend.attest(this.key.address, this.lifetimeSeconds);
    return this.attestationCache;
  }

  /** Loads a model (zoo name, folder or .onnx file) and checks it is the model id it claims to be. */
  loadModel(ref: string | Model, expectedModelId?: string): Model {
    const model = typeof ref === "string" ? Model.load(ref) : ref;
    if (expectedModelId && model.modelId.toLowerCase() !== expectedModelId.toLowerCase())
      throw new InputError(`model ${String(ref)} has id ${model.modelId}, not ${expectedModelId}`);
    this.models.set(model.modelId.toLowerCase(), model);
    return model;
  }

  /** Runs the request's model on its input with the integer interpreter and signs the result. */
  async run(ctx: TeeResultContext): Promise<SignedResult> {
    const model = this.models.get(ctx.modelId.toLowerCase());
    if (!model) throw new InputError(`the enclave has not loaded model ${ctx.modelId}`);
    const output = model.quantizedOutput(ctx.input);
    return { output, signature: await signTeeResult(this.key, ctx, output) };
  }
}
