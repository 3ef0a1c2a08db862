/**
 * The compiled circuits of the digits models against the TypeScript integer
 * interpreter, bit for bit, on the whole digits test split and on random and
 * extreme inputs within their declared input range ([0, 1], quantized [0, 256]),
 * with their interval-driven templates; out-of-range inputs refused by the SDK
 * and by the circuit; the same model without a declared range (the templates
 * sized by worst-case bounds) on inputs over the whole activation range; the
 * compiler's constraint plan against circom's count; and the public signals
 * (outputs, packed inputs, binding) against circom's order.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";

import "../helpers/releaseWorkers.js";

import { poseidonModelCommitment } from "../../sdk/commit/modelId.js";
import { InputError, InputRangeError } from "../../sdk/errors.js";
import { quantizeInputs, runInteger } from "../../sdk/interp/integer.js";
import { Model } from "../../sdk/model.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";
import { Groth16Circuit } from "../../sdk/zk/groth16/backend.js";
import { planCircuit } from "../../sdk/zk/groth16/circuitGen.js";
import { packInputs } from "../../sdk/zk/groth16/packing.js";
import { propagateIntervals } from "../../sdk/quant/intervals.js";
import { rescaleStep } from "../../sdk/zk/groth16/lowerings/rescale.js";
import { integerInputs, integerInputsIn } from "../helpers/inputs.js";

const A = 16;
const PER = 15; // floor(253 / 16)

/** The packing sum without packInputs' range check: what a cheating prover could claim. */
function rawPack(x: readonly number[]): bigint[] {
  const packed = new Array<bigint>(Math.ceil(x.length / PER)).fill(0n);
  x.forEach((v, i) => {
    const k = Math.floor(i / PER);
    const inSignal = Math.min(PER, x.length - k * PER); // big-endian: the first value in the top bits
    packed[k]! += (BigInt(v) + 2n ** BigInt(A - 1)) << BigInt(A * (inSignal - 1 - (i % PER)));
  });
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

/** The declared input range of the digits models, quantized: pixels / 16 in [0, 1] at 2^-8. */
const QLO = 0;
const QHI = 256;

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

      it("declares the input range [0, 1], quantized [0, 256], and checks it with InRange", () => {
        expect([...model.quantized.inputRanges!]).to.deep.equal([["input", { lo: 0, hi: 1, qlo: QLO, qhi: QHI }]]);
        const input = circuit.plan.layers.find((l) => l.node === "input")!;
        expect(input.detail).to.match(/InRange\(0, 256\)/);
        expect(input.constraints).to.equal(64 * 10 + 1); // 9 bits and one product per input, and the binding's square
      });

      it("equals the integer interpreter on 200 random and extreme inputs within the declared range", async () => {
        for (const [i, x] of integerInputsIn(64, QLO, QHI, 200, name.length).entries()) {
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
        const x = integerInputsIn(64, QLO, QHI, 5, 99)[4]!;
        const w = await (await circuit.witnessCalculator()).witnessOf(circuit.circuitInput({ binding: 3n, x }));
        const at = (s: string) => w[1 + circuit.plan.publicSignals.indexOf(s)]!;
        expect([0, 1, 2, 3, 4].map((k) => at(`xPacked[${k}]`))).to.deep.equal(packInputs(x.map(BigInt), A));
        expect(at("binding")).to.equal(3n);
      });

      it("rejects an input outside the activation range (SDK and circuit)", async () => {
        const x = new Array<number>(64).fill(0);
        x[5] = 2 ** (A - 1);
        await expectRejected(circuit.evaluate({ binding: 1n, x }), /input 5 = 32768 is outside the 16-bit signed range/);
        // the same input with its packing sum computed without range checks: the circuit's InRange refuses it
        const calc = await circuit.witnessCalculator();
        await expectRejected(calc.witnessOf({ x, xPacked: rawPack(x), binding: 1n }), /the circuit rejects this input/);
        x[5] = -(2 ** (A - 1)) - 1;
        await expectRejected(calc.witnessOf({ x, xPacked: rawPack(x), binding: 1n }), /the circuit rejects this input/);
      });

      it("rejects an input outside the declared range: the interpreter, the SDK and the circuit", async () => {
        const calc = await circuit.witnessCalculator();
        for (const [i, bad] of [
          [5, QHI + 1],
          [0, QLO - 1],
          [63, 4096],
          [17, -300],
        ] as const) {
          const x = new Array<number>(64).fill(QHI);
          x[i] = bad;
          const shape = model.graph.inputs[0]!.shape;
          expect(() => runInteger(model.quantized, [{ dtype: "int32", shape, data: Float64Array.from(x) }]))
            .to.throw(InputRangeError)
            .with.property(
              "message",
              `graph input "input" element ${i} = ${bad} is outside its declared range [0, 256] (the declared [0, 1] quantized at exponent 8)`,
            );
          expect(() => model.runQuantized(x.map(BigInt))).to.throw(
            InputRangeError,
            new RegExp(`element ${i} \\(request input ${i}\\) = ${bad} `),
          );
          await expectRejected(circuit.evaluate({ binding: 1n, x }), /outside its declared range \[0, 256\]/);
          // a prover that skips the SDK's check: InRange has no witness
          await expectRejected(calc.witnessOf({ x, xPacked: rawPack(x), binding: 1n }), /the circuit rejects this input/);
        }
        // the float input too, before quantizing (1.001 would round into range: still refused)
        const sample = { ...digits.samples[0]!, data: digits.samples[0]!.data.map((v, i) => (i === 9 ? 1.001 : v)) };
        expect(() => model.runInteger([sample])).to.throw(InputRangeError, /element 9 = 1\.001\d* is outside its declared range \[0, 1\]/);
        expect(() => model.runFloat([sample])).to.throw(InputRangeError);
      });

      it("rejects packed inputs that do not match x", async () => {
        const calc = await circuit.witnessCalculator();
        const [x, y] = integerInputsIn(64, QLO, QHI, 6, 7).slice(4);
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

  describe("digits-mlp: interval-driven constraints", () => {
    const model = Model.load("digits-mlp");

    it("spends at most 24 constraints per neuron on ReLU + rescale (was 33), 20 at most", () => {
      const plan = planCircuit(model.quantized, { emit: false });
      const hidden = plan.layers.find((l) => l.op === "Gemm+Relu")!;
      expect(hidden.outputs).to.equal(32);
      expect(hidden.constraints).to.be.at.most(24 * hidden.outputs);
      // per neuron: the template each one gets from its accumulator's interval
      const intervals = propagateIntervals(model.quantized).accumulators.get("fc1")!;
      const shift = model.quantized.nodes.get("fc1")!.shift;
      const perNeuron = Array.from(intervals.lo, (lo, j) => {
        const step = rescaleStep(lo, intervals.hi[j]!, shift, true, A);
        return step.kind === "template" ? step.constraints : 0;
      });
      expect(Math.max(...perNeuron)).to.be.at.most(20);
      expect(perNeuron.reduce((a, b) => a + b, 0)).to.equal(hidden.constraints);
      // the whole circuit: 2,421 without the declared range
      const undeclared = planCircuit(Model.load("digits-mlp", undefined, { inputRange: null }).quantized, { emit: false });
      expect(undeclared.constraints).to.equal(2421);
      expect(undeclared.layers.find((l) => l.op === "Gemm+Relu")!.constraints).to.equal(33 * 32);
      expect(plan.constraints).to.equal(1500);
    });

    it("with private weights checks the declared range but keeps the worst-case templates (one circuit for any weights)", () => {
      const plan = planCircuit(model.quantized, { emit: false, privateWeights: true });
      expect(plan.layers.find((l) => l.node === "input")!.detail).to.match(/InRange\(0, 256\)/);
      expect(plan.layers.find((l) => l.op === "Gemm+Relu")!.detail).to.match(/^RescaleSaturateRelu\(27, 6, 16\)/);
    });
  });

  describe("digits-mlp without a declared range (worst-case templates)", () => {
    const model = Model.load("digits-mlp", undefined, { inputRange: null });
    let circuit: Groth16Circuit;

    before(async () => {
      circuit = await Groth16Circuit.compile(model, { setup: false });
    });

    it("has the planned constraints and equals the interpreter on 100 random and extreme inputs over the whole range", async () => {
      const built = JSON.parse(readFileSync(join(circuit.dir, "plan.json"), "utf8")) as { circomConstraints: number };
      expect(built.circomConstraints).to.equal(circuit.plan.constraints);
      expect(circuit.plan.constraints).to.equal(2421);
      const shape = model.graph.inputs[0]!.shape;
      for (const [i, x] of integerInputs(64, A, 100, 3).entries()) {
        const want = runInteger(model.quantized, [{ dtype: "int32", shape, data: Float64Array.from(x) }])[0]!;
        const got = await circuit.evaluate({ binding: 1n, x });
        expect(got.outputs.map(Number), `input ${i}`).to.deep.equal(Array.from(want.data));
      }
    });
  });

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
