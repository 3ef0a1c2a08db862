/**
 * Interval propagation (sdk/quant/intervals.ts) is sound: random inputs within the declared input
 * ranges (or over the whole activation range where none is declared), run through the integer
 * interpreter, never put an element of any tensor, nor any accumulator, outside its interval. On
 * the zoo (the digits models with their declared [0, 1], the whole test split too), on every small
 * operator model of test/ops (undeclared, and with a random declared range), and on random chains
 * of Conv, Gemm, pools and element-wise ops. And it is tight where it can be: a linear layer's
 * accumulator reaches both ends of its interval.
 */
import { join } from "node:path";

import { expect } from "chai";

import { InputError } from "../../sdk/errors.js";
import { Model } from "../../sdk/model.js";
import { DivisionByZeroError } from "../../sdk/quant/elementwise.js";
import type { IrNode } from "../../sdk/ir/types.js";
import { opOf } from "../../sdk/ops/index.js";
import { type ModelIntervals, exactArithmetic, propagateIntervals } from "../../sdk/quant/intervals.js";
import type { Tensor } from "../../sdk/tensor.js";
import { isFloatType } from "../../sdk/tensor.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";
import { fuzzInputs } from "../helpers/engineAgreement.js";
import { type GraphSpec, type NodeSpec, rng } from "../helpers/onnxBuilder.js";
import { loadSpec, linearSpec, poolsSpec } from "../opml/executorModels.js";
import { OP_MODELS } from "../ops/dataMovementModels.js";
import { CASES } from "../ops/elementwiseModels.js";
import { MODELS } from "../ops/nonlinearModels.js";

/** The exact accumulators of a node on the tensors it read (no rescale, no saturation). */
function exactAccumulators(model: Model, node: IrNode, inputs: readonly Tensor[]): ArrayLike<number> {
  const arith = exactArithmetic(model.quantized, node);
  const outInfos = node.outputs.map((n) => model.graph.tensors.get(n)!);
  return opOf(node).run(node, inputs, outInfos, arith)[0]!.data;
}

interface Coverage {
  cases: number;
  elements: number;
  accumulators: number;
}

/** Runs every input through the interpreter, checking every tensor element and accumulator against its interval. */
function expectSound(
  model: Model,
  inputs: readonly (readonly number[])[],
  label: string,
  intervals = propagateIntervals(model.quantized),
): Coverage {
  const seen: Coverage = { cases: 0, elements: 0, accumulators: 0 };
  const within = (what: string, values: ArrayLike<number>, iv: { lo: Float64Array; hi: Float64Array }) => {
    expect(values.length, what).to.equal(iv.lo.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!(v >= iv.lo[i]! && v <= iv.hi[i]!)) expect.fail(`${what}[${i}] = ${v} is outside [${iv.lo[i]}, ${iv.hi[i]}]`);
    }
  };
  for (const [c, x] of inputs.entries()) {
    try {
      model.runQuantized(
        x.map((v) => BigInt(v)),
        {
          onNode: (node, ins, outs) => {
            node.outputs.forEach((name, k) => {
              within(`${label}, case ${c}: ${node.op} "${node.name}" output "${name}"`, outs[k]!.data, intervals.tensors.get(name)!);
              seen.elements += outs[k]!.data.length;
            });
            const acc = intervals.accumulators.get(node.name);
            if (acc) {
              within(`${label}, case ${c}: ${node.op} "${node.name}" accumulator`, exactAccumulators(model, node, ins), acc);
              seen.accumulators += acc.lo.length;
            }
          },
        },
      );
      seen.cases++;
    } catch (e) {
      // a division by zero, an embedding index out of its table: no output, nothing to bound
      if (!(e instanceof DivisionByZeroError || e instanceof InputError)) throw e;
    }
  }
  return seen;
}

