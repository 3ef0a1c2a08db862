/**
 * Kernel family 2, the reductions (op codes 48..63; 48..52 used, 53..63 free): the TypeScript twin of
 * contracts/opml/kernels/ReductionKernel.sol, bit for bit and revert for revert.
 *
 *   48 GlobalAveragePool, 49 ReduceMean, 50 ReduceSum, 51 ReduceMax, 52 ReduceMin
 *   params: [0..2] X loc  [3] activation bits A  [4] rank r, then r × (size, reduced flag), outermost first
 *
 * Output element e is row-major over the kept dims, term t row-major over the reduced dims (the order
 * of reductionLayout in sdk/ops/reduce.ts, so acc_t is the interpreter's running value), K the
 * product of the reduced sizes (1 for a no-op):
 *
 *   op                            acc_0        fold [x]        epilogue []
 *   GlobalAveragePool, ReduceMean 0            mac(acc, x, 1)  divRoundHalfUp(acc, K)
 *   ReduceSum                     0            mac(acc, x, 1)  addSaturate(acc, 0, A)
 *   ReduceMax / ReduceMin         int256 min/max  max / min     acc
 */
import type { ReductionNode } from "../../ir/types.js";
import { reducedAxes } from "../../ops/reduce.js";
import { sizeOf } from "../../tensor.js";
import { ReductionKernel__factory } from "../../../types/ethers-contracts/index.js";
import {
  INT256_MIN,
  type NodeProgram,
  OneStepRevert,
  type OperandRef,
  PARAM_LIMIT,
  SOURCE_NONE,
  SOURCE_WEIGHT,
  addSaturate,
  divRoundHalfUp,
  mac,
  max,
  ref,
} from "../semantics.js";
import type { OpKernel } from "./kernel.js";

export const REDUCTION_OP = {
  GlobalAveragePool: 48,
  ReduceMean: 49,
  ReduceSum: 50,
  ReduceMax: 51,
  ReduceMin: 52,
} as const;

/** Param positions. */
export const REDUCTION = { x: 0, bits: 3, rank: 4 } as const;

const INT256_MAX = (1n << 255n) - 1n;

const badParams = (p: NodeProgram, word: number | bigint) =>
  new OneStepRevert("OneStep_BadParams(uint8,uint256)", [BigInt(p.op), BigInt(word)]);

/** K: the product of the reduced sizes. */
function termsOf(q: readonly bigint[]): bigint {
  let terms = 1n;
  for (let d = 0; d < Number(q[REDUCTION.rank]); d++) if (q[REDUCTION.rank + 2 + 2 * d] === 1n) terms *= q[REDUCTION.rank + 1 + 2 * d]!;
  return terms;
}

export const reductionKernel: OpKernel = {
  family: 2,
  contractName: "ReductionKernel",
  artifact: ReductionKernel__factory,
  opCodes: REDUCTION_OP,

  program(ctx) {
    const node = ctx.node as ReductionNode;
    const x = node.inputs[0]!;
    const shape = ctx.shapeOf(x);
    const axes = reducedAxes(node, shape.length);
    if (sizeOf(axes.map((a) => shape[a]!)) === 0) ctx.fail(`it reduces an empty set (input shape [${shape.join(", ")}])`);
    return [...ctx.loc(x), ctx.bits, shape.length, ...shape.flatMap((size, d) => [size, axes.includes(d) ? 1 : 0])];
  },

  outputCount(p) {
    const op = p.op;
    if (op < REDUCTION_OP.GlobalAveragePool || op > REDUCTION_OP.ReduceMin)
      throw new OneStepRevert("OneStep_UnknownOp(uint8)", [BigInt(op)]);
    const q = p.params;
    const n = BigInt(q.length);
    if (q.length < REDUCTION.rank + 1 || q[REDUCTION.rank]! > n || n !== BigInt(REDUCTION.rank + 1) + 2n * q[REDUCTION.rank]!)
      throw badParams(p, n);
    if (q[REDUCTION.x] === BigInt(SOURCE_NONE) || q[REDUCTION.x]! > BigInt(SOURCE_WEIGHT)) throw badParams(p, REDUCTION.x);
    const rank = Number(q[REDUCTION.rank]);
    const gap = op === REDUCTION_OP.GlobalAveragePool;
    if (gap && rank < 3) throw badParams(p, REDUCTION.rank);
    let all = 1n;
    let count = 1n;
    for (let d = 0; d < rank; d++) {
      const at = REDUCTION.rank + 1 + 2 * d;
      if (q[at] === 0n) throw badParams(p, at);
      const flag = q[at + 1]!;
      if (flag > 1n || (gap && flag !== (d >= 2 ? 1n : 0n))) throw badParams(p, at + 1);
      all *= q[at]!;
      if (all >= PARAM_LIMIT) throw badParams(p, REDUCTION.rank);
      if (flag === 0n) count *= q[at]!;
    }
    return count;
  },

  termCount(p) {
    return termsOf(p.params);
  },

  initialAccumulator(p) {
    return p.op === REDUCTION_OP.ReduceMax ? INT256_MIN : p.op === REDUCTION_OP.ReduceMin ? INT256_MAX : 0n;
  },

  operandsOf(p, element, term): OperandRef[] {
    const q = p.params;
    if (term === termsOf(q)) return [];
    let [e, t, index, stride] = [element, term, 0n, 1n];
    for (let d = Number(q[REDUCTION.rank]) - 1; d >= 0; d--) {
      const size = q[REDUCTION.rank + 1 + 2 * d]!;
      let coord: bigint;
      if (q[REDUCTION.rank + 2 + 2 * d] === 1n) {
        coord = t % size;
        t /= size;
      } else {
        coord = e % size;
        e /= size;
      }
      index += coord * stride;
      stride *= size;
    }
    return [ref(q, REDUCTION.x, index)];
  },

  fold(p, _element, _term, acc, [v]) {
    if (p.op === REDUCTION_OP.ReduceMax) return max(acc, v!);
    if (p.op === REDUCTION_OP.ReduceMin) return v! < acc ? v! : acc;
    return mac(acc, v!, 1n);
  },

  epilogue(p, _element, acc) {
    if (p.op === REDUCTION_OP.ReduceSum) return addSaturate(acc, 0n, p.params[REDUCTION.bits]!);
    if (p.op === REDUCTION_OP.GlobalAveragePool || p.op === REDUCTION_OP.ReduceMean) return divRoundHalfUp(acc, termsOf(p.params));
    return acc;
  },
};
