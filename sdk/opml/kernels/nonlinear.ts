/**
 * Kernel family 3 of the one-step executor: the non-linear functions, twin of
 * contracts/opml/kernels/NonlinearKernel.sol (bit for bit, revert for revert). Semantics:
 * docs/integer-semantics.md, section 4, "Non-linear functions"; the tables are
 * sdk/quant/functionTables.ts, the contract's NonlinearTables.sol (generated together).
 *
 * Op codes: 64 Sigmoid, 65 Tanh, 66 Exp, 67 Erf, 68 Gelu, 69 Sqrt, 70 Reciprocal, 71 Pow,
 * 72 Softmax, 73 LogSoftmax, 74 LayerNormalization.
 *
 * Params (every word below 2^64):
 *
 *   [0..2] X loc  [3] activation bits A (16)  [4] F (8)
 *   [5] outer  [6] D  [7] inner        output element e = (o, j, i), e = (o D + j) inner + i
 *                                      (unary ops: outer = the element count, D = inner = 1)
 *   [8] c: the table id (Sigmoid 0, Tanh 1, Exp 2, Erf 3, Gelu 4 or 5 for approximate "tanh"),
 *       Pow's mode (1: x, 2: x^2, 3: x^0.5), 0 for Sqrt, Reciprocal, Softmax, LogSoftmax
 *   LayerNormalization only (19 words):
 *   [9..11] Scale loc  [12..14] B loc (source 0: none)  [15] E  [16] shift e_g
 *   [17] Scale's stride along the row, [18] B's (1, or 0 where it is one value)
 *
 *   op            K     acc_0   fold term t: operands -> acc                      epilogue operands -> y
 *   unary         1     0       [x_e] -> f(x_e)                                   [] -> acc
 *   Softmax       2D    0       t < D: [x_t] -> max;  t >= D: [x_(t-D)] -> sum    [x_e] -> divRound(e(x_e - max) 2^F, sum)
 *   LogSoftmax    2D    0       as Softmax                                         [x_e] -> saturate(rescale((x_e - max) 2^G - L(sum), G))
 *   LayerNorm     D     0       [x_t] -> (S1 + x, S2 + x^2)                       [x_e, g_j, b_j] -> y
 *
 * Softmax and LogSoftmax pack acc = sum * 2^64 + (max + 2^63) (acc_0 = 0: max = -2^63 below every
 * activation, sum 0; L(sum) is logSumHigh, a sum <= 0 reverts Semantics_NonPositiveDivisor);
 * LayerNormalization packs acc = S1 * 2^64 + S2 (0 <= S2 < 2^52). Every value read, and every packed sum, stays below 2^52 in magnitude (Semantics_Overflow); a Softmax exponent above the exp
 * table's range (x above the row's maximum, impossible honestly) reverts Nonlinear_OutOfRange(v).
 */
import type { GeluNode, IrNode, LayerNormalizationNode, LogSoftmaxNode, OpType, PowNode, SoftmaxNode } from "../../ir/types.js";
import { NonlinearKernel__factory } from "../../../types/ethers-contracts/index.js";
import { broadcastIndex } from "../../ops/broadcast.js";
import { rowLayout } from "../../ops/softmax.js";
import { FUNCTION_TABLES } from "../../quant/functionTables.js";
import {
  FUNCTION_ACTIVATION_BITS,
  FUNCTION_FRAC_BITS,
  FUNCTION_TABLE_ORDER,
  type FunctionTable,
  GUARD_BITS,
  LAYER_NORM_EPSILON_SHIFT,
  LAYER_NORM_SHIFT,
  LN2_HIGH,
  LN_MANTISSA_BITS,
  isqrt,
  layerNormEpsilon,
  segmentShift,
} from "../../quant/functions.js";
import { sizeOf } from "../../tensor.js";
import {
  ACCUMULATOR_LIMIT,
  type NodeProgram,
  OneStepRevert,
  type OperandRef,
  PARAM_LIMIT,
  SOURCE_NONE,
  SOURCE_WEIGHT,
  checkBelow,
  floorDiv,
  ref,
  rescale,
  saturate,
} from "../semantics.js";
import type { OpKernel, ProgramContext } from "./kernel.js";

