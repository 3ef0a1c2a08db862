/**
 * An operator family of the one-step executor beyond its own ten ops: the
 * TypeScript twin of one contracts/interfaces/IOpKernel.sol contract. Op
 * codes 16..79 belong to kernels, 16 per family (family = op / 16 - 1); a
 * family's kernel builds its ops' params from the IR (`program`), and indexes
 * and computes exactly as its Solidity twin, throwing the OneStepRevert the
 * contract reverts with. The executor (sdk/opml/operands.ts) checks that
 * every param is below 2^64, that `element` is below the output count and
 * that `term` is at most K before it calls a kernel.
 */
import type { IrNode, OpType } from "../../ir/types.js";
import type { Model } from "../../model.js";
import type { NodeProgram, OperandRef } from "../semantics.js";

/** Where a tensor lies, as a program's three "loc" words (source, step, offset): sdk/opml/program.ts. */
export type Loc = readonly [bigint, bigint, bigint];

/** What a kernel needs to build one node's params. */
export interface ProgramContext {
  readonly model: Model;
  readonly node: IrNode;
  /** The node's position in the graph (its output is trace step index + 1). */
  readonly index: number;
  /** The loc of an input tensor (a constant: the weight stream; else the trace); fails if it has none. */
  loc(name: string): Loc;
  /** The shape of a tensor (a constant's quantized shape). */
  shapeOf(name: string): readonly number[];
  readonly outShape: readonly number[];
  /** The quantizer's rescale of the node (sdk/quant/quantize.ts). */
  readonly shift: number;
  readonly biasShiftLeft: number;
  /** The activation width A. */
  readonly bits: number;
  /** Throws OpmlUnsupportedError naming the node. */
  fail(reason: string): never;
}

export interface OpKernel {
  /** The family index (0..3): the kernel serves op codes 16 * (family + 1) .. 16 * (family + 1) + 15. */
  readonly family: number;
  /** The Solidity contract implementing IOpKernel for this family (contracts/opml/kernels/). */
  readonly contractName: string;
  /** Its compiled artefact (the typechain factory: types/ethers-contracts). */
  readonly artifact: { readonly abi: readonly unknown[]; readonly bytecode: string };
  /** The op code of each IR op the family programs. */
  readonly opCodes: Readonly<Partial<Record<OpType, number>>>;
  /** The params of `ctx.node` (whose op is one of `opCodes`). */
  program(ctx: ProgramContext): readonly (bigint | number)[];
  /** IOpKernel.outputCount: checks the params (OneStep_UnknownOp / OneStep_BadParams), returns the count. */
  outputCount(p: NodeProgram): bigint;
  termCount(p: NodeProgram, element: bigint): bigint;
  initialAccumulator(p: NodeProgram, element: bigint): bigint;
  /** The operands of term `term` (term == K: the epilogue's). */
  operandsOf(p: NodeProgram, element: bigint, term: bigint, acc: bigint): OperandRef[];
  fold(p: NodeProgram, element: bigint, term: bigint, acc: bigint, values: readonly bigint[]): bigint;
  epilogue(p: NodeProgram, element: bigint, acc: bigint, values: readonly bigint[]): bigint;
}

/** The first op code served by a kernel, and the codes per family. */
export const FIRST_KERNEL_OP = 16;
export const KERNEL_OPS = 16;
/** How many families the executor dispatches to (OneStepExecutor.KERNEL_FAMILIES). */
export const KERNEL_FAMILIES = 4;

/** The family of a kernel op code, or undefined for the executor's own codes (and codes past the last family). */
export function familyOf(op: number): number | undefined {
  if (op < FIRST_KERNEL_OP) return undefined;
  const family = Math.floor(op / KERNEL_OPS) - 1;
  return family < KERNEL_FAMILIES ? family : undefined;
}
