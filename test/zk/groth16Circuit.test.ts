/**
 * The compiled circuits of the digits models against the TypeScript integer
 * interpreter, bit for bit, on the whole digits test split and on random and
 * extreme inputs; and the compiler's constraint plan against circom's count.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";

import "../helpers/releaseWorkers.js";

import { poseidonHashInts } from "../../sdk/commit/poseidon.js";
import { InputError } from "../../sdk/errors.js";
import { quantizeInputs, runInteger } from "../../sdk/interp/integer.js";
import { Model } from "../../sdk/model.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";
import { Groth16Circuit } from "../../sdk/zk/groth16/backend.js";
import { planCircuit } from "../../sdk/zk/groth16/circuitGen.js";
import { integerInputs } from "../helpers/inputs.js";

const A = 16;

describe("Groth16 circuits of the zoo", function () {
  const digits = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json"));

  for (const name of ["digits-mlp", "digits-cnn"]) {
    describe(name, () => {
      const model = Model.load(name);
      let circuit: Groth16Circuit;

      before(async () => {
        circuit = await Groth16Circuit.compile(model, { setup: false });
      });

      it("has exactly the constraints the compiler planned", () => {
        const plan = planCircuit(model.quantized, { emit: false });
        expect(plan.constraints).to.equal(circuit.plan.constraints);
        const built = JSON.parse(readFileSync(join(circuit.dir, "plan.json"), "utf8")) as { circomConstraints: number };
        expect(built.circomConstraints).to.equal(plan.constraints);
      });

      it("spends no product constraint on linear layers with public weights", () => {
        for (const layer of circuit.plan.layers) expect(layer.products, layer.node).to.equal(0);
      });

      it("equals the integer interpreter on the whole digits test split (outputs and input hash)", async () => {
        for (const [i, sample] of digits.samples.entries()) {
          const [x] = quantizeInputs(model.quantized, [sample]);
          const want = runInteger(model.quantized, [x!])[0]!;
          const got = await circuit.evaluate({ binding: 7n, x: x!.data });
          expect(got.outputs.map(Number), `sample ${i}`).to.deep.equal(Array.from(want.data));
          if (i < 3) expect(got.inputHash).to.equal(await poseidonHashInts(x!.data));
          expect(got.binding).to.equal(7n);
        }
      });

      it("equals the integer interpreter on 200 random and extreme inputs", async () => {
        for (const [i, x] of integerInputs(64, A, 200, name.length).entries()) {
          const shape = model.graph.inputs[0]!.shape;
          const want = runInteger(model.quantized, [{ dtype: "int32", shape, data: Float64Array.from(x) }])[0]!;
          const got = await circuit.evaluate({ binding: 1n, x });
          expect(got.outputs.map(Number), `input ${i}`).to.deep.equal(Array.from(want.data));
        }
      });

      it("rejects an input outside the activation range", async () => {
        const x = new Array(64).fill(0);
        x[5] = 2 ** (A - 1);
        try {
          await circuit.evaluate({ binding: 1n, x });
          expect.fail("accepted");
        } catch (e) {
          expect(e).to.be.instanceOf(InputError);
        }
      });
    });
  }
});