export const NONLINEAR_OPS = {
  Sigmoid: 64,
  Tanh: 65,
  Exp: 66,
  Erf: 67,
  Gelu: 68,
  Sqrt: 69,
  Reciprocal: 70,
  Pow: 71,
  Softmax: 72,
  LogSoftmax: 73,
  LayerNormalization: 74,
} as const satisfies Partial<Record<OpType, number>>;

/** Param positions. */
export const NONLINEAR = {
  x: 0,
  bits: 3,
  frac: 4,
  outer: 5,
  length: 6,
  inner: 7,
  c: 8,
  scale: 9,
  bias: 12,
  epsilon: 15,
  shift: 16,
  scaleStride: 17,
  biasStride: 18,
} as const;
const UNARY_WORDS = 9;
const LAYER_NORM_WORDS = 19;
const MAX_SHIFT = 52n;
const POW_MODE: Readonly<Record<number, bigint>> = { 1: 1n, 2: 2n, 0.5: 3n };

const E = NONLINEAR_OPS;
const badParams = (p: NodeProgram, word: number | bigint) =>
  new OneStepRevert("OneStep_BadParams(uint8,uint256)", [BigInt(p.op), BigInt(word)]);
const TWO_63 = 1n << 63n;
const GUARD = BigInt(GUARD_BITS);
/** Softmax and LogSoftmax: the ops that fold a row's maximum and sum of exponentials. */
const rowOp = (op: number) => op === E.Softmax || op === E.LogSoftmax;

/** The table ids op `op` may name. */
function tableIds(op: number): readonly bigint[] {
  const id = (n: (typeof FUNCTION_TABLE_ORDER)[number]) => BigInt(FUNCTION_TABLE_ORDER.indexOf(n));
  switch (op) {
    case E.Sigmoid:
      return [id("sigmoid")];
    case E.Tanh:
      return [id("tanh")];
    case E.Exp:
      return [id("exp")];
    case E.Erf:
      return [id("erf")];
    case E.Gelu:
      return [id("gelu"), id("geluTanh")];
    case E.Pow:
      return [1n, 2n, 3n];
    default:
      return [0n];
  }
}

/** NonlinearKernel._check: the params' checks, in the contract's order; returns the output count. */
function checkParams(p: NodeProgram): bigint {
  const op = p.op;
  if (!Object.values(E).includes(op as never)) throw new OneStepRevert("OneStep_UnknownOp(uint8)", [BigInt(op)]);
  const q = p.params;
  const N = NONLINEAR;
  const layerNorm = op === E.LayerNormalization;
  if (q.length !== (layerNorm ? LAYER_NORM_WORDS : UNARY_WORDS)) throw badParams(p, q.length);
  if (q[N.x] === BigInt(SOURCE_NONE) || q[N.x]! > BigInt(SOURCE_WEIGHT)) throw badParams(p, N.x);
  if (q[N.bits] !== BigInt(FUNCTION_ACTIVATION_BITS)) throw badParams(p, N.bits);
  if (q[N.frac] !== BigInt(FUNCTION_FRAC_BITS)) throw badParams(p, N.frac);
  for (const at of [N.outer, N.length, N.inner]) if (q[at] === 0n) throw badParams(p, at);
  const unary = !rowOp(op) && !layerNorm;
  if (unary && q[N.length] !== 1n) throw badParams(p, N.length);
  if (unary && q[N.inner] !== 1n) throw badParams(p, N.inner);
  if (!tableIds(op).includes(q[N.c]!)) throw badParams(p, N.c);
  const count = q[N.outer]! * q[N.length]! * q[N.inner]!;
  if (count >= PARAM_LIMIT) throw badParams(p, N.outer);
  if (layerNorm) {
    if (q[N.scale] === BigInt(SOURCE_NONE) || q[N.scale]! > BigInt(SOURCE_WEIGHT)) throw badParams(p, N.scale);
    if (q[N.bias]! > BigInt(SOURCE_WEIGHT)) throw badParams(p, N.bias);
    if (q[N.epsilon] === 0n || q[N.epsilon]! >= ACCUMULATOR_LIMIT) throw badParams(p, N.epsilon);
    if (q[N.shift]! > MAX_SHIFT) throw badParams(p, N.shift);
    if (q[N.scaleStride]! > 1n) throw badParams(p, N.scaleStride);
    if (q[N.biasStride]! > 1n) throw badParams(p, N.biasStride);
  }
  return count;
}

