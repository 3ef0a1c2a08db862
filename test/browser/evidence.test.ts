/**
 * Groth16 evidence in the browser entry: decodeGroth16Evidence inverts
 * encodeGroth16Evidence, groth16PublicSignals rebuilds what the Groth16
 * adapter does, and verifyGroth16 accepts a real fulfilment's proof and
 * nothing else.
 */
import { expect } from "chai";
import fc from "fast-check";

import { InputError } from "../../sdk/errors.js";
import { SNARK_SCALAR_FIELD } from "../../sdk/field.js";
import { Model } from "../../sdk/model.js";
import { fieldBinding } from "../../sdk/protocol/binding.js";
import { Groth16Circuit } from "../../sdk/zk/groth16/backend.js";
import { decodeGroth16Evidence, groth16PublicSignals, verifyGroth16 } from "../../sdk/zk/groth16/evidence.js";
import { encodeGroth16Evidence } from "../../sdk/zk/groth16/proofSystem.js";
import "../helpers/releaseWorkers.js";

const element = fc.bigInt({ min: 0n, max: SNARK_SCALAR_FIELD - 1n }).map(String);
const proofArb = fc.record({
  pi_a: fc.tuple(element, element).map(([x, y]) => [x, y, "1"]),
  pi_b: fc.tuple(element, element, element, element).map(([a, b, c, d]) => [
    [a, b],
    [c, d],
    ["1", "0"],
  ]),
  pi_c: fc.tuple(element, element).map(([x, y]) => [x, y, "1"]),
  protocol: fc.constant("groth16"),
  curve: fc.constant("bn128"),
});

describe("Groth16 evidence (sdk/zk/groth16/evidence.ts)", function () {
  this.timeout(300_000);

  it("decodeGroth16Evidence inverts encodeGroth16Evidence (both ways)", () => {
    fc.assert(
      fc.property(proofArb, (proof) => {
        const evidence = encodeGroth16Evidence({ proof, publicSignals: [] });
        expect(decodeGroth16Evidence(evidence)).to.deep.equal(proof);
        expect(encodeGroth16Evidence({ proof: decodeGroth16Evidence(evidence), publicSignals: [] })).to.equal(evidence);
      }),
      { numRuns: 100 },
    );
  });

  it("refuses bytes that are not the encoding", () => {
    expect(() => decodeGroth16Evidence("0x1234")).to.throw(InputError, /not a Groth16 proof/);
  });

  it("verifies a digits-mlp proof against the adapter's public signals, and nothing else", async () => {
    const model = Model.load("digits-mlp");
    const circuit = await Groth16Circuit.compile(model); // cached in the cache directory after the first build
    const input = model.quantizedInput([{ dtype: "float32", shape: [1, 64], data: new Float64Array(64).fill(0.5) }]);
    const binding = fieldBinding({
      chainId: 31337n,
      router: "0x00000000000000000000000000000000000000aa",
      requestId: 3n,
      modelId: model.modelId,
      fulfiller: "0x00000000000000000000000000000000000000bb",
    });
    const proven = await circuit.prove({ binding, x: input.map(Number) });
    const output = circuit.decode(proven.publicSignals).outputs;
    const signals = groth16PublicSignals({ input, output, binding, inputBits: model.quantized.config.activationBits });
    expect(signals).to.deep.equal(proven.publicSignals, "the adapter's layout is the circuit's");
    const proof = decodeGroth16Evidence(encodeGroth16Evidence(proven));
    const vk = circuit.verificationKey();
    expect(await verifyGroth16(vk, proof, signals)).to.equal(true);
    const otherOutput = output.map((v, i) => (i === 0 ? v + 1n : v));
    expect(
      await verifyGroth16(
        vk,
        proof,
        groth16PublicSignals({ input, output: otherOutput, binding, inputBits: model.quantized.config.activationBits }),
      ),
    ).to.equal(false);
    expect(await verifyGroth16(vk, proof, [...signals.slice(0, -1), String(binding + 1n)])).to.equal(false);
  });
});
