/**
 * Kernel family 0, data movement (op codes 16..31): the TypeScript twin of
 * contracts/opml/kernels/DataMovementKernel.sol, bit for bit and revert for revert. Every op moves
 * integers without arithmetic, so every element is one copy (K = 1, acc_0 = 0, fold = the value read,
 * epilogue = acc), except a lookup at run-time indices (K = 2). Programs come from the node's
 * movement (sdk/ops/movement.ts), the geometry the interpreter runs.
 *
 *   16 Transpose, 18 Slice, 19 Squeeze, 20 Unsqueeze, 22 Pad, 23 Expand: a strided VIEW
 *     [0..2] X loc  [3] pad mode (0 constant, 1 edge, 2 reflect, 3 wrap)  [4] pad value + 2^63
 *     [5] rank r, then r x (size, input size, start + 2^63, step + 2^63, input stride), outermost first.
 *     Output coordinate o of a dim reads input coordinate c = start + o * step; outside [0, input size)
 *     (Pad only) the mode maps it back (edge: clamp; reflect: mirror, period 2 (n - 1); wrap: c mod n),
 *     or in constant mode the element reads nothing (source 0) and is the pad value.
 *   17 Concat: [0] outer  [1] inner  [2] operands s, then s x (loc, extent along the axis);
 *     element (o, c, i) reads operand k at (o, c - start_k, i).
 *   21 Gather: [0] kind, then
 *     kind 0 (indices in arithmetic progression): a VIEW from word 1;
 *     kind 1 (constant indices): [1..3] X loc  [4] outer  [5] axis length L  [6] inner  [7] count n,
 *       then the n indices (each < L, at most MAX_TABLE); element (o, j, i) reads X (o, index_j, i);
 *     kind 2 (lookup at run-time indices, K = 2): [1..3] data loc  [4..6] indices loc  [7] outer
 *       [8] L  [9] inner  [10] count n. Term 0 reads index j into acc (negative: + L), term 1 reads
 *       data (o, acc, i), reverting OneStep_BadAccumulator unless 0 <= acc < L.
 *
 * Signed words (a start, a step, the pad value) are stored plus 2^63.
 */
import type { DataMovementNode, OpType } from "../../ir/types.js";
import { movementOf } from "../../ops/movement.js";
import type { View } from "../../ops/view.js";
import { DataMovementKernel__factory } from "../../../types/ethers-contracts/index.js";
import { NO_OPERAND, type NodeProgram, OneStepRevert, type OperandRef, PARAM_LIMIT, ref } from "../semantics.js";
import type { Loc, OpKernel, ProgramContext } from "./kernel.js";

export const DATA_MOVEMENT_OPS = {
  Transpose: 16,
  Concat: 17,
  Slice: 18,
  Squeeze: 19,
  Unsqueeze: 20,
  Gather: 21,
  Pad: 22,
  Expand: 23,
} as const satisfies Partial<Record<OpType, number>>;

/** Signed words are stored plus this offset. */
export const SIGNED_OFFSET = 1n << 63n;
/** The most constant indices a Gather program lists (its params are hashed and sent with every step). */
export const MAX_TABLE = 4096;
export const PAD_MODE_CODES = { constant: 0n, edge: 1n, reflect: 2n, wrap: 3n } as const;
/** Words per view dim, and of a view before its dims. */
export const VIEW_DIM_WORDS = 5;
export const VIEW_HEADER = 6;
const GATHER_VIEW = 0n;
const GATHER_TABLE = 1n;
const GATHER_LOOKUP = 2n;

const badParams = (p: NodeProgram, word: number | bigint) =>
  new OneStepRevert("OneStep_BadParams(uint8,uint256)", [BigInt(p.op), BigInt(word)]);
const signed = (w: bigint) => w - SIGNED_OFFSET;
const isSource = (s: bigint) => s === 1n || s === 2n;

// ---------------------------------------------------------------- checks (outputCount)

/** Checks the VIEW at word `b` (it runs to the end of the params); returns its output count. */
function checkView(p: NodeProgram, b: number): bigint {
  const q = p.params;
  const n = q.length;
  if (n < b + VIEW_HEADER) throw badParams(p, n);
  if (!isSource(q[b]!)) throw badParams(p, b);
  if (q[b + 3]! > 3n) throw badParams(p, b + 3);
  const r = q[b + 5]!;
  if (r > BigInt(n) || BigInt(n) !== BigInt(b + VIEW_HEADER) + r * BigInt(VIEW_DIM_WORDS)) throw badParams(p, n);
  let count = 1n;
  for (let d = 0; d < Number(r); d++) {
    const at = b + VIEW_HEADER + d * VIEW_DIM_WORDS;
    if (q[at] === 0n) throw badParams(p, at);
    if (q[at + 1] === 0n) throw badParams(p, at + 1);
    count *= q[at]!;
    if (count >= PARAM_LIMIT) throw badParams(p, b + 5);
  }
  return count;
}