// ---------------------------------------------------------------- the function tables, in bigint

const TABLES: readonly FunctionTable[] = FUNCTION_TABLE_ORDER.map((n) => FUNCTION_TABLES[n]);

/** NonlinearKernel._high: h_0 of table t at v - lo in [0, 2^w). */
function high(t: FunctionTable, offset: bigint): bigint {
  const s = BigInt(segmentShift(t));
  const c = t.coefficients[Number(offset >> s)]!;
  const u = offset & ((1n << s) - 1n);
  let h = BigInt(c[t.degree]!);
  for (let j = t.degree - 1; j >= 0; j--) h = rescale(h * u, s) + BigInt(c[j]!);
  return h;
}

/** NonlinearKernel._table: the table's function on x (|x| < 2^52). */
function evaluate(t: FunctionTable, x: bigint, bits: bigint): bigint {
  const v = x - BigInt(t.lo);
  if (v < 0n) return saturate(BigInt(t.below.slope) * x + BigInt(t.below.value), bits);
  if (v >= 1n << BigInt(t.rangeBits)) return saturate(BigInt(t.above.slope) * x + BigInt(t.above.value), bits);
  return saturate(rescale(high(t, v), GUARD), bits);
}

/** Softmax's exponential at exponent F + G: 0 below the exp table, its h_0 inside, a revert above. */
function softmaxExp(v: bigint): bigint {
  const t = FUNCTION_TABLES.exp;
  const offset = v - BigInt(t.lo);
  if (offset < 0n) return 0n;
  if (offset >= 1n << BigInt(t.rangeBits)) throw new OneStepRevert("Nonlinear_OutOfRange(int256)", [v]);
  return high(t, offset);
}

/** NonlinearKernel._logSum: logSumHigh in bigint, ln(sum / 2^(F+G)) 2^(F+G) for sum >= 1. */
function logSum(sum: bigint): bigint {
  if (sum <= 0n) throw new OneStepRevert("Semantics_NonPositiveDivisor(int256)", [sum]);
  const b = BigInt(sum.toString(2).length - 1);
  const w = BigInt(LN_MANTISSA_BITS);
  const u = ((sum << w) >> b) - (1n << w);
  return high(FUNCTION_TABLES.lnMantissa, u) + (b - BigInt(FUNCTION_FRAC_BITS) - GUARD) * BigInt(LN2_HIGH);
}

/** round(sqrt(x 2^F)) for x > 0, else 0. */
function sqrtRound(x: bigint, frac: bigint): bigint {
  return x <= 0n ? 0n : (isqrt(x << (frac + 2n)) + 1n) >> 1n;
}

/** divRound(n, d) = floor((2n + d) / (2d)), the divisor's sign moved to the numerator (d != 0). */
function divRound(n: bigint, d: bigint): bigint {
  return d > 0n ? floorDiv(2n * n + d, 2n * d) : floorDiv(-2n * n - d, -2n * d);
}

/** NonlinearKernel._unary. */
function unary(op: number, c: bigint, x: bigint, bits: bigint, frac: bigint): bigint {
  if (op === E.Sqrt || (op === E.Pow && c === 3n)) return sqrtRound(x, frac);
  if (op === E.Reciprocal) return saturate(divRound(1n << (2n * frac), x === 0n ? 1n : x), bits);
  if (op === E.Pow) return c === 1n ? x : saturate(rescale(x * x, frac), bits);
  return evaluate(TABLES[Number(c)]!, x, bits);
}

