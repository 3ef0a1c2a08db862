/**
 * A positional binary keccak Merkle tree, as contracts/libraries/ModelCommitments.sol
 * verifies it:
 *   node   = keccak256(0x01 ‖ left ‖ right)
 *   leaves are given (already domain-separated by the caller, see weights.ts);
 *   the leaf level is padded to a power of two with bytes32(0).
 * Positional (not sorted-pair) so that a proof also proves the leaf's index.
 */
import { hexBytes, keccakBytes } from "./keccak.js";

export const ZERO_HASH = `0x${"00".repeat(32)}`;
const NODE_PREFIX = Uint8Array.of(0x01);
/** The preimage of a node, NODE_PREFIX ‖ left ‖ right, reused by every hashPair call. */
const pairInput = new Uint8Array(NODE_PREFIX.length + 64);
pairInput.set(NODE_PREFIX);

/** A hex digit's value, or -1. */
function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 97 && c <= 102) return c - 87; // a-f
  if (c >= 65 && c <= 70) return c - 55; // A-F
  return -1;
}

/** Decodes a 0x-prefixed bytes32 into out[at..at+32); false (out partly written) if it is not one. */
function bytes32Into(hex: string, out: Uint8Array, at: number): boolean {
  if (hex.length !== 66 || hex.charCodeAt(0) !== 48 || hex.charCodeAt(1) !== 120) return false;
  for (let i = 0; i < 32; i++) {
    const hi = nibble(hex.charCodeAt(2 + 2 * i));
    const lo = nibble(hex.charCodeAt(3 + 2 * i));
    if (hi < 0 || lo < 0) return false;
    out[at + i] = (hi << 4) | lo;
  }
  return true;
}

export function hashPair(left: string, right: string): string {
  // Fast path for two 0x-prefixed bytes32 (every node of a tree): decoded in place (no Buffer: browsers too).
  if (bytes32Into(left, pairInput, 1) && bytes32Into(right, pairInput, 33)) return keccakBytes(pairInput);
  return keccakBytes(NODE_PREFIX, hexBytes(left), hexBytes(right));
}

/** All levels of the tree, leaves first; the last level holds the root. */
export function merkleLevels(leaves: readonly string[]): string[][] {
  if (leaves.length === 0) throw new RangeError("a Merkle tree needs at least one leaf");
  let width = 1;
  while (width < leaves.length) width *= 2;
  const levels: string[][] = [[...leaves, ...new Array<string>(width - leaves.length).fill(ZERO_HASH)]];
  while (levels[levels.length - 1]!.length > 1) {
    const below = levels[levels.length - 1]!;
    const level: string[] = [];
    for (let i = 0; i < below.length; i += 2) level.push(hashPair(below[i]!, below[i + 1]!));
    levels.push(level);
  }
  return levels;
}

export function merkleRoot(leaves: readonly string[]): string {
  const levels = merkleLevels(leaves);
  return levels[levels.length - 1]![0]!;
}

/** Sibling hashes from the leaf up to (excluding) the root. */
export function merkleProof(levels: readonly string[][], index: number): string[] {
  if (index < 0 || index >= levels[0]!.length) throw new RangeError(`leaf index ${index} is outside the tree`);
  const proof: string[] = [];
  for (let l = 0; l < levels.length - 1; l++) {
    proof.push(levels[l]![index ^ 1]!);
    index >>= 1;
  }
  return proof;
}

export function verifyMerkleProof(root: string, leaf: string, index: number, proof: readonly string[]): boolean {
  let h = leaf;
  for (const sibling of proof) {
    h = index & 1 ? hashPair(sibling, h) : hashPair(h, sibling);
    index >>= 1;
  }
  return index === 0 && h === root;
}
