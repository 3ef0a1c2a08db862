/**
 * Typed clients of the protocol contracts (typechain, generated into types/ by
 * `hardhat build`, which `npm install` runs) and the one place reverts are
 * turned into explained errors.
 */
import { type ContractRunner, Interface } from "ethers";

import { ProtocolError } from "../errors.js";
import {
  IProofAdapter__factory,
  type InferenceRouter,
  InferenceRouter__factory,
  type ModelRegistry,
  ModelRegistry__factory,
} from "../../types/ethers-contracts/index.js";

export type { InferenceRouter, ModelRegistry } from "../../types/ethers-contracts/index.js";

/** Addresses of one deployment (what `vinfer deploy` prints and saves). */
export interface ProtocolAddresses {
  readonly registry: string;
  readonly router: string;
  /** Proof system name -> its router adapter. */
  readonly adapters: Readonly<Record<string, string>>;
}

export interface ProtocolClients {
  readonly registry: ModelRegistry;
  readonly router: InferenceRouter;
}

export function connectProtocol(addresses: Pick<ProtocolAddresses, "registry" | "router">, runner: ContractRunner): ProtocolClients {
  return {
    registry: ModelRegistry__factory.connect(addresses.registry, runner),
    router: InferenceRouter__factory.connect(addresses.router, runner),
  };
}

/** What to do about each custom error of the core contracts a user can trigger (proof systems add their adapters'). */
const ADVICE: Record<string, string> = {
  Registry_UnknownModel: "the model id is not registered; register it first (vinfer deploy --model ...)",
  Router_ProofTypeNotEnabled: "the model has no verifier for this proof type; deploy one (vinfer deploy --model ... --proof ...)",
  Router_NoAdapter: "the router has no adapter for this proof type (OPML and TEE are not deployed yet)",
  Router_InputLengthMismatch: "the input has the wrong number of values for this model",
  Router_OutputLengthMismatch: "the output has the wrong number of values for this model",
  Router_CallbackGasLimitTooHigh: "lower the callback gas limit to the router's maxCallbackGasLimit",
  Router_RequestNotPending: "the request is unknown, claimed, already fulfilled or cancelled",
  Router_RequestExpired: "the request's deadline has passed; the requester can cancel it for a refund",
  Router_RequestNotExpired: "a request can be cancelled only after its deadline",
  Router_InputMismatch: "the input does not hash to the request's inputHash",
  Router_NoClaim: "the request has no unsettled claim by this fulfiller for this output",
  Router_ClaimNotResolved: "the claim is not final yet (challenge window or dispute still open); settle it later",
  Router_ClaimRejected: "the adapter rejected the claim",
  Adapter_InvalidProof: "the verifier rejected the proof (wrong model, input, output, request or fulfiller)",
  Router_NotRequester: "only the requester may do this",
  Router_NothingToWithdraw: "there is no balance to withdraw",
  InsufficientGasForCall: "send the transaction with more gas: the callback needs its full gas limit",
};

interface DecodableError {
  revert?: { name: string; args: unknown[] } | null;
  data?: string;
  shortMessage?: string;
  message?: string;
}

const CORE_INTERFACES = [InferenceRouter__factory, ModelRegistry__factory, IProofAdapter__factory].map((f) => new Interface(f.abi));

/** What a proof system adds to revert decoding: its contracts' error ABIs and advice per error. */
export interface RevertVocabulary {
  adapter(): { readonly abi: readonly unknown[] };
  errorAbis?(): readonly (readonly unknown[])[];
  readonly revertAdvice?: Readonly<Record<string, string>>;
}

let proofSystemErrors: () => readonly RevertVocabulary[] = () => [];

/**
 * Where explainRevert finds the registered proof systems' errors
 * (sdk/proofs/registry.ts sets it when loaded; this module does not import
 * the proof systems, so that it runs in browsers without them).
 */
export function setRevertVocabulary(source: () => readonly RevertVocabulary[]): void {
  proofSystemErrors = source;
}

// Adapter errors bubble up through the router, whose own ABI cannot name them: every registered
// proof system's adapter ABI is asked too.
function protocolInterfaces(): Interface[] {
  return [
    ...CORE_INTERFACES,
    ...proofSystemErrors().flatMap((s) => [s.adapter().abi, ...(s.errorAbis?.() ?? [])].map((abi) => new Interface(abi as never))),
  ];
}

function adviceFor(name: string): string | undefined {
  return ADVICE[name] ?? proofSystemErrors().find((s) => s.revertAdvice?.[name])?.revertAdvice?.[name];
}

function decodeRevert(e: DecodableError): { name: string; args: unknown[] } | undefined {
  if (e.revert) return e.revert;
  if (typeof e.data !== "string" || e.data.length < 10) return undefined;
  for (const iface of protocolInterfaces()) {
    const parsed = iface.parseError(e.data);
    if (parsed) return { name: parsed.name, args: [...parsed.args] };
  }
  return undefined;
}

/** Wraps a failed contract call in a ProtocolError naming the contract error and what to do. */
export function explainRevert(action: string, err: unknown): ProtocolError {
  const e = (err ?? {}) as DecodableError;
  const revert = decodeRevert(e);
  const name = revert?.name;
  if (name) {
    const args = (revert?.args ?? []).map(String).join(", ");
    const advice = adviceFor(name);
    return new ProtocolError(`${action} reverted with ${name}(${args})${advice ? `: ${advice}` : ""}`, name, { cause: err });
  }
  return new ProtocolError(`${action} failed: ${e.shortMessage ?? e.message ?? String(err)}`, undefined, { cause: err });
}
