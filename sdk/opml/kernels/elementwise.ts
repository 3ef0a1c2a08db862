/**
 * Kernel family 1 of the one-step executor: the element-wise operators, twin
 * of contracts/opml/kernels/ElementwiseKernel.sol (bit for bit, revert for
 * revert). Semantics: docs/integer-semantics.md, section 4.
 *
 * Op codes: 32 Mul, 33 Sub, 34 Div, 35 Neg, 36 Abs, 37 Clip, 38 LeakyRelu,
 * 39 PRelu, 40 HardSigmoid, 41 HardSwish, 42 BatchNormalization, 43 Where,
 * 44 Equal, 45 Less, 46 Greater.
 *
 * Params (every word below 2^64):
 *
 *   [0..2] [3..5] [6..8]  the locs of operands 0, 1, 2 (all zero words where the op has fewer)
 *   [9]                   activation bits A
 *   [10..13]              the op's constants c0..c3, signed values as 64-bit two's complement (0 where unused)
 *   [14]                  rank r of the output, then r x (size, stride of operand 0, 1, 2), outermost
 *                         first (stride 0 where an operand broadcasts along the dim or does not exist)
 *
 *   op           operands             c0          c1        c2    c3
 *   Mul          a, b                 shift s
 *   Sub          a, b
 *   Div          a, d                 k (d's exponent)
 *   Neg, Abs     x
 *   Clip         x                    lo          hi        (both in the A-bit range)
 *   LeakyRelu    x                    m           shift P
 *   PRelu        x, slope             shift e_w
 *   HardSigmoid  x                    m           c         P     F      (P + F <= 52)
 *   HardSwish    x                    m           c         P     F      (P + F <= 52)
 *   BatchNorm    x, scale, shift      shift e_w
 *   Where        condition, x, y
 *   Equal, Less, Greater  a, b
 *
 * Every output element is one term (K = 1): term 0 reads the op's operands at
 * the element's broadcast indices and its fold computes the element (after
 * checking every value is below 2^52 in magnitude, Semantics_Overflow); the
 * epilogue reads nothing and returns the accumulator. A Div by 0 reverts
 * Elementwise_DivisionByZero(dividend).
 */
import type { IrNode, OpType } from "../../ir/types.js";
import { ElementwiseKernel__factory } from "../../../types/ethers-contracts/index.js";
import { MULTIPLIER_SHIFT } from "../../quant/elementwise.js";
import { sizeOf, stridesOf } from "../../tensor.js";
import {
  ACCUMULATOR_LIMIT,
  type NodeProgram,
  OneStepRevert,
  type OperandRef,
  PARAM_LIMIT,
  SOURCE_NONE,
  SOURCE_WEIGHT,
  addSaturate,
  checkBelow,
  floorDiv,
  linearEpilogue,
  mac,
  ref,
  saturate,
} from "../semantics.js";
import type { OpKernel, ProgramContext } from "./kernel.js";

export const ELEMENTWISE_OPS = {
  Mul: 32,
  Sub: 33,
  Div: 34,
  Neg: 35,
  Abs: 36,
  Clip: 37,
  LeakyRelu: 38,
  PRelu: 39,
  HardSigmoid: 40,
  HardSwish: 41,
  BatchNormalization: 42,
  Where: 43,
  Equal: 44,
  Less: 45,
  Greater: 46,
} as const satisfies Partial<Record<OpType, number>>;

type ElementwiseOp = keyof typeof ELEMENTWISE_OPS;

/** Fixed param positions. */
export const ELEMENTWISE = { bits: 9, constants: 10, rank: 14, dimWords: 4 } as const;
const MAX_SHIFT = 52n;

/** What each constant word of an op must hold. */
type ConstantKind = "zero" | "shift" | "signed" | "activation";

const OPERANDS: Readonly<Record<number, number>> = {
  32: 2,
  33: 2,
  34: 2,
  35: 1,
  36: 1,
  37: 1,
  38: 1,
  39: 2,
  40: 1,
  41: 1,
  42: 3,
  43: 3,
  44: 2,
  45: 2,
  46: 2,
};

function constantKind(op: number, i: number): ConstantKind {
  const E = ELEMENTWISE_OPS;
  if (op === E.Mul || op === E.Div || op === E.PRelu || op === E.BatchNormalization) return i === 0 ? "shift" : "zero";
  if (op === E.Clip) return i < 2 ? "activation" : "zero";
  if (op === E.LeakyRelu) return i === 0 ? "signed" : i === 1 ? "shift" : "zero";
  if (op === E.HardSigmoid || op === E.HardSwish) return i < 2 ? "signed" : "shift";
  return "zero";
}

