/**
 * The one-step executor's kernel families, by family index (op codes
 * 16 * (family + 1) ..): each family's TypeScript twin and the Solidity
 * contract the executor is deployed with (OneStepExecutor's constructor takes
 * them in this order; an empty slot deploys as address 0, its codes unknown).
 *
 *   0 (16..31)  data movement
 *   1 (32..47)  elementwise arithmetic
 *   2 (48..63)  reductions
 *   3 (64..79)  non-linear functions
 */
import type { OpType } from "../../ir/types.js";
import { elementwiseKernel } from "./elementwise.js";
import { KERNEL_FAMILIES, type OpKernel } from "./kernel.js";
import { dataMovementKernel } from "./dataMovement.js";
import { reductionKernel } from "./reduction.js";
import { nonlinearKernel } from "./nonlinear.js";

/** Kernels by family; undefined where a family has no kernel yet. */
export const KERNELS: readonly (OpKernel | undefined)[] = checkFamilies([
  dataMovementKernel,
  elementwiseKernel,
  reductionKernel,
  nonlinearKernel,
]);

function checkFamilies(kernels: readonly OpKernel[]): (OpKernel | undefined)[] {
  const byFamily = new Array<OpKernel | undefined>(KERNEL_FAMILIES).fill(undefined);
  for (const k of kernels) {
    if (byFamily[k.family]) throw new Error(`two kernels claim family ${k.family}`);
    byFamily[k.family] = k;
  }
  return byFamily;
}

/** The kernel programming IR op `op`, and its code, if any. */
export function kernelOfOp(op: OpType): { kernel: OpKernel; code: number } | undefined {
  for (const k of KERNELS) {
    const code = k?.opCodes[op];
    if (k && code !== undefined) return { kernel: k, code };
  }
  return undefined;
}

export type { Loc, OpKernel, ProgramContext } from "./kernel.js";
export { FIRST_KERNEL_OP, KERNEL_FAMILIES, KERNEL_OPS, familyOf } from "./kernel.js";
