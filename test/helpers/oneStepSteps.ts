/**
 * Runs many OneStepExecutor steps in one eth_call through the test-only
 * OneStepExecutorHarness: the step case type, honest cases from a model's
 * trace, and a hand-written ABI encoder (ethers' coder spent most of the
 * fuzz's time on 30 MB of openings).
 */
import { expect } from "chai";

import type { Model } from "../../sdk/model.js";
import { type OperandOpeningStruct, modelProgram, openOperands, termCount } from "../../sdk/opml/accumulators.js";
import type { ExecutionTrace } from "../../sdk/opml/trace.js";
import type { OneStepExecutorHarness } from "../../types/ethers-contracts/index.js";

export interface StepCase {
  program: { op: number; params: bigint[] };
  weights: { weightsRoot: string; weightCount: number };
  stateRoot: string;
  element: number;
  term: number;
  acc: bigint;
  epilogue: boolean;
  operands: OperandOpeningStruct[];
}

/** A trace-model step (honest openings against state `node`). */
export function traceCase(model: Model, trace: ExecutionTrace, node: number, element: number, term: number, acc: bigint): StepCase {
  const p = modelProgram(model).programs[node]!;
  const c = model.commitment;
  return {
    program: { op: p.op, params: [...p.params] },
    weights: { weightsRoot: c.weightsRoot, weightCount: c.weightCount },
    stateRoot: trace.states[node]!,
    element,
    term,
    acc,
    epilogue: term === termCount(p, element),
    operands: openOperands(model, trace, node, element, term, acc),
  };
}

/** A 32-byte ABI word (two's complement). */
const wordOf = (v: bigint | number | boolean | string): string =>
  typeof v === "string" ? v.slice(2).padStart(64, "0") : BigInt.asUintN(256, BigInt(v)).toString(16).padStart(64, "0");

/** ABI encoding of an array of dynamic elements (each already encoded as hex without 0x). */
function dynamicArray(items: readonly string[]): string {
  let offset = items.length * 32;
  const heads = items.map((item) => {
    const head = wordOf(offset);
    offset += item.length / 2;
    return head;
  });
  return wordOf(items.length) + heads.join("") + items.join("");
}
const staticArray = (items: readonly (bigint | number | string)[]) => wordOf(items.length) + items.map(wordOf).join("");

/** OneStepExecutorHarness.steps calldata, encoded by hand: ethers' coder spent most of the fuzz's time on 30 MB of openings. */
function encodeSteps(harness: OneStepExecutorHarness, cases: readonly StepCase[]): string {
  const opening = (o: OperandOpeningStruct) => {
    const stepProof = staticArray(o.stepProof);
    const head = [wordOf(o.tensorRoot), wordOf(o.count), wordOf(20 * 32), ...o.chunk.map(wordOf), wordOf(20 * 32 + stepProof.length / 2)];
    return head.join("") + stepProof + staticArray(o.chunkProof);
  };
  const stepOf = (c: StepCase) => {
    const program = wordOf(c.program.op) + wordOf(64) + staticArray(c.program.params);
    const operands = dynamicArray(c.operands.map(opening));
    const head = [
      wordOf(9 * 32),
      wordOf(c.weights.weightsRoot),
      wordOf(c.weights.weightCount),
      wordOf(c.stateRoot),
      wordOf(c.element),
      wordOf(c.term),
      wordOf(c.acc),
      wordOf(c.epilogue),
      wordOf(9 * 32 + program.length / 2),
    ];
    return head.join("") + program + operands;
  };
  return harness.interface.getFunction("steps")!.selector + wordOf(32) + dynamicArray(cases.map(stepOf));
}

/** harness.steps over `cases`: per case the result and the error selector. */
export async function runSteps(harness: OneStepExecutorHarness, cases: readonly StepCase[]): Promise<[bigint[], string[]]> {
  const data = encodeSteps(harness, cases);
  if (!encodingChecked) {
    expect(data).to.equal(harness.interface.encodeFunctionData("steps", [cases as StepCase[]]));
    encodingChecked = true;
  }
  const ret = await harness.runner!.provider!.call({ to: await harness.getAddress(), data });
  const [out, errs] = harness.interface.decodeFunctionResult("steps", ret);
  return [[...(out as bigint[])], [...(errs as string[])]];
}
let encodingChecked = false;
