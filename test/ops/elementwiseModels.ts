/**
 * Small models of the element-wise operators for the tests (test/ops/elementwise.test.ts,
 * test/opml/elementwiseKernel.test.ts): one or two per operator, each node reading x's extremes.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Model } from "../../sdk/model.js";
import { type GraphSpec, type NodeSpec, buildOnnx } from "../helpers/onnxBuilder.js";

export const F = 8;
export const A = 16;
export const MAX = 2 ** (A - 1) - 1;
export const MIN = -(2 ** (A - 1));

function load(spec: GraphSpec): Model {
  const dir = mkdtempSync(join(tmpdir(), "vinfer-elementwise-"));
  writeFileSync(join(dir, "model.onnx"), buildOnnx(spec));
  return Model.load(join(dir, "model.onnx"));
}

/** A model of input x [shape] and the given nodes, whose last node writes y. */
export function model(nodes: NodeSpec[], initializers: GraphSpec["initializers"] = [], shape = [2, 3, 4], opset = 13): Model {
  return load({ inputs: [{ name: "x", shape }], outputs: [{ name: "y" }], nodes, initializers, opset });
}

/** Integer outputs of `m` on integer inputs. */
export const run = (m: Model, x: readonly number[]) => Array.from(m.runQuantized(x.map(BigInt))[0]!.data);

// m = x · w: a second activation of shape [2, 3, 1] that broadcasts against x
export const MATMUL = { op: "MatMul", inputs: ["x", "w"], outputs: ["m"] };
export const W = { name: "w", dims: [4, 1], floats: [0.5, -0.25, 0.75, 0.125] };
const TINY = { name: "tiny", dims: [1], floats: [1 / 256] };

