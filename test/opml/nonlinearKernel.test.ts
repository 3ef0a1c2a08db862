/**
 * contracts/opml/kernels/NonlinearKernel.sol, through the one-step executor, against its twin
 * sdk/opml/kernels/nonlinear.ts: fuzzed fold and epilogue steps per operator on random programs
 * (row layouts, operand sources, Pow modes, Gelu's two tables) with values at the activation edges
 * and past 2^52 and accumulators honest-looking or not, a fifth of the programs malformed (the
 * same OneStep_BadParams / OneStep_UnknownOp from both); outputCount, termCount and operandsOf
 * equal the twin; named reverts; and the gas of the largest step of each operator.
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
import { NONLINEAR_OPS } from "../../sdk/opml/kernels/nonlinear.js";
import { ExecutionTrace, step } from "../../sdk/opml/trace.js";
import { type OneStepExecutor, type OneStepExecutorHarness, OneStepExecutorHarness__factory } from "../../types/ethers-contracts/index.js";
import { type StepCase, runSteps, traceCase } from "../helpers/oneStepSteps.js";
import { rng } from "../helpers/onnxBuilder.js";
import { MODELS } from "../ops/nonlinearModels.js";

const { ethers } = await network.create();

const NO_ERROR = "0x00000000";
const selector = (sig: string) => id(sig).slice(0, 10);
const NAMES = Object.fromEntries(Object.entries(NONLINEAR_OPS).map(([k, v]) => [v, k])) as Record<number, string>;
const O = NONLINEAR_OPS;
const A = 16;
const EDGES = [0, 1, -1, 2 ** (A - 1) - 1, -(2 ** (A - 1)), 256, -256, 1279, 1280, -2816, -2817, -1024, 1023];
const HUGE = [2 ** 52 - 1, -(2 ** 52 - 1), 2 ** 52, -(2 ** 52)];

interface World {
  readonly program: NodeProgram;
  readonly trace: ExecutionTrace;
  readonly weights: WeightTree;
}

/** A random program of `op` over a trace of 3 steps and a weight stream; sometimes malformed. */
function randomWorld(op: number, seed: number): World {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const rows = op === O.Softmax || op === O.LayerNormalization;
  const [outer, d, inner] = rows ? [1 + int(3), 1 + int(5), 1 + int(3)] : [1 + int(20), 1, 1];
  const size = outer * d * inner;
  const loc = () => (r() < 0.7 ? [1, int(3), int(4)] : [2, 0, int(8)]);
  const c = op === O.Gelu ? pick([4, 5]) : op === O.Pow ? pick([1, 2, 3]) : ([0, 1, 2, 3][op - O.Sigmoid] ?? 0);
  let words = [...loc(), A, 8, outer, d, inner, c];
  if (op === O.LayerNormalization) {
    const [gs, bs] = [int(2), int(2)];
    words = [...words, ...loc(), ...(r() < 0.2 ? [0, 0, 0] : loc()), 1 + int(2 ** 20), int(20), gs, bs];
  }
  let program: NodeProgram = { op, params: words.map(BigInt) };
  if (r() < 0.2) {
    const q = [...program.params];
    const at = int(q.length + 3);
    if (at === q.length) program = { op: pick([63, 75, 80]), params: q };
    else if (at === q.length + 1) program = { op, params: q.slice(0, -1) };
    else if (at === q.length + 2) program = { op, params: [...q, 1n] };
    else {
      q[at] = pick([0n, 2n, 3n, 6n, 15n, 1n << 52n, (1n << 64n) - 1n, q[at]! + 1n]);
      program = { op, params: q };
    }
  }
  const value = () => {
    const u = r();
    if (u < 0.4) return int(2001) - 1000;
    if (u < 0.7) return pick(EDGES);
    if (u < 0.97) return int(2 ** A) - 2 ** (A - 1);
    return pick(HUGE);
  };
  const fill = () => Float64Array.from({ length: size + 12 }, value);
  return { program, trace: new ExecutionTrace([0, 1, 2].map((s) => step(`s${s}`, "Synthetic", fill()))), weights: new WeightTree(fill()) };
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

/** Step (element, term) of `w` with honest openings; undefined when a mutated program reads past the world's tensors. */
function worldCase(
  w: World,
  element: number,
  term: number,
  acc: bigint,
): { c: StepCase; want: { value: bigint; error: string } } | undefined {
  const p = w.program;
  let refs;
  let isEpilogue = false;
  let refusal: string | undefined;
  try {
    isEpilogue = term === termCount(p, element);
    refs = operandsOf(p, element, term, acc);
  } catch (e) {
    if (!(e instanceof OneStepRevert)) throw e;
    refusal = selector(e.signature);
  }
  const raw = (refs ?? []).map(
    (r) => (r.source === 1 ? w.trace.steps[r.step]?.values : r.source === 2 ? w.weights.values : [0])?.[r.source === 0 ? 0 : r.index],
  );
  if (raw.some((v) => v === undefined)) return undefined;
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
  if (refusal) return { c, want: { value: 0n, error: refusal } };
  return {
    c,
    want: expected(
      p,
      element,
      term,
      acc,
      raw.map((v) => BigInt(v!)),
    ),
  };
}

/** An accumulator for a step: 0, honest-looking packed values, or garbage. */
function randomAcc(r: () => number): bigint {
  const u = r();
  if (u < 0.3) return 0n;
  const max = BigInt(Math.floor(r() * 65536) - 32768);
  const sum = BigInt(Math.floor(r() * 2 ** 20));
  if (u < 0.8) return (sum << 64n) + max + (r() < 0.5 ? 1n << 63n : sum * sum);
  return [1n, -1n, 1n << 200n, -(1n << 130n), (1n << 52n) << 64n][Math.floor(r() * 5)]!;
}

describe("OPML NonlinearKernel (op codes 64..74)", function () {
  this.timeout(20 * 60_000);
  let executor: OneStepExecutor;
  let harness: OneStepExecutorHarness;

  before(async function () {
    const [signer] = await ethers.getSigners();
    executor = await deployOneStepExecutor(signer!);
    harness = await new OneStepExecutorHarness__factory(signer).deploy(await executor.getAddress());
  });

  it("is deployed as the executor's family 3 and stays under EIP-170's 24 KB", async function () {
    const code = await ethers.provider.getCode(await executor.kernel3());
    const bytes = (code.length - 2) / 2;
    console.log(`      NonlinearKernel: ${bytes} bytes`);
    expect(bytes).to.be.below(24 * 1024);
  });

  it("outputCount, termCount and operandsOf equal the twin on random and malformed programs", async function () {
    let checked = 0;
    let refused = 0;
    for (const op of Object.values(O)) {
      for (let seed = 0; seed < 25; seed++) {
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
        const K = BigInt(termCount(w.program, e));
        expect(await executor.termCount(p, e)).to.equal(K);
        for (const t of [0n, K - 1n, K]) {
          const refs = await executor.operandsOf(p, e, t, 0n);
          expect(
            refs.map((r) => [Number(r.source), Number(r.step), Number(r.index)]),
            `${NAMES[op]} seed ${seed} term ${t}`,
          ).to.deep.equal(operandsOf(w.program, e, Number(t), 0n).map((r) => [r.source, r.step, r.index]));
        }
        checked++;
      }
    }
    expect(refused).to.be.greaterThan(20);
    expect(checked).to.be.greaterThan(150);
  });

  it("foldStep and epilogueStep equal the twin on 400 fuzzed steps per operator", async function () {
    const summary: string[] = [];
    for (const op of Object.values(O)) {
      const r = rng(op);
      const worlds = Array.from({ length: 40 }, (_, s) => randomWorld(op, 1000 * op + s));
      const cases: NonNullable<ReturnType<typeof worldCase>>[] = [];
      while (cases.length < 400) {
        const w = worlds[Math.floor(r() * worlds.length)]!;
        let count = 1;
        let K = 1;
        try {
          count = outputCount(w.program);
          K = termCount(w.program, 0);
        } catch {
          // malformed: the executor refuses it at element 0 already
        }
        const c = worldCase(w, Math.floor(r() * count), Math.floor(r() * (K + 1)), randomAcc(r));
        if (c) cases.push(c);
      }
      const errors = new Map<string, number>();
      for (let i = 0; i < cases.length; i += 100) {
        const batch = cases.slice(i, i + 100);
        const [out, errs] = await runSteps(
          harness,
          batch.map((x) => x.c),
        );
        batch.forEach(({ c, want }, j) => {
          const where = `${NAMES[op]} ${c.epilogue ? "epilogue" : `fold ${c.term}`} element ${c.element} acc ${c.acc} params [${c.program.params.join(", ")}]`;
          expect(errs[j], where).to.equal(want.error);
          expect(out[j], where).to.equal(want.value);
          errors.set(want.error, (errors.get(want.error) ?? 0) + 1);
        });
      }
      const ok = errors.get(NO_ERROR) ?? 0;
      expect(ok, `${NAMES[op]} successes`).to.be.greaterThan(100);
      summary.push(`${NAMES[op]} ${cases.length} (${cases.length - ok} reverts)`);
    }
    console.log(`      fuzzed steps: ${summary.join(", ")}`);
  });

  it("the reverts the kernel adds are named: Nonlinear_OutOfRange, Semantics_Overflow, OneStep_BadParams", function () {
    const softmax = { op: O.Softmax, params: [1n, 0n, 0n, 16n, 8n, 1n, 2n, 1n, 0n] };
    // max = 0 after the first phase; an x of 2000 (above the row's maximum) leaves the exp table
    const acc = 1n << 63n;
    expect(() => fold(softmax, 0, 2, acc, [2000n])).to.throw(OneStepRevert, /Nonlinear_OutOfRange\(2000\)/);
    expect(() => fold(softmax, 0, 0, 0n, [1n << 52n])).to.throw(OneStepRevert, /Semantics_Overflow/);
    expect(() => outputCount({ ...softmax, params: softmax.params.map((v, i) => (i === 3 ? 12n : v)) })).to.throw(
      OneStepRevert,
      /OneStep_BadParams\(72, 3\)/,
    );
    expect(() => outputCount({ op: O.Sigmoid, params: softmax.params.map((v, i) => (i === 8 ? 1n : i === 6 ? 1n : v)) })).to.throw(
      OneStepRevert,
      /OneStep_BadParams\(64, 8\)/,
    );
    expect(() => outputCount({ ...softmax, op: 75 })).to.throw(OneStepRevert, /OneStep_UnknownOp\(75\)/);
    const logSoftmax = { ...softmax, op: O.LogSoftmax };
    expect(() => epilogue(logSoftmax, 0, 0n, [0n])).to.throw(OneStepRevert, /Semantics_NonPositiveDivisor\(0\)/);
  });

  it("gas: the largest step of each operator on the test models, as a transaction", async function () {
    const largest = new Map<string, bigint>();
    for (const c of MODELS) {
      const m = c.build();
      const programs = modelProgram(m).programs;
      const x = Array.from({ length: m.inputLength }, (_, i) => BigInt(((i * 7919) % 2001) - 1000));
      const trace = ExecutionTrace.of(m, x);
      for (let node = 0; node < programs.length; node++) {
        const p = programs[node]!;
        const name = NAMES[p.op];
        if (!name) continue;
        const e = outputCount(p) - 1;
        const K = termCount(p, e);
        const { accs } = elementAccumulators(m, trace, node, e);
        for (const t of new Set([0, K - 1, K])) {
          const s = traceCase(m, trace, node, e, t, accs[t]!);
          const gas = s.epilogue
            ? await executor.epilogueStep.estimateGas(s.program, s.weights, s.stateRoot, s.element, s.acc, s.operands)
            : await executor.foldStep.estimateGas(s.program, s.weights, s.stateRoot, s.element, s.term, s.acc, s.operands);
          const key = `${c.name} ${s.epilogue ? "epilogue" : "fold"}`;
          if (gas > (largest.get(key) ?? 0n)) largest.set(key, gas);
        }
      }
    }
    const max = [...largest.values()].reduce((a, b) => (a > b ? a : b), 0n);
    console.log(`      gas: ${[...largest].map(([k, g]) => `${k} ${g}`).join(", ")}; largest ${max}`);
    expect(max).to.be.below(300_000n);
  });
});
