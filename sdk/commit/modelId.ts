/**
 * The model id: one bytes32 that commits to the whole integer model.
 *   modelId = keccak256(abi.encode(MODEL_DOMAIN, irHash, weightsRoot, weightCount))
 * irHash commits to structure, shapes and quantization (irDescription.ts);
 * weightsRoot to every weight value (weights.ts), so a single weight can be
 * opened on chain with a Merkle proof. The Poseidon commitment is the
 * circuit-friendly twin over the same data.
 */
import { AbiCoder, id, keccak256 } from "ethers";

import type { QuantizedModel } from "../quant/quantize.js";
import { irHash } from "./irDescription.js";
import { poseidonHashInts } from "./poseidon.js";
import { WeightTree, type WeightSegment, weightStream } from "./weights.js";

export const MODEL_DOMAIN = id("vinfer.model.v1");

export interface ModelCommitment {
  readonly modelId: string;
  readonly irHash: string;
  readonly weightsRoot: string;
  readonly weightCount: number;
  readonly segments: readonly WeightSegment[];
  readonly tree: WeightTree;
}

export function modelIdOf(ir: string, weightsRoot: string, weightCount: number): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes32", "bytes32", "uint256"], [MODEL_DOMAIN, ir, weightsRoot, weightCount]),
  );
}

export function commitModel(model: QuantizedModel): ModelCommitment {
  const stream = weightStream(model);
  const tree = new WeightTree(stream.values);
  const ir = irHash(model, stream.segments);
  return {
    modelId: modelIdOf(ir, tree.root, stream.values.length),
    irHash: ir,
    weightsRoot: tree.root,
    weightCount: stream.values.length,
    segments: stream.segments,
    tree,
  };
}

/** Poseidon(irHash as two 128-bit halves, every weight): what a private-weights circuit recomputes. */
export async function poseidonModelCommitment(commitment: ModelCommitment): Promise<bigint> {
  const h = BigInt(commitment.irHash);
  const mask = (1n << 128n) - 1n;
  return poseidonHashInts([h >> 128n, h & mask, ...Array.from(commitment.tree.values, BigInt)]);
}
