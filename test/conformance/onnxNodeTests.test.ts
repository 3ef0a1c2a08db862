/**
 * The IR's float mode against the ONNX backend conformance node tests of every
 * supported operator (generated from the pinned onnx package by
 * scripts/vendor_onnx_node_tests.py). Every test must pass, except those
 * listed in test/conformance/refusedNodeTests.ts: a node test of a mode the IR
 * refuses on purpose (with the reason) must be refused with that error, at build time.
 */
import { expect } from "chai";

import { buildIr } from "../../sdk/ir/build.js";
import { runFloat } from "../../sdk/interp/float.js";
import { OPS, SUPPORTED_OPS } from "../../sdk/ops/index.js";
import { type Tensor, isFloatType } from "../../sdk/tensor.js";
import { readNodeTest, readNodeTestIndex } from "../helpers/onnxNodeTests.js";
import { REFUSED_NODE_TESTS } from "./refusedNodeTests.js";

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
  const results = new Map<string, { passed: number; refused: number; total: number }>();

  after(() => {
    const line = SUPPORTED_OPS.map((op) => {
      const r = results.get(op) ?? { passed: 0, refused: 0, total: 0 };
      return `${op} ${r.passed}/${r.total}` + (r.refused ? ` (${r.refused} refused)` : "");
    }).join(", ");
    console.log(`      ONNX ${index.onnx_version} node tests passed: ${line}`);
  });

  it("lists only existing node tests as refused", () => {
    const all = new Set(Object.values(index.tests).flat());
    for (const name of Object.keys(REFUSED_NODE_TESTS)) expect(all.has(name), name).to.equal(true);
  });

  it("has node tests for every supported operator", () => {
    for (const op of SUPPORTED_OPS) expect(index.tests[op], op).to.have.length.greaterThan(0);
  });

  for (const op of SUPPORTED_OPS) {
    describe(op, () => {
      for (const name of index.tests[op] ?? []) {
        it(name, () => {
          const r = results.get(op) ?? { passed: 0, refused: 0, total: 0 };
          results.set(op, r);
          r.total++;
          const { model, dataSets } = readNodeTest(name);
          const graphInputs = model.graph!.input.map((i) => i.name);
          // Inputs the IR reads at build time (a Reshape's shape, Slice's starts...) are fed as graph
          // inputs in these tests; the IR has static shapes, so they are frozen as constants.
          const shapeInputs = new Set(
            model.graph!.node.flatMap((n) => {
              const def = OPS[n.opType as keyof typeof OPS];
              return (def?.constantInputs ?? []).flatMap((i) => (n.input[i] ? [n.input[i]] : []));
            }),
          );
          const refusal = REFUSED_NODE_TESTS[name];
          for (const [d, data] of dataSets.entries()) {
            const frozen = new Map(graphInputs.flatMap((n, i) => (shapeInputs.has(n) ? [[n, data.inputs[i]!] as const] : [])));
            if (refusal) {
              expect(() => buildIr(model, { constantInputs: frozen }), "a refused node test").to.throw(refusal);
              continue;
            }
            const graph = buildIr(model, { constantInputs: frozen });
            const outputs = runFloat(
              graph,
              data.inputs.filter((_, i) => !shapeInputs.has(graphInputs[i]!)),
            );
            data.outputs.forEach((expected, o) => expectTensorClose(outputs[o]!, expected, `data set ${d} output ${o}`));
          }
          if (refusal) {
            r.refused++;
            return;
          }
          r.passed++;
        });
      }
    });
  }
});
