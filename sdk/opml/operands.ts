/**
 * The one-step executor's indexing and arithmetic, in TypeScript: the twin,
 * bit for bit and revert for revert, of contracts/opml/OneStepExecutor.sol
 * (and its libraries under contracts/opml/operands/). Every output element y
 * of a node is a reduction (docs/opml.md):
 *
 *   acc_0 = initialAccumulator(p, e)
 *   acc_{t+1} = fold(p, e, t, acc_t, values of operandsOf(p, e, t, acc_t))   t < K = termCount(p, e)
 *   y = epilogue(p, e, acc_K, values of operandsOf(p, e, K, acc_K))
 *
 * Terms follow each kernel's own loop order (sdk/ops), so that acc_t is the
 * interpreter's running value: Gemm/MatMul t over K; Conv input channel of
 * the group, then kernel position row-major; pools kernel position row-major.
 * A padding tap (Conv, pools) is a term whose operands are all source 0: it
 * reads nothing and leaves the accumulator as it is. Per op, each step reads a
 * fixed number of operands (source 0 where there is none):
 *
 *   op                  acc_0      fold operands          fold                        epilogue operands   epilogue
 *   Gemm, MatMul, Conv  0          [activation/A, B/W]    mac(acc, a, b)              [C or bias]         linearEpilogue(acc, c, L, s, A)
 *   MaxPool             int256 min [x]                    max(acc, x)                 []                  acc
 *   AveragePool         0          [x]                    mac(acc, x, 1)              []                  divRoundHalfUp(acc, n)
 *   Relu/Flatten/Reshape 0 (K = 1) [x]                    x                           []                  relu(acc) / acc
 *   Add (K = 2)         0          [a] then [b]           mac(acc, v, 1)              []                  add(acc, 0, A)
 *   ArgMax (K = D)      0          [x[acc], x[t]]         argMaxTakes ? t : acc       []                  acc
 *
 * Failures throw OneStepRevert naming the Solidity error the executor reverts
 * with (IntegerSemantics' bounds included), so a caller can predict a revert.
 */
import { KERNELS, familyOf } from "./kernels/index.js";
import type { OpKernel } from "./kernels/kernel.js";
import {
  INT256_MIN,
  NO_OPERAND,
  type NodeProgram,
  OneStepRevert,
  type OperandRef,
  PARAM_LIMIT,
  SOURCE_NONE,
  addSaturate,
  argMaxTakes,
  divRoundHalfUp,
  floorDiv,
  linearEpilogue,
  mac,
  max,
  ref,
  relu,
} from "./semantics.js";

export * from "./semantics.js";

/** Op codes of NodeProgram.op (the executor's own; kernel families: sdk/opml/kernels/). */
export const OP = {
  Gemm: 1,
  MatMul: 2,
  Conv: 3,
  Relu: 4,
  MaxPool: 5,
  AveragePool: 6,
  Add: 7,
  ArgMax: 8,
  Flatten: 9,
  Reshape: 10,
} as const;

/** Fixed param positions (the executor's twins: contracts/opml/operands/*.sol). */
export const LINEAR = {
  a: 0,
  b: 3,
  c: 6,
  m: 9,
  k: 10,
  n: 11,
  aRow: 12,
  aK: 13,
  bK: 14,
  bCol: 15,
  cRow: 16,
  cCol: 17,
  shift: 18,
  biasShiftLeft: 19,
  bits: 20,
  rank: 21,
} as const;
export const CONV = { x: 0, w: 3, b: 6, batch: 9, channels: 10, filters: 11, group: 12, shift: 13, bits: 14, rank: 15 } as const;
export const POOL = { x: 0, planes: 3, countIncludePad: 4, rank: 5 } as const;
export const COPY = { x: 0, count: 3, length: 4 } as const;
export const ADD = { a: 0, b: 3, bits: 6, rank: 7 } as const;
export const ARGMAX = { x: 0, outer: 3, length: 4, inner: 5, selectLast: 6, size: 7 } as const;
/** Words per window dim: input size, output size, kernel, stride, pad begin, pad end, dilation. */
export const WINDOW_DIM_WORDS = 7;

// ---------------------------------------------------------------- params

const badParams = (p: NodeProgram, word: number) => new OneStepRevert("OneStep_BadParams(uint8,uint256)", [BigInt(p.op), BigInt(word)]);

