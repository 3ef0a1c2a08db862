/**
 * The IR's float mode against the ONNX backend conformance node tests of every
 * supported operator (generated from the pinned onnx package by
 * scripts/vendor_onnx_node_tests.py). Every test must pass.
 */
import { expect } from "chai";

import { buildIr } from "../../sdk/ir/build.js";
import { runFloat } from "../../sdk/interp/float.js";
import { SUPPORTED_OPS } from "../../sdk/ops/index.js";
import { type Tensor, isFloatType } from "../../sdk/tensor.js";
import { readNodeTest, readNodeTestIndex } from "../helpers/onnxNodeTests.js";

// The tolerances ONNX's own backend test runner uses.
const RTOL = 1e-3;
const ATOL = 1e-7;

function expectTensorClose(actual: Tensor, expected: Tensor, what: string): void {
  expect(actual.shape, `${what} shape`).to.deep.equal(expected.shape);
  expect(actual.dtype, `${what} dtype`).to.equal(expected.dtype);
  for (let i = 0; i < expected.data.length; i++) {
    const [a, e] = [actual.data[i]!, expected.data[i]!];
    if (isFloatType(expected.dtype)) {
      if (Math.abs(a - e) > ATOL + RTOL * Math.abs(e)) expect.fail(`${what}[${i}] = ${a}, expected ${e}`);
    } else if (a !== e) {
      expect.fail(`${what}[${i}] = ${a}, expected ${e}`);
    }
  }
}

describe("ONNX backend conformance (float mode)", () => {
  const index = readNodeTestIndex();
  const results = new Map<string, { passed: number; total: number }>();

  after(() => {
    const line = SUPPORTED_OPS.map((op) => `${op} ${results.get(op)?.passed ?? 0}/${results.get(op)?.total ?? 0}`).join(", ");
    console.log(`      ONNX ${index.onnx_version} node tests passed: ${line}`);
  });

  it("has node tests for every supported operator", () => {
    for (const op of SUPPORTED_OPS) expect(index.tests[op], op).to.have.length.greaterThan(0);
  });

  for (const op of SUPPORTED_OPS) {
    describe(op, () => {
      for (const name of index.tests[op] ?? []) {
        it(name, () => {
          const r = results.get(op) ?? { passed: 0, total: 0 };
          results.set(op, r);
          r.total++;
          const { model, dataSets } = readNodeTest(name);
          const graphInputs = model.graph!.input.map((i) => i.name);
          // A Reshape's target shape is fed as a graph input in these tests; the IR
          // has static shapes, so it is frozen as a constant.
          const shapeInputs = new Set(model.graph!.node.filter((n) => n.opType === "Reshape").map((n) => n.input[1]!));
          for (const [d, data] of dataSets.entries()) {
            const frozen = new Map(graphInputs.flatMap((n, i) => (shapeInputs.has(n) ? [[n, data.inputs[i]!] as const] : [])));
            const graph = buildIr(model, { constantInputs: frozen });
            const outputs = runFloat(
              graph,
              data.inputs.filter((_, i) => !shapeInputs.has(graphInputs[i]!)),
            );
            data.outputs.forEach((expected, o) => expectTensorClose(outputs[o]!, expected, `data set ${d} output ${o}`));
          }
          r.passed++;
        });
      }
    });
  }
});
