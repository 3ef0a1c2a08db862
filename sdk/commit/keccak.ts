/**
 * keccak256 over bytes, returning a 0x-hex string.
 *
 * hash-wasm's WebAssembly keccak (several times faster than a pure-JS one on
 * the ~10^6 hashes of a large model's weight tree). Instantiating it is async,
 * hence the top-level await; after that init/update/digest are synchronous,
 * so one shared hasher serves every call (nothing can interleave with it).
 */
import { hexToBytes } from "@noble/hashes/utils.js";
import { createKeccak } from "hash-wasm";

const hasher = await createKeccak(256);

export function keccakBytes(...parts: Uint8Array[]): string {
  hasher.init();
  for (const p of parts) hasher.update(p);
  return `0x${hasher.digest("hex")}`;
}

export function hexBytes(hex: string): Uint8Array {
  return hexToBytes(hex.startsWith("0x") ? hex.slice(2) : hex);
}
