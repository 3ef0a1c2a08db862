/**
 * Models and synthetic worlds for the one-step executor's tests
 * (test/opml/oneStep.test.ts, test/opml/program.test.ts).
 *
 * - `linearSpec`: Conv (group 2, strides [2, 1], dilations [1, 2], asymmetric pads), Conv without bias,
 *   Relu, Reshape, MatMul with broadcast batch dims, MatMul with a constant A, Flatten, Gemm with transA,
 *   transB and C [3, 1] on the second graph input, Gemm with two activations, Gemm with an activation C.
 * - `poolsSpec`: MaxPool with pads and ceil_mode, AveragePool with and without count_include_pad, with
 *   ceil_mode and with dilations, Add with broadcasting and constant operands (first and second), Relu,
 *   ArgMax keepdims / select_last_index.
 * - `randomWorld`: a random program of one op (random shapes, strides, pads, broadcasting, operand
 *   sources), a random trace and weight stream holding its operands, with edge values.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { WeightTree } from "../../sdk/commit/weights.js";
import { Model } from "../../sdk/model.js";
import { type NodeProgram, OP } from "../../sdk/opml/program.js";
import { ExecutionTrace, step } from "../../sdk/opml/trace.js";
import { stridesOf } from "../../sdk/tensor.js";
import { type GraphSpec, buildOnnx, rng } from "../helpers/onnxBuilder.js";

export function loadSpec(spec: GraphSpec): Model {
  const dir = mkdtempSync(join(tmpdir(), "vinfer-opml-"));
  const path = join(dir, "model.onnx");
  writeFileSync(path, buildOnnx(spec));
  return Model.load(path);
}

const floatsOf = (seed: number) => {
  const r = rng(seed);
  return (n: number) => Array.from({ length: n }, () => r() * 2 - 1);
};

export function linearSpec(): GraphSpec {
  const floats = floatsOf(3);
  return {
    inputs: [
      { name: "x", shape: [1, 4, 5, 6] },
      { name: "g", shape: [4, 3] },
    ],
    outputs: [{ name: "out" }],
    nodes: [
      {
        op: "Conv",
        inputs: ["x", "cw1", "cb1"],
        outputs: ["c1"],
        int: { group: 2 },
        ints: { strides: [2, 1], dilations: [1, 2], pads: [1, 2, 0, 1], kernel_shape: [3, 3] },
      },
      { op: "Relu", inputs: ["c1"], outputs: ["r1"] },
      { op: "Conv", inputs: ["r1", "cw2"], outputs: ["c2"], ints: { pads: [1, 1, 1, 1] } },
      { op: "Reshape", inputs: ["c2", "shape0"], outputs: ["m0"] },
      { op: "MatMul", inputs: ["m0", "mw"], outputs: ["mm"] },
      { op: "MatMul", inputs: ["mA", "mm"], outputs: ["mm2"] },
      { op: "Flatten", inputs: ["mm2"], outputs: ["flat"], int: { axis: 2 } },
      { op: "Gemm", inputs: ["g", "wg", "cg"], outputs: ["t7"], int: { transA: 1, transB: 1 } },
      { op: "Gemm", inputs: ["t7", "flat", "cg2"], outputs: ["t8"] },
      { op: "Gemm", inputs: ["t7", "w9"], outputs: ["t9"], int: { transB: 1 } },
      { op: "Gemm", inputs: ["t8", "wz", "t9"], outputs: ["out"] },
    ],
    initializers: [
      { name: "cw1", dims: [4, 2, 3, 3], floats: floats(72) },
      { name: "cb1", dims: [4], floats: floats(4) },
      { name: "cw2", dims: [3, 4, 2, 2], floats: floats(48) },
      { name: "shape0", dims: [4], int64s: [3, 1, 3, 6] },
      { name: "mw", dims: [2, 6, 4], floats: floats(48) },
      { name: "mA", dims: [3, 3], floats: floats(9) },
      { name: "wg", dims: [6, 4], floats: floats(24) },
      { name: "cg", dims: [3, 1], floats: floats(3) },
      { name: "cg2", dims: [12], floats: floats(12) },
      { name: "w9", dims: [5, 6], floats: floats(30) },
      { name: "wz", dims: [12, 5], floats: floats(60) },
    ],
  };
}

export function poolsSpec(): GraphSpec {
  const window = (kernel: number[], strides: number[], extra: Record<string, number[]> = {}) => ({
    kernel_shape: kernel,
    strides,
    ...extra,
  });
  return {
    inputs: [{ name: "x", shape: [1, 2, 5, 5] }],
    outputs: [{ name: "out" }],
    nodes: [
      { op: "MaxPool", inputs: ["x"], outputs: ["p0"], int: { ceil_mode: 1 }, ints: window([3, 3], [2, 2], { pads: [1, 1, 1, 1] }) },
      {
        op: "AveragePool",
        inputs: ["x"],
        outputs: ["p1"],
        int: { ceil_mode: 1, count_include_pad: 1 },
        ints: window([3, 3], [2, 2], { pads: [1, 1, 1, 1] }),
      },
      { op: "AveragePool", inputs: ["x"], outputs: ["p2"], int: { ceil_mode: 1 }, ints: window([2, 2], [2, 2]) },
      { op: "AveragePool", inputs: ["x"], outputs: ["p3"], ints: window([2, 3], [1, 2], { dilations: [2, 1], pads: [1, 0, 0, 1] }) },
      { op: "MaxPool", inputs: ["x"], outputs: ["p4"], ints: window([2, 2], [1, 1], { dilations: [2, 2], pads: [0, 0, 1, 1] }) },
      { op: "Add", inputs: ["p0", "p1"], outputs: ["a0"] },
      { op: "Add", inputs: ["a0", "cadd"], outputs: ["a1"] },
      { op: "Add", inputs: ["a1", "p2"], outputs: ["a2"] },
      { op: "Add", inputs: ["cs", "a2"], outputs: ["a3"] },
      { op: "Relu", inputs: ["a3"], outputs: ["r"] },
      { op: "ArgMax", inputs: ["r"], outputs: ["am0"], int: { axis: 1, keepdims: 1 } },
      { op: "ArgMax", inputs: ["r"], outputs: ["out"], int: { axis: 3, keepdims: 0, select_last_index: 1 } },
    ],
    initializers: [
      { name: "cadd", dims: [2, 1, 1], floats: [-1.5, 0.25] },
      { name: "cs", dims: [3], floats: [0.5, -2, 1] },
    ],
  };
}

/**
 * A request's quantized input for `model`: random floats on a grid of 1/4 (ties in pools and
 * ArgMax), in [-2, 2], or in 16 steps across an input's declared range (digits: [0, 1]).
 */
