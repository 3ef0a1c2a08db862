/** keccak256 over bytes, returning a 0x-hex string (noble-hashes: ethers' own backend, without hex round trips). */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";

export function keccakBytes(...parts: Uint8Array[]): string {
  const h = keccak_256.create();
  for (const p of parts) h.update(p);
  return `0x${bytesToHex(h.digest())}`;
}

export function hexBytes(hex: string): Uint8Array {
  return hexToBytes(hex.startsWith("0x") ? hex.slice(2) : hex);
}
