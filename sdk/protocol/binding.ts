/**
 * The request binding of contracts/libraries/RequestBinding.sol: what a
 * Groth16 proof commits to so it fulfils exactly one request, on one router,
 * on one chain, for one model, submitted by one fulfiller.
 */
import { AbiCoder, keccak256, toUtf8Bytes } from "ethers";

import { fieldFromHash } from "../field.js";

export const BINDING_DOMAIN = keccak256(toUtf8Bytes("vinfer.binding.v1"));

export interface BindingContext {
  readonly chainId: bigint;
  readonly router: string;
  readonly requestId: bigint;
  readonly modelId: string;
  readonly fulfiller: string;
}

export function bindingHash(c: BindingContext): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["bytes32", "uint256", "address", "uint256", "bytes32", "address"],
      [BINDING_DOMAIN, c.chainId, c.router, c.requestId, c.modelId, c.fulfiller],
    ),
  );
}

/** The binding as a BN254 field element (the circuit's `binding` public input). */
export function fieldBinding(c: BindingContext): bigint {
  return fieldFromHash(bindingHash(c));
}
