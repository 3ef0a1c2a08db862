/**
 * Products of two activations (attention's Q·K^T and scores·V) in every engine: the integer
 * interpreter, the Groth16 witness (one multiplication constraint per product, then
 * RescaleSaturate), the OPML twin and the Solidity executor agree on 200 fuzzed inputs per model,
 * the extremes first; the compiler's planned constraint count is circom's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";

import "../helpers/releaseWorkers.js";

import type { Model } from "../../sdk/model.js";
import { Groth16Circuit } from "../../sdk/zk/groth16/backend.js";
import { CircuitCompileError, planCircuit } from "../../sdk/zk/groth16/circuitGen.js";
import { cost } from "../../sdk/zk/groth16/costs.js";
import { expectEnginesAgree, fuzzInputs } from "../helpers/engineAgreement.js";
import type { GraphSpec } from "../helpers/onnxBuilder.js";
import { rng } from "../helpers/onnxBuilder.js";
import { loadSpec } from "../opml/executorModels.js";

const CASES = 200;

function floats(seed: number, n: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => r() * 2 - 1);
}

/** [1, 4, 8] x [1, 8, 4] on the raw input: every product of two extremes (-32768 * -32768...) reaches the rescale. */
const rawSpec: GraphSpec = {
  inputs: [{ name: "x", shape: [1, 4, 8] }],
  outputs: [{ name: "scores" }],
  nodes: [
    { op: "Reshape", inputs: ["x", "kShape"], outputs: ["kt"] },
    { op: "MatMul", inputs: ["x", "kt"], outputs: ["scores"] },
  ],
  initializers: [{ name: "kShape", dims: [3], int64s: [1, 8, 4] }],
};

/**
 * Attention-shaped, with both batch dims broadcasting: Q [2, 1, 4, 8] · K^T [1, 2, 8, 4] -> [2, 2, 4, 4],
 * Relu (fused into the product's rescale), then · V [2, 4, 8] -> [2, 2, 4, 8] (V's batch broadcasts).
 */
const attentionSpec: GraphSpec = {
  inputs: [{ name: "x", shape: [2, 4, 8] }],
  outputs: [{ name: "out" }],
  nodes: [
    { op: "MatMul", inputs: ["x", "wq"], outputs: ["q"] },
    { op: "Reshape", inputs: ["q", "qShape"], outputs: ["q4"] },
    { op: "MatMul", inputs: ["x", "wk"], outputs: ["k"] },
    { op: "Reshape", inputs: ["k", "kShape"], outputs: ["kt"] },
    { op: "MatMul", inputs: ["q4", "kt"], outputs: ["scores"] },
    { op: "Relu", inputs: ["scores"], outputs: ["weights"] },
    { op: "MatMul", inputs: ["weights", "x"], outputs: ["out"] },
  ],
  initializers: [
    { name: "wq", dims: [8, 8], floats: floats(1, 64) },
    { name: "wk", dims: [8, 8], floats: floats(2, 64) },
    { name: "qShape", dims: [4], int64s: [2, 1, 4, 8] },
    { name: "kShape", dims: [4], int64s: [1, 2, 8, 4] },
  ],
};

/** Gemm of two activations: x · x^T + constant C [4], then op(g)^T · x + activation C (aligned by 2^8). */
const gemmSpec: GraphSpec = {
  inputs: [{ name: "x", shape: [4, 6] }],
  outputs: [{ name: "out" }],
  nodes: [
    { op: "Gemm", inputs: ["x", "x", "c"], outputs: ["g"], int: { transB: 1 } },
    { op: "Gemm", inputs: ["g", "x", "x"], outputs: ["out"], int: { transA: 1 } },
  ],
  initializers: [{ name: "c", dims: [4], floats: floats(3, 4) }],
};

/** 1-D operands: an outer product x x^T [8, 8], times x as a column (1-D right), then a dot product with x (1-D both: rank 0). */
const vectorSpec: GraphSpec = {
  inputs: [{ name: "x", shape: [8] }],
  outputs: [{ name: "out" }],
  nodes: [
    { op: "Reshape", inputs: ["x", "colShape"], outputs: ["col"] },
    { op: "Reshape", inputs: ["x", "rowShape"], outputs: ["row"] },
    { op: "MatMul", inputs: ["col", "row"], outputs: ["outer"] },
    { op: "MatMul", inputs: ["outer", "x"], outputs: ["v"] },
    { op: "MatMul", inputs: ["v", "x"], outputs: ["out"] },
  ],
  initializers: [
    { name: "colShape", dims: [2], int64s: [8, 1] },
    { name: "rowShape", dims: [2], int64s: [1, 8] },
  ],
};

/** circom's own count of the compiled circuit's non-linear constraints (the backend records it next to the plan). */
function circomConstraints(circuit: Groth16Circuit): number {
  return (JSON.parse(readFileSync(join(circuit.dir, "plan.json"), "utf8")) as { circomConstraints: number }).circomConstraints;
}

describe("products of two activations (attention)", function () {
  this.timeout(600_000);

  const models: { name: string; spec: GraphSpec; products: number }[] = [
    { name: "raw [1,4,8]x[1,8,4]", spec: rawSpec, products: 16 * 8 },
    { name: "attention, broadcast batch dims, fused Relu", spec: attentionSpec, products: 64 * 8 + 128 * 4 },
    { name: "Gemm transA/transB, constant and activation C", spec: gemmSpec, products: 16 * 6 + 24 * 4 },
    { name: "1-D operands", spec: vectorSpec, products: 64 + 64 + 8 },
  ];

  for (const { name, spec, products } of models) {
    describe(name, () => {
      let model: Model;
      before(() => {
        model = loadSpec(spec);
      });

      it(`agrees in every engine on ${CASES} inputs, extremes first`, async () => {
        const report = await expectEnginesAgree(model, fuzzInputs(model, CASES, 7));
        expect(report.circuitCases).to.equal(CASES);
        expect(report.soliditySteps).to.be.greaterThan(0);
      });

      it("costs one constraint per product plus one rescale per output, as circom counts", async () => {
        const plan = planCircuit(model.quantized, { emit: false });
        const productLayers = plan.layers.filter((l) => l.products > 0);
        expect(productLayers.reduce((n, l) => n + l.products, 0)).to.equal(products);
        for (const l of productLayers) expect(l.constraints - l.products * cost.product()).to.be.greaterThan(0);
        const circuit = await Groth16Circuit.compile(model, { setup: false });
        expect(circuit.plan.constraints).to.equal(plan.constraints);
        expect(circomConstraints(circuit)).to.equal(plan.constraints);
      });
    });
  }

  it("refuses a constant C with private weights, naming the node", () => {
    const model = loadSpec(gemmSpec);
    expect(() => planCircuit(model.quantized, { privateWeights: true, emit: false }))
      .to.throw(CircuitCompileError)
      .with.property("message")
      .that.matches(/Gemm node "n0": a constant C with private weights/);
  });
});