/** The executor's check of a program's params (ProgramParams.check): throws OneStepRevert for a malformed one. */
export function checkProgram(p: NodeProgram): void {
  const q = p.params;
  if (kernelOf(p)) return;
  if (!Object.values(OP).includes(p.op as never)) throw new OneStepRevert("OneStep_UnknownOp(uint8)", [BigInt(p.op)]);
  checkParamBounds(p);
  const n = q.length;
  const need = (length: number) => {
    if (n !== length) throw badParams(p, n);
  };
  const positive = (...at: number[]) => {
    for (const i of at) if (q[i] === 0n) throw badParams(p, i);
  };
  const source = (at: number, optional: boolean) => {
    const s = q[at]!;
    if (s > 2n || (!optional && s === 0n)) throw badParams(p, at);
  };
  const flag = (at: number) => {
    if (q[at]! > 1n) throw badParams(p, at);
  };
  const dims = (rankAt: number, words: number, positiveWords: readonly number[]) => {
    if (n < rankAt + 1) throw badParams(p, n);
    const r = q[rankAt]!;
    if (r > BigInt(n)) throw badParams(p, n);
    need(rankAt + 1 + Number(r) * words);
    for (let d = 0; d < Number(r); d++) positive(...positiveWords.map((w) => rankAt + 1 + d * words + w));
    bounded(rankAt, productOf(rankAt, words, 0));
  };
  const productOf = (rankAt: number, words: number, word: number) => {
    let prod = 1n;
    for (let d = 0; d < Number(q[rankAt]); d++) prod *= q[rankAt + 1 + d * words + word]!;
    return prod;
  };
  const bounded = (at: number, value: bigint) => {
    if (value >= PARAM_LIMIT) throw badParams(p, at);
  };
  switch (p.op) {
    case OP.Gemm:
    case OP.MatMul:
      dims(LINEAR.rank, 3, [0]);
      source(LINEAR.a, false);
      source(LINEAR.b, false);
      source(LINEAR.c, true);
      positive(LINEAR.m, LINEAR.k, LINEAR.n);
      bounded(LINEAR.rank, productOf(LINEAR.rank, 3, 0) * q[LINEAR.m]! * q[LINEAR.n]!);
      return;
    case OP.Conv:
      dims(CONV.rank, WINDOW_DIM_WORDS, [0, 1, 2, 3, 6]);
      source(CONV.x, false);
      source(CONV.w, false);
      source(CONV.b, true);
      positive(CONV.batch, CONV.channels, CONV.filters, CONV.group);
      if (q[CONV.channels]! % q[CONV.group]! !== 0n) throw badParams(p, CONV.channels);
      if (q[CONV.filters]! % q[CONV.group]! !== 0n) throw badParams(p, CONV.filters);
      bounded(CONV.rank, q[CONV.batch]! * q[CONV.filters]! * productOf(CONV.rank, WINDOW_DIM_WORDS, 1));
      bounded(CONV.rank, q[CONV.channels]! * productOf(CONV.rank, WINDOW_DIM_WORDS, 2));
      return;
    case OP.MaxPool:
    case OP.AveragePool:
      dims(POOL.rank, WINDOW_DIM_WORDS, [0, 1, 2, 3, 6]);
      source(POOL.x, false);
      positive(POOL.planes);
      flag(POOL.countIncludePad);
      if (p.op === OP.MaxPool && q[POOL.countIncludePad] !== 0n) throw badParams(p, POOL.countIncludePad);
      bounded(POOL.rank, q[POOL.planes]! * productOf(POOL.rank, WINDOW_DIM_WORDS, 1));
      bounded(POOL.rank, productOf(POOL.rank, WINDOW_DIM_WORDS, 2));
      return;
    case OP.Relu:
    case OP.Flatten:
    case OP.Reshape:
      need(COPY.length);
      source(COPY.x, false);
      positive(COPY.count);
      return;
    case OP.Add:
      dims(ADD.rank, 3, [0]);
      source(ADD.a, false);
      source(ADD.b, false);
      return;
    case OP.ArgMax:
      need(ARGMAX.size);
      source(ARGMAX.x, false);
      positive(ARGMAX.outer, ARGMAX.length, ARGMAX.inner);
      flag(ARGMAX.selectLast);
      bounded(ARGMAX.outer, q[ARGMAX.outer]! * q[ARGMAX.inner]!);
      return;
  }
}

function checkParamBounds(p: NodeProgram): void {
  p.params.forEach((v, i) => {
    if (v < 0n || v >= PARAM_LIMIT) throw badParams(p, i);
  });
}

/**
 * The kernel of a kernel op, after the executor's own checks (OneStepExecutor._kernelOf: a family with
 * a kernel, every param below 2^64) and the kernel's check of its params (its outputCount); undefined
 * for the executor's own ops.
 */
