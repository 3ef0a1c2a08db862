/**
 * The program of a model for OPML's one-step executor: one NodeProgram
 * {op, params} per node, what contracts/opml/OneStepExecutor.sol indexes the
 * node with (shapes, strides, pads, where its operands lie in the trace and
 * in the weight stream, shift, bias alignment, activation width), and the
 * model's program root, which the model's OPML verifier pins.
 *
 *   programLeaf(n) = keccak256(0x03 ‖ uint256 n ‖ uint256 op ‖ keccak256(abi.encodePacked(params)))
 *   program root   = positional keccak tree over programLeaf(0..nodes-1) (sdk/commit/merkle.ts)
 *
 * Op codes and params (every param a uint256 below 2^64; "loc" is three words
 * (source, step, offset): source 1 = the trace, `step` the trace step holding
 * the tensor (0: the graph inputs concatenated, p + 1: node p's outputs) and
 * `offset` its first element there; source 2 = the weight stream, `offset` the
 * constant's first weight (step 0); source 0 = no such operand):
 *
 *   1 Gemm, 2 MatMul (one layout; op(A) is [M, K], op(B) is [K, N], output
 *   element e = (p, i, j) row-major over batch, M, N):
 *     [0..2] A loc  [3..5] B loc  [6..8] C loc (source 0: none; Gemm only)
 *     [9] M  [10] K  [11] N
 *     [12] A's stride along i  [13] A's stride along t  [14] B's stride along t  [15] B's stride along j
 *     [16] C's stride along i  [17] C's stride along j (0 where C broadcasts)
 *     [18] shift s  [19] biasShiftLeft L  [20] activation bits A
 *     [21] batch rank r, then r × (size, A's batch stride, B's batch stride), outermost first
 *   3 Conv (output element e = (n, m, o) row-major over N, filters, output positions):
 *     [0..2] X loc  [3..5] W loc  [6..8] bias loc (source 0: none)
 *     [9] N  [10] channels C  [11] filters M  [12] group  [13] shift s  [14] activation bits A
 *     [15] spatial rank d, then the window (below)
 *   4 Relu, 9 Flatten, 10 Reshape ("copy"): [0..2] X loc  [3] element count
 *   5 MaxPool, 6 AveragePool (output element e = (plane, o)):
 *     [0..2] X loc  [3] planes N·C  [4] count_include_pad (AveragePool; 0 for MaxPool)
 *     [5] spatial rank d, then the window (below)
 *   7 Add (output element e row-major over the output shape):
 *     [0..2] A loc  [3..5] B loc  [6] activation bits A
 *     [7] rank r, then r × (size, A's stride, B's stride) (stride 0 where the operand broadcasts)
 *   8 ArgMax (output element e = (o, i) over outer × inner):
 *     [0..2] X loc  [3] outer  [4] axis length D  [5] inner  [6] select_last_index
 *   window: d × (input size, output size, kernel, stride, pad begin, pad end, dilation), outermost first.
 *
 * Terms (acc_0 = initialAccumulator, acc_{t+1} = fold(acc_t, operands(t)),
 * y = epilogue(acc_K)): sdk/opml/operands.ts, in each kernel's own loop order.
 */
import type { ConvNode, GemmNode, IrNode } from "../ir/types.js";
import { InputError } from "../errors.js";
import { hexBytes, keccakBytes } from "../commit/keccak.js";
import { merkleLevels, merkleProof } from "../commit/merkle.js";
import type { Model } from "../model.js";
import { broadcastShapes } from "../ops/broadcast.js";
import { windowTaps } from "../ops/window.js";
import { sizeOf, stridesOf } from "../tensor.js";
import { kernelOfOp } from "./kernels/index.js";
import type { Loc } from "./kernels/kernel.js";
import { type NodeProgram, OP, PARAM_LIMIT, SOURCE_TRACE, SOURCE_WEIGHT } from "./operands.js";

export * from "./operands.js";