export function randomInput(model: Model, seed: number): bigint[] {
  const r = rng(seed);
  return model.quantizedInput(
    model.graph.inputs.map((t) => {
      const range = model.quantized.inputRanges?.get(t.name);
      const draw = range ? () => range.lo + (Math.round(r() * 16) / 16) * (range.hi - range.lo) : () => Math.round((r() * 4 - 2) * 4) / 4;
      return { dtype: "float32" as const, shape: t.shape, data: Float64Array.from({ length: t.shape.reduce((a, b) => a * b, 1) }, draw) };
    }),
  );
}

// ------------------------------------------------------------------ synthetic worlds

/** A program with a trace and a weight stream that hold its operands (state = the last step). */
export interface World {
  readonly program: NodeProgram;
  readonly trace: ExecutionTrace;
  readonly weights: WeightTree;
  readonly state: number;
}

const STEPS = 3;
const A = 16;
/** Values an operand may hold: activation-range edges, ties, and rarely values past the accumulator bound. */
const EDGES = [0, 1, -1, 2 ** (A - 1) - 1, -(2 ** (A - 1)), 2 ** (A - 1) - 2, -(2 ** (A - 1)) + 1];
const HUGE = [2 ** 52 - 1, -(2 ** 52 - 1), 2 ** 52, -(2 ** 52), 2 ** 53 - 1, -(2 ** 53 - 1)];

