/** contracts/libraries/ModelCommitments.sol computes exactly what sdk/commit computes. */
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { modelIdOf } from "../../sdk/commit/modelId.js";
import { inputHash, outputHash } from "../../sdk/commit/tensorHash.js";
import { Model } from "../../sdk/model.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";

const { ethers } = await network.create();

describe("ModelCommitments.sol", () => {
  const model = Model.load("digits-cnn");
  const c = model.commitment;

  async function harness() {
    return ethers.deployContract("ModelCommitmentsHarness");
  }

  it("computes the SDK's model id", async () => {
    const h = await harness();
    expect(await h.modelId(c.irHash, c.weightsRoot, c.weightCount)).to.equal(c.modelId);
    expect(modelIdOf(c.irHash, c.weightsRoot, c.weightCount)).to.equal(c.modelId);
  });

  it("computes the SDK's input and output hashes, negatives included", async () => {
    const h = await harness();
    const result = model.runInteger(readInputFile(join(ZOO_DIR, "digits-cnn", "input.json")).samples);
    const ints = (t: typeof result.outputs) => Array.from(t[0]!.data, BigInt);
    expect(await h.inputHash(ints(result.inputs))).to.equal(result.inputHash);
    expect(await h.outputHash(ints(result.outputs))).to.equal(outputHash(result.outputs));
    expect(ints(result.outputs).some((v) => v < 0n)).to.equal(true);
    const extremes = [-(2n ** 52n), 2n ** 52n, -1n, 0n];
    expect(await h.inputHash(extremes)).to.equal(inputHash([{ dtype: "int64", shape: [4], data: Float64Array.from(extremes, Number) }]));
  });

  it("accepts the SDK's Merkle proof of every weight chunk, and nothing forged", async () => {
    const h = await harness();
    const chunks = Math.ceil(c.weightCount / 16);
    for (let chunkIndex = 0; chunkIndex < chunks; chunkIndex += 7) {
      const { chunk, proof } = c.tree.proofFor(chunkIndex * 16);
      expect(await h.verifyWeightChunk(c.weightsRoot, chunkIndex, chunk, proof), `chunk ${chunkIndex}`).to.equal(true);
      const forged = [...chunk];
      forged[3]! -= 1;
      expect(await h.verifyWeightChunk(c.weightsRoot, chunkIndex, forged, proof)).to.equal(false);
      expect(await h.verifyWeightChunk(c.weightsRoot, chunkIndex + 1, chunk, proof)).to.equal(false);
      expect(await h.verifyWeightChunk(c.weightsRoot, chunkIndex + 2 ** proof.length, chunk, proof)).to.equal(false);
    }
  });
});