export interface ModelProgram {
  readonly programs: readonly NodeProgram[];
  /** The program root (what OpmlModel pins). */
  readonly root: string;
  /** Node `node`'s program leaf's proof to the root. */
  proof(node: number): string[];
}

/** The model cannot be disputed with OPML's one-step executor (names the node, its op and why). */
export class OpmlUnsupportedError extends InputError {
  constructor(
    readonly node: string,
    readonly op: string,
    readonly reason: string,
  ) {
    super(`OPML cannot execute ${op} node "${node}": ${reason}`);
  }
}

const PROGRAM_LEAF_PREFIX = Uint8Array.of(0x03);

/** A uint256 word, big-endian. */
function word(v: bigint): Uint8Array {
  if (v < 0n || v >= 1n << 256n) throw new RangeError(`${v} is not a uint256`);
  return hexBytes(v.toString(16).padStart(64, "0"));
}

/** keccak256(0x03 ‖ uint256 node ‖ uint256 op ‖ keccak256(abi.encodePacked(params))). */
export function programLeaf(node: number, p: NodeProgram): string {
  const params = keccakBytes(...p.params.map(word));
  return keccakBytes(PROGRAM_LEAF_PREFIX, word(BigInt(node)), word(BigInt(p.op)), hexBytes(params));
}

const cache = new WeakMap<Model, ModelProgram>();

/** The program of every node of `model`, its root and proofs; throws OpmlUnsupportedError. */
export function modelProgram(model: Model): ModelProgram {
  const hit = cache.get(model);
  if (hit) return hit;
  const { graph } = model;
  if (graph.nodes.length === 0) throw new OpmlUnsupportedError(graph.name, "graph", "the graph has no node");
  const programs = graph.nodes.map((node, index) => nodeProgram(model, node, index));
  const last = graph.nodes[graph.nodes.length - 1]!;
  if (graph.outputs.length !== 1 || graph.outputs[0]!.name !== last.outputs[0]) {
    throw new OpmlUnsupportedError(
      last.name,
      last.op,
      `the graph's output must be exactly the last node's sole output (a claim opens the last trace step as the output), ` +
        `the graph outputs [${graph.outputs.map((o) => o.name).join(", ")}]`,
    );
  }
  const levels = merkleLevels(programs.map((p, n) => programLeaf(n, p)));
  const result: ModelProgram = {
    programs,
    root: levels[levels.length - 1]![0]!,
    proof: (node: number) => {
      if (!Number.isInteger(node) || node < 0 || node >= programs.length)
        throw new RangeError(`the model has nodes 0..${programs.length - 1}, not ${node}`);
      return merkleProof(levels, node);
    },
  };
  cache.set(model, result);
  return result;
}

const NO_LOC: Loc = [0n, 0n, 0n];

