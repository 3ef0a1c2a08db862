/**
 * The compiled circuits of the digits models against the TypeScript integer
 * interpreter, bit for bit, on the whole digits test split and on random and
 * extreme inputs; the compiler's constraint plan against circom's count; and
 * the public signals (outputs, packed inputs, binding) against circom's order.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";

import "../helpers/releaseWorkers.js";

import { poseidonModelCommitment } from "../../sdk/commit/modelId.js";
import { InputError } from "../../sdk/errors.js";
import { quantizeInputs, runInteger } from "../../sdk/interp/integer.js";
import { Model } from "../../sdk/model.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";
import { Groth16Circuit } from "../../sdk/zk/groth16/backend.js";
import { planCircuit } from "../../sdk/zk/groth16/circuitGen.js";
import { packInputs } from "../../sdk/zk/groth16/packing.js";
import { integerInputs } from "../helpers/inputs.js";

const A = 16;
const PER = 15; // floor(253 / 16)

/** The packing sum without packInputs' range check: what a cheating prover could claim. */
function rawPack(x: readonly number[]): bigint[] {
  const packed = new Array<bigint>(Math.ceil(x.length / PER)).fill(0n);
  x.forEach((v, i) => (packed[Math.floor(i / PER)]! += (BigInt(v) + 2n ** BigInt(A - 1)) << BigInt(A * (i % PER))));
  return packed;
}

/** Names of the public signals as circom numbered them: witness wires 1..n in circuit.sym. */
function circomPublicSignals(dir: string, count: number): string[] {
  const names: string[] = [];
  for (const line of readFileSync(join(dir, "circuit.sym"), "utf8").split("\n")) {
    const [, wire, , name] = line.split(",");
    if (Number(wire) >= 1 && Number(wire) <= count && /^main\.[^.]+$/.test(name ?? "")) names[Number(wire) - 1] = name!.slice(5);
  }
  return names;
}