/** (high, low) of a packed accumulator: acc = high * 2^64 + low, 0 <= low < 2^64. */
function unpack(acc: bigint): [bigint, bigint] {
  const hi = acc >> 64n;
  return [hi, acc - (hi << 64n)];
}

/** LayerNormalization's epilogue. */
function layerNorm(q: readonly bigint[], acc: bigint, [x, g, b]: readonly bigint[]): bigint {
  const N = NONLINEAR;
  const [s1, s2] = unpack(acc);
  checkBelow(s1, ACCUMULATOR_LIMIT);
  checkBelow(s2, ACCUMULATOR_LIMIT);
  const n = q[N.length]!;
  const t = ((n * s2 - s1 * s1) << BigInt(LAYER_NORM_EPSILON_SHIFT)) + q[N.epsilon]!;
  if (t <= 0n) throw new OneStepRevert("Semantics_NonPositiveDivisor(int256)", [t]);
  const inv = (isqrt((1n << BigInt(2 * LAYER_NORM_SHIFT + LAYER_NORM_EPSILON_SHIFT + 2)) / t) + 1n) >> 1n;
  const z = rescale((n * x! - s1) * inv, BigInt(LAYER_NORM_SHIFT) - q[N.frac]!);
  return saturate(rescale(z * g! + b!, q[N.shift]!), q[N.bits]!);
}

/** K: 2D for Softmax and LogSoftmax, D for LayerNormalization, 1 for the unary ops. */
function termsOf(p: NodeProgram): bigint {
  const d = p.params[NONLINEAR.length]!;
  return rowOp(p.op) ? 2n * d : p.op === E.LayerNormalization ? d : 1n;
}

/** The loc of `name` and its stride along a row of `row` (1, or 0 for a single value); fails otherwise. */
function rowOperand(ctx: ProgramContext, name: string, row: readonly number[]): [bigint, bigint, bigint, number] {
  const shape = ctx.shapeOf(name);
  const index = broadcastIndex(shape, row);
  const stride = sizeOf(shape) === 1 ? 0 : 1;
  if (index.some((v, j) => v !== j * stride))
    ctx.fail(
      `its operand "${name}" of shape [${shape.join(", ")}] broadcasts over the row in a way the kernel does not index (it takes one value or the whole row)`,
    );
  return [...ctx.loc(name), stride];
}

