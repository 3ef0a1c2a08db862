/**
 * The one-step executor for every operator of the IR: the TypeScript twin
 * (sdk/opml/operands.ts, accumulators.ts) against the integer interpreter,
 * contracts/opml/OneStepExecutor.sol against the twin (fuzzed programs and
 * edge values, then whole-trace steps of digits-cnn), forged openings and
 * out-of-range steps refused with named errors, and the gas of one step.
 */
import { join } from "node:path";

import { expect } from "chai";
import { id } from "ethers";
import fc from "fast-check";
import { network } from "hardhat";

import { WeightTree } from "../../sdk/commit/weights.js";
import { Model } from "../../sdk/model.js";
import {
  INT256_MIN,
  type NodeProgram,
  OP,
  OneStepRevert,
  type OperandOpeningStruct,
  elementAccumulators,
  epilogue,
  fold,
  initialAccumulator,
  modelProgram,
  openingOf,
  operandsOf,
  outputCount,
  termCount,
} from "../../sdk/opml/accumulators.js";
import { ADD, ARGMAX, CONV, LINEAR } from "../../sdk/opml/operands.js";
import { ExecutionTrace, step } from "../../sdk/opml/trace.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";
import { deployOneStepExecutor } from "../../sdk/opml/executorDeployment.js";
import { type OneStepExecutor, type OneStepExecutorHarness, OneStepExecutorHarness__factory } from "../../types/ethers-contracts/index.js";
import { type StepCase, runSteps as runStepsOn, traceCase } from "../helpers/oneStepSteps.js";
import { rng } from "../helpers/onnxBuilder.js";
import { type World, linearSpec, loadSpec, poolsSpec, randomInput, randomWorld } from "./executorModels.js";

const { ethers } = await network.create();

const NO_ERROR = "0x00000000";
const selector = (sig: string) => id(sig).slice(0, 10);
const OP_NAMES = Object.fromEntries(Object.entries(OP).map(([k, v]) => [v, k])) as Record<number, string>;

const samples = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json")).samples;
const zoo = ["digits-mlp", "digits-cnn", "sweep-cnn-1e3"].map((name) => ({ name, model: Model.load(name) }));
const built = [
  { name: "linear", model: loadSpec(linearSpec()) },
  { name: "pools", model: loadSpec(poolsSpec()) },
];
const traces = [
  ...zoo.flatMap(({ name, model }) =>
    [0, 1].map((i) => ({ name, model, trace: ExecutionTrace.of(model, model.quantizedInput([samples[i]!])) })),
  ),
  ...built.flatMap(({ name, model }) =>
    [21, 22].map((seed) => ({ name, model, trace: ExecutionTrace.of(model, randomInput(model, seed)) })),
  ),
];

/** What the executor should answer: the value, or the selector of the error the twin predicts. */
function expected(p: NodeProgram, element: number, term: number, acc: bigint, isEpilogue: boolean, values: bigint[]) {
  try {
    return { value: isEpilogue ? epilogue(p, element, acc, values) : fold(p, element, term, acc, values), error: NO_ERROR };
  } catch (e) {
    if (!(e instanceof OneStepRevert)) throw e;
    return { value: 0n, error: selector(e.signature) };
  }
}

/** One step of `world` (fold term `term`, or the epilogue when term = K) from accumulator `acc`. */
function worldCase(w: World, element: number, term: number, acc: bigint) {
  const p = w.program;
  const isEpilogue = term === termCount(p, element);
  let refs;
  try {
    refs = operandsOf(p, element, term, acc);
  } catch (e) {
    if (!(e instanceof OneStepRevert)) throw e;
    refs = undefined; // the executor reverts before it opens anything (an ArgMax accumulator off the axis)
  }
  const values = (refs ?? []).map((r) =>
    r.source === 0 ? 0n : BigInt((r.source === 1 ? w.trace.steps[r.step]!.values : w.weights.values)[r.index]!),
  );
  const c: StepCase = {
    program: { op: p.op, params: [...p.params] },
    weights: { weightsRoot: w.weights.root, weightCount: w.weights.values.length },
    stateRoot: w.trace.states[w.state]!,
    element,
    term,
    acc,
    epilogue: isEpilogue,
    operands: (refs ?? []).map((r) => openingOf(w.weights, w.trace, w.state, r)),
  };
  return { c, want: refs ? expected(p, element, term, acc, isEpilogue, values) : expectedRevert(p, element, term, acc) };
}