function checkConcat(p: NodeProgram): bigint {
  const q = p.params;
  const n = q.length;
  if (n < 3) throw badParams(p, n);
  const s = q[2]!;
  if (s === 0n || s > BigInt(n) || BigInt(n) !== 3n + 4n * s) throw badParams(p, n);
  if (q[0] === 0n) throw badParams(p, 0);
  if (q[1] === 0n) throw badParams(p, 1);
  let total = 0n;
  for (let k = 0; k < Number(s); k++) {
    if (!isSource(q[3 + 4 * k]!)) throw badParams(p, 3 + 4 * k);
    total += q[6 + 4 * k]!;
  }
  if (total === 0n) throw badParams(p, 2);
  const count = q[0]! * total * q[1]!;
  if (count >= PARAM_LIMIT) throw badParams(p, 2);
  return count;
}

function checkGather(p: NodeProgram): bigint {
  const q = p.params;
  const n = q.length;
  if (n < 1) throw badParams(p, n);
  const kind = q[0]!;
  if (kind === GATHER_VIEW) return checkView(p, 1);
  let g: number; // the first of outer, L, inner, count
  if (kind === GATHER_TABLE) {
    if (n < 8) throw badParams(p, n);
    if (!isSource(q[1]!)) throw badParams(p, 1);
    g = 4;
    const c = q[7]!;
    if (c > BigInt(MAX_TABLE) || BigInt(n) !== 8n + c) throw badParams(p, n);
    for (let j = 8; j < n; j++) if (q[j]! >= q[5]!) throw badParams(p, j);
  } else if (kind === GATHER_LOOKUP) {
    if (n !== 11) throw badParams(p, n);
    if (!isSource(q[1]!)) throw badParams(p, 1);
    if (!isSource(q[4]!)) throw badParams(p, 4);
    g = 7;
  } else {
    throw badParams(p, 0);
  }
  for (let w = g; w < g + 4; w++) if (q[w] === 0n) throw badParams(p, w);
  const count = q[g]! * q[g + 3]! * q[g + 2]!;
  if (count >= PARAM_LIMIT) throw badParams(p, g);
  return count;
}

function checked(p: NodeProgram): bigint {
  switch (p.op) {
    case DATA_MOVEMENT_OPS.Concat:
      return checkConcat(p);
    case DATA_MOVEMENT_OPS.Gather:
      return checkGather(p);
    case DATA_MOVEMENT_OPS.Transpose:
    case DATA_MOVEMENT_OPS.Slice:
    case DATA_MOVEMENT_OPS.Squeeze:
    case DATA_MOVEMENT_OPS.Unsqueeze:
    case DATA_MOVEMENT_OPS.Pad:
    case DATA_MOVEMENT_OPS.Expand:
      return checkView(p, 0);
    default:
      throw new OneStepRevert("OneStep_UnknownOp(uint8)", [BigInt(p.op)]);
  }
}

// ---------------------------------------------------------------- indexing

/** floor-mod for a positive modulus. */
function mod(a: bigint, n: bigint): bigint {
  const r = a % n;
  return r < 0n ? r + n : r;
}

/** The input coordinate `c` reads along an axis of `n` under `mode`, or -1 (constant mode, outside): sdk/ops/view.ts padCoordinate. */
function coordinate(mode: bigint, c: bigint, n: bigint): bigint {
  if (c >= 0n && c < n) return c;
  if (mode === 0n) return -1n;
  if (mode === 1n) return c < 0n ? 0n : n - 1n;
  if (mode === 2n) {
    if (n === 1n) return 0n;
    const m = mod(c, 2n * (n - 1n));
    return m < n ? m : 2n * (n - 1n) - m;
  }
  return mod(c, n);
}

/** The operand of element `e` of the VIEW at word `b`: source 0 in constant padding. */
function viewRef(q: readonly bigint[], b: number, e: bigint): OperandRef {
  const mode = q[b + 3]!;
  let rest = e;
  let index = 0n;
  for (let d = Number(q[b + 5]!) - 1; d >= 0; d--) {
    const at = b + VIEW_HEADER + d * VIEW_DIM_WORDS;
    const o = rest % q[at]!;
    rest /= q[at]!;
    const c = coordinate(mode, signed(q[at + 2]!) + o * signed(q[at + 3]!), q[at + 1]!);
    if (c < 0n) return NO_OPERAND;
    index += c * q[at + 4]!;
  }
  return ref(q, b, index);
}