/** The same graph with a declared range [lo, hi] on each float input. */
function declared(model: Model, lo: number, hi: number): Model {
  const ranges = Object.fromEntries(model.graph.inputs.filter((i) => isFloatType(i.dtype)).map((i) => [i.name, [lo, hi] as const]));
  return Model.fromIr(model.graph, model.path, model.quantized.config, { inputRange: ranges });
}

/** A random chain on x [1, 2, 6, 6]: Conv, an activation, a pool, Flatten, Gemm, element-wise ops. */
function randomChain(seed: number): GraphSpec {
  const r = rng(seed);
  const floats = (n: number, scale = 1) => Array.from({ length: n }, () => (r() * 2 - 1) * scale);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const channels = 3;
  const nodes: NodeSpec[] = [
    { op: "Conv", inputs: ["x", "cw", "cb"], outputs: ["c"], ints: { pads: [1, 1, 1, 1], kernel_shape: [3, 3] } },
    pick([
      { op: "Relu", inputs: ["c"], outputs: ["a"] },
      { op: "LeakyRelu", inputs: ["c"], outputs: ["a"], float: { alpha: 0.1 } },
      { op: "Clip", inputs: ["c"], outputs: ["a"], float: { min: -0.5, max: 2 } },
      { op: "Sigmoid", inputs: ["c"], outputs: ["a"] },
    ]),
    pick([
      { op: "MaxPool", inputs: ["a"], outputs: ["p"], ints: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: "AveragePool", inputs: ["a"], outputs: ["p"], ints: { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1] } },
    ]),
    { op: "Flatten", inputs: ["p"], outputs: ["f"], int: { axis: 1 } },
    { op: "Gemm", inputs: ["f", "gw", "gb"], outputs: ["g"], int: { transB: 1 } },
    pick([
      { op: "Relu", inputs: ["g"], outputs: ["h"] },
      { op: "Neg", inputs: ["g"], outputs: ["h"] },
      { op: "Abs", inputs: ["g"], outputs: ["h"] },
    ]),
    pick([
      { op: "Add", inputs: ["h", "g"], outputs: ["s"] },
      { op: "Sub", inputs: ["h", "g"], outputs: ["s"] },
      { op: "Mul", inputs: ["h", "g"], outputs: ["s"] },
      { op: "Mul", inputs: ["h", "k"], outputs: ["s"] },
    ]),
    { op: "Gemm", inputs: ["s", "ow", "ob"], outputs: ["y"], int: { transB: 1 } },
  ];
  const pooled = nodes[2]!.op === "MaxPool" ? 9 : 36;
  const scale = 0.5 + r() * 3;
  return {
    inputs: [{ name: "x", shape: [1, 2, 6, 6] }],
    outputs: [{ name: "y" }],
    nodes,
    initializers: [
      { name: "cw", dims: [channels, 2, 3, 3], floats: floats(channels * 18, scale) },
      { name: "cb", dims: [channels], floats: floats(channels) },
      { name: "gw", dims: [5, channels * pooled], floats: floats(5 * channels * pooled, scale / 4) },
      { name: "gb", dims: [5], floats: floats(5) },
      { name: "k", dims: [1, 5], floats: floats(5, 2) },
      { name: "ow", dims: [4, 5], floats: floats(20) },
      { name: "ob", dims: [4], floats: floats(4) },
    ],
  };
}

