/** The IR's float mode against onnxruntime-node on every zoo model and on generated conv geometries. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { InputRangeError } from "../../sdk/errors.js";
import { buildIr } from "../../sdk/ir/build.js";
import { runFloat } from "../../sdk/interp/float.js";
import { Model } from "../../sdk/model.js";
import { decodeModelProto } from "../../sdk/onnx/proto.js";
import { OnnxRuntimeSession } from "../../sdk/runtime/onnxruntime.js";
import { type Tensor, sizeOf } from "../../sdk/tensor.js";
import { ZOO_DIR, readInputFile, zooModelNames } from "../../sdk/zoo/files.js";
import { buildOnnx, rng } from "../helpers/onnxBuilder.js";

function expectClose(actual: Float64Array, expected: Float64Array, what: string): void {
  expect(actual.length, what).to.equal(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (Math.abs(a - e) > 1e-5 + 1e-4 * Math.abs(e)) expect.fail(`${what}[${i}]: IR ${a}, onnxruntime ${e}`);
  });
}

function randomInput(shape: readonly number[], seed: number, lo = -0.5, hi = 1.5): Tensor {
  const r = rng(seed);
  return { dtype: "float32", shape, data: Float64Array.from({ length: sizeOf(shape) }, () => Math.fround(lo + r() * (hi - lo))) };
}

describe("float mode vs onnxruntime-node", () => {
  for (const name of zooModelNames()) {
    it(`${name}: sample input and 10 random inputs (within its declared input range, and beyond it without the declaration)`, async () => {
      const model = Model.load(name);
      const shape = model.graph.inputs[0]!.shape;
      const range = model.graph.inputRanges?.get(model.graph.inputs[0]!.name);
      // the float kernels do not depend on the declaration, which only refuses inputs beyond it
      const wide = range ? Model.load(name, undefined, { inputRange: null }) : model;
      const ort = await OnnxRuntimeSession.open(model.path, model.graph);
      try {
        const sample = readInputFile(join(ZOO_DIR, name, "input.json")).samples[0]!;
        const expected = JSON.parse(readFileSync(join(ZOO_DIR, name, "input.json"), "utf8")) as { expected_float_output: number[] };
        const inputs = [sample, ...Array.from({ length: 10 }, (_, s) => randomInput(shape, s))];
        for (const [k, input] of inputs.entries()) {
          const ours = wide.runFloat([input])[0]!.data;
          expectClose(ours, (await ort.run([input]))[0]!.data, `input ${k}`);
          if (k === 0) expectClose(ours, Float64Array.from(expected.expected_float_output), "expected output in input.json");
        }
        if (range) {
          for (let s = 0; s < 5; s++) {
            const input = randomInput(shape, 100 + s, range.lo, range.hi);
            expectClose(
              model.runFloat([input])[0]!.data,
              (await ort.run([input]))[0]!.data,
              `input ${s} within [${range.lo}, ${range.hi}]`,
            );
          }
          expect(() => model.runFloat([randomInput(shape, 1)])).to.throw(InputRangeError);
        }
      } finally {
        await ort.close();
      }
    });
  }

  it("Conv with group 2, dilation 2, stride 2 and asymmetric pads", async () => {
    const r = rng(7);
    const bytes = buildOnnx({
      inputs: [{ name: "x", shape: [1, 4, 9, 7] }],
      outputs: [{ name: "y" }],
      nodes: [
        {
          op: "Conv",
          inputs: ["x", "w", "b"],
          outputs: ["y"],
          ints: { strides: [2, 1], dilations: [2, 1], pads: [1, 0, 2, 1] },
          int: { group: 2 },
        },
      ],
      initializers: [
        { name: "w", dims: [6, 2, 3, 2], floats: Array.from({ length: 72 }, () => r() - 0.5) },
        { name: "b", dims: [6], floats: Array.from({ length: 6 }, () => r() - 0.5) },
      ],
    });
    const path = join(mkdtempSync(join(tmpdir(), "vinfer-")), "conv.onnx");
    writeFileSync(path, bytes);
    const graph = buildIr(decodeModelProto(bytes));
    const ort = await OnnxRuntimeSession.open(path, graph);
    const input = randomInput([1, 4, 9, 7], 3);
    const want = (await ort.run([input]))[0]!;
    await ort.close();
    const got = runFloat(graph, [input])[0]!;
    expect(got.shape).to.deep.equal(want.shape);
    expectClose(got.data, want.data, "conv");
  });
});
