/**
 * The element-wise operators (sdk/ops: mul, sub, div, unary, clip, activations, batchNorm, compare)
 * in every engine: their integer semantics on hand-checked values (docs/integer-semantics.md),
 * the integer interpreter == the circom witness == the OPML twin == the Solidity executor on 200
 * fuzzed inputs per operator (extremes first), the circuit's constraint count as planned, the
 * refusals (division by zero in every engine, unsupported modes), and the measured worst-case
 * error of each non-linear activation against float over every A-bit input.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { QuantizationError, UnsupportedOperatorError } from "../../sdk/errors.js";
import { OneStepRevert, fold, modelProgram, openOperands } from "../../sdk/opml/accumulators.js";
import { deployOneStepExecutor } from "../../sdk/opml/executorDeployment.js";
import { ELEMENTWISE_OPS } from "../../sdk/opml/kernels/elementwise.js";
import { ExecutionTrace, step } from "../../sdk/opml/trace.js";
import { DivisionByZeroError, MULTIPLIER_SHIFT } from "../../sdk/quant/elementwise.js";
import { tensor } from "../../sdk/tensor.js";
import { Groth16Circuit } from "../../sdk/zk/groth16/backend.js";
import { ElementwiseKernel__factory } from "../../types/ethers-contracts/index.js";
import { expectEnginesAgree, fuzzInputs } from "../helpers/engineAgreement.js";
import { type GraphSpec, type NodeSpec } from "../helpers/onnxBuilder.js";
import { A, CASES, F, MATMUL, MAX, MIN, W, model, run } from "./elementwiseModels.js";

describe("element-wise operators", function () {
  this.timeout(20 * 60_000);

  describe("integer semantics on hand-checked values", function () {
    it("Mul of two activations rounds a * b / 2^F half up and saturates; by a constant it rescales by e_w", function () {
      const sq = model([{ op: "Mul", inputs: ["x", "x"], outputs: ["y"] }], [], [6]);
      // 3*3/256 = 0.035 -> 0; 12*12/256 = 0.5625 -> 1; -12*-12 -> 1; 181^2/256 = 127.97 -> 128; saturation
      expect(run(sq, [3, 12, -12, 181, MAX, MIN])).to.deep.equal([0, 1, 1, 128, MAX, MAX]);
      const half = model([{ op: "Mul", inputs: ["x", "c"], outputs: ["y"] }], [{ name: "c", dims: [1], floats: [0.5] }], [4]);
      // 0.5 is the weight 64 at e_w = 7: rescale(x * 64, 7) = floor((x + 1) / 2)
      expect(run(half, [3, -3, -1, MIN])).to.deep.equal([2, -1, 0, -16384]);
    });

    it("Sub, Neg and Abs saturate like Add", function () {
      const s = model([{ op: "Sub", inputs: ["x", "c"], outputs: ["y"] }], [{ name: "c", dims: [1], floats: [1] }], [3]);
      expect(run(s, [MIN, 0, MAX])).to.deep.equal([MIN, -256, MAX - 256]);
      expect(run(model([{ op: "Neg", inputs: ["x"], outputs: ["y"] }], [], [3]), [MIN, 0, MAX])).to.deep.equal([MAX, 0, -MAX]);
      expect(run(model([{ op: "Abs", inputs: ["x"], outputs: ["y"] }], [], [3]), [MIN, -5, MAX])).to.deep.equal([MAX, 5, MAX]);
    });

    it("Div is exact: roundHalfUp(a * 2^k / d), half up also for negative quotients and divisors", function () {
      const d = model(
        [MATMUL, { op: "Div", inputs: ["x", "m"], outputs: ["y"] }],
        [{ name: "w", dims: [2, 1], floats: [0, 1] }],
        [1, 4, 2],
      );
      // rows (a, d): 5 * 256 / 512 = 2.5 -> 3; -1.5 -> -1 for (-3, 512) and (3, -512); 1 * 256 / 256 = 1; d / d -> 256
      expect(run(d, [5, 512, -3, 512, 3, -512, 1, 256])).to.deep.equal([3, 256, -1, 256, -1, 256, 1, 256]);
      // x / 255 divides by 255 * 2^7 = 32640 exactly
      const by255 = model([{ op: "Div", inputs: ["x", "c"], outputs: ["y"] }], [{ name: "c", dims: [1], floats: [255] }], [3]);
      expect(run(by255, [255 * 128, 255, -255])).to.deep.equal([128, 1, -1]);
    });

    it("Clip quantizes its bounds at the input's exponent; max wins when min > max", function () {
      const c = model(
        [{ op: "Clip", inputs: ["x", "lo", "hi"], outputs: ["y"] }],
        [
          { name: "lo", dims: [], floats: [2] },
          { name: "hi", dims: [], floats: [-1e30] },
        ],
        [3],
      );
      expect(run(c, [MIN, 0, MAX])).to.deep.equal([MIN, MIN, MIN]);
      expect(c.quantized.nodes.get("n0")!.params).to.deep.equal({ lo: 512, hi: MIN });
    });

    it("the activations' float attributes become P-bit multipliers committed in the node's params", function () {
      const leaky = model([{ op: "LeakyRelu", inputs: ["x"], outputs: ["y"], float: { alpha: 0.1 } }], [], [4]);
      expect(leaky.quantized.nodes.get("n0")).to.include({ shift: MULTIPLIER_SHIFT });
      expect(leaky.quantized.nodes.get("n0")!.params).to.deep.equal({ multiplier: Math.floor(0.1 * 2 ** 16 + 0.5) });
      // -100 * 6554 / 2^16 = -10.0006 -> -10
      expect(run(leaky, [-100, 100, MIN, 0])).to.deep.equal([-10, 100, -3277, 0]);
      const hs = model([{ op: "HardSigmoid", inputs: ["x"], outputs: ["y"] }], [], [4]);
      expect(hs.quantized.nodes.get("n0")!.params).to.deep.equal({ multiplier: 13107, offset: 2 ** 23 });
      // 0.2 x + 0.5 at x = 0, 2.5, -2.5, 10
      expect(run(hs, [0, 640, -640, 2560])).to.deep.equal([128, 256, 0, 256]);
      const sw = model([{ op: "HardSwish", inputs: ["x"], outputs: ["y"] }], [], [4]);
      // x (x/6 + 1/2) at 1, -1, 3, -3: 0.6667, -0.3333, 3, 0
      expect(run(sw, [256, -256, 768, -768])).to.deep.equal([171, -85, 768, 0]);
    });

    it("an attention mask's fill (-inf, -1e9) saturates to the activation minimum, and Softmax gives it exactly 0 as float does", function () {
      for (const c of CASES.filter((k) => k.name.includes("mask"))) {
        const m = c.build();
        const x = Array.from({ length: 24 }, (_, i) => ((i * 997) % 1500) - 700);
        const integer = run(m, x);
        const float = Array.from(
          m.runFloat([
            tensor(
              "float32",
              [2, 3, 4],
              x.map((v) => v / 2 ** F),
            ),
          ])[0]!.data,
        );
        const masked = float.flatMap((v, i) => (v === 0 ? [i] : []));
        expect(masked.length, c.name).to.be.greaterThan(0);
        for (const i of masked) expect(integer[i], `${c.name}: element ${i}`).to.equal(0);
        integer.forEach((v, i) => expect(Math.abs(v / 2 ** F - float[i]!), `${c.name}: element ${i}`).to.be.below(0.01));
      }
    });

    it("a constant Where condition and the comparisons' bool outputs are integers 0/1 without exponent", function () {
      const m = CASES.find((c) => c.name === "condition x < m")!.build();
      expect(m.quantized.exponents.get("c")).to.equal(null);
      expect(m.graph.tensors.get("c")!.dtype).to.equal("bool");
      const cw = CASES.find((c) => c.name === "constant condition [4]")!.build();
      expect(cw.quantized.constants.get("c")).to.deep.include({ exponent: 0 });
      expect(Array.from(cw.quantized.constants.get("c")!.tensor.data)).to.deep.equal([1, 0, 0, 1]);
    });
  });

  describe("refusals", function () {
    const divByActivation = () =>
      model([MATMUL, { op: "Div", inputs: ["x", "m"], outputs: ["y"] }], [{ name: "w", dims: [2, 1], floats: [0, 1] }], [1, 4, 2]);
    const zeroDivisor = [5, 512, 7, 0, 3, 256, 1, 1];

    it("a division by zero is refused by the interpreter, has no circuit witness, and reverts the OPML step", async function () {
      const m = divByActivation();
      expect(() => run(m, zeroDivisor)).to.throw(DivisionByZeroError, /divisor is 0 at output element 2/);
      const circuit = await Groth16Circuit.compile(m, { setup: false });
      let failed = false;
      try {
        await circuit.evaluate({ binding: 1n, x: zeroDivisor });
      } catch {
        failed = true;
      }
      expect(failed, "the circuit has a witness for a division by zero").to.equal(true);
      // The OPML step of element 1, with honest openings of a trace whose divisor (node 0's output) is 0 there:
      // the twin and the Solidity executor both revert Elementwise_DivisionByZero(dividend 7).
      const { ethers } = await network.create();
      const [signer] = await ethers.getSigners();
      const executor = await deployOneStepExecutor(signer!);
      const honest = ExecutionTrace.of(m, [5, 512, 7, 1, 3, 256, 1, 1].map(BigInt));
      const divisor = Float64Array.from(honest.steps[1]!.values);
      divisor[1] = 0;
      const forged = new ExecutionTrace(honest.steps.map((s, i) => (i === 1 ? step(s.name, s.op, divisor) : s)));
      const p = modelProgram(m).programs[1]!;
      expect(p.op).to.equal(ELEMENTWISE_OPS.Div);
      expect(() => fold(p, 2, 0, 0n, [7n, 0n])).to.throw(OneStepRevert, /Elementwise_DivisionByZero\(7\)/);
      const k = m.commitment;
      const operands = openOperands(m, forged, 1, 2, 0, 0n);
      const weights = { weightsRoot: k.weightsRoot, weightCount: k.weightCount };
      await expect(executor.foldStep({ op: p.op, params: [...p.params] }, weights, forged.states[1]!, 2, 0, 0n, operands))
        .to.be.revertedWithCustomError({ interface: ElementwiseKernel__factory.createInterface() }, "Elementwise_DivisionByZero")
        .withArgs(7n);
    });

    it("refuses what the integer model cannot hold, naming the node", function () {
      expect(() =>
        model([{ op: "Div", inputs: ["x", "c"], outputs: ["y"] }], [{ name: "c", dims: [2], floats: [1000, 0.001] }], [2]),
      ).to.throw(QuantizationError, /Div node "n0": the constant divisor "c" has an element that is 0/);
      expect(() => model([MATMUL, { op: "PRelu", inputs: ["x", "m"], outputs: ["y"] }], [W])).to.throw(
        UnsupportedOperatorError,
        /PRelu \(node "n1"\): its slope \(input 1\) must be a constant/,
      );
      expect(() => model([{ op: "LeakyRelu", inputs: ["x"], outputs: ["y"], float: { alpha: 2 ** 40 } }], [], [2])).to.throw(
        QuantizationError,
        /LeakyRelu node "n0": accumulator can reach/,
      );
      expect(() =>
        model(
          [
            { op: "Cast", inputs: ["cf"], outputs: ["c"], int: { to: 9 } },
            { op: "Where", inputs: ["c", "x", "k"], outputs: ["y"] },
          ],
          [
            { name: "cf", dims: [1], floats: [1] },
            { name: "k", dims: [1], floats: [1e6] },
          ],
        ),
      ).to.throw(
        QuantizationError,
        /Where node "n1": constant "k" holds 1000000, above the 16-bit activation range \(largest 127\.99609375\)/,
      );
    });
  });

  describe("every engine agrees on 200 fuzzed inputs per operator", function () {
    const costs: string[] = [];
    after(() => console.log(`      constraints per element: ${costs.join("; ")}`));

    for (const c of CASES) {
      it(`${c.op} (${c.name})`, async function () {
        const m = c.build();
        expect(m.graph.nodes.some((n) => n.op === c.op)).to.equal(true);
        const report = await expectEnginesAgree(m, fuzzInputs(m, 200, c.name.length), { opmlCases: 200, soliditySteps: 200 });
        expect(report.circuitCases).to.equal(200);
        expect(report.opmlElements).to.be.greaterThan(200);
        expect(report.soliditySteps).to.be.at.least(100);
        const circuit = await Groth16Circuit.compile(m, { setup: false });
        const built = JSON.parse(readFileSync(join(circuit.dir, "plan.json"), "utf8")) as { circomConstraints: number };
        expect(built.circomConstraints, "circom's count equals the plan's").to.equal(circuit.plan.constraints);
        const layer = circuit.plan.layers.findLast((l) => l.op === c.op)!;
        costs.push(`${c.op} ${c.name}: ${layer.constraints / layer.outputs}`);
      });
    }
  });

  describe("measured error against float over every A-bit input", function () {
    const x = Array.from({ length: 2 ** A }, (_, i) => i + MIN);
    const real = x.map((q) => q / 2 ** F);
    const sat = (v: number) => Math.min(Math.max(v, MIN / 2 ** F), MAX / 2 ** F);
    const clamp01 = (v: number) => Math.min(Math.max(v, 0), 1);
    const lines: string[] = [];
    after(() => console.log(`      max |integer - float| in units of 2^-F: ${lines.join("; ")}`));

    const cases: { name: string; nodes: NodeSpec[]; inits?: GraphSpec["initializers"]; f: (v: number) => number; bound: number }[] = [
      {
        name: "LeakyRelu 0.01",
        nodes: [{ op: "LeakyRelu", inputs: ["x"], outputs: ["y"] }],
        f: (v) => (v >= 0 ? v : 0.01 * v),
        bound: 0.75,
      },
      {
        name: "LeakyRelu 0.1",
        nodes: [{ op: "LeakyRelu", inputs: ["x"], outputs: ["y"], float: { alpha: 0.1 } }],
        f: (v) => (v >= 0 ? v : 0.1 * v),
        bound: 0.75,
      },
      {
        name: "PRelu 0.3 (A-bit slope)",
        nodes: [{ op: "PRelu", inputs: ["x", "s"], outputs: ["y"] }],
        inits: [{ name: "s", dims: [1], floats: [0.3] }],
        f: (v) => (v >= 0 ? v : 0.3 * v),
        bound: 0.75,
      },
      { name: "HardSigmoid", nodes: [{ op: "HardSigmoid", inputs: ["x"], outputs: ["y"] }], f: (v) => clamp01(0.2 * v + 0.5), bound: 0.75 },
      { name: "HardSwish", nodes: [{ op: "HardSwish", inputs: ["x"], outputs: ["y"] }], f: (v) => v * clamp01(v / 6 + 0.5), bound: 0.75 },
      {
        name: "Div by 3",
        nodes: [{ op: "Div", inputs: ["x", "c"], outputs: ["y"] }],
        inits: [{ name: "c", dims: [1], floats: [3] }],
        f: (v) => v / 3,
        bound: 0.5,
      },
      {
        name: "BatchNormalization",
        nodes: [{ op: "BatchNormalization", inputs: ["x", "g", "b", "mu", "var"], outputs: ["y"] }],
        inits: [
          { name: "g", dims: [1], floats: [0.7] },
          { name: "b", dims: [1], floats: [0.1] },
          { name: "mu", dims: [1], floats: [0.3] },
          { name: "var", dims: [1], floats: [2] },
        ],
        f: (v) => ((v - 0.3) / Math.sqrt(2 + 1e-5)) * 0.7 + 0.1,
        bound: 0.75,
      },
    ];
    for (const c of cases) {
      it(`${c.name}: at most ${c.bound} units`, function () {
        const shape = c.name === "BatchNormalization" ? [1, 1, 2 ** A] : [2 ** A];
        const m = model(c.nodes, c.inits ?? [], shape);
        const y = run(m, x);
        let worst = 0;
        for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(y[i]! / 2 ** F - sat(c.f(real[i]!))) * 2 ** F);
        lines.push(`${c.name} ${worst.toFixed(4)}`);
        expect(worst).to.be.at.most(c.bound);
      });
    }
  });
});