describe("interval propagation (sdk/quant/intervals.ts)", function () {
  this.timeout(120_000);

  describe("the zoo", () => {
    const digits = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json"));

    for (const name of ["digits-mlp", "digits-cnn", "digits-lenet-bn", "digits-mlp-torch", "digits-transformer"]) {
      it(`${name}: the whole test split and 60 fuzzed inputs within [0, 1] stay inside every interval`, () => {
        const model = Model.load(name);
        expect(model.quantized.inputRanges?.get(model.graph.inputs[0]!.name)).to.deep.equal({ lo: 0, hi: 1, qlo: 0, qhi: 256 });
        const intervals = propagateIntervals(model.quantized);
        const split = name === "digits-transformer" ? digits.samples.slice(0, 60) : digits.samples;
        const real = split.map((s) => model.quantizedInput([s]).map(Number));
        const seen = expectSound(model, [...real, ...fuzzInputs(model, 60, name.length)], name, intervals);
        expect(seen.cases).to.equal(real.length + 60);
        expect(seen.accumulators).to.be.above(0);
      });
    }

    for (const name of ["sweep-mlp-1e2", "sweep-mlp-1e3", "sweep-cnn-1e3"]) {
      it(`${name} (no declared range): 40 inputs over the whole activation range stay inside every interval`, () => {
        const model = Model.load(name);
        expect(model.quantized.inputRanges).to.equal(undefined);
        expect(expectSound(model, fuzzInputs(model, 40, 5), name).cases).to.equal(40);
      });
    }
  });

  it("digits-mlp's first layer: every accumulator reaches both ends of its interval (the bound is exact)", () => {
    const model = Model.load("digits-mlp");
    const intervals: ModelIntervals = propagateIntervals(model.quantized);
    const acc = intervals.accumulators.get("fc1")!;
    const w = model.quantized.constants.get("fc1.weight")!.tensor; // [32, 64], transB
    const node = model.graph.nodes[0]!;
    for (let j = 0; j < 32; j++) {
      for (const [end, want] of [
        [(v: number) => (v > 0 ? 256 : 0), acc.hi[j]!],
        [(v: number) => (v > 0 ? 0 : 256), acc.lo[j]!],
      ] as const) {
        const x = Float64Array.from({ length: 64 }, (_, k) => end(w.data[j * 64 + k]!));
        const inputs = node.inputs.map((n, k) =>
          k === 0 ? { dtype: "int32" as const, shape: [1, 64], data: x } : model.quantized.constants.get(n)!.tensor,
        );
        expect(exactAccumulators(model, node, inputs)[j]).to.equal(want);
      }
    }
  });

  describe("the operator models of test/ops, without and with a declared range", () => {
    const models = [
      ...CASES.map((c) => ({ name: `${c.op} (${c.name})`, build: c.build })),
      ...MODELS.map((c) => ({ name: c.name, build: c.build })),
      ...Object.entries(OP_MODELS).map(([name, spec]) => ({ name, build: () => loadSpec(spec) })),
      { name: "linear (Conv groups, MatMul, Gemm of activations)", build: () => loadSpec(linearSpec()) },
      { name: "pools, Add, ArgMax", build: () => loadSpec(poolsSpec()) },
    ];
    for (const { name, build } of models) {
      it(name, () => {
        const model = build();
        expect(expectSound(model, fuzzInputs(model, 30, 2), `${name}, undeclared`).cases).to.be.above(20);
        const r = rng(name.length);
        const lo = -4 + Math.floor(r() * 16) / 4;
        const hi = lo + 0.25 + Math.floor(r() * 24) / 4;
        const narrow = declared(model, lo, hi);
        expect(expectSound(narrow, fuzzInputs(narrow, 30, 3), `${name}, declared [${lo}, ${hi}]`).cases).to.be.above(20);
      });
    }
  });

  it("random chains of Conv, activations, pools, Gemm and element-wise ops, with random declared ranges", () => {
    for (let seed = 1; seed <= 25; seed++) {
      const model = loadSpec(randomChain(seed));
      const r = rng(1000 + seed);
      const lo = -Math.floor(r() * 8) / 2;
      const hi = lo + 0.5 + Math.floor(r() * 8) / 2;
      const narrow = declared(model, lo, hi);
      const seen = expectSound(narrow, fuzzInputs(narrow, 25, seed), `chain ${seed} on [${lo}, ${hi}]`);
      expect(seen.cases).to.equal(25);
      expectSound(model, fuzzInputs(model, 10, seed), `chain ${seed}, undeclared`);
    }
  });
});