function expectedRevert(p: NodeProgram, element: number, term: number, acc: bigint) {
  try {
    operandsOf(p, element, term, acc);
  } catch (e) {
    return { value: 0n, error: selector((e as OneStepRevert).signature) };
  }
  throw new Error("expected a revert");
}

/** The honest accumulator before term `term` of `world`'s element (the twin run on its values), or undefined if it reverts. */
function honestAcc(w: World, element: number, term: number): bigint | undefined {
  const p = w.program;
  let acc = initialAccumulator(p, element);
  try {
    for (let t = 0; t < term; t++) {
      const refs = operandsOf(p, element, t, acc);
      const values = refs.map((r) =>
        r.source === 0 ? 0n : BigInt((r.source === 1 ? w.trace.steps[r.step]!.values : w.weights.values)[r.index]!),
      );
      acc = fold(p, element, t, acc, values);
    }
  } catch {
    return undefined;
  }
  return acc;
}

/** An accumulator for the fuzz: honest, an edge of the bound, an exact .5 tie or a saturation edge of the epilogue. */
function fuzzAcc(w: World, element: number, term: number, kind: number, raw: bigint): bigint {
  const p = w.program;
  const q = p.params;
  const K = termCount(p, element);
  const honest = honestAcc(w, element, term);
  if (p.op === OP.ArgMax) return kind < 6 && honest !== undefined ? honest : (raw % (q[ARGMAX.length]! + 2n)) - 1n;
  if (kind < 4 && honest !== undefined) return honest;
  const limit = 1n << 52n;
  const edges = [0n, 1n, -1n, limit - 1n, -(limit - 1n), limit, -limit, limit - 2n, INT256_MIN];
  if (kind < 6) return edges[Number(raw % BigInt(edges.length))]!;
  if (term === K && (p.op === OP.Gemm || p.op === OP.MatMul || p.op === OP.Conv)) {
    // acc + bias * 2^L = k * 2^s + 2^(s-1) (a .5 tie) or k * 2^s (exact), k near the saturation bounds or small
    const s = q[p.op === OP.Conv ? CONV.shift : LINEAR.shift]!;
    const L = p.op === OP.Conv ? 0n : q[LINEAR.biasShiftLeft]!;
    const refs = operandsOf(p, element, term, 0n);
    const bias =
      refs[0]!.source === 0
        ? 0n
        : BigInt((refs[0]!.source === 1 ? w.trace.steps[refs[0]!.step]!.values : w.weights.values)[refs[0]!.index]!);
    const A = q[p.op === OP.Conv ? CONV.bits : LINEAR.bits]!;
    const ks = [0n, 1n, -1n, (1n << (A - 1n)) - 1n, -(1n << (A - 1n)), 1n << (A - 1n), -(1n << (A - 1n)) - 1n];
    const k = ks[Number(raw % 7n)]! + ((raw >> 8n) % 3n) - 1n;
    const half = s === 0n ? 0n : 1n << (s - 1n);
    return k * (1n << s) + (kind === 6 ? half : 0n) - (bias << L);
  }
  if (term === K && p.op === OP.AveragePool) {
    const n = BigInt(Number(raw % 9n) + 1);
    return n * (((raw >> 8n) % 65536n) - 32768n) + n / 2n + (kind === 6 ? 0n : 1n) * ((n + 1n) / 2n - n / 2n);
  }
  if (term === K && p.op === OP.Add) {
    const A = q[ADD.bits]!;
    return [(1n << (A - 1n)) - 1n, 1n << (A - 1n), -(1n << (A - 1n)), -(1n << (A - 1n)) - 1n][Number(raw % 4n)]!;
  }
  if (p.op === OP.MaxPool && term === 0) return INT256_MIN;
  return (raw % (1n << 40n)) - (1n << 39n);
}

let harness: OneStepExecutorHarness;
const runSteps = (cases: readonly StepCase[]) => runStepsOn(harness, cases);

