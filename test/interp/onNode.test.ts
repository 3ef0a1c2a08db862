/**
 * The interpreters' per-node hook (executeGraph's onNode, threaded through
 * runInteger, runFloat and Model): every node once, in graph order, with the
 * tensors it read and wrote; the last node's output is the graph output.
 */
import { join } from "node:path";

import { expect } from "chai";

import type { IrNode } from "../../sdk/ir/types.js";
import { runFloat } from "../../sdk/interp/float.js";
import { runInteger } from "../../sdk/interp/integer.js";
import { Model } from "../../sdk/model.js";
import type { Tensor } from "../../sdk/tensor.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";

interface Step {
  node: IrNode;
  inputs: readonly Tensor[];
  outputs: readonly Tensor[];
}

function recorder(): { steps: Step[]; onNode: (node: IrNode, inputs: readonly Tensor[], outputs: readonly Tensor[]) => void } {
  const steps: Step[] = [];
  return { steps, onNode: (node, inputs, outputs) => steps.push({ node, inputs, outputs }) };
}

/** The trace covers the graph exactly, and each node read what earlier nodes wrote. */
function expectTrace(model: Model, steps: readonly Step[], graphOutputs: readonly Tensor[]): void {
  const { graph } = model;
  expect(steps.map((s) => s.node)).to.deep.equal(graph.nodes);
  steps.forEach((s, k) => expect(s.node, `step ${k}`).to.equal(graph.nodes[k]));
  const written = new Map<string, Tensor>();
  for (const { node, inputs, outputs } of steps) {
    expect(inputs).to.have.length(node.inputs.length);
    expect(outputs).to.have.length(node.outputs.length);
    node.inputs.forEach((name, i) => {
      if (written.has(name)) expect(inputs[i], `${node.name} input ${name}`).to.equal(written.get(name));
    });
    node.outputs.forEach((name, i) => {
      expect(outputs[i]!.shape).to.deep.equal(graph.tensors.get(name)!.shape);
      written.set(name, outputs[i]!);
    });
  }
  const last = steps[steps.length - 1]!;
  expect(last.node.outputs[0]).to.equal(graph.outputs[0]!.name);
  expect(Array.from(last.outputs[0]!.data)).to.deep.equal(Array.from(graphOutputs[0]!.data));
}

describe("onNode hook", () => {
  const digits = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json")).samples.slice(0, 3);

  for (const name of ["digits-mlp", "digits-cnn", "sweep-cnn-1e3"]) {
    it(`${name}: Model.runInteger and runQuantized see every node once, in order`, () => {
      const model = Model.load(name);
      for (const sample of digits) {
        const trace = recorder();
        const result = model.runInteger([sample], { onNode: trace.onNode });
        expectTrace(model, trace.steps, result.outputs);
        expect(result.outputs).to.deep.equal(model.runInteger([sample]).outputs);

        const quantized = recorder();
        const values = Array.from(result.inputs[0]!.data, BigInt);
        const outputs = model.runQuantized(values, { onNode: quantized.onNode });
        expectTrace(model, quantized.steps, outputs);
        expect(quantized.steps.map((s) => s.outputs)).to.deep.equal(trace.steps.map((s) => s.outputs));
      }
    });
  }

  it("runInteger and runFloat take the hook as an option", () => {
    const model = Model.load("digits-cnn");
    const integer = recorder();
    const q = model.runInteger([digits[0]!]);
    const outputs = runInteger(model.quantized, q.inputs, { onNode: integer.onNode });
    expectTrace(model, integer.steps, outputs);
    expect(integer.steps[0]!.inputs[0]!.data).to.deep.equal(q.inputs[0]!.data);

    const float = recorder();
    const floatOutputs = runFloat(model.graph, [digits[0]!], { onNode: float.onNode });
    expectTrace(model, float.steps, floatOutputs);
    expect(floatOutputs).to.deep.equal(model.runFloat([digits[0]!]));
  });
});
