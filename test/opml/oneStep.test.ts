/**
 * Level 3 and the one-step executor for Gemm and MatMul: the SDK's running
 * sums (sdk/opml/accumulators.ts) end in the trace's output element, and
 * contracts/opml/OneStepExecutor.sol re-executes any one term (macStep) and any
 * element's epilogue (epilogueStep) from Merkle openings of the trace and the
 * weights, equal to the SDK, refusing forged openings with named errors.
 *
 * Models: digits-mlp (two Gemms, transB, bias [n]) and a test model built with
 * onnxBuilder: MatMul with broadcast batch dims, MatMul with a constant A, and
 * a Gemm with transA, transB and a bias [m, 1] reading the second graph input.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { id } from "ethers";
import fc from "fast-check";
import { network } from "hardhat";

import { merkleLevels, merkleProof } from "../../sdk/commit/merkle.js";
import { WeightTree } from "../../sdk/commit/weights.js";
import { Model } from "../../sdk/model.js";
import {
  type ElementAccumulator,
  type LinearGeometry,
  elementAccumulator,
  elementCount,
  linearGeometry,
  termRoot,
} from "../../sdk/opml/accumulators.js";
import { ExecutionTrace, stepLeaf } from "../../sdk/opml/trace.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";
import { OneStepExecutorHarness__factory, OneStepExecutor__factory } from "../../types/ethers-contracts/index.js";
import { buildOnnx, rng } from "../helpers/onnxBuilder.js";

const { ethers } = await network.create();

const BATCH = 128;
const BATCHES = 8; // 1024 fuzzed (model, node, element, term) cases
const NO_ERROR = "0x00000000";
const selector = (sig: string) => id(sig).slice(0, 10);

/** A model with MatMul (broadcast batch, constant B), MatMul (constant A) and Gemm (transA, transB, C [m, 1]). */
function matmulModel(): Model {
  const r = rng(7);
  const floats = (n: number) => Array.from({ length: n }, () => r() * 2 - 1);
  const bytes = buildOnnx({
    inputs: [
      { name: "x", shape: [2, 1, 3, 4] },
      { name: "g", shape: [4, 3] },
    ],
    outputs: [{ name: "z" }, { name: "y" }],
    nodes: [
      { op: "MatMul", inputs: ["x", "w1"], outputs: ["h"] },
      { op: "Relu", inputs: ["h"], outputs: ["hr"] },
      { op: "MatMul", inputs: ["w2", "hr"], outputs: ["z"] },
      { op: "Gemm", inputs: ["g", "wg", "cg"], outputs: ["y"], int: { transA: 1, transB: 1 } },
    ],
    initializers: [
      { name: "w1", dims: [3, 4, 5], floats: floats(60) },
      { name: "w2", dims: [3, 3], floats: floats(9) },
      { name: "wg", dims: [6, 4], floats: floats(24) },
      { name: "cg", dims: [3, 1], floats: floats(3) },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), "vinfer-onestep-"));
  const path = join(dir, "model.onnx");
  writeFileSync(path, bytes);
  return Model.load(path);
}

interface Case {
  readonly model: Model;
  readonly trace: ExecutionTrace;
  readonly geometry: LinearGeometry;
}

function linearNodes(model: Model): number[] {
  return model.graph.nodes.flatMap((n, i) => (n.op === "Gemm" || n.op === "MatMul" ? [i] : []));
}

const mlp = Model.load("digits-mlp");
const samples = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json")).samples;
const mm = matmulModel();
const mmInput = (seed: number) => {
  const r = rng(seed);
  return mm.quantizedInput(
    mm.graph.inputs.map((t) => ({
      dtype: "float32" as const,
      shape: t.shape,
      data: Float64Array.from({ length: t.shape.reduce((a, b) => a * b, 1) }, () => r() * 4 - 2),
    })),
  );
};
const traces: Case[] = [
  ...[0, 1].flatMap((i) => {
    const trace = ExecutionTrace.of(mlp, mlp.quantizedInput([samples[i]!]));
    return linearNodes(mlp).map((n) => ({ model: mlp, trace, geometry: linearGeometry(mlp, n) }));
  }),
  ...[11, 12].flatMap((seed) => {
    const trace = ExecutionTrace.of(mm, mmInput(seed));
    return linearNodes(mm).map((n) => ({ model: mm, trace, geometry: linearGeometry(mm, n) }));
  }),
];

