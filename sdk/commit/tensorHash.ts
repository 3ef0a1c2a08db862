/**
 * Hashes of integer tensors that bind a result to its request, over the
 * protocol's int16 wire encoding (sdk/commit/int16Tensor.ts):
 *   inputHash  = keccak256(INPUT_DOMAIN  || packInt16(values))
 *   outputHash = keccak256(OUTPUT_DOMAIN || packInt16(values))
 * exactly what ModelCommitments computes from the bytes a request carries.
 * v2 of the scheme; v1 hashed abi.encode(domain, int256[] values).
 */
import { concat, id, keccak256 } from "ethers";

import type { Tensor } from "../tensor.js";
import { packInt16 } from "./int16Tensor.js";

export const INPUT_DOMAIN = id("vinfer.input.v2");
export const OUTPUT_DOMAIN = id("vinfer.output.v2");

function hashInts(domain: string, values: ArrayLike<number | bigint>): string {
  return keccak256(concat([domain, packInt16(values)]));
}

/** inputHash of the flat quantized input as a request carries it. */
export function inputHashOfValues(values: readonly bigint[]): string {
  return hashInts(INPUT_DOMAIN, values);
}

/** outputHash of the flat quantized output as a fulfilment carries it. */
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

/** Hash of the concatenated integer outputs (graph output order). */
export function outputHash(outputs: readonly Tensor[]): string {
  return hashInts(
    OUTPUT_DOMAIN,
    outputs.flatMap((t) => Array.from(t.data)),
  );
}
