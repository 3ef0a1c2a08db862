/**
 * The non-linear functions (docs/integer-semantics.md, section 4, "Non-linear functions"): the
 * generated tables are what the generator writes, the integer semantics on hand-checked values,
 * refusals, the measured error against float over every A-bit input, and the differential check
 * of every engine (interpreter, Groth16 witness, OPML twin, Solidity executor with the
 * NonlinearKernel) on 200 fuzzed inputs (the extremes first) per operator.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";

import "../helpers/releaseWorkers.js";

import { QuantizationError } from "../../sdk/errors.js";
import { FUNCTION_TABLES } from "../../sdk/quant/functionTables.js";
import {
  ACTIVATION_TABLES,
  type FUNCTION_TABLE_ORDER,
  LN_MANTISSA_BITS,
  REFERENCE,
  evaluateHigh,
  evaluateTable,
  isqrt,
  layerNormEpsilon,
  layerNormRow,
  logSoftmaxRow,
  reciprocalActivation,
  softmaxRow,
  sqrtActivation,
} from "../../sdk/quant/functions.js";
import { Groth16Circuit } from "../../sdk/zk/groth16/backend.js";
import { expectEnginesAgree, fuzzInputs } from "../helpers/engineAgreement.js";
import type { GraphSpec } from "../helpers/onnxBuilder.js";
import { A, F, MAX, MIN, model, run } from "./elementwiseModels.js";
import { MODELS, unaryModel } from "./nonlinearModels.js";

const CASES = 200;
const ONE = 2 ** F;

describe("non-linear functions", function () {
  this.timeout(1_200_000);

  it("the committed tables (TypeScript, Solidity, circom) are what scripts/gen-function-tables.ts writes", function () {
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/gen-function-tables.ts", "--check"], { encoding: "utf8" });
    expect(r.status, `${r.stdout}\n${r.stderr}`).to.equal(0);
  });

  describe("integer semantics on hand-checked values", function () {
    it("tables: sigmoid(0) = 1/2, tanh(0) = erf(0) = 0, exp(0) = 1, the tails exact, GELU the identity above 4", function () {
      const at = (name: (typeof FUNCTION_TABLE_ORDER)[number], x: number) => evaluateTable(FUNCTION_TABLES[name], x);
      expect([at("sigmoid", 0), at("tanh", 0), at("erf", 0), at("exp", 0), at("gelu", 0)]).to.deep.equal([128, 0, 0, ONE, 0]);
      expect([at("sigmoid", MIN), at("sigmoid", MAX), at("tanh", MIN), at("tanh", MAX)]).to.deep.equal([0, ONE, -ONE, ONE]);
      expect([at("exp", MIN), at("exp", MAX), at("exp", 5 * ONE)]).to.deep.equal([0, MAX, MAX]);
      expect([at("gelu", 5000), at("gelu", MAX), at("geluTanh", 4 * ONE), at("gelu", -5000)]).to.deep.equal([5000, MAX, 4 * ONE, 0]);
      // exp(1) * 256 = 695.88 -> 696; sigmoid(1) * 256 = 187.14 -> 187
      expect([at("exp", ONE), at("sigmoid", ONE)]).to.deep.equal([696, 187]);
    });

    it("Sqrt is the correctly rounded root (0 for x <= 0), Reciprocal the rounded quotient (1/0 saturates)", function () {
      expect([sqrtActivation(4 * ONE), sqrtActivation(2 * ONE), sqrtActivation(1), sqrtActivation(0), sqrtActivation(-5)]).to.deep.equal([
        2 * ONE,
        362, // sqrt(2) * 256 = 362.04
        16,
        0,
        0,
      ]);
      expect(isqrt(10n ** 30n)).to.equal(10n ** 15n);
      expect(isqrt(10n ** 30n - 1n)).to.equal(10n ** 15n - 1n);
      expect([
        reciprocalActivation(ONE),
        reciprocalActivation(2 * ONE),
        reciprocalActivation(-3 * ONE),
        reciprocalActivation(0),
        reciprocalActivation(1),
      ]).to.deep.equal([
        ONE,
        128,
        -85, // -256 / 3 = -85.33
        MAX,
        MAX,
      ]);
    });

    it("Softmax: equal inputs give divRound(2^F, D), the maximum dominates, far values give 0", function () {
      expect(softmaxRow(FUNCTION_TABLES.exp, [5, 5, 5])).to.deep.equal([85, 85, 85]);
      expect(softmaxRow(FUNCTION_TABLES.exp, [MAX, MIN, 0])).to.deep.equal([ONE, 0, 0]);
      // softmax([0, 1]) = [0.2689, 0.7311] -> [68.8, 187.2]
      expect(softmaxRow(FUNCTION_TABLES.exp, [0, ONE])).to.deep.equal([69, 187]);
      // Every exponential is 0 or positive near its smallest, so a sum never cancels.
      const t = FUNCTION_TABLES.exp;
      for (let v = t.lo; v <= 0; v++) expect(evaluateHigh(t, v)).to.be.at.least(-16);
    });

    it("LogSoftmax: equal inputs give -ln(D), the maximum gives 0 and far values saturate, [0, 1] gives [-1.31, -0.31]", function () {
      const logSoftmax = (xs: number[]) => logSoftmaxRow(FUNCTION_TABLES.exp, FUNCTION_TABLES.lnMantissa, xs);
      // -ln 3 * 2^F = -281.24
      expect(logSoftmax([5, 5, 5])).to.deep.equal([-281, -281, -281]);
      expect(logSoftmax([MAX, MIN, 0])).to.deep.equal([0, MIN, -MAX]);
      // log_softmax([0, 1]) = [-1.3133, -0.3133] -> [-336.2, -80.2]
      expect(logSoftmax([0, ONE])).to.deep.equal([-336, -80]);
      expect(logSoftmax([42])).to.deep.equal([0]);
    });

    it("LayerNormalization normalises a row exactly up to rounding: [-1, 1] -> [-1, 1], a constant row -> 0", function () {
      expect(layerNormRow([-ONE, ONE], 1)).to.deep.equal([-ONE, ONE]);
      expect(layerNormRow([7, 7, 7], 1)).to.deep.equal([0, 0, 0]);
      const row = [100, -300, 2000, 5];
      const mean = row.reduce((a, b) => a + b) / 4;
      const sd = Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / 4);
      layerNormRow(row, 1).forEach((z, i) => expect(Math.abs(z - ((row[i]! - mean) / sd) * ONE)).to.be.below(0.51));
    });
  });

  describe("refusals", function () {
    it("Pow with another exponent, or one that is not a single value, is refused at quantize time, naming the node", function () {
      expect(() => unaryModel("Pow", { name: "p" }, [{ name: "e", dims: [], floats: [3] }], ["x", "e"])).to.throw(
        QuantizationError,
        /Pow node "p": the integer model computes x\^1, x\^2 and x\^0.5 .* this exponent is 3/,
      );
      expect(() => unaryModel("Pow", { name: "p" }, [{ name: "e", dims: [4], floats: [2, 3, 2, 2] }], ["x", "e"])).to.throw(
        QuantizationError,
        /a tensor of different values/,
      );
    });

    it("LayerNormalization's Mean and InvStdDev outputs are float-mode only", function () {
      const spec: GraphSpec = {
        inputs: [{ name: "x", shape: [2, 4] }],
        outputs: [{ name: "y" }, { name: "mean" }],
        nodes: [{ op: "LayerNormalization", name: "ln", inputs: ["x", "g"], outputs: ["y", "mean"] }],
        initializers: [{ name: "g", dims: [4], floats: [1, 1, 1, 1] }],
        opset: 17,
      };
      expect(() =>
        model(
          [
            { ...spec.nodes[0]!, outputs: ["y", "mean"] },
            { op: "Relu", inputs: ["mean"], outputs: ["z"] },
          ],
          spec.initializers,
          [2, 4],
          17,
        ),
      ).to.throw(QuantizationError, /LayerNormalization node "ln": the integer model computes Y only/);
    });
  });

  describe("measured error against float over every A-bit input (units of 2^-F)", function () {
    const lines: string[] = [];
    after(() => console.log(`      max |integer - float|: ${lines.join("; ")}`));
    const xs = Array.from({ length: 2 ** A }, (_, i) => i + MIN);
    const clampReal = (v: number) => Math.min(Math.max(v, MIN / ONE), MAX / ONE);
    const cases: { name: string; f: (x: number) => number; integer: (x: number) => number; bound: number }[] = [
      ...ACTIVATION_TABLES.map((name) => ({
        name,
        f: REFERENCE[name],
        integer: (x: number) => evaluateTable(FUNCTION_TABLES[name], x),
        bound: 0.52,
      })),
      { name: "sqrt (x >= 0)", f: (x: number) => Math.sqrt(Math.max(x, 0)), integer: (x: number) => sqrtActivation(x), bound: 0.5 },
      { name: "reciprocal (x != 0)", f: (x: number) => 1 / x, integer: (x: number) => reciprocalActivation(x), bound: 0.5 },
    ];

    it(`lnMantissa (read at u in [0, 2^${LN_MANTISSA_BITS}) only): ln(1 + u / 2^${LN_MANTISSA_BITS}) within 0.51`, function () {
      const t = FUNCTION_TABLES.lnMantissa;
      let worst = 0;
      for (let u = 0; u < 2 ** t.rangeBits; u++) {
        worst = Math.max(worst, Math.abs(evaluateTable(t, u) - Math.log1p(u / 2 ** LN_MANTISSA_BITS) * ONE));
      }
      lines.push(`lnMantissa ${worst.toFixed(4)}`);
      expect(worst).to.be.at.most(0.51);
    });
    for (const c of cases) {
      it(`${c.name}: at most ${c.bound}`, function () {
        let worst = 0;
        for (const x of xs) {
          if (c.name.startsWith("reciprocal") && x === 0) continue;
          worst = Math.max(worst, Math.abs(c.integer(x) - clampReal(c.f(x / ONE)) * ONE));
        }
        lines.push(`${c.name} ${worst.toFixed(4)}`);
        expect(worst).to.be.at.most(c.bound);
      });
    }

    it("the interpreter's ops compute exactly these functions (Sigmoid, Exp, Gelu over all 65536 inputs)", function () {
      for (const [op, name] of [
        ["Sigmoid", "sigmoid"],
        ["Exp", "exp"],
        ["Gelu", "gelu"],
      ] as const) {
        const m = model([{ op, inputs: ["x"], outputs: ["y"] }], [], [2 ** A], op === "Gelu" ? 20 : 17);
        const y = run(m, xs);
        xs.forEach((x, i) => {
          if (y[i] !== evaluateTable(FUNCTION_TABLES[name], x)) expect.fail(`${op}(${x}) = ${y[i]}`);
        });
      }
    });

    it("Softmax, LogSoftmax and LayerNormalization's normalised value within 0.52 on 3000 random rows", function () {
      let seed = 12345;
      const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      let softmaxWorst = 0;
      let logWorst = 0;
      let normWorst = 0;
      for (let k = 0; k < 3000; k++) {
        const n = 1 + Math.floor(rand() * 64);
        const spread = [64, 1024, 2 ** 16][k % 3]!;
        const row = Array.from({ length: n }, () => Math.max(MIN, Math.min(MAX, Math.floor((rand() - 0.5) * spread))));
        const m = Math.max(...row);
        const e = row.map((x) => Math.exp((x - m) / ONE));
        const sum = e.reduce((a, b) => a + b, 0);
        softmaxRow(FUNCTION_TABLES.exp, row).forEach((y, i) => (softmaxWorst = Math.max(softmaxWorst, Math.abs(y - (e[i]! / sum) * ONE))));
        logSoftmaxRow(FUNCTION_TABLES.exp, FUNCTION_TABLES.lnMantissa, row).forEach((y, i) => {
          const exact = Math.max(MIN, row[i]! - m - Math.log(sum) * ONE);
          logWorst = Math.max(logWorst, Math.abs(y - exact));
        });
        const mean = row.reduce((a, b) => a + b, 0) / n;
        const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / n / ONE ** 2;
        const eps = 1e-5;
        layerNormRow(row, layerNormEpsilon(eps, n)).forEach(
          (z, i) => (normWorst = Math.max(normWorst, Math.abs(z - ((row[i]! - mean) / ONE / Math.sqrt(variance + eps)) * ONE))),
        );
      }
      lines.push(
        `Softmax ${softmaxWorst.toFixed(4)}`,
        `LogSoftmax ${logWorst.toFixed(4)}`,
        `LayerNormalization (normalised, before Scale/B) ${normWorst.toFixed(4)}`,
      );
      expect(softmaxWorst).to.be.at.most(0.52);
      expect(logWorst).to.be.at.most(0.52);
      expect(normWorst).to.be.at.most(0.52);
    });

    it("PyTorch's GELU (x * 0.5 * (1 + erf(x / sqrt(2)))) runs as Div, Erf, Add, Mul, Mul within 1.5 units", function () {
      const m = model(
        [
          { op: "Div", inputs: ["x", "s"], outputs: ["a"] },
          { op: "Erf", inputs: ["a"], outputs: ["b"] },
          { op: "Add", inputs: ["b", "one"], outputs: ["c"] },
          { op: "Mul", inputs: ["x", "c"], outputs: ["d"] },
          { op: "Mul", inputs: ["d", "half"], outputs: ["y"] },
        ],
        [
          { name: "s", dims: [], floats: [Math.SQRT2] },
          { name: "one", dims: [], floats: [1] },
          { name: "half", dims: [], floats: [0.5] },
        ],
        [4096],
        17,
      );
      const x = Array.from({ length: 4096 }, (_, i) => (i - 2048) * 2);
      const y = run(m, x);
      let worst = 0;
      x.forEach((v, i) => (worst = Math.max(worst, Math.abs(y[i]! - REFERENCE.gelu(v / ONE) * ONE))));
      lines.push(`PyTorch GELU pattern on [-16, 16) ${worst.toFixed(4)}`);
      expect(worst).to.be.at.most(1.5);
    });
  });

  describe(`every engine agrees on ${CASES} fuzzed inputs per operator`, function () {
    const costs: string[] = [];
    after(() => console.log(`      constraints per element: ${costs.join("; ")}`));

    for (const c of MODELS) {
      it(`${c.name}`, async function () {
        const m = c.build();
        expect(m.graph.nodes.some((n) => n.op === c.op)).to.equal(true);
        const report = await expectEnginesAgree(m, fuzzInputs(m, CASES, c.name.length), { opmlCases: CASES, soliditySteps: 200 });
        expect(report.circuitCases).to.equal(CASES);
        expect(report.opmlElements).to.be.at.least(CASES * 24);
        expect(report.soliditySteps).to.be.at.least(100);
        const circuit = await Groth16Circuit.compile(m, { setup: false });
        const built = JSON.parse(readFileSync(join(circuit.dir, "plan.json"), "utf8")) as { circomConstraints: number };
        expect(built.circomConstraints, "circom's count equals the plan's").to.equal(circuit.plan.constraints);
        const layer = circuit.plan.layers.findLast((l) => l.op === c.op)!;
        costs.push(`${c.name}: ${(layer.constraints / layer.outputs).toFixed(1)}`);
      });
    }
  });
});
