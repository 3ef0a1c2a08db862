/**
 * contracts/opml/kernels/ElementwiseKernel.sol, through the one-step executor, against its twin
 * sdk/opml/kernels/elementwise.ts: >= 400 fuzzed fold and epilogue steps per operator on random
 * programs (ranks, broadcasting, operand sources, constants at their edges) and values (activation
 * edges, zeros, values past the 2^52 bound), a fifth of the programs malformed (the same
 * OneStep_BadParams / OneStep_UnknownOp from both); outputCount, termCount, operandsOf equal the
 * twin; and the gas of the largest step of each operator on the test models.
 */
import { expect } from "chai";
import { id } from "ethers";
import { network } from "hardhat";

import { WeightTree } from "../../sdk/commit/weights.js";
import {
  type NodeProgram,
  OneStepRevert,
  elementAccumulators,
  epilogue,
  fold,
  modelProgram,
  openingOf,
  operandsOf,
  outputCount,
  termCount,
} from "../../sdk/opml/accumulators.js";
import { deployOneStepExecutor } from "../../sdk/opml/executorDeployment.js";
import { ELEMENTWISE_OPS, wordOf } from "../../sdk/opml/kernels/elementwise.js";
import { ExecutionTrace, step } from "../../sdk/opml/trace.js";
import { stridesOf } from "../../sdk/tensor.js";
import { type OneStepExecutor, type OneStepExecutorHarness, OneStepExecutorHarness__factory } from "../../types/ethers-contracts/index.js";
import { type StepCase, runSteps, traceCase } from "../helpers/oneStepSteps.js";
import { rng } from "../helpers/onnxBuilder.js";
import { CASES } from "../ops/elementwiseModels.js";

const { ethers } = await network.create();

const NO_ERROR = "0x00000000";
const selector = (sig: string) => id(sig).slice(0, 10);
const NAMES = Object.fromEntries(Object.entries(ELEMENTWISE_OPS).map(([k, v]) => [v, k])) as Record<number, string>;
const OPERANDS: Record<string, number> = {
  Neg: 1,
  Abs: 1,
  Clip: 1,
  LeakyRelu: 1,
  HardSigmoid: 1,
  HardSwish: 1,
  BatchNormalization: 3,
  Where: 3,
};

interface World {
  readonly program: NodeProgram;
  readonly trace: ExecutionTrace;
  readonly weights: WeightTree;
  readonly malformed: boolean;
}

const A = 16;
const EDGES = [0, 1, -1, 2 ** (A - 1) - 1, -(2 ** (A - 1)), 2 ** (A - 1) - 2, -(2 ** (A - 1)) + 1, 128, -128];
const HUGE = [2 ** 52 - 1, -(2 ** 52 - 1), 2 ** 52, -(2 ** 52), 2 ** 53 - 1];

