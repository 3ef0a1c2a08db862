import { readFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";

import "../helpers/releaseWorkers.js";

import { commitModel, poseidonModelCommitment } from "../../sdk/commit/modelId.js";
import { verifyMerkleProof } from "../../sdk/commit/merkle.js";
import { poseidonHashInts } from "../../sdk/commit/poseidon.js";
import { inputHash, outputHash } from "../../sdk/commit/tensorHash.js";
import { WEIGHT_CHUNK_SIZE, weightLeaf } from "../../sdk/commit/weights.js";
import { Model } from "../../sdk/model.js";
import type { QuantizedModel } from "../../sdk/quant/quantize.js";
import { ZOO_DIR, readInputFile, zooModelNames } from "../../sdk/zoo/files.js";

interface Vector {
  modelId: string;
  irHash: string;
  weightsRoot: string;
  weightCount: number;
  sampleInputHash: string;
  sampleOutputHash: string;
  sampleOutput: number[];
  poseidonModelCommitment?: string;
  samplePoseidonInputHash?: string;
}

const vectors = JSON.parse(readFileSync(join(import.meta.dirname, "..", "vectors", "commitments.json"), "utf8")) as {
  models: Record<string, Vector>;
};

/** A copy of the model with one weight value changed by +1. */
function withWeightNudged(q: QuantizedModel, constantName: string, index: number): QuantizedModel {
  const constants = new Map(q.constants);
  const c = constants.get(constantName)!;
  const data = c.tensor.data.slice();
  data[index]! += 1;
  constants.set(constantName, { ...c, tensor: { ...c.tensor, data } });
  return { ...q, constants };
}

describe("commitments", () => {
  describe("pinned test vectors (stable across runs and machines)", () => {
    it("covers every zoo model", () => {
      expect(Object.keys(vectors.models).sort()).to.deep.equal(zooModelNames());
    });

    for (const name of zooModelNames()) {
      it(`${name}: model id, weights root, sample input/output hashes`, async () => {
        const v = vectors.models[name]!;
        const model = Model.load(name);
        const c = model.commitment;
        expect({ modelId: c.modelId, irHash: c.irHash, weightsRoot: c.weightsRoot, weightCount: c.weightCount }).to.deep.equal({
          modelId: v.modelId,
          irHash: v.irHash,
          weightsRoot: v.weightsRoot,
          weightCount: v.weightCount,
        });
        const result = model.runInteger(readInputFile(join(ZOO_DIR, name, "input.json")).samples);
        expect(Array.from(result.outputs[0]!.data)).to.deep.equal(v.sampleOutput);
        expect(result.inputHash).to.equal(v.sampleInputHash);
        expect(outputHash(result.outputs)).to.equal(v.sampleOutputHash);
        if (v.poseidonModelCommitment) {
          expect((await poseidonModelCommitment(c)).toString()).to.equal(v.poseidonModelCommitment);
          expect((await poseidonHashInts(result.inputs[0]!.data)).toString()).to.equal(v.samplePoseidonInputHash);
        }
      });
    }

    it("is the same when the model is loaded and committed twice", () => {
      expect(commitModel(Model.load("digits-cnn").quantized).modelId).to.equal(commitModel(Model.load("digits-cnn").quantized).modelId);
    });
  });

  describe("model id", () => {
    const model = Model.load("digits-mlp");

    it("changes when any single weight changes", () => {
      const base = model.commitment;
      for (const seg of base.segments) {
        for (const index of [0, seg.count - 1]) {
          const nudged = commitModel(withWeightNudged(model.quantized, seg.name, index));
          expect(nudged.modelId, `${seg.name}[${index}]`).to.not.equal(base.modelId);
          expect(nudged.weightsRoot).to.not.equal(base.weightsRoot);
          expect(nudged.irHash).to.equal(base.irHash);
        }
      }
    });

    it("changes when the quantization changes, with the same weights file", () => {
      const other = Model.load("digits-mlp", { activationBits: 16, fracBits: 7, weightBits: 8 });
      expect(other.modelId).to.not.equal(model.modelId);
      expect(other.commitment.irHash).to.not.equal(model.commitment.irHash);
    });

    it("opens any weight with a Merkle proof of its chunk", () => {
      const { tree, weightsRoot, weightCount } = model.commitment;
      for (const weightIndex of [0, 15, 16, 1234, weightCount - 1]) {
        const { chunkIndex, chunk, proof } = tree.proofFor(weightIndex);
        expect(chunk[weightIndex % WEIGHT_CHUNK_SIZE]).to.equal(tree.values[weightIndex]);
        expect(verifyMerkleProof(weightsRoot, weightLeaf(chunk), chunkIndex, proof)).to.equal(true);
        const forged = [...chunk];
        forged[weightIndex % WEIGHT_CHUNK_SIZE]! += 1;
        expect(verifyMerkleProof(weightsRoot, weightLeaf(forged), chunkIndex, proof)).to.equal(false);
        expect(verifyMerkleProof(weightsRoot, weightLeaf(chunk), chunkIndex ^ 1, proof)).to.equal(false);
      }
    });
  });

  describe("tensor hashes", () => {
    it("bind the values and their order, and separate inputs from outputs", () => {
      const t = (data: number[]) => [{ dtype: "int32" as const, shape: [data.length], data: Float64Array.from(data) }];
      expect(inputHash(t([1, 2, 3]))).to.not.equal(inputHash(t([1, 3, 2])));
      expect(inputHash(t([1, 2, 3]))).to.not.equal(inputHash(t([1, 2, 3, 0])));
      expect(inputHash(t([-1]))).to.not.equal(inputHash(t([1])));
      expect(inputHash(t([1, 2, 3]))).to.not.equal(outputHash(t([1, 2, 3])));
    });

    it("Poseidon chain encodes negatives as field elements and binds the length", async () => {
      expect(await poseidonHashInts([1, -1])).to.not.equal(await poseidonHashInts([1, 1]));
      expect(await poseidonHashInts([0])).to.not.equal(await poseidonHashInts([0, 0]));
      expect(await poseidonHashInts(Array.from({ length: 31 }, (_, i) => i))).to.not.equal(
        await poseidonHashInts(Array.from({ length: 30 }, (_, i) => i)),
      );
    });
  });
});