const solGeometry = (g: LinearGeometry) => ({
  ...g,
  batchShape: [...g.batchShape],
  aBatchShape: [...g.aBatchShape],
  bBatchShape: [...g.bBatchShape],
});
const binding = (model: Model) => {
  const c = model.commitment;
  return { modelId: c.modelId, irHash: c.irHash, weightsRoot: c.weightsRoot, weightCount: c.weightCount };
};
const chunkOf = (tree: WeightTree, index: number) => {
  const p = tree.proofFor(index);
  return { chunk: p.chunk, proof: p.proof };
};

function macStep(c: Case, acc: ElementAccumulator, term: number) {
  const t = acc.terms[term]!;
  return {
    model: binding(c.model),
    traceRoot: c.trace.root,
    geometry: solGeometry(c.geometry),
    element: acc.element,
    term,
    acc: acc.sums[term]!,
    inputStep: c.trace.openStep(c.geometry.inputStep),
    input: chunkOf(c.trace.steps[c.geometry.inputStep]!.tree, t.inputIndex),
    weight: chunkOf(c.model.commitment.tree, t.weightIndex),
  };
}

function epilogueStep(
  c: Case,
  acc: ElementAccumulator,
  trace: { root: string; openStep: ExecutionTrace["openStep"]; tree: WeightTree } = outputOf(c),
) {
  return {
    model: binding(c.model),
    traceRoot: trace.root,
    geometry: solGeometry(c.geometry),
    element: acc.element,
    acc: acc.sums[c.geometry.k]!,
    bias:
      acc.biasIndex === undefined ? { chunk: new Array<number>(16).fill(0), proof: [] } : chunkOf(c.model.commitment.tree, acc.biasIndex),
    outputStep: trace.openStep(c.geometry.node + 1),
    output: chunkOf(trace.tree, acc.element),
  };
}

function outputOf(c: Case) {
  return { root: c.trace.root, openStep: (i: number) => c.trace.openStep(i), tree: c.trace.steps[c.geometry.node + 1]!.tree };
}

/** The trace with element `element` of step `step` replaced by `value`: a consistent commitment to a wrong output. */
function forgedTrace(trace: ExecutionTrace, step: number, element: number, value: number) {
  const values = Float64Array.from(trace.steps[step]!.values);
  values[element] = value;
  const tree = new WeightTree(values);
  const leaves = trace.steps.map((s, i) =>
    i === step ? stepLeaf(i, tree.root, values.length) : stepLeaf(i, s.tree.root, s.values.length),
  );
  const levels = merkleLevels(leaves);
  return {
    root: levels[levels.length - 1]![0]!,
    openStep: (i: number) => ({
      tensorRoot: i === step ? tree.root : trace.steps[i]!.tree.root,
      count: trace.steps[i]!.values.length,
      proof: merkleProof(levels, i),
    }),
    tree,
  };
}

