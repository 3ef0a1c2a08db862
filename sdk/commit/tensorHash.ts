/**
 * Hashes of integer tensors that bind a result to its request:
 *   inputHash  = keccak256(abi.encode(INPUT_DOMAIN,  int256[] values))
 *   outputHash = keccak256(abi.encode(OUTPUT_DOMAIN, int256[] values))
 * exactly what a contract computes from the int256[] it stores.
 */
import { AbiCoder, id, keccak256 } from "ethers";

import type { Tensor } from "../tensor.js";

export const INPUT_DOMAIN = id("vinfer.input.v1");
export const OUTPUT_DOMAIN = id("vinfer.output.v1");

const coder = AbiCoder.defaultAbiCoder();

function hashInts(domain: string, values: ArrayLike<number | bigint>): string {
  return keccak256(coder.encode(["bytes32", "int256[]"], [domain, Array.from(values, (v) => BigInt(v))]));
}

/** inputHash of the flat quantized input as a request carries it (int256[]). */
export function inputHashOfValues(values: readonly bigint[]): string {
  return hashInts(INPUT_DOMAIN, values);
}

/** outputHash of the flat quantized output as a fulfilment carries it (int256[]). */
export function outputHashOfValues(values: readonly bigint[]): string {
  return hashInts(OUTPUT_DOMAIN, values);
}

/** Hash of the concatenated integer inputs (graph input order). */
export function inputHash(inputs: readonly Tensor[]): string {
  return hashInts(
    INPUT_DOMAIN,
    inputs.flatMap((t) => Array.from(t.data)),
  );
}

export function outputHash(outputs: readonly Tensor[]): string {
  return hashInts(
    OUTPUT_DOMAIN,
    outputs.flatMap((t) => Array.from(t.data)),
  );
}