function kernelOf(p: NodeProgram): OpKernel | undefined {
  if (p.op < 16) return undefined;
  const family = familyOf(p.op);
  const kernel = family === undefined ? undefined : KERNELS[family];
  if (!kernel) throw new OneStepRevert("OneStep_UnknownOp(uint8)", [BigInt(p.op)]);
  checkParamBounds(p);
  kernel.outputCount(p);
  return kernel;
}

// ---------------------------------------------------------------- windows (Conv, pools)

interface Dim {
  readonly inSize: bigint;
  readonly outSize: bigint;
  readonly kernel: bigint;
  readonly stride: bigint;
  readonly padBegin: bigint;
  readonly padEnd: bigint;
  readonly dilation: bigint;
}

function windowDims(q: readonly bigint[], rankAt: number): Dim[] {
  const dims: Dim[] = [];
  for (let d = 0; d < Number(q[rankAt]); d++) {
    const at = rankAt + 1 + d * WINDOW_DIM_WORDS;
    dims.push({
      inSize: q[at]!,
      outSize: q[at + 1]!,
      kernel: q[at + 2]!,
      stride: q[at + 3]!,
      padBegin: q[at + 4]!,
      padEnd: q[at + 5]!,
      dilation: q[at + 6]!,
    });
  }
  return dims;
}

const product = (dims: readonly Dim[], f: (d: Dim) => bigint) => dims.reduce((a, d) => a * f(d), 1n);

/** Tap `k` (row-major kernel position) of output position `o`: whether it lies inside the input, and its flat input offset. */
function tap(dims: readonly Dim[], o: bigint, k: bigint): { inside: boolean; offset: bigint } {
  let inside = true;
  let offset = 0n;
  let stride = 1n;
  for (let d = dims.length - 1; d >= 0; d--) {
    const w = dims[d]!;
    const c = (o % w.outSize) * w.stride + (k % w.kernel) * w.dilation - w.padBegin;
    o /= w.outSize;
    k /= w.kernel;
    if (c < 0n || c >= w.inSize) inside = false;
    offset += c * stride;
    stride *= w.inSize;
  }
  return { inside, offset };
}

/** The number of k in [0, kernel) with lo <= base + k * dilation < hi. */
function countIn(base: bigint, w: Dim, lo: bigint, hi: bigint): bigint {
  let kmin = -floorDiv(base - lo, w.dilation); // ceil((lo - base) / dilation)
  if (kmin < 0n) kmin = 0n;
  let kmax = floorDiv(hi - 1n - base, w.dilation);
  if (kmax > w.kernel - 1n) kmax = w.kernel - 1n;
  return kmax >= kmin ? kmax - kmin + 1n : 0n;
}

/** AveragePool's divisor for output position `o`: taps inside the input, or inside the padded input (count_include_pad). */
function windowCount(dims: readonly Dim[], o: bigint, includePad: boolean): bigint {
  let count = 1n;
  for (let d = dims.length - 1; d >= 0; d--) {
    const w = dims[d]!;
    const base = (o % w.outSize) * w.stride - w.padBegin;
    o /= w.outSize;
    count *= includePad ? countIn(base, w, -w.padBegin, w.inSize + w.padEnd) : countIn(base, w, 0n, w.inSize);
  }
  return count;
}

// ---------------------------------------------------------------- the executor's functions

/** The number of output elements of `p` (its trace step's count). */
export function outputCount(p: NodeProgram): number {
  return Number(outputCountOf(p));
}

function outputCountOf(p: NodeProgram): bigint {
  const kernel = kernelOf(p);
  if (kernel) return kernel.outputCount(p);
  checkProgram(p);
  const q = p.params;
  switch (p.op) {
    case OP.Gemm:
    case OP.MatMul: {
      let c = q[LINEAR.m]! * q[LINEAR.n]!;
      for (let d = 0; d < Number(q[LINEAR.rank]); d++) c *= q[LINEAR.rank + 1 + 3 * d]!;
      return c;
    }
    case OP.Conv:
      return q[CONV.batch]! * q[CONV.filters]! * product(windowDims(q, CONV.rank), (d) => d.outSize);
    case OP.MaxPool:
    case OP.AveragePool:
      return q[POOL.planes]! * product(windowDims(q, POOL.rank), (d) => d.outSize);
    case OP.Add: {
      let c = 1n;
      for (let d = 0; d < Number(q[ADD.rank]); d++) c *= q[ADD.rank + 1 + 3 * d]!;
      return c;
    }
    case OP.ArgMax:
      return q[ARGMAX.outer]! * q[ARGMAX.inner]!;
    default:
      return q[COPY.count]!;
  }
}

