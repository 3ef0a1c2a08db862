import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { ModelStructureError, OnnxDecodeError, UnsupportedOperatorError } from "../../sdk/errors.js";
import { buildIr, unsupportedNodes } from "../../sdk/ir/build.js";
import { loadIr } from "../../sdk/onnx/readModel.js";
import { decodeModelProto } from "../../sdk/onnx/proto.js";
import { ZOO_DIR } from "../../sdk/zoo/files.js";
import { buildOnnx, withOpReplaced } from "../helpers/onnxBuilder.js";

const MLP = join(ZOO_DIR, "digits-mlp", "model.onnx");

describe("ONNX loader", () => {
  it("builds a typed, statically shaped IR of a zoo model", () => {
    const ir = loadIr(MLP);
    expect(ir.nodes.map((n) => n.op)).to.deep.equal(["Gemm", "Relu", "Gemm"]);
    expect(ir.inputs).to.deep.equal([{ name: "input", dtype: "float32", shape: [1, 64] }]);
    expect(ir.outputs[0]!.shape).to.deep.equal([1, 10]);
    expect(ir.tensors.get("hidden")!.shape).to.deep.equal([1, 32]);
  });

  it("says a truncated file is not a valid ONNX model", () => {
    const bytes = readFileSync(MLP);
    expect(() => decodeModelProto(bytes.subarray(0, 3000), "digits.onnx")).to.throw(
      OnnxDecodeError,
      "digits.onnx is not a valid ONNX model: truncated or corrupt protobuf",
    );
  });

  it("says an empty file or a non-protobuf file is not a valid ONNX model", () => {
    expect(() => decodeModelProto(new Uint8Array(), "x.onnx")).to.throw(
      OnnxDecodeError,
      "x.onnx is not a valid ONNX model: the file is empty",
    );
    const text = new TextEncoder().encode("this is not a model, just some text\n");
    expect(() => decodeModelProto(text, "t.onnx")).to.throw(OnnxDecodeError, "t.onnx is not a valid ONNX model");
  });

  it("never crashes on any truncation of a real model: it decodes or throws OnnxDecodeError", () => {
    const bytes = readFileSync(join(ZOO_DIR, "digits-cnn", "model.onnx"));
    for (let cut = 0; cut < bytes.length; cut += 97) {
      try {
        buildIr(decodeModelProto(bytes.subarray(0, cut)));
      } catch (e) {
        expect(e, `cut at ${cut}`).to.be.instanceOf(OnnxDecodeError);
      }
    }
  });

  it("names the operator and node of an unsupported op", () => {
    const proto = decodeModelProto(withOpReplaced(MLP, 1, "LSTM"));
    expect(() => buildIr(proto)).to.throw(UnsupportedOperatorError, 'unsupported operator LSTM (node "relu_hidden")');
    const [err] = unsupportedNodes(proto);
    expect(err!.opType).to.equal("LSTM");
    expect(err!.nodeName).to.equal("relu_hidden");
  });

  it("lists every unsupported node, not just the first", () => {
    const bytes = buildOnnx({
      inputs: [{ name: "x", shape: [1, 4] }],
      outputs: [{ name: "z" }],
      nodes: [
        { op: "LSTM", inputs: ["x"], outputs: ["y"], name: "s" },
        { op: "GRU", inputs: ["y"], outputs: ["z"], name: "t" },
      ],
    });
    const messages = unsupportedNodes(decodeModelProto(bytes)).map((e) => e.message);
    expect(messages).to.have.length(2);
    expect(messages[0]).to.match(/^unsupported operator LSTM \(node "s"\): the IR implements Gemm, MatMul, Add, .* \(and folds Constant, /);
    expect(messages[1]).to.match(/^unsupported operator GRU \(node "t"\): the IR implements Gemm, /);
  });

  it("rejects operators from other domains even when the name matches", () => {
    const bytes = buildOnnx({
      inputs: [{ name: "x", shape: [1, 4] }],
      outputs: [{ name: "y" }],
      nodes: [{ op: "Relu", domain: "com.example", inputs: ["x"], outputs: ["y"], name: "r" }],
    });
    expect(() => buildIr(decodeModelProto(bytes))).to.throw(UnsupportedOperatorError, 'operator domain "com.example" is not supported');
  });

  it("rejects an attribute the IR does not implement, naming it", () => {
    const bytes = buildOnnx({
      inputs: [{ name: "x", shape: [1, 4] }],
      outputs: [{ name: "y" }],
      nodes: [{ op: "ArgMax", inputs: ["x"], outputs: ["y"], name: "a", int: { axis: 1, mystery: 3 } }],
    });
    expect(() => buildIr(decodeModelProto(bytes))).to.throw(
      UnsupportedOperatorError,
      'ArgMax (node "a"): attribute "mystery" is not supported',
    );
  });

  it("requires a Reshape target shape to be a constant", () => {
    const bytes = buildOnnx({
      inputs: [
        { name: "x", shape: [2, 3] },
        { name: "s", shape: [2] },
      ],
      outputs: [{ name: "y" }],
      nodes: [{ op: "Reshape", inputs: ["x", "s"], outputs: ["y"], name: "r" }],
    });
    expect(() => buildIr(decodeModelProto(bytes))).to.throw(
      UnsupportedOperatorError,
      "target shape (input 1) must be a constant initializer",
    );
  });

  it("reports shape errors with the node's name", () => {
    const bytes = buildOnnx({
      inputs: [{ name: "x", shape: [1, 5] }],
      outputs: [{ name: "y" }],
      nodes: [{ op: "Gemm", inputs: ["x", "w"], outputs: ["y"], name: "fc", int: { transB: 1 } }],
      initializers: [{ name: "w", dims: [3, 4], floats: new Array(12).fill(0.5) }],
    });
    expect(() => buildIr(decodeModelProto(bytes))).to.throw(
      ModelStructureError,
      'Gemm node "fc": inner dimensions differ: A gives 5, B gives 4',
    );
  });

  it("reports a read of an undefined tensor", () => {
    const bytes = buildOnnx({
      inputs: [{ name: "x", shape: [1, 4] }],
      outputs: [{ name: "y" }],
      nodes: [{ op: "Add", inputs: ["x", "ghost"], outputs: ["y"], name: "add" }],
    });
    expect(() => buildIr(decodeModelProto(bytes))).to.throw(
      ModelStructureError,
      'Add node "add" reads "ghost", which no earlier node or initializer defines',
    );
  });

  it("loads a model written to disk and names the file when it cannot", () => {
    const dir = mkdtempSync(join(tmpdir(), "vinfer-"));
    writeFileSync(join(dir, "bad.onnx"), readFileSync(MLP).subarray(0, 100));
    expect(() => loadIr(join(dir, "bad.onnx"))).to.throw(OnnxDecodeError, `${join(dir, "bad.onnx")} is not a valid ONNX model`);
    expect(() => loadIr(join(dir, "missing.onnx"))).to.throw(OnnxDecodeError, "cannot read ONNX model");
  });
});
