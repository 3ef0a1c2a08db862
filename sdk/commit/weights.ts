/**
 * The weight stream of an integer model and its keccak Merkle commitment.
 *
 * Stream: every quantized constant, in order of first use (nodes in graph
 * order, inputs in node order), each flattened row-major. Chunks of
 * WEIGHT_CHUNK_SIZE values (the last zero-padded) are the leaves:
 *   leaf = keccak256(0x00 ‖ int256(v_0) ‖ … ‖ int256(v_15))
 * which Solidity computes as keccak256(abi.encodePacked(bytes1(0x00), int256[16])).
 */
import type { QuantizedModel } from "../quant/quantize.js";
import { keccakBytes } from "./keccak.js";
import { merkleLevels, merkleProof } from "./merkle.js";
import { int256Words } from "./words.js";

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

/** One leaf per chunk; at least one (an all-zero chunk) for a model without weights. */
export function weightLeaves(values: ArrayLike<number>): string[] {
  const chunks = Math.max(1, Math.ceil(values.length / WEIGHT_CHUNK_SIZE));
  return Array.from({ length: chunks }, (_, i) => weightLeaf(weightChunk(values, i)));
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
