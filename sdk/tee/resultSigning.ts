/**
 * The EIP-712 message an enclave signs for one result, exactly as
 * contracts/adapters/TeeAdapter.sol rebuilds it: the router is the verifying
 * contract, so a signature is bound to one chain and one router, and the
 * message binds the request, the model, the input, the output and who may
 * submit it.
 */
import { type BaseWallet, type TypedDataDomain, TypedDataEncoder } from "ethers";

import { inputHashOfValues, outputHashOfValues } from "../commit/tensorHash.js";

export const TEE_RESULT_DOMAIN_NAME = "vinfer-tee";
export const TEE_RESULT_DOMAIN_VERSION = "1";

export const TEE_RESULT_TYPES = {
  TeeResult: [
    { name: "requestId", type: "uint256" },
    { name: "modelId", type: "bytes32" },
    { name: "inputHash", type: "bytes32" },
    { name: "outputHash", type: "bytes32" },
    { name: "fulfiller", type: "address" },
  ],
};

export interface TeeResultContext {
  readonly chainId: bigint;
  readonly router: string;
  readonly requestId: bigint;
  readonly modelId: string;
  readonly input: readonly bigint[];
  readonly fulfiller: string;
}

function domain(ctx: TeeResultContext): TypedDataDomain {
  return { name: TEE_RESULT_DOMAIN_NAME, version: TEE_RESULT_DOMAIN_VERSION, chainId: ctx.chainId, verifyingContract: ctx.router };
}

function message(ctx: TeeResultContext, output: readonly bigint[]) {
  return {
    requestId: ctx.requestId,
    modelId: ctx.modelId,
    inputHash: inputHashOfValues(ctx.input),
    outputHash: outputHashOfValues(output),
    fulfiller: ctx.fulfiller,
  };
}

/** The digest the adapter recovers the enclave key from. */
export function teeResultDigest(ctx: TeeResultContext, output: readonly bigint[]): string {
  return TypedDataEncoder.hash(domain(ctx), TEE_RESULT_TYPES, message(ctx, output));
}

/** The evidence of a TEE fulfilment: the enclave key's 65-byte signature. */
export function signTeeResult(key: BaseWallet, ctx: TeeResultContext, output: readonly bigint[]): Promise<string> {
  return key.signTypedData(domain(ctx), TEE_RESULT_TYPES, message(ctx, output));
}