/** A param word as a signed 64-bit two's complement value. */
export const signedWord = (w: bigint): bigint => (w >= 1n << 63n ? w - (1n << 64n) : w);
/** A signed value (|v| < 2^63) as a param word. */
export const wordOf = (v: number | bigint): bigint => {
  const b = BigInt(v);
  return b < 0n ? b + (1n << 64n) : b;
};

const badParams = (p: NodeProgram, word: number | bigint) =>
  new OneStepRevert("OneStep_BadParams(uint8,uint256)", [BigInt(p.op), BigInt(word)]);

/** ElementwiseKernel._check: the params' checks, in the contract's order; returns the output count. */
function checkParams(p: NodeProgram): bigint {
  const k = OPERANDS[p.op];
  if (k === undefined) throw new OneStepRevert("OneStep_UnknownOp(uint8)", [BigInt(p.op)]);
  const q = p.params;
  const { bits: BITS, constants: C, rank: RANK, dimWords: DIM } = ELEMENTWISE;
  const n = q.length;
  if (n < RANK + 1 || q[RANK]! > BigInt(n) || BigInt(n) !== BigInt(RANK + 1) + q[RANK]! * BigInt(DIM)) throw badParams(p, n);
  for (let j = 0; j < 3; j++) {
    if (j < k) {
      if (q[3 * j] === BigInt(SOURCE_NONE) || q[3 * j]! > BigInt(SOURCE_WEIGHT)) throw badParams(p, 3 * j);
    } else {
      for (let w = 3 * j; w < 3 * j + 3; w++) if (q[w] !== 0n) throw badParams(p, w);
    }
  }
  const bits = q[BITS]!;
  if (bits < 2n || bits > 32n) throw badParams(p, BITS);
  for (let i = 0; i < 4; i++) {
    const w = q[C + i]!;
    const kind = constantKind(p.op, i);
    const ok =
      kind === "signed" ||
      (kind === "zero" && w === 0n) ||
      (kind === "shift" && w <= MAX_SHIFT) ||
      (kind === "activation" && signedWord(w) >= -(1n << (bits - 1n)) && signedWord(w) < 1n << (bits - 1n));
    if (!ok) throw badParams(p, C + i);
  }
  const E = ELEMENTWISE_OPS;
  if ((p.op === E.HardSigmoid || p.op === E.HardSwish) && q[C + 2]! + q[C + 3]! > MAX_SHIFT) throw badParams(p, C + 3);
  let count = 1n;
  for (let d = 0; d < Number(q[RANK]); d++) {
    const at = RANK + 1 + d * DIM;
    if (q[at] === 0n) throw badParams(p, at);
    for (let j = k; j < 3; j++) if (q[at + 1 + j] !== 0n) throw badParams(p, at + 1 + j);
    count *= q[at]!;
    if (count >= PARAM_LIMIT) throw badParams(p, RANK);
  }
  return count;
}

const clamp = (v: bigint, lo: bigint, hi: bigint): bigint => {
  const m = v < lo ? lo : v;
  return m > hi ? hi : m;
};

/** Div: saturate(floor((a 2^(k+1) + d) / (2d))), the divisor's sign moved to the numerator. */
function divide(a: bigint, d: bigint, k: bigint, bits: bigint): bigint {
  if (d === 0n) throw new OneStepRevert("Elementwise_DivisionByZero(int256)", [a]);
  const t = (a << (k + 1n)) + d;
  checkBelow(t, ACCUMULATOR_LIMIT);
  return saturate(d > 0n ? floorDiv(t, 2n * d) : floorDiv(-t, -2n * d), bits);
}

/** ElementwiseKernel._apply. */
function apply(op: number, q: readonly bigint[], v: readonly bigint[]): bigint {
  const E = ELEMENTWISE_OPS;
  const bits = q[ELEMENTWISE.bits]!;
  const c = (i: number) => q[ELEMENTWISE.constants + i]!;
  switch (op) {
    case E.Mul:
      return linearEpilogue(mac(0n, v[0]!, v[1]!), 0n, 0n, c(0), bits);
    case E.Sub:
      return addSaturate(v[0]!, -v[1]!, bits);
    case E.Div:
      return divide(v[0]!, v[1]!, c(0), bits);
    case E.Neg:
      return saturate(-v[0]!, bits);
    case E.Abs:
      return saturate(v[0]! < 0n ? -v[0]! : v[0]!, bits);
    case E.Clip:
      return clamp(v[0]!, signedWord(c(0)), signedWord(c(1)));
    case E.LeakyRelu:
    case E.PRelu: {
      if (v[0]! >= 0n) return v[0]!;
      const slope = op === E.PRelu ? v[1]! : signedWord(c(0));
      const shift = op === E.PRelu ? c(0) : c(1);
      return linearEpilogue(mac(0n, v[0]!, slope), 0n, 0n, shift, bits);
    }
    case E.HardSigmoid:
    case E.HardSwish: {
      const t = mac(signedWord(c(1)), v[0]!, signedWord(c(0)));
      const [p, f] = [c(2), c(3)];
      if (op === E.HardSigmoid) return clamp(linearEpilogue(t, 0n, 0n, p, bits), 0n, saturate(1n << f, bits));
      const h = clamp(t, 0n, 1n << (f + p));
      return linearEpilogue(mac(0n, v[0]!, h), 0n, 0n, f + p, bits);
    }
    case E.BatchNormalization:
      return linearEpilogue(mac(0n, v[0]!, v[1]!), v[2]!, 0n, c(0), bits);
    case E.Where:
      return v[0] !== 0n ? v[1]! : v[2]!;
    case E.Equal:
      return v[0] === v[1] ? 1n : 0n;
    case E.Less:
      return v[0]! < v[1]! ? 1n : 0n;
    default:
      return v[0]! > v[1]! ? 1n : 0n; // Greater
  }
}

