/**
 * The reductions (GlobalAveragePool, ReduceMean, ReduceSum, ReduceMax, ReduceMin): how a node is
 * built from either ONNX form of its axes, the integer semantics against an independent bigint
 * reference (docs/integer-semantics.md section 4), the quantizer's bounds and refusals, the float
 * mode's distance to the integer one, and the differential check of every engine (interpreter,
 * Groth16 witness, OPML twin, Solidity executor with the ReductionKernel) on 200 inputs per op.
 */
import { readFileSync } from "node:fs";

import { expect } from "chai";

import "../helpers/releaseWorkers.js";

import { ModelStructureError, QuantizationError, UnsupportedOperatorError } from "../../sdk/errors.js";
import { buildIr } from "../../sdk/ir/build.js";
import { decodeModelProto } from "../../sdk/onnx/proto.js";
import { reductionLayout } from "../../sdk/ops/reduce.js";
import { quantizeModel } from "../../sdk/quant/quantize.js";
import { planCircuit } from "../../sdk/zk/groth16/circuitGen.js";
import { cost } from "../../sdk/zk/groth16/costs.js";
import { Groth16Circuit } from "../../sdk/zk/groth16/backend.js";
import { expectEnginesAgree, fuzzInputs } from "../helpers/engineAgreement.js";
import { type GraphSpec, type NodeSpec, buildOnnx } from "../helpers/onnxBuilder.js";
import { loadSpec } from "../opml/executorModels.js";

const A = 16;
const M = 2n ** BigInt(A - 1);
const CASES = 200;

/** One reduction node on one input of `shape`; `axesInput` feeds the axes as a constant input (opset 18), else as attribute (opset 13). */
function reduceSpec(
  op: string,
  shape: number[],
  attrs: { axes?: number[]; keepdims?: number; noop?: number; axesInput?: boolean } = {},
): GraphSpec {
  const node: NodeSpec = { op, inputs: ["x"], outputs: ["y"], name: "r", int: {} };
  if (attrs.keepdims !== undefined) node.int!.keepdims = attrs.keepdims;
  if (attrs.noop !== undefined) node.int!.noop_with_empty_axes = attrs.noop;
  const initializers: GraphSpec["initializers"] = [];
  if (attrs.axes && attrs.axesInput) {
    node.inputs.push("axes");
    initializers.push({ name: "axes", dims: [attrs.axes.length], int64s: attrs.axes });
  } else if (attrs.axes) node.ints = { axes: attrs.axes };
  return { inputs: [{ name: "x", shape }], outputs: [{ name: "y" }], nodes: [node], initializers, opset: attrs.axesInput ? 18 : 13 };
}

const irOf = (spec: GraphSpec) => buildIr(decodeModelProto(buildOnnx(spec)));

/** The integer semantics written out once more, in bigint, from the spec (not from sdk/ops). */
function reference(op: string, shape: number[], axes: number[], x: readonly number[]): bigint[] {
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const kept = shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const groups = new Map<string, bigint[]>();
  x.forEach((v, i) => {
    const key = kept.map((d) => Math.floor(i / strides[d]!) % shape[d]!).join(",");
    groups.set(key, [...(groups.get(key) ?? []), BigInt(v)]);
  });
  const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));
  return [...groups.values()].map((g) => {
    const sum = g.reduce((a, b) => a + b, 0n);
    const n = BigInt(g.length);
    if (op === "ReduceSum") return sum > M - 1n ? M - 1n : sum < -M ? -M : sum;
    if (op === "ReduceMean" || op === "GlobalAveragePool") return floorDiv(2n * sum + n, 2n * n);
    if (op === "ReduceMax") return g.reduce((a, b) => (b > a ? b : a));
    return g.reduce((a, b) => (b < a ? b : a));
  });
}

/** The layer of the graph's last node (the plan ends with the outputs' packing, which costs nothing). */
function lastNodeLayer(plan: ReturnType<typeof planCircuit>) {
  return plan.layers.filter((l) => l.node !== "outputPacking").at(-1)!;
}