async function expectRejected(p: Promise<unknown>, message?: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(InputError);
    if (message) expect((e as Error).message).to.match(message);
    return;
  }
  expect.fail("accepted");
}

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
        expect(plan.layers.find((l) => l.node === "inputPacking")?.constraints).to.equal(0);
        expect(plan.layers.find((l) => l.node === "outputPacking")?.constraints).to.equal(0);
      });

      it("spends no product constraint on linear layers with public weights", () => {
        for (const layer of circuit.plan.layers) expect(layer.products, layer.node).to.equal(0);
      });

      it("has the public signals yPacked[0], xPacked[0..4], binding, in circom's order", () => {
        const want = ["yPacked[0]", ...Array.from({ length: 5 }, (_, k) => `xPacked[${k}]`), "binding"];
        expect(circuit.plan.publicSignals).to.deep.equal(want);
        expect(circomPublicSignals(circuit.dir, want.length)).to.deep.equal(want);
      });

      it("equals the integer interpreter on the whole digits test split (outputs and public inputs)", async () => {
        for (const [i, sample] of digits.samples.entries()) {
          const [x] = quantizeInputs(model.quantized, [sample]);
          const want = runInteger(model.quantized, [x!])[0]!;
          const got = await circuit.evaluate({ binding: 7n, x: x!.data });
          expect(got.outputs.map(Number), `sample ${i}`).to.deep.equal(Array.from(want.data));
          expect(got.inputs, `sample ${i}`).to.deep.equal(Array.from(x!.data, BigInt));
          expect(got.binding).to.equal(7n);
        }
      });

      it("equals the integer interpreter on 200 random and extreme inputs", async () => {
        for (const [i, x] of integerInputs(64, A, 200, name.length).entries()) {
          const shape = model.graph.inputs[0]!.shape;
          const want = runInteger(model.quantized, [{ dtype: "int32", shape, data: Float64Array.from(x) }])[0]!;
          const got = await circuit.evaluate({ binding: 1n, x });
          expect(got.outputs.map(Number), `input ${i}`).to.deep.equal(Array.from(want.data));
          expect(got.inputs, `input ${i}`).to.deep.equal(x.map(BigInt));
        }
      });

      it("gives each of many concurrent witness calculations its own input's result", async () => {
        // One wasm instance holds one witness: concurrent calls used to mix their signals.
        const inputs = digits.samples.slice(0, 12).map((sample) => quantizeInputs(model.quantized, [sample])[0]!);
        const got = await Promise.all(inputs.map((x, i) => circuit.evaluate({ binding: BigInt(i), x: x.data })));
        for (const [i, x] of inputs.entries()) {
          expect(got[i]!.outputs.map(Number), `sample ${i}`).to.deep.equal(Array.from(runInteger(model.quantized, [x])[0]!.data));
          expect(got[i]!.binding).to.equal(BigInt(i));
        }
      });

      it("exposes the packed inputs as public signals (witness wires after the outputs)", async () => {
        const x = integerInputs(64, A, 5, 99)[4]!;
        const w = await (await circuit.witnessCalculator()).witnessOf(circuit.circuitInput({ binding: 3n, x }));
        const at = (s: string) => w[1 + circuit.plan.publicSignals.indexOf(s)]!;
        expect([0, 1, 2, 3, 4].map((k) => at(`xPacked[${k}]`))).to.deep.equal(packInputs(x.map(BigInt), A));
        expect(at("binding")).to.equal(3n);
      });

      it("rejects an input outside the activation range (SDK and circuit)", async () => {
        const x = new Array<number>(64).fill(0);
        x[5] = 2 ** (A - 1);
        await expectRejected(circuit.evaluate({ binding: 1n, x }), /input 5 = 32768 is outside the 16-bit signed range/);
        // the same input with its packing sum computed without range checks: the circuit's SignedRange refuses it
        const calc = await circuit.witnessCalculator();
        await expectRejected(calc.witnessOf({ x, xPacked: rawPack(x), binding: 1n }), /the circuit rejects this input/);
        x[5] = -(2 ** (A - 1)) - 1;
        await expectRejected(calc.witnessOf({ x, xPacked: rawPack(x), binding: 1n }), /the circuit rejects this input/);
      });

      it("rejects packed inputs that do not match x", async () => {
        const calc = await circuit.witnessCalculator();
        const [x, y] = integerInputs(64, A, 6, 7).slice(4);
        await calc.witnessOf({ x: x!, xPacked: rawPack(x!), binding: 1n }); // the honest packing passes
        await expectRejected(calc.witnessOf({ x: x!, xPacked: rawPack(y!), binding: 1n }));
        for (const k of [0, 4]) {
          const off = rawPack(x!);
          off[k]! += 1n;
          await expectRejected(calc.witnessOf({ x: x!, xPacked: off, binding: 1n }));
        }
        // two inputs swapped within one signal, or across signals
        const swapped = [...x!];
        [swapped[0], swapped[1]] = [x![1]!, x![0]!];
        if (x![0] !== x![1]) await expectRejected(calc.witnessOf({ x: x!, xPacked: rawPack(swapped), binding: 1n }));
        const moved = [...x!];
        [moved[14], moved[15]] = [x![15]!, x![14]!];
        if (x![14] !== x![15]) await expectRejected(calc.witnessOf({ x: x!, xPacked: rawPack(moved), binding: 1n }));
      });
    });
  }

  describe("private weights (sweep-mlp-1e2)", () => {
    const model = Model.load("sweep-mlp-1e2");
    let circuit: Groth16Circuit;

    before(async () => {
      circuit = await Groth16Circuit.compile(model, { privateWeights: true, setup: false });
    });

    it("orders the public signals yPacked[0], weightsCommitment, xPacked[0], binding, as circom does", () => {
      const want = ["yPacked[0]", "weightsCommitment", "xPacked[0]", "binding"];
      expect(circuit.plan.publicSignals).to.deep.equal(want);
      expect(circomPublicSignals(circuit.dir, want.length)).to.deep.equal(want);
      const built = JSON.parse(readFileSync(join(circuit.dir, "plan.json"), "utf8")) as { circomConstraints: number };
      expect(built.circomConstraints).to.equal(circuit.plan.constraints);
    });

    it("decodes inputs, outputs and the weights commitment", async () => {
      const x = [-(2 ** (A - 1)), 2 ** (A - 1) - 1, 0, -1, 1, 300, -300, 12345];
      const got = await circuit.evaluate({ binding: 5n, x, w: model.commitment.tree.values });
      const want = runInteger(model.quantized, [{ dtype: "int32", shape: model.graph.inputs[0]!.shape, data: Float64Array.from(x) }])[0]!;
      expect(got.outputs.map(Number)).to.deep.equal(Array.from(want.data));
      expect(got.inputs).to.deep.equal(x.map(BigInt));
      expect(got.weightsCommitment).to.equal(await poseidonModelCommitment(model.commitment));
      expect(got.binding).to.equal(5n);
    });
  });
});
