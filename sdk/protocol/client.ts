/**
 * The requester's side of the protocol: send a request, find it again, wait
 * for its verified result.
 */
import type { ContractTransactionReceipt } from "ethers";

import type { InferenceRequestedEvent } from "../../types/ethers-contracts/router/InferenceRouter.js";
import { sleep } from "../async.js";
import { packInt16, unpackInt16 } from "../commit/int16Tensor.js";
import { ProtocolError } from "../errors.js";
import { type InferenceRouter, explainRevert } from "./contracts.js";
import type { ProofTypeId } from "./proofType.js";
import { type RequestRecord, requestFromStruct } from "./request.js";

export interface RequestOptions {
  readonly modelId: string;
  /** The quantized input (Model.runInteger(...).inputs flattened, or quantizeInputs); sent int16-encoded (packInt16). */
  readonly input: readonly bigint[];
  readonly proofType: ProofTypeId;
  /** Gas for the requester's callback (0 for an EOA requester). */
  readonly callbackGasLimit?: number;
  /** Fee in wei, paid to whoever fulfils the request. */
  readonly fee?: bigint;
}

export interface SentRequest extends RequestRecord {
  readonly receipt: ContractTransactionReceipt;
}

/** Sends `router.request` and returns the request as the router recorded it. */
export async function requestInference(router: InferenceRouter, o: RequestOptions): Promise<SentRequest> {
  let receipt: ContractTransactionReceipt | null;
  try {
    const tx = await router.request(o.modelId, packInt16(o.input), o.proofType, o.callbackGasLimit ?? 0, { value: o.fee ?? 0n });
    receipt = await tx.wait();
  } catch (err) {
    throw explainRevert("request", err);
  }
  if (!receipt) throw new ProtocolError("request: the transaction was dropped");
  return { ...(await requestOfReceipt(router, receipt)), receipt };
}

/** The request a mined transaction made (its InferenceRequested event), e.g. a consumer contract's call. */
export async function requestOfReceipt(
  router: InferenceRouter,
  receipt: Pick<ContractTransactionReceipt, "logs" | "blockNumber" | "hash">,
): Promise<RequestRecord> {
  for (const log of receipt.logs) {
    const parsed = router.interface.parseLog(log);
    if (parsed?.name === "InferenceRequested") {
      return {
        requestId: parsed.args.requestId as bigint,
        request: requestFromStruct(parsed.args.request),
        input: unpackInt16(parsed.args.input as string),
        blockNumber: receipt.blockNumber,
        transactionHash: receipt.hash,
      };
    }
  }
  throw new ProtocolError(
    `transaction ${receipt.hash} emitted no InferenceRequested event (is ${await router.getAddress()} an InferenceRouter?)`,
  );
}

function recordOf(log: InferenceRequestedEvent.Log): RequestRecord {
  return {
    requestId: log.args.requestId,
    request: requestFromStruct(log.args.request),
    input: unpackInt16(log.args.input),
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
  };
}

/** Finds request `requestId` in the router's events. */
export async function readRequest(router: InferenceRouter, requestId: bigint): Promise<RequestRecord> {
  const [log] = await router.queryFilter(router.filters.InferenceRequested(requestId));
  if (!log) throw new ProtocolError(`request ${requestId} does not exist on router ${await router.getAddress()}`);
  return recordOf(log);
}

/** Requests emitted in a block range (the operator's scan). */
export async function requestsBetween(router: InferenceRouter, fromBlock: number, toBlock: number): Promise<RequestRecord[]> {
  return (await router.queryFilter(router.filters.InferenceRequested(), fromBlock, toBlock)).map(recordOf);
}

export interface InferenceResult {
  readonly requestId: bigint;
  readonly output: bigint[];
  readonly fulfiller: string;
  /** Whether the requester's callback ran successfully (false: it can be retried with retryCallback). */
  readonly callbackDelivered: boolean;
  readonly transactionHash: string;
  readonly gasUsed: bigint;
}

export interface WaitOptions {
  /** Give up after this many milliseconds (default 10 minutes). */
  readonly timeoutMs?: number;
  readonly pollIntervalMs?: number;
}

/** Waits until request `requestId` is fulfilled and returns its verified result. */
export async function waitForResult(router: InferenceRouter, requestId: bigint, o: WaitOptions = {}): Promise<InferenceResult> {
  const deadline = Date.now() + (o.timeoutMs ?? 600_000);
  for (;;) {
    const [log] = await router.queryFilter(router.filters.InferenceFulfilled(requestId));
    if (log) {
      const receipt = await log.getTransactionReceipt();
      const failed = receipt.logs.some((l) => router.interface.parseLog(l)?.name === "CallbackFailed");
      return {
        requestId,
        output: unpackInt16(log.args.output),
        fulfiller: log.args.fulfiller,
        callbackDelivered: !failed,
        transactionHash: log.transactionHash,
        gasUsed: receipt.gasUsed,
      };
    }
    if (Date.now() > deadline)
      throw new ProtocolError(
        `request ${requestId} was not fulfilled within ${o.timeoutMs ?? 600_000} ms (is an operator serving this model and proof type?)`,
      );
    await sleep(o.pollIntervalMs ?? 500);
  }
}
