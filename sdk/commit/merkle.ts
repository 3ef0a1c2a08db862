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
const pairInput = Buffer.alloc(NODE_PREFIX.length + 64);
pairInput.set(NODE_PREFIX);

export function hashPair(left: string, right: string): string {
  // Fast path for two 0x-prefixed bytes32 (every node of a tree): decode them
  // in place; Buffer's hex decoder stops at the first non-hex digit, hence the count.
  if (
    left.length === 66 &&
    right.length === 66 &&
    left.startsWith("0x") &&
    right.startsWith("0x") &&
    pairInput.write(left.slice(2), 1, 32, "hex") === 32 &&
    pairInput.write(right.slice(2), 33, 32, "hex") === 32
  )
    return keccakBytes(pairInput);
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