export const nonlinearKernel: OpKernel = {
  family: 3,
  contractName: "NonlinearKernel",
  artifact: NonlinearKernel__factory,
  opCodes: NONLINEAR_OPS,

  program(ctx) {
    const node = ctx.node as IrNode;
    const f = ctx.model.quantized.config.fracBits;
    const x = node.inputs[0]!;
    const shape = ctx.shapeOf(x);
    const head = (outer: number, length: number, inner: number, c: number | bigint) => [
      ...ctx.loc(x),
      ctx.bits,
      f,
      outer,
      length,
      inner,
      c,
    ];
    switch (node.op) {
      case "Softmax":
      case "LogSoftmax": {
        const { outer, length, inner } = rowLayout(shape, (node as SoftmaxNode | LogSoftmaxNode).axes);
        return head(outer, length, inner, 0);
      }
      case "LayerNormalization": {
        const ln = node as LayerNormalizationNode;
        const axes = Array.from({ length: shape.length - ln.axis }, (_, d) => ln.axis + d);
        const { outer, length, inner } = rowLayout(shape, axes);
        const row = shape.slice(ln.axis);
        const [g, b] = [ln.inputs[1]!, ln.inputs[2]];
        const [gs, gStep, gOff, gStride] = rowOperand(ctx, g, row);
        const [bs, bStep, bOff, bStride] = b === undefined ? [0n, 0n, 0n, 0] : rowOperand(ctx, b, row);
        const e = layerNormEpsilon(ln.epsilon, length, f);
        return [...head(outer, length, inner, 0), gs, gStep, gOff, bs, bStep, bOff, e, ctx.shift, gStride, bStride];
      }
      case "Pow": {
        const mode = POW_MODE[(node as PowNode).exponent ?? NaN];
        if (mode === undefined) ctx.fail(`exponent ${(node as PowNode).exponent} (the integer model has 1, 2 and 0.5)`);
        return head(sizeOf(shape), 1, 1, mode!);
      }
      case "Sqrt":
      case "Reciprocal":
        return head(sizeOf(shape), 1, 1, 0);
      default: {
        const name =
          node.op === "Gelu" ? ((node as GeluNode).approximate === "tanh" ? "geluTanh" : "gelu") : (node.op.toLowerCase() as "sigmoid");
        return head(sizeOf(shape), 1, 1, FUNCTION_TABLE_ORDER.indexOf(name));
      }
    }
  },

  outputCount: checkParams,

  termCount: termsOf,

  initialAccumulator: () => 0n,

  operandsOf(p, element, term): OperandRef[] {
    const q = p.params;
    const N = NONLINEAR;
    const [d, inner] = [q[N.length]!, q[N.inner]!];
    const i = element % inner;
    const o = element / inner / d;
    const at = (j: bigint) => ref(q, N.x, (o * d + j) * inner + i);
    const K = termsOf(p);
    if (term < K)
      return [rowOp(p.op) && term >= d ? at(term - d) : rowOp(p.op) || p.op === E.LayerNormalization ? at(term) : ref(q, N.x, element)];
    if (rowOp(p.op)) return [ref(q, N.x, element)];
    if (p.op !== E.LayerNormalization) return [];
    const j = (element / inner) % d;
    return [ref(q, N.x, element), ref(q, N.scale, j * q[N.scaleStride]!), ref(q, N.bias, j * q[N.biasStride]!)];
  },

  fold(p, _element, term, acc, [x]) {
    const q = p.params;
    checkBelow(x!, ACCUMULATOR_LIMIT);
    if (rowOp(p.op)) {
      const [sum, low] = unpack(acc);
      checkBelow(sum, ACCUMULATOR_LIMIT);
      const max = low - TWO_63;
      if (term < q[NONLINEAR.length]!) return (sum << 64n) + ((x! > max ? x! : max) + TWO_63);
      const next = sum + softmaxExp(x! - max);
      checkBelow(next, ACCUMULATOR_LIMIT);
      return (next << 64n) + low;
    }
    if (p.op === E.LayerNormalization) {
      const [s1, s2] = unpack(acc);
      checkBelow(s1, ACCUMULATOR_LIMIT);
      const [n1, n2] = [s1 + x!, s2 + x! * x!];
      checkBelow(n1, ACCUMULATOR_LIMIT);
      checkBelow(n2, ACCUMULATOR_LIMIT);
      return (n1 << 64n) + n2;
    }
    return unary(p.op, q[NONLINEAR.c]!, x!, q[NONLINEAR.bits]!, q[NONLINEAR.frac]!);
  },

  epilogue(p, _element, acc, values) {
    const q = p.params;
    for (const v of values) checkBelow(v, ACCUMULATOR_LIMIT);
    if (p.op === E.LayerNormalization) return layerNorm(q, acc, values);
    if (!rowOp(p.op)) return acc;
    const [sum, low] = unpack(acc);
    checkBelow(sum, ACCUMULATOR_LIMIT);
    const v = values[0]! - (low - TWO_63);
    if (p.op === E.LogSoftmax) return saturate(rescale(v * (1n << GUARD) - logSum(sum), GUARD), q[NONLINEAR.bits]!);
    const e = softmaxExp(v);
    return floorDiv(2n * e * (1n << q[NONLINEAR.frac]!) + sum, 2n * sum);
  },
};