/** A random program of `op` with a trace (3 steps) and a weight stream holding its operands; sometimes malformed. */
function randomWorld(op: number, seed: number): World {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const name = NAMES[op]!;
  const k = OPERANDS[name] ?? 2;
  const rank = int(4);
  const sizes = Array.from({ length: rank }, () => 1 + int(3));
  const tensors: { loc: number[]; size: number }[] = [];
  const operands = Array.from({ length: 3 }, (_, j) => {
    if (j >= k) return { loc: [0, 0, 0], strides: sizes.map(() => 0) };
    const shape = sizes.map((s) => (r() < 0.35 ? 1 : s));
    const strides = stridesOf(shape).map((s, d) => (shape[d] === 1 ? 0 : s));
    const size = shape.reduce((a, b) => a * b, 1);
    const loc = r() < 0.6 ? [1, int(3), int(5)] : [2, 0, int(30)];
    tensors.push({ loc, size });
    return { loc, strides };
  });
  const shift = () => (r() < 0.1 ? pick([0, 52]) : int(25));
  const signed = () => (r() < 0.15 ? pick([0, 1, -1, 2 ** 40, -(2 ** 40), 2 ** 52 - 1, -(2 ** 52)]) : int(2 ** 17) - 2 ** 16);
  const activation = () => (r() < 0.2 ? pick([2 ** (A - 1) - 1, -(2 ** (A - 1))]) : int(2 ** A) - 2 ** (A - 1));
  const E = ELEMENTWISE_OPS;
  let constants: number[];
  if (op === E.Mul || op === E.Div || op === E.PRelu || op === E.BatchNormalization) constants = [shift()];
  else if (op === E.Clip) constants = [activation(), activation()];
  else if (op === E.LeakyRelu) constants = [signed(), shift()];
  else if (op === E.HardSigmoid || op === E.HardSwish) constants = [signed(), signed(), pick([16, 8, 0, 24]), pick([8, 4, 0, 16])];
  else constants = [];
  const words = [
    ...operands.flatMap((o) => o.loc).map(BigInt),
    BigInt(r() < 0.05 ? pick([2, 32, 8]) : A),
    ...[0, 1, 2, 3].map((i) => wordOf(constants[i] ?? 0)),
    BigInt(rank),
    ...sizes.flatMap((s, d) => [s, ...operands.map((o) => o.strides[d]!)]).map(BigInt),
  ];
  let program: NodeProgram = { op, params: words };
  const malformed = r() < 0.2;
  if (malformed) {
    const q = [...words];
    const at = int(q.length + 3);
    if (at === q.length) program = { op: pick([31, 47, 63]), params: q };
    else if (at === q.length + 1) program = { op, params: q.slice(0, -1) };
    else if (at === q.length + 2) program = { op, params: [...q, 1n] };
    else {
      q[at] = pick([0n, 1n, 3n, 33n, 53n, 1n << 63n, (1n << 64n) - 1n, q[at]! + 1n]);
      program = { op, params: q };
    }
  }
  const value = () => {
    const u = r();
    if (u < 0.5) return int(601) - 300;
    if (u < 0.75) return pick(EDGES);
    if (u < 0.98) return int(2 ** A) - 2 ** (A - 1);
    return pick(HUGE);
  };
  const fill = (source: number, s: number) =>
    Float64Array.from(
      { length: Math.max(1, ...tensors.filter((t) => t.loc[0] === source && t.loc[1] === s).map((t) => t.loc[2]! + t.size + 2)) },
      value,
    );
  return {
    program,
    trace: new ExecutionTrace([0, 1, 2].map((s) => step(`s${s}`, "Synthetic", fill(1, s)))),
    weights: new WeightTree(fill(2, 0)),
    malformed,
  };
}

/** The twin's answer for one step: the value, or the selector of the error it predicts. */
function expected(p: NodeProgram, element: number, term: number, acc: bigint, values: bigint[]) {
  try {
    const isEpilogue = term === termCount(p, element);
    return { value: isEpilogue ? epilogue(p, element, acc, values) : fold(p, element, term, acc, values), error: NO_ERROR };
  } catch (e) {
    if (!(e instanceof OneStepRevert)) throw e;
    return { value: 0n, error: selector(e.signature) };
  }
}

/**
 * Step (element, term) of `w` with honest openings, or, for a program the executor refuses, none;
 * undefined when a mutated (still well-formed) program reads past the world's tensors.
 */
function worldCase(
  w: World,
  element: number,
  term: number,
  acc: bigint,
): { c: StepCase; want: { value: bigint; error: string } } | undefined {
  const p = w.program;
  let refs;
  let isEpilogue = term === 1;
  try {
    isEpilogue = term === termCount(p, element);
    refs = operandsOf(p, element, term, acc);
  } catch (e) {
    if (!(e instanceof OneStepRevert)) throw e;
    refs = undefined;
  }
  const raw = (refs ?? []).map((r) => (r.source === 1 ? w.trace.steps[r.step]?.values : w.weights.values)?.[r.index]);
  if (raw.some((v) => v === undefined)) return undefined;
  const values = raw.map((v) => BigInt(v!));
  const c: StepCase = {
    program: { op: p.op, params: [...p.params] },
    weights: { weightsRoot: w.weights.root, weightCount: w.weights.values.length },
    stateRoot: w.trace.states[2]!,
    element,
    term,
    acc,
    epilogue: isEpilogue,
    operands: (refs ?? []).map((r) => openingOf(w.weights, w.trace, 2, r)),
  };
  if (refs) return { c, want: expected(p, element, term, acc, values) };
  try {
    operandsOf(p, element, term, acc);
  } catch (e) {
    return { c, want: { value: 0n, error: selector((e as OneStepRevert).signature) } };
  }
  throw new Error("unreachable");
}