function nodeProgram(model: Model, node: IrNode, index: number): NodeProgram {
  const fail = (reason: string): never => {
    throw new OpmlUnsupportedError(node.name, node.op, reason);
  };
  if (node.outputs.length !== 1)
    fail(`it has ${node.outputs.length} outputs (a MaxPool Indices output?); OPML executes single-output nodes`);
  const q = model.quantized;
  const shapeOf = (name: string): readonly number[] =>
    (q.constants.get(name)?.tensor.shape ?? model.graph.tensors.get(name)!.shape) as number[];
  const outShape = model.graph.tensors.get(node.outputs[0]!)!.shape;
  const loc = (name: string): Loc => {
    if (q.constants.has(name)) {
      const s = model.commitment.segments.find((seg) => seg.name === name);
      if (!s) fail(`constant "${name}" is not in the weight stream`);
      return [BigInt(SOURCE_WEIGHT), 0n, BigInt(s!.offset)];
    }
    const at = locate(model, name);
    if (!at || at.step > index) fail(`input "${name}" is neither a graph input, an earlier node's output nor a constant`);
    return [BigInt(SOURCE_TRACE), BigInt(at!.step), BigInt(at!.offset)];
  };
  const { shift, biasShiftLeft } = q.nodes.get(node.name)!;
  const bits = q.config.activationBits;
  let op: number;
  let params: number[] | bigint[];
  const words = (...parts: (Loc | number | readonly number[])[]): bigint[] =>
    parts.flatMap((x) => (typeof x === "number" ? [BigInt(x)] : Array.from(x as ArrayLike<number | bigint>, (v) => BigInt(v))));
  switch (node.op) {
    case "Gemm":
    case "MatMul": {
      op = OP[node.op];
      const [a, b, c] = node.inputs as [string, string, string?];
      const aShape = shapeOf(a);
      const bShape = shapeOf(b);
      let m: number, k: number, n: number, aRow: number, aK: number, bK: number, bCol: number;
      let batch: number[] = [];
      let cRow = 0;
      let cCol = 0;
      if (node.op === "Gemm") {
        const g = node as GemmNode;
        [m, k] = g.transA ? [aShape[1]!, aShape[0]!] : [aShape[0]!, aShape[1]!];
        n = g.transB ? bShape[0]! : bShape[1]!;
        [aRow, aK] = g.transA ? [1, m] : [k, 1];
        [bK, bCol] = g.transB ? [1, k] : [n, 1];
        if (c !== undefined) {
          const cs = shapeOf(c);
          const full = [...new Array<number>(2 - cs.length).fill(1), ...cs];
          cRow = full[0] === 1 ? 0 : full[1]!;
          cCol = full[1] === 1 ? 0 : 1;
        }
      } else {
        const left =
          aShape.length === 1
            ? { batch: [], rows: 1, cols: aShape[0]! }
            : { batch: aShape.slice(0, -2), rows: aShape.at(-2)!, cols: aShape.at(-1)! };
        const right =
          bShape.length === 1
            ? { batch: [], rows: bShape[0]!, cols: 1 }
            : { batch: bShape.slice(0, -2), rows: bShape.at(-2)!, cols: bShape.at(-1)! };
        [m, k, n] = [left.rows, left.cols, right.cols];
        [aRow, aK, bK, bCol] = [k, 1, n, 1];
        const shape = broadcastShapes(left.batch, right.batch)!;
        const aStrides = batchStrides(left.batch, shape, m * k);
        const bStrides = batchStrides(right.batch, shape, k * n);
        batch = shape.flatMap((size, d) => [size, aStrides[d]!, bStrides[d]!]);
      }
      params = words(
        loc(a),
        loc(b),
        c === undefined ? NO_LOC : loc(c),
        [m, k, n, aRow, aK, bK, bCol, cRow, cCol, shift, biasShiftLeft, bits],
        batch.length / 3,
        batch,
      );
      break;
    }
    case "Conv": {
      op = OP.Conv;
      const cv = node as ConvNode;
      const [x, w, b] = node.inputs as [string, string, string?];
      const xShape = shapeOf(x);
      const filters = shapeOf(w)[0]!;
      if (biasShiftLeft !== 0) fail(`bias shift ${biasShiftLeft} (the executor's Conv adds its bias at the accumulator's exponent)`);
      params = words(
        loc(x),
        loc(w),
        b === undefined ? NO_LOC : loc(b),
        [xShape[0]!, xShape[1]!, filters, cv.group, shift, bits],
        window(cv, xShape, outShape),
      );
      break;
    }
    case "MaxPool":
    case "AveragePool": {
      op = OP[node.op];
      const xShape = shapeOf(node.inputs[0]!);
      const countIncludePad = node.op === "AveragePool" && node.countIncludePad;
      const taps = windowTaps(node, xShape.slice(2), outShape.slice(2));
      for (let o = 0; o < taps.paddedCount.length; o++) {
        const real = taps.tapStart[o + 1]! - taps.tapStart[o]!;
        if (real === 0 && (node.op === "MaxPool" || !countIncludePad))
          fail(
            `output position ${o} has a window with no tap inside the input (its ${node.op === "MaxPool" ? "maximum" : "average"} is undefined)`,
          );
      }
      params = words(loc(node.inputs[0]!), [xShape[0]! * xShape[1]!, countIncludePad ? 1 : 0], window(node, xShape, outShape));
      break;
    }
    case "Relu":
    case "Flatten":
    case "Reshape":
      op = OP[node.op];
      params = words(loc(node.inputs[0]!), sizeOf(shapeOf(node.inputs[0]!)));
      break;
    case "Add": {
      op = OP.Add;
      const [a, b] = node.inputs as [string, string];
      const aStrides = broadcastStrides(shapeOf(a), outShape);
      const bStrides = broadcastStrides(shapeOf(b), outShape);
      params = words(
        loc(a),
        loc(b),
        bits,
        outShape.length,
        outShape.flatMap((size, d) => [size, aStrides[d]!, bStrides[d]!]),
      );
      break;
    }
    case "ArgMax": {
      op = OP.ArgMax;
      const xShape = shapeOf(node.inputs[0]!);
      params = words(loc(node.inputs[0]!), [
        sizeOf(xShape.slice(0, node.axis)),
        xShape[node.axis]!,
        sizeOf(xShape.slice(node.axis + 1)),
        node.selectLastIndex ? 1 : 0,
      ]);
      break;
    }
    default: {
      const served = kernelOfOp((node as IrNode).op);
      if (!served) return fail("the one-step executor has no such operator");
      op = served.code;
      params = served.kernel.program({ model, node, index, loc, shapeOf, outShape, shift, biasShiftLeft, bits, fail }).map(BigInt);
    }
  }
  const out = params.map((v) => BigInt(v));
  if (out.some((v) => v < 0n || v >= PARAM_LIMIT)) fail(`a parameter is outside 0..2^64 (params [${out.join(", ")}])`);
  if (sizeOf(outShape) === 0) fail("it has no output element");
  return { op, params: out };
}

