/**
 * The proof adapters rebuild a proof's public values from a request on chain;
 * the SDK builds the same values off chain to prove. Property tests hold the
 * two encodings equal (Solidity vs TypeScript) on random requests.
 */
import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";

import { toField } from "../../sdk/commit/poseidon.js";
import { fieldBinding } from "../../sdk/protocol/binding.js";
import { packInputs } from "../../sdk/zk/groth16/packing.js";
import { EzklAdapter__factory, Groth16Adapter__factory } from "../../types/ethers-contracts/index.js";
import { packInt16 } from "../../sdk/commit/int16Tensor.js";

const { ethers } = await network.create();
const [signer] = await ethers.getSigners();
const groth16 = await (await new Groth16Adapter__factory(signer!).deploy()).waitForDeployment();
const ezkl = await (await new EzklAdapter__factory(signer!).deploy()).waitForDeployment();
const chainId = (await ethers.provider.getNetwork()).chainId;

const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => ethers.getAddress(ethers.hexlify(b)));
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => ethers.hexlify(b));
const claim = fc.record({ requestId: fc.bigInt(0n, 2n ** 256n - 1n), modelId: bytes32, verifier: address, fulfiller: address });
const RUNS = 40;

describe("proof adapters encode requests exactly as the SDK does", function () {
  it("Groth16: [packed outputs, packed inputs, binding] equal the SDK's public signals for any activation width the wire carries (2..16)", async function () {
    await fc.assert(
      fc.asyncProperty(
        claim,
        address,
        fc.integer({ min: 2, max: 16 }).chain((bits) => {
          const value = fc.bigInt(-(2n ** BigInt(bits - 1)), 2n ** BigInt(bits - 1) - 1n);
          return fc.tuple(
            fc.constant(bits),
            fc.array(value, { minLength: 1, maxLength: 70 }),
            fc.array(value, { minLength: 1, maxLength: 40 }),
          );
        }),
        async (c, router, [bits, input, output]) => {
          const got = await groth16.publicSignals({ ...c, verifierParams: BigInt(bits) }, packInt16(input), packInt16(output), router);
          const binding = fieldBinding({ chainId, router, requestId: c.requestId, modelId: c.modelId, fulfiller: c.fulfiller });
          expect(got).to.deep.equal([...packInputs(output, bits, "output"), ...packInputs(input, bits), binding]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("Groth16: refuses an input or an output outside the circuit's width, naming it, and widths the wire cannot carry", async function () {
    const c = { requestId: 1n, modelId: ethers.ZeroHash, verifier: signer!.address, verifierParams: 8n, fulfiller: signer!.address };
    await expect(groth16.publicSignals(c, packInt16([0n, 128n]), packInt16([1n]), signer!.address))
      .to.be.revertedWithCustomError(groth16, "Adapter_InputOutOfRange")
      .withArgs(1, 128);
    await expect(groth16.publicSignals(c, packInt16([-129n]), packInt16([1n]), signer!.address)).to.be.revertedWithCustomError(
      groth16,
      "Adapter_InputOutOfRange",
    );
    await expect(groth16.publicSignals(c, packInt16([1n]), packInt16([5n, -129n]), signer!.address))
      .to.be.revertedWithCustomError(groth16, "Adapter_OutputOutOfRange")
      .withArgs(1, -129);
    for (const bits of [0n, 1n, 17n])
      await expect(groth16.publicSignals({ ...c, verifierParams: bits }, packInt16([1n]), packInt16([1n]), signer!.address))
        .to.be.revertedWithCustomError(groth16, "Adapter_InvalidInputBits")
        .withArgs(bits);
  });

  it("EZKL: instances are the inputs then the outputs as field elements", async function () {
    const value = fc.bigInt(-(2n ** 15n), 2n ** 15n - 1n);
    await fc.assert(
      fc.asyncProperty(fc.array(value, { maxLength: 80 }), fc.array(value, { maxLength: 12 }), async (input, output) => {
        expect(await ezkl.instances(packInt16(input), packInt16(output))).to.deep.equal([...input, ...output].map(toField));
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses a tensor encoding of odd length (no whole number of int16 values)", async function () {
    await expect(ezkl.instances("0x000102", "0x")).to.be.revertedWithCustomError(ezkl, "Int16Tensors_OddLength").withArgs(3);
    const c = { requestId: 1n, modelId: ethers.ZeroHash, verifier: signer!.address, verifierParams: 16n, fulfiller: signer!.address };
    await expect(groth16.publicSignals(c, "0x0001", "0x01", signer!.address))
      .to.be.revertedWithCustomError(groth16, "Int16Tensors_OddLength")
      .withArgs(1);
  });
});