describe("OPML level 3 and the one-step executor (Gemm, MatMul)", function () {
  it("the running sums of every element of every Gemm/MatMul, after the epilogue, equal the trace's output element", function () {
    let elements = 0;
    for (const c of traces) {
      const out = c.trace.steps[c.geometry.node + 1]!.values;
      expect(out.length).to.equal(elementCount(c.geometry));
      for (let e = 0; e < out.length; e++) {
        const acc = elementAccumulator(c.model, c.trace, c.geometry.node, e);
        expect(acc.sums[0]).to.equal(0);
        expect(acc.sums.length).to.equal(c.geometry.k + 1);
        expect(acc.output, `node ${c.geometry.node} element ${e}`).to.equal(out[e]);
        expect(termRoot(acc)).to.equal(new WeightTree(acc.sums).root);
        elements++;
      }
    }
    // digits-mlp: 32 + 10 per trace; the MatMul model: 90 + 90 + 18 per trace
    expect(elements).to.equal(2 * 42 + 2 * 198);
    const g = traces.map((c) => c.geometry);
    expect(g.some((x) => x.batchShape.length === 2 && !x.activationIsA)).to.equal(true);
    expect(g.some((x) => x.transA && x.transB && x.hasBias && x.biasCols === 1 && x.inputOffset > 0)).to.equal(true);
  });

  it("macStep equals the SDK's running sum k + 1 on >= 1000 fuzzed (node, element, term) cases; epilogueStep accepts every honest element and refuses a wrong one", async function () {
    const [signer] = await ethers.getSigners();
    const executor = await new OneStepExecutor__factory(signer).deploy();
    const harness = await new OneStepExecutorHarness__factory(signer).deploy(await executor.getAddress());
    const caseArb = fc.record({ c: fc.nat(traces.length - 1), e: fc.nat(), t: fc.nat() });
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(caseArb, { minLength: BATCH, maxLength: BATCH }), async (picks) => {
        const cases = picks.map(({ c, e, t }) => {
          const k = traces[c]!;
          const acc = elementAccumulator(k.model, k.trace, k.geometry.node, e % elementCount(k.geometry));
          const term = t % k.geometry.k;
          return { step: macStep(k, acc, term), expected: acc.sums[term + 1]! };
        });
        const [out, errs] = await harness.macSteps(cases.map((x) => x.step));
        cases.forEach((x, i) => {
          expect(errs[i], `case ${i}`).to.equal(NO_ERROR);
          expect(out[i], `case ${i}`).to.equal(BigInt(x.expected));
        });
        checked += cases.length;
      }),
      { numRuns: BATCHES, endOnFailure: true },
    );
    expect(checked).to.be.at.least(1000);

    // every element's epilogue, honest and with the output element off by one
    for (const c of traces) {
      const honest = [];
      const wrong = [];
      for (let e = 0; e < elementCount(c.geometry); e++) {
        const acc = elementAccumulator(c.model, c.trace, c.geometry.node, e);
        honest.push(epilogueStep(c, acc));
        wrong.push(epilogueStep(c, acc, forgedTrace(c.trace, c.geometry.node + 1, e, acc.output + 1)));
      }
      const [h, y, errs] = await harness.epilogueSteps(honest);
      const [hw, yw, errsw] = await harness.epilogueSteps(wrong);
      honest.forEach((_, e) => {
        const expected = c.trace.steps[c.geometry.node + 1]!.values[e]!;
        expect(errs[e]).to.equal(NO_ERROR);
        expect(h[e], `honest element ${e}`).to.equal(true);
        expect(y[e]).to.equal(BigInt(expected));
        expect(errsw[e]).to.equal(NO_ERROR);
        expect(hw[e], `wrong element ${e}`).to.equal(false);
        expect(yw[e]).to.equal(BigInt(expected));
      });
    }
  });

  it("refuses forged openings and out-of-range steps with named errors, and prints the gas of one step", async function () {
    const [signer] = await ethers.getSigners();
    const executor = await new OneStepExecutor__factory(signer).deploy();
    const harness = await new OneStepExecutorHarness__factory(signer).deploy(await executor.getAddress());
    const expectErrors = async (steps: ReturnType<typeof macStep>[], sig: string) => {
      const [, errs] = await harness.macSteps(steps);
      errs.forEach((err, i) => expect(err, `${sig} case ${i}`).to.equal(selector(sig)));
    };
    const picks = fc.sample(fc.record({ c: fc.nat(traces.length - 1), e: fc.nat(), t: fc.nat() }), { numRuns: 64, seed: 42 });
    const honest = picks.map(({ c, e, t }) => {
      const k = traces[c]!;
      const acc = elementAccumulator(k.model, k.trace, k.geometry.node, e % elementCount(k.geometry));
      return { k, acc, step: macStep(k, acc, t % k.geometry.k) };
    });
    const bump = (chunk: number[], at: number) => chunk.map((v, i) => (i === at % 16 ? v + 1 : v));
    // a wrong input element
    await expectErrors(
      honest.map(({ acc, step }) => ({
        ...step,
        input: { ...step.input, chunk: bump(step.input.chunk, acc.terms[step.term]!.inputIndex) },
      })),
      "OneStep_BadInputOpening(uint256)",
    );
    // a wrong weight
    await expectErrors(
      honest.map(({ acc, step }) => ({
        ...step,
        weight: { ...step.weight, chunk: bump(step.weight.chunk, acc.terms[step.term]!.weightIndex) },
      })),
      "OneStep_BadWeightOpening(uint256)",
    );
    // a wrong step root (another step's tensor), or another count
    await expectErrors(
      honest.map(({ k, step }) => ({
        ...step,
        inputStep: { ...step.inputStep, tensorRoot: k.trace.steps[k.geometry.node + 1]!.tree.root },
      })),
      "OneStep_BadStepOpening(uint256)",
    );
    await expectErrors(
      honest.map(({ step }) => ({ ...step, inputStep: { ...step.inputStep, count: step.inputStep.count + 1 } })),
      "OneStep_BadStepOpening(uint256)",
    );
    // a weights root (and proof) of another model, or a weight count not matching the model id
    const other = (m: Model) => (m === mlp ? mm : mlp);
    await expectErrors(
      honest.map(({ k, step }) => ({ ...step, model: { ...step.model, weightsRoot: other(k.model).commitment.weightsRoot } })),
      "OneStep_ModelMismatch(bytes32,bytes32)",
    );
    await expectErrors(
      honest.map(({ step }) => ({ ...step, model: { ...step.model, weightCount: step.model.weightCount + 1 } })),
      "OneStep_ModelMismatch(bytes32,bytes32)",
    );
    // out of range
    await expectErrors(
      honest.map(({ k, step }) => ({ ...step, term: k.geometry.k })),
      "OneStep_TermOutOfRange(uint256,uint256)",
    );
    await expectErrors(
      honest.map(({ k, step }) => ({ ...step, element: elementCount(k.geometry) })),
      "OneStep_ElementOutOfRange(uint256,uint256)",
    );

    // epilogue: a forged bias, a forged output opening, an output step of the wrong trace
    const epi = honest.filter(({ k }) => k.geometry.hasBias).map(({ k, acc }) => ({ k, acc, step: epilogueStep(k, acc) }));
    expect(epi.length).to.be.greaterThan(0);
    const expectEpilogueErrors = async (steps: ReturnType<typeof epilogueStep>[], sig: string) => {
      const [, , errs] = await harness.epilogueSteps(steps);
      errs.forEach((err, i) => expect(err, `${sig} case ${i}`).to.equal(selector(sig)));
    };
    await expectEpilogueErrors(
      epi.map(({ acc, step }) => ({ ...step, bias: { ...step.bias, chunk: bump(step.bias.chunk, acc.biasIndex!) } })),
      "OneStep_BadBiasOpening(uint256)",
    );
    await expectEpilogueErrors(
      epi.map(({ acc, step }) => ({ ...step, output: { ...step.output, chunk: bump(step.output.chunk, acc.element) } })),
      "OneStep_BadOutputOpening(uint256)",
    );
    await expectEpilogueErrors(
      epi.map(({ k, step }) => ({ ...step, outputStep: k.trace.openStep(k.geometry.inputStep) })),
      "OneStep_BadStepOpening(uint256)",
    );
    await expectEpilogueErrors(
      epi.map(({ step }) => ({ ...step, model: { ...step.model, irHash: id("another IR") } })),
      "OneStep_ModelMismatch(bytes32,bytes32)",
    );

    // gas of one step (a transaction: 21,000 base and calldata included), fc1 of digits-mlp (k = 64)
    const c = traces[0]!;
    const acc = elementAccumulator(c.model, c.trace, c.geometry.node, 5);
    const macGas = await executor.macStep.estimateGas(macStep(c, acc, 17));
    const epiGas = await executor.epilogueStep.estimateGas(epilogueStep(c, acc));
    console.log(`      gas (digits-mlp fc1, transaction incl. calldata): macStep ${macGas}, epilogueStep ${epiGas}`);
    expect(macGas).to.be.below(300_000n);
    expect(epiGas).to.be.below(300_000n);
  });
});