export function randomWorld(op: number, seed: number): World {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const tensors: { loc: number[]; size: number }[] = [];
  /** A loc for an operand of `size` elements: trace (step 0..2) or weight, at a random offset. */
  const loc = (size: number, optional = false): number[] => {
    if (optional && r() < 0.25) return [0, 0, 0];
    const l = r() < 0.5 ? [1, int(STEPS), int(6)] : [2, 0, int(40)];
    tensors.push({ loc: l, size });
    return l;
  };
  const bits = () => (r() < 0.03 ? pick([1, 33]) : pick([16, 16, 16, 8, 32, 2]));
  const window = (rank: number) => {
    const dims: number[][] = [];
    for (let d = 0; d < rank; d++) {
      const [inSize, kernel, stride, dilation, padBegin, padEnd] = [1 + int(5), 1 + int(3), 1 + int(2), 1 + int(2), int(3), int(3)];
      const span = (kernel - 1) * dilation + 1;
      const out = r() < 0.7 ? Math.max(1, Math.floor((inSize + padBegin + padEnd - span) / stride) + 1) : 1 + int(4);
      dims.push([inSize, out, kernel, stride, padBegin, padEnd, dilation]);
    }
    return dims;
  };
  const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);
  let params: number[];
  const tieValues = op === OP.ArgMax || op === OP.MaxPool;
  switch (op) {
    case OP.Gemm:
    case OP.MatMul: {
      const [m, k, n] = [1 + int(4), 1 + int(5), 1 + int(4)];
      const [transA, transB] = op === OP.Gemm ? [r() < 0.5, r() < 0.5] : [false, false];
      const rank = op === OP.Gemm ? 0 : int(3);
      const sizes = Array.from({ length: rank }, () => 1 + int(3));
      const aShape = sizes.map((s) => (r() < 0.3 ? 1 : s));
      const bShape = sizes.map((s) => (r() < 0.3 ? 1 : s));
      const as = stridesOf(aShape).map((s, d) => (aShape[d] === 1 ? 0 : s * m * k));
      const bs = stridesOf(bShape).map((s, d) => (bShape[d] === 1 ? 0 : s * k * n));
      const [aRow, aK] = transA ? [1, m] : [k, 1];
      const [bK, bCol] = transB ? [1, k] : [n, 1];
      const cPattern = op === OP.Gemm ? int(5) : 4; // [m, n], [n], [m, 1], [1], none
      const [cRow, cCol, cSize] = [
        [n, 1, m * n],
        [0, 1, n],
        [1, 0, m],
        [0, 0, 1],
        [0, 0, 0],
      ][cPattern]!;
      const a = loc(prod(aShape) * m * k);
      const b = loc(prod(bShape) * k * n);
      const c = cPattern === 4 ? [0, 0, 0] : loc(cSize!);
      params = [...a, ...b, ...c, m, k, n, aRow, aK, bK, bCol, cRow!, cCol!, int(25), int(12), bits(), rank];
      sizes.forEach((s, d) => params.push(s, as[d]!, bs[d]!));
      break;
    }
    case OP.Conv: {
      const [group, perGroupIn, perGroupOut, batch] = [1 + int(2), 1 + int(2), 1 + int(2), 1 + int(2)];
      const [channels, filters] = [group * perGroupIn, group * perGroupOut];
      const dims = window(1 + int(2));
      const x = loc(batch * channels * prod(dims.map((d) => d[0]!)));
      const w = loc(filters * perGroupIn * prod(dims.map((d) => d[2]!)));
      const b = loc(filters, true);
      params = [...x, ...w, ...b, batch, channels, filters, group, int(20), bits(), dims.length, ...dims.flat()];
      break;
    }
    case OP.MaxPool:
    case OP.AveragePool: {
      const planes = 1 + int(3);
      const dims = window(1 + int(2));
      const x = loc(planes * prod(dims.map((d) => d[0]!)));
      params = [...x, planes, op === OP.AveragePool && r() < 0.5 ? 1 : 0, dims.length, ...dims.flat()];
      break;
    }
    case OP.Add: {
      const rank = int(4);
      const sizes = Array.from({ length: rank }, () => 1 + int(3));
      const operand = () => {
        const dropped = int(rank + 1);
        const shape = sizes.map((s, d) => (d < dropped && r() < 0.5 ? 1 : r() < 0.3 ? 1 : s));
        const strides = stridesOf(shape).map((s, d) => (shape[d] === 1 ? 0 : s));
        return { l: loc(prod(shape)), strides };
      };
      const a = operand();
      const b = operand();
      params = [...a.l, ...b.l, bits(), rank];
      sizes.forEach((s, d) => params.push(s, a.strides[d]!, b.strides[d]!));
      break;
    }
    case OP.ArgMax: {
      const [outer, len, inner] = [1 + int(3), 1 + int(6), 1 + int(3)];
      params = [...loc(outer * len * inner), outer, len, inner, int(2)];
      break;
    }
    default: {
      const count = 1 + int(40);
      params = [...loc(count), count];
    }
  }
  const value = () => {
    if (tieValues && r() < 0.6) return int(5) - 2;
    const u = r();
    if (u < 0.6) return int(601) - 300;
    if (u < 0.8) return pick(EDGES);
    if (u < 0.985) return int(2 ** A) - 2 ** (A - 1);
    return pick(HUGE);
  };
  const fill = (size: number) => Float64Array.from({ length: size }, value);
  const sizeAt = (source: number, s: number) =>
    Math.max(1, ...tensors.filter((t) => t.loc[0] === source && t.loc[1] === s).map((t) => t.loc[2]! + t.size + int(3)));
  const steps = Array.from({ length: STEPS }, (_, s) => step(`s${s}`, "Synthetic", fill(sizeAt(1, s))));
  return {
    program: { op, params: params.map(BigInt) },
    trace: new ExecutionTrace(steps),
    weights: new WeightTree(fill(sizeAt(2, 0))),
    state: STEPS - 1,
  };
}