function checkElement(p: NodeProgram, element: number | bigint): bigint {
  const count = outputCountOf(p);
  const e = BigInt(element);
  if (e < 0n || e >= count) throw new OneStepRevert("OneStep_ElementOutOfRange(uint256,uint256)", [e, count]);
  return e;
}

function termCountOf(p: NodeProgram, element: bigint): bigint {
  const kernel = kernelOf(p);
  if (kernel) return kernel.termCount(p, element);
  const q = p.params;
  switch (p.op) {
    case OP.Gemm:
    case OP.MatMul:
      return q[LINEAR.k]!;
    case OP.Conv:
      return (q[CONV.channels]! / q[CONV.group]!) * product(windowDims(q, CONV.rank), (d) => d.kernel);
    case OP.MaxPool:
    case OP.AveragePool:
      return product(windowDims(q, POOL.rank), (d) => d.kernel);
    case OP.Add:
      return 2n;
    case OP.ArgMax:
      return q[ARGMAX.length]!;
    default:
      return 1n;
  }
}

/** K, the number of fold terms of element `element` (>= 1). */
export function termCount(p: NodeProgram, element: number): number {
  return Number(termCountOf(p, checkElement(p, element)));
}

/** acc_0 of element `element`. */
export function initialAccumulator(p: NodeProgram, element: number): bigint {
  const e = checkElement(p, element);
  const kernel = kernelOf(p);
  if (kernel) return kernel.initialAccumulator(p, e);
  return p.op === OP.MaxPool ? INT256_MIN : 0n;
}

/**
 * The operands term `term` of element `element` reads from accumulator `acc`
 * (term == K: the epilogue's), in the order foldStep/epilogueStep take their
 * openings; source 0 entries read nothing (their openings are ignored).
 */
export function operandsOf(p: NodeProgram, element: number, term: number, acc: bigint): OperandRef[] {
  const e = checkElement(p, element);
  const t = BigInt(term);
  const terms = termCountOf(p, e);
  if (t < 0n || t > terms) throw new OneStepRevert("OneStep_TermOutOfRange(uint256,uint256)", [t, terms]);
  const kernel = kernelOf(p);
  if (kernel) return kernel.operandsOf(p, e, t, acc);
  const epilogue = t === terms;
  const q = p.params;
  switch (p.op) {
    case OP.Gemm:
    case OP.MatMul: {
      const n = q[LINEAR.n]!;
      const mn = q[LINEAR.m]! * n;
      let b = e / mn;
      const i = (e % mn) / n;
      const j = e % n;
      if (epilogue) return [q[LINEAR.c] === 0n ? NO_OPERAND : ref(q, LINEAR.c, i * q[LINEAR.cRow]! + j * q[LINEAR.cCol]!)];
      let aOff = 0n;
      let bOff = 0n;
      for (let d = Number(q[LINEAR.rank]) - 1; d >= 0; d--) {
        const at = LINEAR.rank + 1 + 3 * d;
        const x = b % q[at]!;
        b /= q[at]!;
        aOff += x * q[at + 1]!;
        bOff += x * q[at + 2]!;
      }
      return [
        ref(q, LINEAR.a, aOff + i * q[LINEAR.aRow]! + t * q[LINEAR.aK]!),
        ref(q, LINEAR.b, bOff + t * q[LINEAR.bK]! + j * q[LINEAR.bCol]!),
      ];
    }
    case OP.Conv: {
      const dims = windowDims(q, CONV.rank);
      const outSize = product(dims, (d) => d.outSize);
      const filters = q[CONV.filters]!;
      const o = e % outSize;
      const m = (e / outSize) % filters;
      const n = e / outSize / filters;
      if (epilogue) return [q[CONV.b] === 0n ? NO_OPERAND : ref(q, CONV.b, m)];
      const kSize = product(dims, (d) => d.kernel);
      const perGroupIn = q[CONV.channels]! / q[CONV.group]!;
      const c = t / kSize;
      const k = t % kSize;
      const at = tap(dims, o, k);
      if (!at.inside) return [NO_OPERAND, NO_OPERAND];
      const firstChannel = (m / (filters / q[CONV.group]!)) * perGroupIn;
      const inSize = product(dims, (d) => d.inSize);
      return [
        ref(q, CONV.x, (n * q[CONV.channels]! + firstChannel + c) * inSize + at.offset),
        ref(q, CONV.w, (m * perGroupIn + c) * kSize + k),
      ];
    }
    case OP.MaxPool:
    case OP.AveragePool: {
      if (epilogue) return [];
      const dims = windowDims(q, POOL.rank);
      const outSize = product(dims, (d) => d.outSize);
      const at = tap(dims, e % outSize, t);
      return at.inside ? [ref(q, POOL.x, (e / outSize) * product(dims, (d) => d.inSize) + at.offset)] : [NO_OPERAND];
    }
    case OP.Add: {
      if (epilogue) return [];
      let rest = e;
      let index = 0n;
      const strideAt = t === 0n ? 1 : 2;
      for (let d = Number(q[ADD.rank]) - 1; d >= 0; d--) {
        const at = ADD.rank + 1 + 3 * d;
        index += (rest % q[at]!) * q[at + strideAt]!;
        rest /= q[at]!;
      }
      return [ref(q, t === 0n ? ADD.a : ADD.b, index)];
    }
    case OP.ArgMax: {
      if (epilogue) return [];
      const len = q[ARGMAX.length]!;
      const inner = q[ARGMAX.inner]!;
      if (acc < 0n || acc >= len) throw new OneStepRevert("OneStep_BadAccumulator(int256)", [acc]);
      const base = (e / inner) * len * inner + (e % inner);
      return [ref(q, ARGMAX.x, base + acc * inner), ref(q, ARGMAX.x, base + t * inner)];
    }
    default:
      return epilogue ? [] : [ref(q, COPY.x, e)];
  }
}