/** Where tensor `name` lies in the trace (a graph input: step 0; node p's output: step p + 1), or undefined. */
export function locate(model: Model, name: string): { step: number; offset: number } | undefined {
  const { graph } = model;
  let offset = 0;
  for (const input of graph.inputs) {
    if (input.name === name) return { step: 0, offset };
    offset += sizeOf(input.shape);
  }
  for (let p = 0; p < graph.nodes.length; p++) {
    offset = 0;
    for (const out of graph.nodes[p]!.outputs) {
      if (out === name) return { step: p + 1, offset };
      offset += sizeOf(graph.tensors.get(out)!.shape);
    }
  }
  return undefined;
}

/** Per output batch dim, the operand's flat stride (its own batch shape left-padded; 0 where it broadcasts), times the matrix size. */
function batchStrides(own: readonly number[], batch: readonly number[], matrix: number): number[] {
  const padded = [...new Array<number>(batch.length - own.length).fill(1), ...own];
  const strides = stridesOf(padded);
  return padded.map((d, i) => (d === 1 ? 0 : strides[i]! * matrix));
}

/** Per output dim, the operand's flat stride (0 where it broadcasts): broadcastIndex's rule. */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = stridesOf(shape);
  return outShape.map((_, i) => {
    const d = i - (outShape.length - shape.length);
    return d < 0 || shape[d] === 1 ? 0 : strides[d]!;
  });
}

/** The window words: spatial rank, then per dim (input, output, kernel, stride, pad begin, pad end, dilation). */
function window(
  w: { kernelShape: readonly number[]; strides: readonly number[]; pads: readonly number[]; dilations: readonly number[] },
  xShape: readonly number[],
  outShape: readonly number[],
): number[] {
  const d = w.kernelShape.length;
  const dims: number[] = [d];
  for (let i = 0; i < d; i++)
    dims.push(xShape[2 + i]!, outShape[2 + i]!, w.kernelShape[i]!, w.strides[i]!, w.pads[i]!, w.pads[d + i]!, w.dilations[i]!);
  return dims;
}