/** One model per operator (each node sees x's extremes), plus variants. */
export const CASES: { op: string; name: string; build: () => Model }[] = [
  { op: "Mul", name: "two activations, broadcast", build: () => model([MATMUL, { op: "Mul", inputs: ["x", "m"], outputs: ["y"] }], [W]) },
  {
    op: "Mul",
    name: "by a constant [3, 1]",
    build: () => model([{ op: "Mul", inputs: ["c", "x"], outputs: ["y"] }], [{ name: "c", dims: [3, 1], floats: [1.75, -0.3, 0.01] }]),
  },
  {
    op: "Sub",
    name: "activations, broadcast, then from a constant",
    build: () =>
      model(
        [MATMUL, { op: "Sub", inputs: ["x", "m"], outputs: ["s"] }, { op: "Sub", inputs: ["c", "s"], outputs: ["y"] }],
        [W, { name: "c", dims: [4], floats: [1, -2.5, 0, 100] }],
      ),
  },
  {
    op: "Div",
    name: "by an activation of either sign: x / (|m| + 2^-8) then by its negation",
    build: () =>
      model(
        [
          MATMUL,
          { op: "Abs", inputs: ["m"], outputs: ["am"] },
          { op: "Add", inputs: ["am", "tiny"], outputs: ["d"] },
          { op: "Div", inputs: ["x", "d"], outputs: ["q"] },
          { op: "Neg", inputs: ["d"], outputs: ["nd"] },
          { op: "Div", inputs: ["x", "nd"], outputs: ["q2"] },
          { op: "Sub", inputs: ["q", "q2"], outputs: ["y"] },
        ],
        [W, TINY],
      ),
  },
  {
    op: "Div",
    name: "by constants [3, 1] (255, -0.1, 3)",
    build: () => model([{ op: "Div", inputs: ["x", "c"], outputs: ["y"] }], [{ name: "c", dims: [3, 1], floats: [255, -0.1, 3] }]),
  },
  { op: "Neg", name: "x", build: () => model([{ op: "Neg", inputs: ["x"], outputs: ["y"] }]) },
  { op: "Abs", name: "x", build: () => model([{ op: "Abs", inputs: ["x"], outputs: ["y"] }]) },
  {
    op: "Clip",
    name: "inputs min -1.5, max 100",
    build: () =>
      model(
        [{ op: "Clip", inputs: ["x", "lo", "hi"], outputs: ["y"] }],
        [
          { name: "lo", dims: [], floats: [-1.5] },
          { name: "hi", dims: [], floats: [100] },
        ],
      ),
  },
  {
    op: "Clip",
    name: "opset 6 attribute max only",
    build: () => model([{ op: "Clip", inputs: ["x"], outputs: ["y"], float: { max: 0.75 } }], [], [2, 3, 4], 6),
  },
  { op: "LeakyRelu", name: "alpha 0.1", build: () => model([{ op: "LeakyRelu", inputs: ["x"], outputs: ["y"], float: { alpha: 0.1 } }]) },
  { op: "LeakyRelu", name: "alpha -1.7", build: () => model([{ op: "LeakyRelu", inputs: ["x"], outputs: ["y"], float: { alpha: -1.7 } }]) },
  {
    op: "PRelu",
    name: "slope [3, 1]",
    build: () => model([{ op: "PRelu", inputs: ["x", "s"], outputs: ["y"] }], [{ name: "s", dims: [3, 1], floats: [0.25, -0.3, 1.5] }]),
  },
  { op: "HardSigmoid", name: "default", build: () => model([{ op: "HardSigmoid", inputs: ["x"], outputs: ["y"] }]) },
  {
    op: "HardSigmoid",
    name: "alpha 0.7, beta -0.3",
    build: () => model([{ op: "HardSigmoid", inputs: ["x"], outputs: ["y"], float: { alpha: 0.7, beta: -0.3 } }]),
  },
  { op: "HardSwish", name: "x", build: () => model([{ op: "HardSwish", inputs: ["x"], outputs: ["y"] }]) },
  {
    op: "BatchNormalization",
    name: "standalone, 2 channels",
    build: () =>
      model(
        [{ op: "BatchNormalization", inputs: ["x", "g", "b", "mu", "var"], outputs: ["y"], float: { epsilon: 1e-3 } }],
        [
          { name: "g", dims: [2], floats: [1.5, -0.4] },
          { name: "b", dims: [2], floats: [0.25, 3] },
          { name: "mu", dims: [2], floats: [-1, 0.5] },
          { name: "var", dims: [2], floats: [4, 0.09] },
        ],
        [2, 2, 3],
      ),
  },
  {
    op: "Where",
    name: "condition x < m",
    build: () =>
      model([MATMUL, { op: "Less", inputs: ["x", "m"], outputs: ["c"] }, { op: "Where", inputs: ["c", "x", "m"], outputs: ["y"] }], [W]),
  },
  {
    op: "Where",
    name: "constant condition [4]",
    build: () =>
      model(
        [
          { op: "Cast", inputs: ["cf"], outputs: ["c"], int: { to: 9 } },
          { op: "Where", inputs: ["c", "x", "k"], outputs: ["y"] },
        ],
        [
          { name: "cf", dims: [4], floats: [1, 0, 0, 1] },
          { name: "k", dims: [3, 1], floats: [-1, 0.5, 2] },
        ],
      ),
  },
  {
    op: "Where",
    name: "attention mask: Where(x < 1, x, -inf) then Softmax (the fill saturates, its exponentials are 0)",
    build: () =>
      model(
        [
          { op: "Less", inputs: ["x", "one"], outputs: ["c"] },
          { op: "Where", inputs: ["c", "x", "fill"], outputs: ["w"] },
          { op: "Softmax", inputs: ["w"], outputs: ["y"] },
        ],
        [
          { name: "one", dims: [], floats: [1] },
          { name: "fill", dims: [], floats: [-Infinity] },
        ],
        [2, 3, 4],
        17,
      ),
  },
  {
    op: "Add",
    name: "additive causal mask of -1e9 then Softmax",
    build: () =>
      model(
        [
          { op: "Add", inputs: ["x", "mask"], outputs: ["w"] },
          { op: "Softmax", inputs: ["w"], outputs: ["y"] },
        ],
        [{ name: "mask", dims: [3, 4], floats: [0, -1e9, -1e9, -1e9, 0, 0, -1e9, -1e9, 0, 0, 0, -1e9] }],
        [2, 3, 4],
        17,
      ),
  },
  {
    op: "Equal",
    name: "x and m clipped to one step around 0",
    build: () =>
      model(
        [
          MATMUL,
          { op: "Clip", inputs: ["x", "lo", "hi"], outputs: ["cx"] },
          { op: "Clip", inputs: ["m", "lo", "hi"], outputs: ["cm"] },
          { op: "Equal", inputs: ["cx", "cm"], outputs: ["y"] },
        ],
        [W, { name: "lo", dims: [], floats: [-1 / 256] }, { name: "hi", dims: [], floats: [1 / 256] }],
      ),
  },
  { op: "Less", name: "x < m", build: () => model([MATMUL, { op: "Less", inputs: ["x", "m"], outputs: ["y"] }], [W]) },
  {
    op: "Greater",
    name: "x > constant [4]",
    build: () => model([{ op: "Greater", inputs: ["x", "c"], outputs: ["y"] }], [{ name: "c", dims: [4], floats: [0, -1, 127, -128] }]),
  },
];