describe("OPML ElementwiseKernel (op codes 32..46)", function () {
  this.timeout(20 * 60_000);
  let executor: OneStepExecutor;
  let harness: OneStepExecutorHarness;

  before(async function () {
    const [signer] = await ethers.getSigners();
    executor = await deployOneStepExecutor(signer!);
    harness = await new OneStepExecutorHarness__factory(signer).deploy(await executor.getAddress());
  });

  it("is deployed as the executor's family 1 and stays under EIP-170's 24 KB", async function () {
    const kernel = await executor.kernel1();
    const code = await ethers.provider.getCode(kernel);
    expect((code.length - 2) / 2).to.be.below(24 * 1024);
  });

  it("outputCount, termCount and operandsOf equal the twin on random and malformed programs", async function () {
    let checked = 0;
    let refused = 0;
    for (const op of Object.values(ELEMENTWISE_OPS)) {
      for (let seed = 0; seed < 30; seed++) {
        const w = randomWorld(op, 7919 * op + seed);
        const p = { op: w.program.op, params: [...w.program.params] };
        let want: bigint | string;
        try {
          want = BigInt(outputCount(w.program));
        } catch (e) {
          want = selector((e as OneStepRevert).signature);
        }
        let got: bigint | string;
        try {
          got = await executor.outputCount(p);
        } catch (e) {
          got = (e as { data?: string }).data?.slice(0, 10) ?? "no revert data";
        }
        expect(got, `${NAMES[op]} seed ${seed} params [${p.params.join(", ")}]`).to.equal(want);
        if (typeof want === "string") {
          refused++;
          continue;
        }
        const e = Number(want) - 1;
        expect(await executor.termCount(p, e)).to.equal(1n);
        const refs = await executor.operandsOf(p, e, 0, 0n);
        expect(
          refs.map((r) => [Number(r.source), Number(r.step), Number(r.index)]),
          `${NAMES[op]} seed ${seed}`,
        ).to.deep.equal(operandsOf(w.program, e, 0, 0n).map((r) => [r.source, r.step, r.index]));
        expect(await executor.operandsOf(p, e, 1, 0n)).to.deep.equal([]);
        checked++;
      }
    }
    expect(refused).to.be.greaterThan(30);
    expect(checked).to.be.greaterThan(300);
  });

  it("foldStep and epilogueStep equal the twin on >= 400 fuzzed steps per operator", async function () {
    const summary: string[] = [];
    for (const op of Object.values(ELEMENTWISE_OPS)) {
      const r = rng(op);
      const worlds = Array.from({ length: 60 }, (_, s) => randomWorld(op, 1000 * op + s));
      const cases: NonNullable<ReturnType<typeof worldCase>>[] = [];
      while (cases.length < 400) {
        const w = worlds[Math.floor(r() * worlds.length)]!;
        let count = 1;
        try {
          count = outputCount(w.program);
        } catch {
          // malformed: the executor refuses it at element 0 already
        }
        const acc = r() < 0.8 ? 0n : [1n, -1n, 1n << 60n][Math.floor(r() * 3)]!;
        const c = worldCase(w, Math.floor(r() * count), r() < 0.75 ? 0 : 1, acc);
        if (c) cases.push(c);
      }
      const errors = new Map<string, number>();
      for (let i = 0; i < cases.length; i += 125) {
        const batch = cases.slice(i, i + 125);
        const [out, errs] = await runSteps(
          harness,
          batch.map((x) => x.c),
        );
        batch.forEach(({ c, want }, j) => {
          const where = `${NAMES[op]} ${c.epilogue ? "epilogue" : "fold"} element ${c.element} params [${c.program.params.join(", ")}]`;
          expect(errs[j], where).to.equal(want.error);
          expect(out[j], where).to.equal(want.value);
          errors.set(want.error, (errors.get(want.error) ?? 0) + 1);
        });
      }
      const ok = errors.get(NO_ERROR) ?? 0;
      expect(ok, `${NAMES[op]} successes`).to.be.greaterThan(200);
      summary.push(`${NAMES[op]} ${cases.length} (${cases.length - ok} reverts)`);
    }
    console.log(`      fuzzed steps: ${summary.join(", ")}`);
  });

  it("the reverts the kernel adds are named: Semantics_Overflow past 2^52, Elementwise_DivisionByZero, OneStep_BadParams", function () {
    const params = (op: number, constants: bigint[], operands: number) => {
      const locs = [0, 1, 2].flatMap((j) => (j < operands ? [1n, 0n, 0n] : [0n, 0n, 0n]));
      return { op, params: [...locs, 16n, ...constants, 1n, 2n, 1n, ...[0, 1].map((j) => (j + 1 < operands ? 1n : 0n))] };
    };
    const div = params(ELEMENTWISE_OPS.Div, [8n, 0n, 0n, 0n], 2);
    expect(() => fold(div, 0, 0, 0n, [5n, 0n])).to.throw(OneStepRevert, /Elementwise_DivisionByZero\(5\)/);
    expect(() => fold(div, 0, 0, 0n, [1n << 52n, 1n])).to.throw(OneStepRevert, /Semantics_Overflow/);
    expect(() => outputCount(params(ELEMENTWISE_OPS.Div, [53n, 0n, 0n, 0n], 2))).to.throw(OneStepRevert, /OneStep_BadParams\(34, 10\)/);
    expect(() => outputCount(params(ELEMENTWISE_OPS.Sub, [1n, 0n, 0n, 0n], 2))).to.throw(OneStepRevert, /OneStep_BadParams\(33, 10\)/);
    expect(() => outputCount(params(ELEMENTWISE_OPS.Clip, [1n << 15n, 0n, 0n, 0n], 1))).to.throw(
      OneStepRevert,
      /OneStep_BadParams\(37, 10\)/,
    );
    expect(() => outputCount({ ...div, op: 47 })).to.throw(OneStepRevert, /OneStep_UnknownOp\(47\)/);
    const hardSwish = params(ELEMENTWISE_OPS.HardSwish, [10923n, 1n << 23n, 40n, 13n], 1);
    expect(() => outputCount(hardSwish)).to.throw(OneStepRevert, /OneStep_BadParams\(41, 13\)/);
  });

  it("gas: the largest step of each operator on the test models, as a transaction", async function () {
    const largest = new Map<string, bigint>();
    for (const c of CASES) {
      const m = c.build();
      const programs = modelProgram(m).programs;
      const x = Array.from({ length: m.inputLength }, (_, i) => BigInt(((i * 7919) % 2001) - 1000));
      const trace = ExecutionTrace.of(m, x);
      for (let node = 0; node < programs.length; node++) {
        const p = programs[node]!;
        const name = NAMES[p.op];
        if (!name) continue;
        const e = outputCount(p) - 1;
        const { accs } = elementAccumulators(m, trace, node, e);
        for (const t of [0, 1]) {
          const s = traceCase(m, trace, node, e, t, accs[t]!);
          const gas = s.epilogue
            ? await executor.epilogueStep.estimateGas(s.program, s.weights, s.stateRoot, s.element, s.acc, s.operands)
            : await executor.foldStep.estimateGas(s.program, s.weights, s.stateRoot, s.element, s.term, s.acc, s.operands);
          const key = `${name} ${s.epilogue ? "epilogue" : "fold"}`;
          if (gas > (largest.get(key) ?? 0n)) largest.set(key, gas);
        }
      }
    }
    const max = [...largest.values()].reduce((a, b) => (a > b ? a : b), 0n);
    console.log(`      gas: ${[...largest].map(([k, g]) => `${k} ${g}`).join(", ")}; largest ${max}`);
    expect(max).to.be.below(300_000n);
  });
});
