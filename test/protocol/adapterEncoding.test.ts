/**
 * The proof adapters rebuild a proof's public values from a request on chain;
 * the SDK builds the same values off chain to prove. Property tests hold the
 * two encodings equal (Solidity vs TypeScript) on random requests.
 */
import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";

import { SNARK_SCALAR_FIELD, toField } from "../../sdk/commit/poseidon.js";
import { fieldBinding } from "../../sdk/protocol/binding.js";
import { packInputs } from "../../sdk/zk/groth16/packing.js";
import { EzklAdapter__factory, Groth16Adapter__factory } from "../../types/ethers-contracts/index.js";

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
  it("Groth16: [packed outputs, packed inputs, binding] equal the SDK's public signals for any activation width", async function () {
    await fc.assert(
      fc.asyncProperty(
        claim,
        address,
        fc.integer({ min: 2, max: 32 }).chain((bits) => {
          const value = fc.bigInt(-(2n ** BigInt(bits - 1)), 2n ** BigInt(bits - 1) - 1n);
          return fc.tuple(
            fc.constant(bits),
            fc.array(value, { minLength: 1, maxLength: 70 }),
            fc.array(value, { minLength: 1, maxLength: 40 }),
          );
        }),
        async (c, router, [bits, input, output]) => {
          const got = await groth16.publicSignals({ ...c, verifierParams: BigInt(bits) }, input, output, router);
          const binding = fieldBinding({ chainId, router, requestId: c.requestId, modelId: c.modelId, fulfiller: c.fulfiller });
          expect(got).to.deep.equal([...packInputs(output, bits, "output"), ...packInputs(input, bits), binding]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("Groth16: refuses an input or an output outside the circuit's width, naming it", async function () {
    const c = { requestId: 1n, modelId: ethers.ZeroHash, verifier: signer!.address, verifierParams: 16n, fulfiller: signer!.address };
    await expect(groth16.publicSignals(c, [0n, 32768n], [1n], signer!.address))
      .to.be.revertedWithCustomError(groth16, "Adapter_InputOutOfRange")
      .withArgs(1, 32768);
    await expect(groth16.publicSignals(c, [-32769n], [1n], signer!.address)).to.be.revertedWithCustomError(
      groth16,
      "Adapter_InputOutOfRange",
    );
    await expect(groth16.publicSignals(c, [1n], [5n, -32769n], signer!.address))
      .to.be.revertedWithCustomError(groth16, "Adapter_OutputOutOfRange")
      .withArgs(1, -32769);
    await expect(groth16.publicSignals({ ...c, verifierParams: 0n }, [1n], [1n], signer!.address)).to.be.revertedWithCustomError(
      groth16,
      "Adapter_InvalidInputBits",
    );
  });

  it("EZKL: instances are the inputs then the outputs as field elements", async function () {
    const value = fc.bigInt(-(SNARK_SCALAR_FIELD / 2n), SNARK_SCALAR_FIELD / 2n);
    await fc.assert(
      fc.asyncProperty(fc.array(value, { maxLength: 80 }), fc.array(value, { maxLength: 12 }), async (input, output) => {
        expect(await ezkl.instances(input, output)).to.deep.equal([...input, ...output].map(toField));
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses a value with no field encoding", async function () {
    const tooBig = SNARK_SCALAR_FIELD / 2n + 1n;
    await expect(ezkl.instances([tooBig], [])).to.be.revertedWithCustomError(ezkl, "ValueOutsideField");
    await expect(ezkl.instances([], [-(2n ** 255n)])).to.be.revertedWithCustomError(ezkl, "ValueOutsideField");
  });
});