describe("OPML one-step executor (every operator)", function () {
  let executor: OneStepExecutor;

  before(async function () {
    const [signer] = await ethers.getSigners();
    executor = await deployOneStepExecutor(signer!);
    harness = await new OneStepExecutorHarness__factory(signer).deploy(await executor.getAddress());
  });

  it("the reduction of every element of every node ends in the interpreter's element (zoo and built models)", function () {
    const ops = new Set<number>();
    let elements = 0;
    for (const { name, model, trace } of traces) {
      const programs = modelProgram(model).programs;
      programs.forEach((p, node) => {
        ops.add(p.op);
        const out = trace.steps[node + 1]!.values;
        expect(outputCount(p), `${name} node ${node}`).to.equal(out.length);
        for (let e = 0; e < out.length; e++) {
          const { accs, y } = elementAccumulators(model, trace, node, e);
          expect(accs.length).to.equal(termCount(p, e) + 1);
          expect(accs[0]).to.equal(initialAccumulator(p, e));
          expect(y, `${name} node ${node} (${OP_NAMES[p.op]}) element ${e}`).to.equal(BigInt(out[e]!));
          elements++;
        }
      });
    }
    expect([...ops].sort((a, b) => a - b)).to.deep.equal(Object.values(OP).sort((a, b) => a - b));
    expect(elements).to.be.greaterThan(5000);
  });

  it("foldStep and epilogueStep equal the TypeScript twin on >= 1000 fuzzed cases per step kind per operator", async function () {
    const PER_CALL = 125;
    const CALLS = 8; // 1000 cases per (operator, step kind)
    const caseArb = fc.record({ seed: fc.nat(), element: fc.nat(), term: fc.nat(), kind: fc.nat(7), raw: fc.bigInt(0n, 1n << 64n) });
    const summary: string[] = [];
    for (const op of Object.values(OP)) {
      for (const isEpilogue of [false, true]) {
        let checked = 0;
        const errors = new Map<string, number>();
        await fc.assert(
          fc.asyncProperty(fc.array(caseArb, { minLength: PER_CALL, maxLength: PER_CALL }), async (picks) => {
            const worlds = new Map<number, World>();
            const cases = picks.map(({ seed, element, term, kind, raw }) => {
              const key = seed % 25;
              if (!worlds.has(key)) worlds.set(key, randomWorld(op, seed));
              const w = worlds.get(key)!;
              const e = element % outputCount(w.program);
              const K = termCount(w.program, e);
              const t = isEpilogue ? K : term % K;
              return worldCase(w, e, t, fuzzAcc(w, e, t, kind, raw));
            });
            const [out, errs] = await runSteps(cases.map((x) => x.c));
            cases.forEach(({ c, want }, i) => {
              const where = `${OP_NAMES[op]} ${isEpilogue ? "epilogue" : "fold"} element ${c.element} term ${c.term} acc ${c.acc}`;
              expect(errs[i], where).to.equal(want.error);
              expect(out[i], where).to.equal(want.value);
              errors.set(want.error, (errors.get(want.error) ?? 0) + 1);
            });
            checked += cases.length;
          }),
          { numRuns: CALLS, endOnFailure: true, seed: 1000 * op + (isEpilogue ? 1 : 0) },
        );
        expect(checked).to.be.at.least(1000);
        expect(errors.get(NO_ERROR) ?? 0, `${OP_NAMES[op]} successes`).to.be.greaterThan(checked / 2);
        summary.push(`${OP_NAMES[op]} ${isEpilogue ? "epilogue" : "fold"} ${checked} (${checked - (errors.get(NO_ERROR) ?? 0)} reverts)`);
      }
    }
    console.log(`      fuzzed: ${summary.join(", ")}`);
  });

  it("every fold and epilogue step of every element of every node of a digits-cnn trace holds on chain", async function () {
    const { model, trace } = traces.find((t) => t.name === "digits-cnn")!;
    const cases: { c: StepCase; want: bigint }[] = [];
    modelProgram(model).programs.forEach((p, node) => {
      for (let e = 0; e < outputCount(p); e++) {
        const { accs, y } = elementAccumulators(model, trace, node, e);
        const K = termCount(p, e);
        for (let t = 0; t <= K; t++) cases.push({ c: traceCase(model, trace, node, e, t, accs[t]!), want: t === K ? y : accs[t + 1]! });
      }
    });
    for (let i = 0; i < cases.length; i += 150) {
      const batch = cases.slice(i, i + 150);
      const [out, errs] = await runSteps(batch.map((x) => x.c));
      batch.forEach(({ c, want }, j) => {
        expect(errs[j], `node step ${c.element}/${c.term}`).to.equal(NO_ERROR);
        expect(out[j]).to.equal(want);
      });
    }
    expect(cases.length).to.equal(512 * 10 + 512 * 2 + 128 * 5 + 128 * 2 + 10 * 129);
  });

  it("refuses forged openings, out-of-range elements, terms and indices, wrong opening counts and off-axis ArgMax accumulators", async function () {
    // honest cases reading trace and weight operands: every node of the built models, a few elements and terms
    const r = rng(5);
    const honest: { c: StepCase; model: Model; trace: ExecutionTrace; node: number }[] = [];
    for (const { model, trace } of traces.filter((t) => t.name === "linear" || t.name === "pools" || t.name === "digits-cnn")) {
      modelProgram(model).programs.forEach((p, node) => {
        for (let i = 0; i < 3; i++) {
          const e = Math.floor(r() * outputCount(p));
          const { accs } = elementAccumulators(model, trace, node, e);
          const K = termCount(p, e);
          const t = Math.floor(r() * (K + 1));
          honest.push({ c: traceCase(model, trace, node, e, t, accs[t]!), model, trace, node });
        }
      });
    }
    const [, okErrs] = await runSteps(honest.map((h) => h.c));
    okErrs.forEach((err) => expect(err).to.equal(NO_ERROR));

    const refsOf = (c: StepCase) => operandsOf(c.program, c.element, c.term, c.acc);
    const expectErrors = async (cases: StepCase[], sig: string) => {
      expect(cases.length, sig).to.be.greaterThan(0);
      const [, errs] = await runSteps(cases);
      errs.forEach((err, i) => expect(err, `${sig} case ${i} (op ${cases[i]!.program.op})`).to.equal(selector(sig)));
    };
    const withOperand = (source: number) =>
      honest
        .filter(({ c }) => refsOf(c).some((x) => x.source === source))
        .map(({ c, model, trace, node }) => ({
          c,
          model,
          trace,
          node,
          i: refsOf(c).findIndex((x) => x.source === source),
        }));
    const traceOps = withOperand(1);
    const weightOps = withOperand(2);
    const edit = (c: StepCase, i: number, f: (o: OperandOpeningStruct) => OperandOpeningStruct): StepCase => ({
      ...c,
      operands: c.operands.map((o, j) => (j === i ? f(o) : o)),
    });
    const bump = (c: StepCase, i: number) =>
      edit(c, i, (o) => ({ ...o, chunk: o.chunk.map((v, k) => (k === refsOf(c)[i]!.index % 16 ? v + 1n : v)) }));

    await expectErrors(
      traceOps.map(({ c, i }) => bump(c, i)),
      "OneStep_BadChunkOpening(uint256)",
    );
    await expectErrors(
      weightOps.map(({ c, i }) => bump(c, i)),
      "OneStep_BadWeightOpening(uint256)",
    );
    // another step's tensor root, another count, the state of another request's trace, the state before the operand's step
    await expectErrors(
      traceOps.map(({ c, i, trace }) =>
        edit(c, i, (o) => ({ ...o, tensorRoot: trace.steps.find((x) => x.tree.root !== o.tensorRoot)!.tree.root })),
      ),
      "OneStep_BadStepOpening(uint256)",
    );
    await expectErrors(
      traceOps.map(({ c, i }) => edit(c, i, (o) => ({ ...o, count: o.count + 1 }))),
      "OneStep_BadStepOpening(uint256)",
    );
    await expectErrors(
      traceOps.map(({ c, model, node, trace }) => ({
        ...c,
        stateRoot: traces.find((t) => t.model === model && t.trace !== trace)!.trace.states[node]!,
      })),
      "OneStep_BadStepOpening(uint256)",
    );
    await expectErrors(
      traceOps
        .filter(({ c, i }) => refsOf(c)[i]!.step > 0)
        .map(({ c, i, trace }) => ({ ...c, stateRoot: trace.states[refsOf(c)[i]!.step - 1]! })),
      "OneStep_BadStepOpening(uint256)",
    );
    // another model's weights root; a weight count that excludes the weight
    const other = traces.find((t) => t.name === "digits-mlp")!.model.commitment;
    await expectErrors(
      weightOps.map(({ c }) => ({ ...c, weights: { ...c.weights, weightsRoot: other.weightsRoot } })),
      "OneStep_BadWeightOpening(uint256)",
    );
    await expectErrors(
      weightOps.map(({ c, i }) => ({ ...c, weights: { ...c.weights, weightCount: refsOf(c)[i]!.index } })),
      "OneStep_IndexOutOfRange(uint256,uint256,uint256)",
    );
    // a trace whose operand step is truncated before the operand (a consistent leaf with a smaller count)
    const truncated = traceOps.map(({ c, i, trace, node }) => {
      const ref = refsOf(c)[i]!;
      const forged = new ExecutionTrace(trace.steps.map((s, k) => (k === ref.step ? step(s.name, s.op, s.values.slice(0, ref.index)) : s)));
      const opened = forged.openStep(ref.step, node);
      return {
        ...edit(c, i, (o) => ({ ...o, tensorRoot: opened.tensorRoot, count: opened.count, stepProof: opened.proof })),
        stateRoot: forged.states[node]!,
      };
    });
    await expectErrors(truncated, "OneStep_IndexOutOfRange(uint256,uint256,uint256)");
    // wrong number of openings
    await expectErrors(
      honest.map(({ c }) => ({
        ...c,
        operands: [...c.operands, c.operands[0] ?? openingOf(new WeightTree([0]), traces[0]!.trace, 0, { source: 0, step: 0, index: 0 })],
      })),
      "OneStep_WrongOperandCount(uint256,uint256)",
    );
    await expectErrors(
      honest.filter(({ c }) => c.operands.length > 0).map(({ c }) => ({ ...c, operands: c.operands.slice(1) })),
      "OneStep_WrongOperandCount(uint256,uint256)",
    );
    // out of range: element, fold term
    await expectErrors(
      honest.map(({ c }) => ({ ...c, element: outputCount(c.program) })),
      "OneStep_ElementOutOfRange(uint256,uint256)",
    );
    await expectErrors(
      honest.map(({ c }) => ({ ...c, epilogue: false, term: termCount(c.program, c.element) + (c.element % 2) })),
      "OneStep_TermOutOfRange(uint256,uint256)",
    );
    // ArgMax: a running best off the axis
    const argmax = honest.filter(({ c }) => c.program.op === OP.ArgMax && !c.epilogue);
    await expectErrors(
      argmax.map(({ c }) => ({ ...c, acc: c.program.params[ARGMAX.length]! })),
      "OneStep_BadAccumulator(int256)",
    );
    await expectErrors(
      argmax.map(({ c }) => ({ ...c, acc: -1n })),
      "OneStep_BadAccumulator(int256)",
    );
    // operandsOf names the same errors
    const p = honest[0]!.c.program;
    await expect(executor.operandsOf(p, outputCount(p), 0, 0)).to.be.revertedWithCustomError(executor, "OneStep_ElementOutOfRange");
    await expect(executor.operandsOf(p, 0, termCount(p, 0) + 1, 0)).to.be.revertedWithCustomError(executor, "OneStep_TermOutOfRange");
  });

  it("gas: the largest foldStep and epilogueStep per operator, as a transaction, stays under 300k", async function () {
    const lines: string[] = [];
    const largest = new Map<string, { gas: bigint; where: string }>();
    for (const { name, model, trace } of traces.filter((_, i) => i % 2 === 0)) {
      const programs = modelProgram(model).programs;
      for (let node = 0; node < programs.length; node++) {
        const p = programs[node]!;
        // the last element (deepest indices) and a middle one; a fold term reading the most operands, and the epilogue
        for (const e of [outputCount(p) - 1, Math.floor(outputCount(p) / 2)]) {
          const { accs } = elementAccumulators(model, trace, node, e);
          const K = termCount(p, e);
          const terms = [K - 1, Math.floor(K / 2), K];
          for (const t of terms) {
            const c = traceCase(model, trace, node, e, t, accs[t]!);
            const gas = c.epilogue
              ? await executor.epilogueStep.estimateGas(c.program, c.weights, c.stateRoot, c.element, c.acc, c.operands)
              : await executor.foldStep.estimateGas(c.program, c.weights, c.stateRoot, c.element, c.term, c.acc, c.operands);
            const key = `${OP_NAMES[p.op]} ${c.epilogue ? "epilogue" : "fold"}`;
            if (!largest.has(key) || largest.get(key)!.gas < gas) largest.set(key, { gas, where: `${name} node ${node}` });
          }
        }
      }
    }
    for (const [key, { gas, where }] of [...largest].sort()) {
      lines.push(`${key} ${gas} (${where})`);
      expect(gas, key).to.be.below(300_000n);
    }
    expect(largest.size).to.equal(20);
    console.log(`      gas (transaction, 21,000 and calldata included):\n        ${lines.join("\n        ")}`);
  });
});