describe("reductions (sdk/ops/reduce.ts)", function () {
  this.timeout(600_000);

  describe("building the node", () => {
    it("reads the axes from the attribute (opset 13) or the constant input (opset 18), negative axes resolved, sorted", () => {
      for (const axesInput of [false, true]) {
        const graph = irOf(reduceSpec("ReduceMean", [2, 3, 4, 5], { axes: [-1, 1], keepdims: 0, axesInput }));
        expect(graph.nodes[0]).to.deep.include({ op: "ReduceMean", axes: [1, 3], keepdims: false, inputs: ["x"] });
        expect(graph.tensors.get("y")!.shape).to.deep.equal([2, 4]);
      }
    });

    it("reduces every axis without axes, and is the identity with noop_with_empty_axes", () => {
      expect(irOf(reduceSpec("ReduceSum", [2, 3])).nodes[0]).to.deep.include({ axes: [0, 1], keepdims: true });
      expect(irOf(reduceSpec("ReduceSum", [2, 3])).tensors.get("y")!.shape).to.deep.equal([1, 1]);
      const noop = irOf(reduceSpec("ReduceSum", [2, 3], { noop: 1 }));
      expect(noop.nodes[0]).to.deep.include({ axes: [] });
      expect(noop.tensors.get("y")!.shape).to.deep.equal([2, 3]);
    });

    it("GlobalAveragePool keeps [N, C] and makes every spatial dim 1", () => {
      const graph = irOf({
        inputs: [{ name: "x", shape: [2, 3, 4, 5, 6] }],
        outputs: [{ name: "y" }],
        nodes: [{ op: "GlobalAveragePool", inputs: ["x"], outputs: ["y"] }],
      });
      expect(graph.tensors.get("y")!.shape).to.deep.equal([2, 3, 1, 1, 1]);
    });

    it("refuses malformed axes and shapes, naming the node", () => {
      expect(() => irOf(reduceSpec("ReduceMax", [2, 3], { axes: [2] }))).to.throw(
        ModelStructureError,
        /ReduceMax node "r": axis 2 is out of range for rank 2/,
      );
      expect(() => irOf(reduceSpec("ReduceMax", [2, 3], { axes: [1, -1] }))).to.throw(
        ModelStructureError,
        /axes \[1,-1\] name an axis twice/,
      );
      const both = reduceSpec("ReduceMin", [2, 3], { axes: [0], axesInput: true });
      both.nodes[0]!.ints = { axes: [0] };
      expect(() => irOf(both)).to.throw(ModelStructureError, /ReduceMin node "r": axes are given both as attribute and as input 1/);
      const fedAxes: GraphSpec = {
        inputs: [
          { name: "x", shape: [2, 3] },
          { name: "axes", shape: [1] },
        ],
        outputs: [{ name: "y" }],
        nodes: [{ op: "ReduceSum", inputs: ["x", "axes"], outputs: ["y"], name: "r" }],
      };
      expect(() => irOf(fedAxes)).to.throw(ModelStructureError, /ReduceSum node "r": the axes \(input 1\) must be a constant/);
      const gap: GraphSpec = {
        inputs: [{ name: "x", shape: [2, 3] }],
        outputs: [{ name: "y" }],
        nodes: [{ op: "GlobalAveragePool", inputs: ["x"], outputs: ["y"], name: "g" }],
      };
      expect(() => irOf(gap)).to.throw(ModelStructureError, /GlobalAveragePool node "g": X must be \[N, C, spatial...\]/);
      const unknown = reduceSpec("ReduceSum", [2, 3]);
      unknown.nodes[0]!.int!.select_last_index = 1;
      expect(() => irOf(unknown)).to.throw(UnsupportedOperatorError, /select_last_index/);
    });

    it("lays out each output's elements row-major over the reduced dims", () => {
      const layout = reductionLayout([2, 3, 4], [0, 2]);
      expect([layout.outputs, layout.count]).to.deep.equal([3, 8]);
      expect(Array.from(layout.offsets)).to.deep.equal([0, 1, 2, 3, 12, 13, 14, 15]);
      expect([0, 1, 2].map(layout.base)).to.deep.equal([0, 4, 8]);
    });
  });

  describe("integer semantics", () => {
    const cases: { op: string; shape: number[]; axes: number[]; attrs?: Parameters<typeof reduceSpec>[2] }[] = [
      { op: "ReduceSum", shape: [2, 3, 4], axes: [1], attrs: { axes: [1], axesInput: true } },
      { op: "ReduceSum", shape: [2, 3, 4], axes: [0, 1, 2] },
      { op: "ReduceMean", shape: [2, 3, 4], axes: [0, 2], attrs: { axes: [0, -1], keepdims: 0 } },
      { op: "ReduceMean", shape: [3, 7], axes: [1], attrs: { axes: [1], axesInput: true } },
      { op: "ReduceMax", shape: [2, 3, 4], axes: [0, 2], attrs: { axes: [2, 0], axesInput: true, keepdims: 0 } },
      { op: "ReduceMin", shape: [2, 3, 4], axes: [1], attrs: { axes: [1] } },
    ];
    for (const { op, shape, axes, attrs } of cases) {
      it(`${op} over axes [${axes}] of [${shape}] is the spec's value on 200 inputs, extremes first`, () => {
        const model = loadSpec(reduceSpec(op, shape, attrs ?? {}));
        for (const x of fuzzInputs(model, CASES, 3)) {
          const got = model.runQuantized(x.map(BigInt))[0]!;
          expect(Array.from(got.data, BigInt), `input [${x.slice(0, 6)}...]`).to.deep.equal(reference(op, shape, axes, x));
        }
      });
    }

    it("GlobalAveragePool is the rounded mean of each [n, c] plane, like AveragePool over the whole plane", () => {
      const model = loadSpec({
        inputs: [{ name: "x", shape: [2, 3, 3, 5] }],
        outputs: [{ name: "y" }],
        nodes: [{ op: "GlobalAveragePool", inputs: ["x"], outputs: ["y"] }],
      });
      const pool = loadSpec({
        inputs: [{ name: "x", shape: [2, 3, 3, 5] }],
        outputs: [{ name: "y" }],
        nodes: [{ op: "AveragePool", inputs: ["x"], outputs: ["y"], ints: { kernel_shape: [3, 5] } }],
      });
      for (const x of fuzzInputs(model, CASES, 4)) {
        const got = Array.from(model.runQuantized(x.map(BigInt))[0]!.data, BigInt);
        expect(got).to.deep.equal(reference("GlobalAveragePool", [2, 3, 3, 5], [2, 3], x));
        expect(got).to.deep.equal(Array.from(pool.runQuantized(x.map(BigInt))[0]!.data, BigInt));
      }
    });

    it("the mean is within half an LSB of the float mean of the same integers", () => {
      const model = loadSpec(reduceSpec("ReduceMean", [4, 9], { axes: [1] }));
      for (const x of fuzzInputs(model, CASES, 5)) {
        const got = model.runQuantized(x.map(BigInt))[0]!.data;
        for (let o = 0; o < 4; o++) {
          const mean = x.slice(9 * o, 9 * o + 9).reduce((a, b) => a + b, 0) / 9;
          expect(Math.abs(got[o]! - mean)).to.be.at.most(0.5);
        }
      }
    });
  });

  describe("quantization", () => {
    it("keeps the input's exponent and bounds the sums: n * 2^(A-1) for ReduceSum, 2 * S + n for the means", () => {
      const sum = quantizeModel(irOf(reduceSpec("ReduceSum", [2, 3, 4], { axes: [1, 2] })));
      expect(sum.exponents.get("y")).to.equal(8);
      expect(sum.nodes.get("r")).to.deep.include({ shift: 0, accumulatorBound: 12 * 2 ** 15 });
      const mean = quantizeModel(irOf(reduceSpec("ReduceMean", [2, 3, 4], { axes: [1, 2] })));
      expect(mean.nodes.get("r")!.accumulatorBound).to.equal(2 * 12 * 2 ** 15 + 12);
      const max = quantizeModel(irOf(reduceSpec("ReduceMax", [2, 3, 4], { axes: [1, 2] })));
      expect(max.nodes.get("r")!.accumulatorBound).to.equal(0);
    });

    it("refuses a sum over an empty set, and the integer interpreter a maximum over one", () => {
      const empty = (op: string) => reduceSpec(op, [2, 0, 4], { axes: [1] });
      expect(() => quantizeModel(irOf(empty("ReduceSum")))).to.throw(
        QuantizationError,
        /ReduceSum node "r": reduces an empty set \(input shape \[2, 0, 4\]\)/,
      );
      expect(() => quantizeModel(irOf(empty("ReduceMean")))).to.throw(QuantizationError, /reduces an empty set/);
      const max = quantizeModel(irOf(empty("ReduceMax")));
      expect(() => planCircuit(max, { emit: false })).to.throw(/ReduceMax node "r": reduces an empty set/);
    });
  });

  describe("every engine agrees (interpreter, Groth16 witness, OPML twin, Solidity executor)", () => {
    const models: { name: string; spec: GraphSpec }[] = [
      {
        name: "GlobalAveragePool [2, 3, 3, 4]",
        spec: {
          inputs: [{ name: "x", shape: [2, 3, 3, 4] }],
          outputs: [{ name: "y" }],
          nodes: [{ op: "GlobalAveragePool", inputs: ["x"], outputs: ["y"] }],
        },
      },
      { name: "ReduceMean axes [0, 2] (attribute), keepdims 0", spec: reduceSpec("ReduceMean", [2, 3, 4], { axes: [0, -1], keepdims: 0 }) },
      { name: "ReduceSum axes [1] (input), saturating", spec: reduceSpec("ReduceSum", [2, 3, 4], { axes: [1], axesInput: true }) },
      { name: "ReduceSum noop_with_empty_axes", spec: reduceSpec("ReduceSum", [2, 3, 4], { noop: 1, axesInput: true }) },
      {
        name: "ReduceMax axes [-1, 0] (input), keepdims 0",
        spec: reduceSpec("ReduceMax", [2, 3, 4], { axes: [-1, 0], axesInput: true, keepdims: 0 }),
      },
      { name: "ReduceMin every axis", spec: reduceSpec("ReduceMin", [2, 3, 4]) },
    ];
    const reports: string[] = [];
    after(() => console.log(`      circuits: ${reports.join("; ")}`));

    for (const { name, spec } of models) {
      it(`${name}: ${CASES} inputs, extremes first; the planned constraints are circom's`, async () => {
        const model = loadSpec(spec);
        const report = await expectEnginesAgree(model, fuzzInputs(model, CASES, 11), { opmlCases: CASES, soliditySteps: 300 });
        expect(report.circuitCases).to.equal(CASES);
        expect(report.soliditySteps).to.be.at.least(CASES);
        expect(report.opmlElements).to.be.at.least(CASES);
        const circuit = await Groth16Circuit.compile(model, { setup: false });
        const plan = planCircuit(model.quantized, { emit: false });
        expect(circuit.plan.constraints).to.equal(plan.constraints);
        const built = JSON.parse(readFileSync(`${circuit.dir}/plan.json`, "utf8")) as { circomConstraints: number };
        expect(built.circomConstraints, "circom's count").to.equal(plan.constraints);
        const layer = lastNodeLayer(plan);
        reports.push(`${name} ${layer.constraints} (${layer.detail})`);
      });
    }

    it("costs: sums and one-element reductions add no product, maxima n - 1 Max2 per output", () => {
      const plan = (spec: GraphSpec) => lastNodeLayer(planCircuit(loadSpec(spec).quantized, { emit: false }));
      expect(plan(reduceSpec("ReduceSum", [2, 3, 4], { noop: 1 })).constraints).to.equal(0);
      expect(plan(reduceSpec("ReduceMax", [2, 3, 1], { axes: [2] })).constraints).to.equal(0);
      expect(plan(reduceSpec("ReduceMax", [2, 3, 4], { axes: [1] })).constraints).to.equal(8 * 2 * cost.max2(A));
      expect(plan(reduceSpec("ReduceMin", [2, 3, 4], { axes: [1] })).constraints).to.equal(8 * 2 * cost.min2(A));
      expect(plan(reduceSpec("ReduceMean", [2, 3, 4], { axes: [1] })).constraints).to.equal(8 * cost.divRoundHalfUp(3, A));
    });
  });
});
