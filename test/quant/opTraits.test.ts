/**
 * Per-operator traits (sdk/ops): which ops are linear, which have an
 * accumulator the quantizer bounds, and that every op carries its own
 * quantization rule.
 */
import { expect } from "chai";

import { LINEAR_OPS, OPS, SUPPORTED_OPS, isLinear, isLinearOp } from "../../sdk/ops/index.js";
import { Model } from "../../sdk/model.js";
import { zooModelNames } from "../../sdk/zoo/files.js";

describe("operator traits", () => {
  it("the linear ops are Gemm, MatMul and Conv", () => {
    expect(LINEAR_OPS).to.deep.equal(["Gemm", "MatMul", "Conv"]);
    for (const op of SUPPORTED_OPS) expect(isLinearOp(op), op).to.equal(["Gemm", "MatMul", "Conv"].includes(op));
    for (const op of ["Gemm+Relu", "gemm", "Softmax", "", "toString", "constructor"]) expect(isLinearOp(op), op).to.equal(false);
  });

  it("the ops with a bounded accumulator are the linear ops, Add, AveragePool, the sums (ReduceSum, ReduceMean, GlobalAveragePool), the element-wise products, divisions and activations, Pow, Softmax, LogSoftmax and LayerNormalization", () => {
    const bounded = SUPPORTED_OPS.filter((op) => OPS[op].accumulator === true);
    const elementwise = ["Mul", "Sub", "Div", "LeakyRelu", "PRelu", "HardSigmoid", "HardSwish", "BatchNormalization"];
    const nonlinear = ["Pow", "Softmax", "LogSoftmax", "LayerNormalization"];
    expect(bounded).to.have.members([
      ...LINEAR_OPS,
      "Add",
      "AveragePool",
      "ReduceSum",
      "ReduceMean",
      "GlobalAveragePool",
      ...elementwise,
      ...nonlinear,
    ]);
    for (const op of LINEAR_OPS) expect(OPS[op].accumulator, op).to.equal(true);
  });

  it("every op has its quantization rule", () => {
    for (const op of SUPPORTED_OPS) expect(OPS[op].quantize, op).to.be.a("function");
  });

  it("on the zoo: every linear node rescales, only accumulator ops rescale, and only they have a bound", () => {
    for (const name of zooModelNames()) {
      const { graph, nodes } = Model.load(name).quantized;
      for (const node of graph.nodes) {
        const q = nodes.get(node.name)!;
        // products of two activations (Mul) and divisions rescale too: they are accumulator ops
        if (OPS[node.op].accumulator !== true) expect(q.shift, `${name} ${node.name}`).to.equal(0);
        if (isLinear(node)) expect(q.shift, `${name} ${node.name}`).to.be.greaterThan(0);
        expect(q.accumulatorBound > 0, `${name} ${node.name}`).to.equal(OPS[node.op].accumulator === true);
      }
    }
  });
});