/** Per output dim, the operand's flat stride (0 where it broadcasts): broadcastIndex's rule. */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const strides = stridesOf(shape);
  return outShape.map((_, i) => {
    const d = i - (outShape.length - shape.length);
    return d < 0 || shape[d] === 1 ? 0 : strides[d]!;
  });
}

/** The op's constants c0..c3 from the node's quantization (NodeScale.params, shift). */
function constantsOf(ctx: ProgramContext): (number | bigint)[] {
  const node = ctx.node as IrNode;
  const params = ctx.model.quantized.nodes.get(node.name)!.params ?? {};
  const param = (name: string): number => {
    const v = params[name];
    if (v === undefined) ctx.fail(`the integer model has no "${name}" for it`);
    return v!;
  };
  const f = ctx.model.quantized.config.fracBits;
  switch (node.op) {
    case "Mul":
    case "PRelu":
    case "BatchNormalization":
      return [ctx.shift];
    case "Div":
      return [param("divisorExponent")];
    case "Clip":
      return [param("lo"), param("hi")];
    case "LeakyRelu":
      return [param("multiplier"), ctx.shift];
    case "HardSigmoid":
      return [param("multiplier"), param("offset"), MULTIPLIER_SHIFT, f];
    case "HardSwish":
      return [param("multiplier"), param("offset"), MULTIPLIER_SHIFT, f];
    default:
      return [];
  }
}

export const elementwiseKernel: OpKernel = {
  family: 1,
  contractName: "ElementwiseKernel",
  artifact: ElementwiseKernel__factory,
  opCodes: ELEMENTWISE_OPS,

  program(ctx) {
    const op = ctx.node.op as ElementwiseOp;
    const operands = ctx.node.inputs;
    if (operands.length !== OPERANDS[ELEMENTWISE_OPS[op]])
      ctx.fail(`it reads ${operands.length} operands, the kernel ${OPERANDS[ELEMENTWISE_OPS[op]]}`);
    const locs = [0, 1, 2].flatMap((j) => (j < operands.length ? [...ctx.loc(operands[j]!)] : [0n, 0n, 0n]));
    const constants = constantsOf(ctx).map(wordOf);
    while (constants.length < 4) constants.push(0n);
    const strides = operands.map((name) => broadcastStrides(ctx.shapeOf(name), ctx.outShape));
    const dims = ctx.outShape.flatMap((size, d) => [size, ...[0, 1, 2].map((j) => strides[j]?.[d] ?? 0)]);
    if (sizeOf(ctx.outShape) >= 2 ** 64) ctx.fail("its output has 2^64 elements or more");
    return [...locs, ctx.bits, ...constants, ctx.outShape.length, ...dims].map((v) => BigInt(v));
  },

  outputCount: checkParams,

  termCount: () => 1n,

  initialAccumulator: () => 0n,

  operandsOf(p, element, term): OperandRef[] {
    if (term === 1n) return [];
    const q = p.params;
    const k = OPERANDS[p.op]!;
    const { rank: RANK, dimWords: DIM } = ELEMENTWISE;
    const index = [0n, 0n, 0n];
    let e = element;
    for (let d = Number(q[RANK]); d > 0; d--) {
      const at = RANK + 1 + (d - 1) * DIM;
      const x = e % q[at]!;
      e /= q[at]!;
      for (let j = 0; j < k; j++) index[j] = index[j]! + x * q[at + 1 + j]!;
    }
    return Array.from({ length: k }, (_, j) => ref(q, 3 * j, index[j]!));
  },

  fold(p, _element, _term, _acc, values) {
    for (const v of values) checkBelow(v, ACCUMULATOR_LIMIT);
    return apply(p.op, p.params, values);
  },

  epilogue: (_p, _element, acc) => acc,
};
