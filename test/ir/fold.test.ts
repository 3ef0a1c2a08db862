/**
 * The load-time clean-up (sdk/ir/fold.ts): what exporters add around a
 * model's arithmetic (Constant, Identity, Dropout, Cast, shape subgraphs,
 * BatchNormalization after Conv/Gemm) never reaches the IR, the cleaned IR
 * computes what onnxruntime computes on the original graph, and the model id
 * commits to the cleaned IR.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { ModelStructureError, UnsupportedOperatorError } from "../../sdk/errors.js";
import { buildIr } from "../../sdk/ir/build.js";
import { Model } from "../../sdk/model.js";
import { decodeModelProto } from "../../sdk/onnx/proto.js";
import { OnnxRuntimeSession } from "../../sdk/runtime/onnxruntime.js";
import { type Tensor, sizeOf } from "../../sdk/tensor.js";
import { type GraphSpec, type NodeSpec, buildOnnx, rng } from "../helpers/onnxBuilder.js";

const dir = mkdtempSync(join(tmpdir(), "vinfer-fold-"));
let files = 0;

function save(spec: GraphSpec): string {
  const path = join(dir, `m${files++}.onnx`);
  writeFileSync(path, buildOnnx(spec));
  return path;
}

function floats(n: number, seed: number, scale = 1): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

function randomInput(shape: readonly number[], seed: number): Tensor {
  return { dtype: "float32", shape, data: Float64Array.from(floats(sizeOf(shape), seed), Math.fround) };
}

/** The cleaned IR's float outputs equal onnxruntime's on the original graph, on five random inputs. */
async function expectSameAsOnnxRuntime(path: string): Promise<void> {
  const model = Model.load(path);
  const ort = await OnnxRuntimeSession.open(path, model.graph);
  try {
    for (let s = 0; s < 5; s++) {
      const input = randomInput(model.graph.inputs[0]!.shape, s);
      const ours = model.runFloat([input])[0]!.data;
      const theirs = (await ort.run([input]))[0]!.data;
      expect(ours.length).to.equal(theirs.length);
      ours.forEach((v, i) => expect(Math.abs(v - theirs[i]!), `input ${s} element ${i}`).to.be.below(1e-4 + 1e-4 * Math.abs(theirs[i]!)));
    }
  } finally {
    await ort.close();
  }
}

const W = { name: "W", dims: [10, 64], floats: floats(640, 1, 0.3) };
const B = { name: "B", dims: [10], floats: floats(10, 2, 0.1) };

