/**
 * The integer interpreter against an independent BigInt implementation of the
 * same semantics (test/helpers/bigintReference.ts), on every zoo model and on
 * randomly generated conv/pool geometries, with random and extreme inputs.
 */
import { expect } from "chai";
import fc from "fast-check";

import { QuantizationError } from "../../sdk/errors.js";
import { buildIr } from "../../sdk/ir/build.js";
import { runInteger } from "../../sdk/interp/integer.js";
import { Model } from "../../sdk/model.js";
import { decodeModelProto } from "../../sdk/onnx/proto.js";
import { type QuantizedModel, quantizeModel } from "../../sdk/quant/quantize.js";
import { DEFAULT_QUANT_CONFIG } from "../../sdk/quant/scheme.js";
import { sizeOf } from "../../sdk/tensor.js";
import { zooModelNames } from "../../sdk/zoo/files.js";
import { REFERENCE_OPS, referenceInteger } from "../helpers/bigintReference.js";
import { buildOnnx, rng } from "../helpers/onnxBuilder.js";
import { integerInputs, integerInputsIn } from "../helpers/inputs.js";

function expectMatchesReference(model: QuantizedModel, inputs: number[][]): void {
  const info = model.graph.inputs[0]!;
  for (const [k, input] of inputs.entries()) {
    const ours = runInteger(model, [{ dtype: "int32", shape: info.shape, data: Float64Array.from(input) }]);
    const ref = referenceInteger(model, input);
    ours.forEach((t, o) => expect(Array.from(t.data, BigInt), `input ${k} output ${o}`).to.deep.equal(ref[o]));
  }
}

describe("integer model", () => {
  describe("equals the BigInt reference bit for bit", () => {
    // Zoo models of other operators (the transformer) are held by test/zoo/torchExports.test.ts's engine agreement.
    const covered = zooModelNames().filter((name) => Model.load(name).graph.nodes.every((n) => REFERENCE_OPS.has(n.op)));

    it("covers every zoo model but the transformer", () => {
      expect(zooModelNames().filter((n) => !covered.includes(n))).to.deep.equal(["digits-transformer"]);
    });

    for (const name of covered) {
      it(name, function () {
        const declared = Model.load(name).quantized;
        const size = sizeOf(declared.graph.inputs[0]!.shape);
        const params = [...declared.constants.values()].reduce((n, c) => n + c.tensor.data.length, 0);
        // BigInt is slow: fewer samples for the largest models, 200+ for the small ones.
        const count = params > 200_000 ? 4 : params > 20_000 ? 24 : 210;
        // A model with a declared input range (the digits models: [0, 1]) within it, and the same
        // model without the declaration over the whole activation range.
        const range = declared.inputRanges?.get(declared.graph.inputs[0]!.name);
        if (range) expectMatchesReference(declared, integerInputsIn(size, range.qlo, range.qhi, count, params));
        const model = range ? Model.load(name, undefined, { inputRange: null }).quantized : declared;
        expectMatchesReference(model, integerInputs(size, model.config.activationBits, count, params));
      });
    }

    it("on random Conv/pool geometries (groups, strides, dilations, asymmetric pads, count_include_pad)", () => {
      const geometry = fc.record({
        group: fc.constantFrom(1, 2),
        perGroupIn: fc.integer({ min: 1, max: 2 }),
        perGroupOut: fc.integer({ min: 1, max: 2 }),
        side: fc.integer({ min: 5, max: 9 }),
        k: fc.integer({ min: 1, max: 3 }),
        stride: fc.integer({ min: 1, max: 2 }),
        dilation: fc.integer({ min: 1, max: 2 }),
        pads: fc.tuple(fc.nat(1), fc.nat(1), fc.nat(1), fc.nat(1)),
        pool: fc.constantFrom("MaxPool", "AveragePool"),
        countIncludePad: fc.nat(1),
        seed: fc.nat(),
      });
      fc.assert(
        fc.property(geometry, (g) => {
          const cin = g.group * g.perGroupIn;
          const cout = g.group * g.perGroupOut;
          const r = rng(g.seed);
          const weights = Array.from({ length: cout * g.perGroupIn * g.k * g.k }, () => r() * 2 - 1);
          const bytes = buildOnnx({
            inputs: [{ name: "x", shape: [1, cin, g.side, g.side] }],
            outputs: [{ name: "y" }],
            nodes: [
              {
                op: "Conv",
                inputs: ["x", "w", "b"],
                outputs: ["c"],
                ints: { strides: [g.stride, g.stride], dilations: [g.dilation, g.dilation], pads: g.pads },
                int: { group: g.group },
              },
              { op: "Relu", inputs: ["c"], outputs: ["r"] },
              {
                op: g.pool,
                inputs: ["r"],
                outputs: ["y"],
                ints: { kernel_shape: [2, 2], pads: [1, 0, 0, 1] },
                int: g.pool === "AveragePool" ? { count_include_pad: g.countIncludePad } : {},
              },
            ],
            initializers: [
              { name: "w", dims: [cout, g.perGroupIn, g.k, g.k], floats: weights },
              { name: "b", dims: [cout], floats: Array.from({ length: cout }, () => r() - 0.5) },
            ],
          });
          const model = quantizeModel(buildIr(decodeModelProto(bytes)));
          expectMatchesReference(model, integerInputs(cin * g.side * g.side, 16, 5, g.seed));
        }),
        { numRuns: 60 },
      );
    });
  });

  describe("bound checks", () => {
    it("refuses bit widths whose accumulators could exceed 2^52, naming the node", () => {
      const graph = Model.load("sweep-mlp-1e4").graph;
      expect(() => quantizeModel(graph, { activationBits: 32, fracBits: 16, weightBits: 24 })).to.throw(
        QuantizationError,
        /Gemm node "fc1": accumulator can reach \d+ \(> 2\^52\); lower activationBits or weightBits/,
      );
    });

    it("refuses weights too large for the weight width", () => {
      const bytes = buildOnnx({
        inputs: [{ name: "x", shape: [1, 2] }],
        outputs: [{ name: "y" }],
        nodes: [{ op: "Gemm", inputs: ["x", "w"], outputs: ["y"], name: "fc" }],
        initializers: [{ name: "w", dims: [2, 2], floats: [300, 1, 2, 3] }],
      });
      expect(() => quantizeModel(buildIr(decodeModelProto(bytes)), DEFAULT_QUANT_CONFIG)).to.throw(
        QuantizationError,
        'Gemm node "fc": weight "w" has |w| up to 300, which does not fit 8-bit integers; raise weightBits',
      );
    });

    it("records the largest accumulator of every linear node, below 2^52", () => {
      const q = Model.load("sweep-mlp-1e6").quantized;
      for (const node of q.graph.nodes.filter((n) => n.op === "Gemm")) {
        const bound = q.nodes.get(node.name)!.accumulatorBound;
        expect(bound)
          .to.be.greaterThan(0)
          .and.lessThan(2 ** 52);
      }
    });
  });
});
