/**
 * Models of the data-movement ops for the engine tests (test/ops/dataMovement.test.ts) and the OPML
 * kernel's tests (test/opml/dataMovementKernel.test.ts): each op applied to the graph input, every
 * form once (Slice with negative steps and an end sentinel, Gather with an index table and with one
 * index, Pad in all four modes with negative pads and pads past the reflected size), and an embedding.
 */
import { type GraphSpec, INT64, rng } from "../helpers/onnxBuilder.js";

export const floats = (seed: number, n: number, scale = 1) => {
  const r = rng(seed);
  return Array.from({ length: n }, () => Math.round((r() * 2 - 1) * scale * 256) / 256);
};
export const ints = (...v: number[]) => ({ int64s: v });

/** One model per op: the op applied to the graph input (and in a chain where one form is not enough). */
export const OP_MODELS: Record<string, GraphSpec> = {
  Transpose: {
    inputs: [{ name: "x", shape: [2, 3, 4] }],
    outputs: [{ name: "y" }],
    nodes: [{ op: "Transpose", inputs: ["x"], outputs: ["y"], ints: { perm: [2, 0, 1] } }],
  },
  Concat: {
    inputs: [{ name: "x", shape: [2, 3] }],
    outputs: [{ name: "y" }],
    initializers: [{ name: "c", dims: [2, 2], floats: [0.5, -1.25, 100, -128] }],
    nodes: [{ op: "Concat", inputs: ["x", "c", "x"], outputs: ["y"], int: { axis: -1 } }],
  },
  Slice: {
    inputs: [{ name: "x", shape: [4, 5] }],
    outputs: [{ name: "y" }],
    initializers: [
      { name: "s", dims: [2], ...ints(3, -1) },
      { name: "e", dims: [2], ...ints(0, -9) },
      { name: "a", dims: [2], ...ints(0, 1) },
      { name: "st", dims: [2], ...ints(-1, -2) },
      { name: "s2", dims: [1], ...ints(1) },
      { name: "e2", dims: [1], ...ints(2 ** 53 - 1) },
      { name: "a2", dims: [1], ...ints(-1) },
    ],
    nodes: [
      { op: "Slice", inputs: ["x", "s", "e", "a", "st"], outputs: ["t"] },
      { op: "Slice", inputs: ["t", "s2", "e2", "a2"], outputs: ["y"] },
    ],
  },
  Squeeze: {
    inputs: [{ name: "x", shape: [1, 3, 1, 2] }],
    outputs: [{ name: "y" }],
    initializers: [{ name: "axes", dims: [2], ...ints(0, -2) }],
    nodes: [{ op: "Squeeze", inputs: ["x", "axes"], outputs: ["y"] }],
  },
  Unsqueeze: {
    inputs: [{ name: "x", shape: [3, 2] }],
    outputs: [{ name: "y" }],
    nodes: [{ op: "Unsqueeze", inputs: ["x"], outputs: ["y"], ints: { axes: [0, -1] } }],
    opset: 11,
  },
  Gather: {
    inputs: [{ name: "x", shape: [3, 4] }],
    outputs: [{ name: "y" }],
    initializers: [
      { name: "table", dims: [2, 3], ...ints(2, 0, -2, 1, -1, 3) },
      { name: "last", dims: [], ...ints(-1) },
    ],
    nodes: [
      // constant indices in no progression: an index table; then one index: a view
      { op: "Gather", inputs: ["x", "table"], outputs: ["t"], int: { axis: 1 } },
      { op: "Gather", inputs: ["t", "last"], outputs: ["y"], int: { axis: 0 } },
    ],
  },
  Pad: {
    inputs: [{ name: "x", shape: [2, 3] }],
    outputs: [{ name: "y" }],
    initializers: [
      { name: "p0", dims: [4], ...ints(1, 2, 0, -1) },
      { name: "v0", dims: [], floats: [-0.75] },
      { name: "p1", dims: [4], ...ints(2, 5, 1, 3) },
      { name: "p2", dims: [2], ...ints(3, 4) },
      { name: "ax", dims: [1], ...ints(-1) },
      { name: "p3", dims: [4], ...ints(1, 1, 1, 2) },
    ],
    nodes: [
      { op: "Pad", inputs: ["x", "p0", "v0"], outputs: ["t0"] },
      { op: "Pad", inputs: ["t0", "p1"], outputs: ["t1"], string: { mode: "reflect" } },
      { op: "Pad", inputs: ["t1", "p2", "", "ax"], outputs: ["t2"], string: { mode: "wrap" } },
      { op: "Pad", inputs: ["t2", "p3"], outputs: ["y"], string: { mode: "edge" } },
    ],
    opset: 18,
  },
  Expand: {
    inputs: [{ name: "x", shape: [3, 1] }],
    outputs: [{ name: "y" }],
    initializers: [{ name: "shape", dims: [3], ...ints(2, 1, 4) }],
    nodes: [{ op: "Expand", inputs: ["x", "shape"], outputs: ["y"] }],
  },
};

export const VOCAB = 7;
export const DIM = 3;
/** Token ids [1, 5] -> embedding rows [1, 5, 3] of a constant table. */
export const embeddingSpec = (): GraphSpec => ({
  inputs: [{ name: "ids", shape: [1, 5], elemType: INT64 }],
  outputs: [{ name: "y" }],
  initializers: [{ name: "emb", dims: [VOCAB, DIM], floats: floats(5, VOCAB * DIM, 4) }],
  nodes: [{ op: "Gather", inputs: ["emb", "ids"], outputs: ["y"], int: { axis: 0 } }],
});
