/**
 * The protocol's wire format of a quantized tensor (contracts/libraries/Int16Tensors.sol):
 * the flattened values as 2-byte big-endian two's-complement integers, i.e.
 * `abi.encodePacked(int16 v0, int16 v1, ...)`. Requests, results, events and
 * callbacks carry tensors this way: 2 bytes a value instead of the 32 of an
 * `int256[]` element (docs/protocol.md, "Tensor encoding").
 */
import { hexlify } from "ethers";

import { InputError } from "../errors.js";

/** The range of one value: what a model declaring no input range may carry. */
export const INT16_MIN = -(2n ** 15n);
export const INT16_MAX = 2n ** 15n - 1n;
const LANE = 2n ** 16n;

/** Bytes per value in the encoding. */
export const BYTES_PER_VALUE = 2;

/**
 * The encoding of `values` as a 0x-prefixed hex string (ethers takes it for a
 * `bytes` argument). Throws InputError when a value does not fit an int16.
 */
export function packInt16(values: ArrayLike<bigint | number>): string {
  let hex = "0x";
  for (let i = 0; i < values.length; i++) {
    const v = BigInt(values[i]!);
    if (v < INT16_MIN || v > INT16_MAX) {
      throw new InputError(
        `value ${i} = ${v} does not fit the protocol's int16 tensor encoding (on-chain tensors are int16: a model with activations wider than 16 bits cannot be served on chain)`,
      );
    }
    hex += ((v + LANE) % LANE).toString(16).padStart(4, "0");
  }
  return hex;
}

/** The values of an encoded tensor (0x hex or bytes). Throws InputError on an odd length. */
export function unpackInt16(encoded: string | Uint8Array): bigint[] {
  const hex = (typeof encoded === "string" ? encoded : hexlify(encoded)).replace(/^0x/, "");
  if (hex.length % 4 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new InputError(`not an int16 tensor encoding: ${hex.length / 2} bytes (expected 2 bytes per value, hex)`);
  }
  const values: bigint[] = [];
  for (let i = 0; i < hex.length; i += 4) {
    const lane = BigInt(parseInt(hex.slice(i, i + 4), 16));
    values.push(lane > INT16_MAX ? lane - LANE : lane);
  }
  return values;
}