/** acc_{term+1} from acc_term and the values of operandsOf(p, element, term, acc) (0 for source-0 entries). */
export function fold(p: NodeProgram, element: number, term: number, acc: bigint, values: readonly bigint[]): bigint {
  const e = checkElement(p, element);
  const terms = termCountOf(p, e);
  if (term < 0 || BigInt(term) >= terms) throw new OneStepRevert("OneStep_TermOutOfRange(uint256,uint256)", [BigInt(term), terms]);
  const refs = operandsOf(p, element, term, acc);
  checkCount(values, refs);
  const kernel = kernelOf(p);
  if (kernel) return kernel.fold(p, e, BigInt(term), acc, values);
  const none = refs[0]!.source === SOURCE_NONE;
  switch (p.op) {
    case OP.Gemm:
    case OP.MatMul:
    case OP.Conv:
      return none ? acc : mac(acc, values[0]!, values[1]!);
    case OP.MaxPool:
      return none ? acc : max(acc, values[0]!);
    case OP.AveragePool:
    case OP.Add:
      return none ? acc : mac(acc, values[0]!, 1n);
    case OP.ArgMax:
      return argMaxTakes(values[0]!, values[1]!, p.params[ARGMAX.selectLast] === 1n) ? BigInt(term) : acc;
    default:
      return values[0]!;
  }
}

/** y from acc_K and the values of operandsOf(p, element, K, acc). */
export function epilogue(p: NodeProgram, element: number, acc: bigint, values: readonly bigint[]): bigint {
  const e = checkElement(p, element);
  const refs = operandsOf(p, element, Number(termCountOf(p, e)), acc);
  checkCount(values, refs);
  const kernel = kernelOf(p);
  if (kernel) return kernel.epilogue(p, e, acc, values);
  const q = p.params;
  switch (p.op) {
    case OP.Gemm:
    case OP.MatMul: {
      const bias = refs[0]!.source === SOURCE_NONE ? 0n : values[0]!;
      return linearEpilogue(acc, bias, q[LINEAR.biasShiftLeft]!, q[LINEAR.shift]!, q[LINEAR.bits]!);
    }
    case OP.Conv:
      return linearEpilogue(acc, refs[0]!.source === SOURCE_NONE ? 0n : values[0]!, 0n, q[CONV.shift]!, q[CONV.bits]!);
    case OP.AveragePool: {
      const dims = windowDims(q, POOL.rank);
      const o = BigInt(element) % product(dims, (d) => d.outSize);
      return divRoundHalfUp(acc, windowCount(dims, o, q[POOL.countIncludePad] === 1n));
    }
    case OP.Add:
      return addSaturate(acc, 0n, q[ADD.bits]!);
    case OP.Relu:
      return relu(acc);
    default:
      return acc;
  }
}

function checkCount(values: readonly bigint[], refs: readonly OperandRef[]): void {
  if (values.length !== refs.length)
    throw new OneStepRevert("OneStep_WrongOperandCount(uint256,uint256)", [BigInt(values.length), BigInt(refs.length)]);
}
