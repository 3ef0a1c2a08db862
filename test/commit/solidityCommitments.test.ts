/** contracts/libraries/ModelCommitments.sol computes exactly what sdk/commit computes. */
import { join } from "node:path";

import { expect } from "chai";
import { concat, id, keccak256 } from "ethers";
import { network } from "hardhat";

import { packInt16, unpackInt16 } from "../../sdk/commit/int16Tensor.js";
import { modelIdOf } from "../../sdk/commit/modelId.js";
import { inputHash, outputHash } from "../../sdk/commit/tensorHash.js";
import { InputError } from "../../sdk/errors.js";
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
    expect(await h.inputHash(packInt16(ints(result.inputs)))).to.equal(result.inputHash);
    expect(await h.outputHash(packInt16(ints(result.outputs)))).to.equal(outputHash(result.outputs));
    expect(ints(result.outputs).some((v) => v < 0n)).to.equal(true);
    const extremes = [-(2n ** 15n), 2n ** 15n - 1n, -1n, 0n];
    expect(await h.inputHash(packInt16(extremes))).to.equal(
      inputHash([{ dtype: "int64", shape: [4], data: Float64Array.from(extremes, Number) }]),
    );
  });

  it("hashes the int16 wire encoding: 2 bytes a value, big-endian two's complement", async () => {
    const h = await harness();
    expect(packInt16([1n, -1n, -(2n ** 15n), 2n ** 15n - 1n])).to.equal("0x0001ffff80007fff");
    expect(unpackInt16("0x0001ffff80007fff")).to.deep.equal([1n, -1n, -(2n ** 15n), 2n ** 15n - 1n]);
    expect(await h.inputHash("0x0001ffff")).to.equal(keccak256(concat([id("vinfer.input.v2"), "0x0001ffff"])));
    // A value wider than 16 bits has no encoding: the SDK refuses it instead of truncating.
    expect(() => packInt16([2n ** 15n])).to.throw(InputError, /value 0 = 32768 does not fit/);
    expect(() => unpackInt16("0x000")).to.throw(InputError, /2 bytes per value/);
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