function concatRef(q: readonly bigint[], e: bigint): OperandRef {
  const inner = q[1]!;
  let total = 0n;
  for (let k = 0; k < Number(q[2]!); k++) total += q[6 + 4 * k]!;
  const o = e / (total * inner);
  let c = (e / inner) % total;
  const i = e % inner;
  for (let k = 0; ; k++) {
    const extent = q[6 + 4 * k]!;
    if (c < extent) return ref(q, 3 + 4 * k, (o * extent + c) * inner + i);
    c -= extent;
  }
}

const isView = (p: NodeProgram) => p.op !== DATA_MOVEMENT_OPS.Concat && (p.op !== DATA_MOVEMENT_OPS.Gather || p.params[0] === GATHER_VIEW);
const viewBase = (p: NodeProgram) => (p.op === DATA_MOVEMENT_OPS.Gather ? 1 : 0);
const isLookup = (p: NodeProgram) => p.op === DATA_MOVEMENT_OPS.Gather && p.params[0] === GATHER_LOOKUP;

// ---------------------------------------------------------------- programs

function viewWords(loc: Loc, view: View, fill: number): bigint[] {
  return [
    ...loc,
    PAD_MODE_CODES[view.mode],
    BigInt(fill) + SIGNED_OFFSET,
    BigInt(view.dims.length),
    ...view.dims.flatMap((d) => [d.size, d.inSize, BigInt(d.start) + SIGNED_OFFSET, BigInt(d.step) + SIGNED_OFFSET, d.stride].map(BigInt)),
  ];
}

function program(ctx: ProgramContext): bigint[] {
  const node = ctx.node as DataMovementNode;
  const m = movementOf(node, ctx.shapeOf);
  const x = node.inputs[0]!;
  switch (m.kind) {
    case "view": {
      const fill = ctx.model.quantized.nodes.get(node.name)?.params?.["value"] ?? 0;
      const words = viewWords(ctx.loc(x), m.view, fill);
      return node.op === "Gather" ? [GATHER_VIEW, ...words] : words;
    }
    case "concat": {
      const g = m.geometry;
      return [g.outer, g.inner, node.inputs.length]
        .map(BigInt)
        .concat(node.inputs.flatMap((n, k) => [...ctx.loc(n), BigInt(g.extents[k]!)]));
    }
    case "table": {
      const g = m.geometry;
      if (m.indices.length > MAX_TABLE) {
        ctx.fail(
          `its ${m.indices.length} constant indices exceed the ${MAX_TABLE} a program may list (and are not in arithmetic progression)`,
        );
      }
      return [GATHER_TABLE, ...ctx.loc(x), ...[g.outer, g.length, g.inner, g.count, ...m.indices].map(BigInt)];
    }
    case "lookup": {
      const g = m.geometry;
      return [GATHER_LOOKUP, ...ctx.loc(x), ...ctx.loc(node.inputs[1]!), ...[g.outer, g.length, g.inner, g.count].map(BigInt)];
    }
  }
}

// ---------------------------------------------------------------- the kernel

export const dataMovementKernel: OpKernel = {
  family: 0,
  contractName: "DataMovementKernel",
  artifact: DataMovementKernel__factory,
  opCodes: DATA_MOVEMENT_OPS,
  program,

  outputCount: checked,

  termCount(p) {
    return isLookup(p) ? 2n : 1n;
  },

  initialAccumulator() {
    return 0n;
  },

  operandsOf(p, e, term, acc) {
    const q = p.params;
    if (isLookup(p)) {
      if (term === 2n) return [];
      const [length, inner, count] = [q[8]!, q[9]!, q[10]!];
      const i = e % inner;
      const j = (e / inner) % count;
      if (term === 0n) return [ref(q, 4, j)];
      if (acc < 0n || acc >= length) throw new OneStepRevert("OneStep_BadAccumulator(int256)", [acc]);
      const o = e / inner / count;
      return [ref(q, 1, (o * length + acc) * inner + i)];
    }
    if (term === 1n) return []; // the epilogue reads nothing
    if (p.op === DATA_MOVEMENT_OPS.Concat) return [concatRef(q, e)];
    if (isView(p)) return [viewRef(q, viewBase(p), e)];
    // constant index table
    const [length, inner, count] = [q[5]!, q[6]!, q[7]!];
    const i = e % inner;
    const j = (e / inner) % count;
    const o = e / inner / count;
    return [ref(q, 1, (o * length + q[8 + Number(j)]!) * inner + i)];
  },

  fold(p, e, term, acc, values) {
    if (isLookup(p)) {
      const v = values[0]!;
      return term === 0n && v < 0n ? v + p.params[8]! : v;
    }
    if (isView(p)) {
      const b = viewBase(p);
      if (viewRef(p.params, b, e).source === 0) return signed(p.params[b + 4]!);
    }
    return values[0]!;
  },

  epilogue(_p, _e, acc) {
    return acc;
  },
};