describe("load-time graph clean-up", () => {
  it("folds Constant, Identity, Dropout, Cast and constant shape arithmetic, leaving only the arithmetic", async () => {
    const path = save({
      inputs: [{ name: "x", shape: [1, 1, 8, 8] }],
      outputs: [{ name: "y" }],
      nodes: [
        { op: "Identity", inputs: ["x"], outputs: ["xi"] },
        { op: "Cast", inputs: ["xi"], outputs: ["xc"], int: { to: 1 } },
        { op: "Shape", inputs: ["xc"], outputs: ["s"] },
        { op: "Constant", inputs: [], outputs: ["zero"], tensor: { value: { dims: [4], int64s: [0, 0, 0, 0] } } },
        // shape arithmetic on constants: evaluated once with Add's own kernel
        { op: "Add", inputs: ["s", "zero"], outputs: ["s2"] },
        { op: "Reshape", inputs: ["xc", "s2"], outputs: ["r"] },
        { op: "Flatten", inputs: ["r"], outputs: ["f"] },
        { op: "Gemm", inputs: ["f", "W", "B"], outputs: ["g"], int: { transB: 1 } },
        { op: "Dropout", inputs: ["g"], outputs: ["d"] },
        { op: "Cast", inputs: ["d"], outputs: ["y"], int: { to: 1 } },
      ],
      initializers: [W, B],
    });
    const model = Model.load(path);
    expect(model.graph.nodes.map((n) => n.op)).to.deep.equal(["Reshape", "Flatten", "Gemm"]);
    expect(Array.from(model.graph.constants.get("s2")!.data)).to.deep.equal([1, 1, 8, 8]);
    expect(model.graph.nodes[0]!.inputs).to.deep.equal(["x"]);
    // the graph output keeps its name: the Gemm computing it is renamed
    expect(model.graph.outputs.map((o) => o.name)).to.deep.equal(["y"]);
    expect(model.graph.nodes[2]!.outputs).to.deep.equal(["y"]);
    await expectSameAsOnnxRuntime(path);
    // the integer model runs on the cleaned IR
    expect(model.runQuantized(new Array<bigint>(64).fill(256n))[0]!.data).to.have.length(10);
  });

  it("gives a graph with exporter no-ops the model id of the same graph without them", () => {
    const plain: NodeSpec[] = [
      { op: "Flatten", inputs: ["x"], outputs: ["f"], name: "flat" },
      { op: "Gemm", inputs: ["f", "W", "B"], outputs: ["y"], int: { transB: 1 }, name: "fc" },
    ];
    const noisy: NodeSpec[] = [
      { op: "Identity", inputs: ["x"], outputs: ["x1"], name: "id" },
      { op: "Dropout", inputs: ["x1"], outputs: ["x2"], name: "drop" },
      { op: "Flatten", inputs: ["x2"], outputs: ["f"], name: "flat" },
      { op: "Cast", inputs: ["f"], outputs: ["f1"], int: { to: 1 }, name: "cast" },
      { op: "Gemm", inputs: ["f1", "W", "B"], outputs: ["y"], int: { transB: 1 }, name: "fc" },
    ];
    const spec = (nodes: NodeSpec[]): GraphSpec => ({
      inputs: [{ name: "x", shape: [1, 1, 8, 8] }],
      outputs: [{ name: "y" }],
      nodes,
      initializers: [W, B],
    });
    expect(Model.load(save(spec(noisy))).modelId).to.equal(Model.load(save(spec(plain))).modelId);
  });

  it("folds BatchNormalization into the Conv before it (float output as onnxruntime's on the original)", async () => {
    const path = save({
      inputs: [{ name: "x", shape: [1, 2, 6, 6] }],
      outputs: [{ name: "y" }],
      nodes: [
        { op: "Conv", inputs: ["x", "cw", "cb"], outputs: ["c"], ints: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
        { op: "BatchNormalization", inputs: ["c", "gamma", "beta", "mean", "var"], outputs: ["bn"], float: { epsilon: 1e-3 } },
        { op: "Relu", inputs: ["bn"], outputs: ["r"] },
        { op: "Flatten", inputs: ["r"], outputs: ["f"] },
        { op: "Gemm", inputs: ["f", "fw"], outputs: ["y"], int: { transB: 1 } },
      ],
      initializers: [
        { name: "cw", dims: [4, 2, 3, 3], floats: floats(72, 3, 0.4) },
        { name: "cb", dims: [4], floats: floats(4, 4, 0.2) },
        { name: "gamma", dims: [4], floats: [1.5, 0.5, -0.7, 1] },
        { name: "beta", dims: [4], floats: [0.1, -0.2, 0.3, 0] },
        { name: "mean", dims: [4], floats: [0.05, -0.1, 0.2, 0.4] },
        { name: "var", dims: [4], floats: [0.9, 1.3, 0.4, 2] },
        { name: "fw", dims: [3, 144], floats: floats(432, 5, 0.1) },
      ],
    });
    const model = Model.load(path);
    expect(model.graph.nodes.map((n) => n.op)).to.deep.equal(["Conv", "Relu", "Flatten", "Gemm"]);
    expect(model.graph.nodes[0]!.inputs).to.deep.equal(["x", "cw.bn", "cb.bn_bias"]);
    expect(model.graph.nodes[0]!.outputs).to.deep.equal(["bn"]);
    await expectSameAsOnnxRuntime(path);
  });

  it("folds BatchNormalization into the Gemm before it (BatchNorm1d after Linear), also without a bias", async () => {
    const path = save({
      inputs: [{ name: "x", shape: [1, 16] }],
      outputs: [{ name: "y" }],
      nodes: [
        { op: "Gemm", inputs: ["x", "w"], outputs: ["g"], int: { transB: 1 } },
        { op: "BatchNormalization", inputs: ["g", "gamma", "beta", "mean", "var"], outputs: ["y"] },
      ],
      initializers: [
        { name: "w", dims: [3, 16], floats: floats(48, 6, 0.5) },
        { name: "gamma", dims: [3], floats: [2, -1, 0.25] },
        { name: "beta", dims: [3], floats: [0.5, 0, -0.5] },
        { name: "mean", dims: [3], floats: [0.1, 0.2, -0.3] },
        { name: "var", dims: [3], floats: [0.5, 1, 4] },
      ],
    });
    expect(Model.load(path).graph.nodes.map((n) => n.op)).to.deep.equal(["Gemm"]);
    await expectSameAsOnnxRuntime(path);
  });

  it("refuses what it cannot fold, naming the node and why", () => {
    const base = (nodes: NodeSpec[]): GraphSpec => ({ inputs: [{ name: "x", shape: [1, 4] }], outputs: [{ name: "y" }], nodes });
    const build = (nodes: NodeSpec[]) => buildIr(decodeModelProto(buildOnnx(base(nodes))));
    expect(() =>
      build([
        { op: "Dropout", inputs: ["x"], outputs: ["d", "mask"], name: "drop" },
        { op: "Add", inputs: ["d", "mask"], outputs: ["y"] },
      ]),
    ).to.throw(UnsupportedOperatorError, /Dropout \(node "drop"\): its mask output is used/);
    expect(() => build([{ op: "Cast", inputs: ["x"], outputs: ["y"], int: { to: 7 }, name: "toInt" }])).to.throw(
      UnsupportedOperatorError,
      /Cast \(node "toInt"\): a Cast of an activation from float32 to int64/,
    );
    expect(() => build([{ op: "ConstantOfShape", inputs: ["x"], outputs: ["y"], name: "cos" }])).to.throw(
      UnsupportedOperatorError,
      /ConstantOfShape \(node "cos"\): its shape \(input 0\) must be a constant/,
    );
    expect(() =>
      build([
        { op: "Constant", inputs: [], outputs: ["c"], tensor: { value: { dims: [1, 4], floats: [1, 2, 3, 4] } } },
        { op: "Add", inputs: ["c", "c"], outputs: ["y"] },
      ]),
    ).to.throw(ModelStructureError, /graph output "y" is a constant/);
  });
});
