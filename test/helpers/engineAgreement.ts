/**
 * The differential check every operator is held to: one model, many integer
 * inputs, every engine. For each case the integer interpreter's output is the
 * truth; the Groth16 circuit's witness must give the same outputs; on the
 * first `opmlCases` cases the OPML twin's reduction of every element of every
 * node must end in the interpreter's element; and `soliditySteps` fold and
 * epilogue steps sampled from those reductions must give the same values in
 * the Solidity executor (kernels included), with honest openings.
 */
import { expect } from "chai";
import { network } from "hardhat";

import type { Model } from "../../sdk/model.js";
import { elementAccumulators, modelProgram, outputCount, termCount } from "../../sdk/opml/accumulators.js";
import { deployOneStepExecutor } from "../../sdk/opml/executorDeployment.js";
import { ExecutionTrace } from "../../sdk/opml/trace.js";
import { Groth16Circuit } from "../../sdk/zk/groth16/backend.js";
import { type OneStepExecutorHarness, OneStepExecutorHarness__factory } from "../../types/ethers-contracts/index.js";
import { integerInputs, integerInputsIn } from "./inputs.js";
import { rng } from "./onnxBuilder.js";
import { type StepCase, runSteps, traceCase } from "./oneStepSteps.js";

export interface AgreementOptions {
  /** Compare the Groth16 circuit's witness on every case (default true; the circuit takes one graph input). */
  readonly circuit?: boolean;
  /** Compare the OPML twin and the Solidity executor (default true). */
  readonly opml?: boolean;
  /** Cases whose every element of every node the OPML twin reduces (default 2). */
  readonly opmlCases?: number;
  /** Steps sampled from those reductions and run by the Solidity executor (default 200). */
  readonly soliditySteps?: number;
  /** Seed of the step sample. */
  readonly seed?: number;
}

export interface AgreementReport {
  readonly cases: number;
  readonly circuitCases: number;
  /** Constraints of the circuit (0 without it). */
  readonly constraints: number;
  readonly opmlElements: number;
  readonly soliditySteps: number;
}

const NO_ERROR = "0x00000000";

let chain: Promise<OneStepExecutorHarness> | undefined;

/** One executor (with every kernel) and its batch harness, deployed once per test process. */
function harness(): Promise<OneStepExecutorHarness> {
  chain ??= (async () => {
    const { ethers } = await network.create();
    const [signer] = await ethers.getSigners();
    const executor = await deployOneStepExecutor(signer!);
    return new OneStepExecutorHarness__factory(signer).deploy(await executor.getAddress());
  })();
  return chain;
}

/**
 * `count` integer inputs for `model` (all graph inputs flattened, as a request carries them): the
 * extremes (all max, all min, zeros, alternating) first, then random values over the whole range and small ones.
 * A model that declares input ranges gets inputs within them (integerInputsIn, per input).
 */
export function fuzzInputs(model: Model, count: number, seed: number): number[][] {
  if (!model.quantized.inputRanges?.size) return integerInputs(model.inputLength, model.quantized.config.activationBits, count, seed);
  const parts = model.inputBounds.map((b, k) => integerInputsIn(b.length, Number(b.lo), Number(b.hi), count, seed + k));
  return Array.from({ length: count }, (_, i) => parts.flatMap((p) => p[i]!));
}

/** Checks every engine against the integer interpreter on `inputs` (one flat integer array per case). */
export async function expectEnginesAgree(
  model: Model,
  inputs: readonly (readonly number[])[],
  options: AgreementOptions = {},
): Promise<AgreementReport> {
  const name = model.graph.name;
  const truth = inputs.map((x) => model.runQuantized(x.map(BigInt)).flatMap((t) => Array.from(t.data)));

  let circuitCases = 0;
  let constraints = 0;
  if (options.circuit ?? true) {
    const circuit = await Groth16Circuit.compile(model, { setup: false });
    constraints = circuit.plan.constraints;
    for (const [i, x] of inputs.entries()) {
      const got = await circuit.evaluate({ binding: 1n, x: [...x] });
      expect(got.outputs.map(Number), `${name}: circuit on case ${i} (input [${x.slice(0, 8).join(", ")}...])`).to.deep.equal(truth[i]);
      circuitCases++;
    }
  }

  let opmlElements = 0;
  let soliditySteps = 0;
  if (options.opml ?? true) {
    const programs = modelProgram(model).programs;
    const steps: { c: StepCase; want: bigint; where: string }[] = [];
    const r = rng(options.seed ?? 1);
    const wanted = options.soliditySteps ?? 200;
    const cases = inputs.slice(0, options.opmlCases ?? 2);
    // Reservoir-free sampling: keep each step with the probability that yields about `wanted` in all.
    const total = cases.length * programs.reduce((n, p) => n + outputCount(p), 0);
    for (const [i, x] of cases.entries()) {
      const trace = ExecutionTrace.of(model, x.map(BigInt));
      programs.forEach((p, node) => {
        const out = trace.steps[node + 1]!.values;
        expect(outputCount(p), `${name}: node ${node} output count`).to.equal(out.length);
        for (let e = 0; e < out.length; e++) {
          const { accs, y } = elementAccumulators(model, trace, node, e);
          const where = `${name}: case ${i} node ${node} (${model.graph.nodes[node]!.op}) element ${e}`;
          expect(y, `${where}: OPML twin`).to.equal(BigInt(out[e]!));
          opmlElements++;
          if (r() < wanted / total) {
            const K = termCount(p, e);
            const t = Math.floor(r() * (K + 1));
            steps.push({ c: traceCase(model, trace, node, e, t, accs[t]!), want: t === K ? y : accs[t + 1]!, where: `${where} term ${t}` });
          }
        }
      });
    }
    const h = await harness();
    for (let i = 0; i < steps.length; i += 100) {
      const batch = steps.slice(i, i + 100);
      const [out, errs] = await runSteps(
        h,
        batch.map((s) => s.c),
      );
      batch.forEach((s, j) => {
        expect(errs[j], `${s.where}: Solidity executor reverted`).to.equal(NO_ERROR);
        expect(out[j], `${s.where}: Solidity executor`).to.equal(s.want);
      });
      soliditySteps += batch.length;
    }
  }
  return { cases: inputs.length, circuitCases, constraints, opmlElements, soliditySteps };
}
