/**
 * The weight stream of an integer model and its keccak Merkle commitment.
 *
 * Stream: every quantized constant, in order of first use (nodes in graph
 * order, inputs in node order), each flattened row-major. Chunks of
 * WEIGHT_CHUNK_SIZE values (the last zero-padded) are the leaves:
 *   leaf = keccak256(0x00 ‖ int256(v_0) ‖ … ‖ int256(v_15))
 * which Solidity computes as keccak256(abi.encodePacked(bytes1(0x00), int256[16])).
 */
import { InputError } from "../errors.js";
import type { QuantizedModel } from "../quant/quantize.js";
import { keccakBytes } from "./keccak.js";
import { merkleLevels, merkleProof } from "./merkle.js";
import { int256Words, WORD_BYTES } from "./words.js";

export const WEIGHT_CHUNK_SIZE = 16;
const LEAF_PREFIX = Uint8Array.of(0x00);

export interface WeightSegment {
  readonly name: string;
  /** Index of the constant's first value in the stream. */
  readonly offset: number;
  readonly count: number;
}

export interface WeightStream {
  readonly values: Float64Array;
  readonly segments: readonly WeightSegment[];
}

export function weightStream(model: QuantizedModel): WeightStream {
  const segments: WeightSegment[] = [];
  const parts: Float64Array[] = [];
  let offset = 0;
  for (const node of model.graph.nodes) {
    for (const name of node.inputs) {
      const c = model.constants.get(name);
      if (!c || segments.some((s) => s.name === name)) continue;
      segments.push({ name, offset, count: c.tensor.data.length });
      parts.push(c.tensor.data);
      offset += c.tensor.data.length;
    }
  }
  const values = new Float64Array(offset);
  let at = 0;
  for (const p of parts) {
    values.set(p, at);
    at += p.length;
  }
  return { values, segments };
}

/** The values of chunk `index` (zero-padded to WEIGHT_CHUNK_SIZE). */
export function weightChunk(values: ArrayLike<number>, index: number): number[] {
  const chunk = new Array<number>(WEIGHT_CHUNK_SIZE).fill(0);
  for (let i = 0; i < WEIGHT_CHUNK_SIZE; i++) {
    const k = index * WEIGHT_CHUNK_SIZE + i;
    if (k < values.length) chunk[i] = values[k]!;
  }
  return chunk;
}

export function weightLeaf(chunk: readonly number[]): string {
  return keccakBytes(LEAF_PREFIX, int256Words(chunk, WEIGHT_CHUNK_SIZE));
}

/** The preimage of a leaf, LEAF_PREFIX ‖ 16 int256 words, reused by weightLeaves for every chunk. */
const leafInput = new Uint8Array(LEAF_PREFIX.length + WEIGHT_CHUNK_SIZE * WORD_BYTES);
const leafView = new DataView(leafInput.buffer);
leafInput.set(LEAF_PREFIX);
const TWO_32 = 2 ** 32;

/**
 * One leaf per chunk; at least one (an all-zero chunk) for a model without weights.
 * Equal to weightLeaf(weightChunk(values, i)) for every i (the commitment tests
 * check it), but writes each chunk's words straight into one buffer, without
 * BigInt or a fresh array per chunk: a 10^7-weight model has 640k chunks.
 */
export function weightLeaves(values: ArrayLike<number>): string[] {
  const chunks = Math.max(1, Math.ceil(values.length / WEIGHT_CHUNK_SIZE));
  const leaves = new Array<string>(chunks);
  for (let c = 0; c < chunks; c++) {
    for (let i = 0; i < WEIGHT_CHUNK_SIZE; i++) {
      const k = c * WEIGHT_CHUNK_SIZE + i;
      const v = k < values.length ? values[k]! : 0;
      if (!Number.isSafeInteger(v)) throw new InputError(`value ${v} at index ${i} is not a safe integer`);
      // int256 big-endian: sign extension, then the 64-bit two's complement as two 32-bit halves
      const at = LEAF_PREFIX.length + i * WORD_BYTES;
      const high = Math.floor(v / TWO_32);
      leafInput.fill(v < 0 ? 0xff : 0x00, at, at + 24);
      leafView.setInt32(at + 24, high);
      leafView.setUint32(at + 28, v - high * TWO_32);
    }
    leaves[c] = keccakBytes(leafInput);
  }
  return leaves;
}

/** The weight tree of a stream, with the proof of any chunk. */
export class WeightTree {
  readonly levels: string[][];

  constructor(readonly values: ArrayLike<number>) {
    this.levels = merkleLevels(weightLeaves(values));
  }

  get root(): string {
    return this.levels[this.levels.length - 1]![0]!;
  }

  /** The chunk holding weight number `weightIndex`, its chunk index and Merkle proof. */
  proofFor(weightIndex: number): { chunkIndex: number; chunk: number[]; proof: string[] } {
    const chunkIndex = Math.floor(weightIndex / WEIGHT_CHUNK_SIZE);
    return { chunkIndex, chunk: weightChunk(this.values, chunkIndex), proof: merkleProof(this.levels, chunkIndex) };
  }
}
