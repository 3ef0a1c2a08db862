/**
 * A request as the router records it (the `Request` struct of
 * contracts/interfaces/InferenceTypes.sol). The router stores only its hash;
 * the struct travels in the `InferenceRequested` event and comes back as
 * calldata when fulfilling or cancelling.
 */
import type { ProofTypeId } from "./proofType.js";

export interface InferenceRequest {
  readonly requester: string;
  readonly fee: bigint;
  readonly modelId: string;
  readonly inputHash: string;
  readonly verifier: string;
  readonly verifierParams: bigint;
  readonly deadline: bigint;
  readonly callbackGasLimit: bigint;
  readonly outputLength: bigint;
  readonly proofType: ProofTypeId;
}

/** A request with its id and input, as read from the chain. */
export interface RequestRecord {
  readonly requestId: bigint;
  readonly request: InferenceRequest;
  readonly input: bigint[];
  readonly blockNumber: number;
  readonly transactionHash: string;
}

interface StructLike {
  requester: string;
  fee: bigint;
  modelId: string;
  inputHash: string;
  verifier: string;
  verifierParams: bigint;
  deadline: bigint;
  callbackGasLimit: bigint;
  outputLength: bigint;
  proofType: bigint;
}

/** The decoded struct from an ethers event or call result (a Result with named fields). */
export function requestFromStruct(s: StructLike): InferenceRequest {
  return {
    requester: s.requester,
    fee: s.fee,
    modelId: s.modelId,
    inputHash: s.inputHash,
    verifier: s.verifier,
    verifierParams: s.verifierParams,
    deadline: s.deadline,
    callbackGasLimit: s.callbackGasLimit,
    outputLength: s.outputLength,
    proofType: Number(s.proofType),
  };
}

/** JSON form (bigints as decimal strings) for persistence and logs. */
export function requestToJson(r: InferenceRequest): Record<string, string | number> {
  return {
    ...r,
    fee: r.fee.toString(),
    verifierParams: r.verifierParams.toString(),
    deadline: r.deadline.toString(),
    callbackGasLimit: r.callbackGasLimit.toString(),
    outputLength: r.outputLength.toString(),
  };
}

export function requestFromJson(j: Record<string, string | number>): InferenceRequest {
  return {
    requester: String(j.requester),
    fee: BigInt(j.fee!),
    modelId: String(j.modelId),
    inputHash: String(j.inputHash),
    verifier: String(j.verifier),
    verifierParams: BigInt(j.verifierParams!),
    deadline: BigInt(j.deadline!),
    callbackGasLimit: BigInt(j.callbackGasLimit!),
    outputLength: BigInt(j.outputLength!),
    proofType: Number(j.proofType),
  };
}
