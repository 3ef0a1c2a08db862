/**
 * Node programs for OPML's one-step executor (sdk/opml/program.ts): program
 * leaves and root against an independent encoding, the executor's view of
 * every program (output count, term count, acc_0, operands) equal to the
 * TypeScript twin, malformed params refused alike by both, and the graphs
 * OPML cannot execute refused with OpmlUnsupportedError naming node, op and why.
 */

import { expect } from "chai";
import { solidityPackedKeccak256 } from "ethers";
import fc from "fast-check";
import { network } from "hardhat";

import { verifyMerkleProof } from "../../sdk/commit/merkle.js";
import { Model } from "../../sdk/model.js";
import {
  type NodeProgram,
  OP,
  OneStepRevert,
  OpmlUnsupportedError,
  PARAM_LIMIT,
  checkProgram,
  initialAccumulator,
  modelProgram,
  operandsOf,
  outputCount,
  programLeaf,
  termCount,
} from "../../sdk/opml/program.js";
import { ExecutionTrace } from "../../sdk/opml/trace.js";
import { elementAccumulators } from "../../sdk/opml/accumulators.js";
import { deployOneStepExecutor } from "../../sdk/opml/executorDeployment.js";
import type { GraphSpec } from "../helpers/onnxBuilder.js";
import { linearSpec, loadSpec, poolsSpec, randomInput, randomWorld } from "./executorModels.js";

const { ethers } = await network.create();

const models = [
  { name: "digits-mlp", model: Model.load("digits-mlp") },
  { name: "digits-cnn", model: Model.load("digits-cnn") },
  { name: "sweep-cnn-1e3", model: Model.load("sweep-cnn-1e3") },
  { name: "linear", model: loadSpec(linearSpec()) },
  { name: "pools", model: loadSpec(poolsSpec()) },
];

/** The revert data's selector and arguments, as the twin names them. */
function predicted(p: NodeProgram): string | undefined {
  try {
    checkProgram(p);
    return undefined;
  } catch (e) {
    if (!(e instanceof OneStepRevert)) throw e;
    return `${e.signature.split("(")[0]}(${e.args.join(",")})`;
  }
}

function unsupported(spec: GraphSpec): OpmlUnsupportedError {
  const model = loadSpec(spec);
  try {
    modelProgram(model);
  } catch (e) {
    expect(e).to.be.instanceOf(OpmlUnsupportedError);
    return e as OpmlUnsupportedError;
  }
  throw new Error("modelProgram accepted the graph");
}

describe("OPML node programs", function () {
  it("program leaves are keccak256(0x03 ‖ n ‖ op ‖ keccak256(params)) and open against the program root", function () {
    for (const { name, model } of models) {
      const program = modelProgram(model);
      expect(program.programs.length, name).to.equal(model.graph.nodes.length);
      expect(modelProgram(model)).to.equal(program); // cached per model
      program.programs.forEach((p, n) => {
        const params = solidityPackedKeccak256(["uint256[]"], [p.params]);
        const leaf = solidityPackedKeccak256(["bytes1", "uint256", "uint256", "bytes32"], ["0x03", n, p.op, params]);
        expect(programLeaf(n, p), `${name} node ${n}`).to.equal(leaf);
        expect(verifyMerkleProof(program.root, leaf, n, program.proof(n))).to.equal(true);
        expect(verifyMerkleProof(program.root, leaf, n ^ 1, program.proof(n))).to.equal(false);
        expect(OP[model.graph.nodes[n]!.op as keyof typeof OP]).to.equal(p.op);
        expect(p.params.every((v) => v >= 0n && v < PARAM_LIMIT)).to.equal(true);
      });
      expect(() => program.proof(program.programs.length)).to.throw(RangeError);
    }
    // another quantization gives another program root (shifts are in the params)
    const coarse = Model.load("digits-mlp", { activationBits: 12, fracBits: 6, weightBits: 6 });
    expect(modelProgram(coarse).root).to.not.equal(modelProgram(models[0]!.model).root);
  });

  it("the executor's outputCount, termCount, initialAccumulator and operandsOf equal the twin on every node", async function () {
    const [signer] = await ethers.getSigners();
    const executor = await deployOneStepExecutor(signer!);
    let checked = 0;
    for (const { name, model } of models) {
      const trace = ExecutionTrace.of(
        model,
        name.startsWith("digits") || name.startsWith("sweep") ? randomInput(model, 1) : randomInput(model, 2),
      );
      for (const [node, program] of modelProgram(model).programs.entries()) {
        const p = { op: program.op, params: [...program.params] };
        const where = `${name} node ${node}`;
        expect(await executor.outputCount(p), where).to.equal(BigInt(outputCount(p)));
        for (const e of [0, outputCount(p) - 1]) {
          expect(await executor.termCount(p, e), where).to.equal(BigInt(termCount(p, e)));
          expect(await executor.initialAccumulator(p, e), where).to.equal(initialAccumulator(p, e));
          const { accs } = elementAccumulators(model, trace, node, e);
          const K = termCount(p, e);
          for (const t of new Set([0, Math.floor(K / 2), K - 1, K])) {
            const refs = await executor.operandsOf(p, e, t, accs[t]!);
            const want = operandsOf(p, e, t, accs[t]!);
            expect(
              refs.map((r) => [Number(r.source), Number(r.step), Number(r.index)]),
              `${where} element ${e} term ${t}`,
            ).to.deep.equal(want.map((r) => [r.source, r.step, r.index]));
            checked++;
          }
        }
      }
    }
    expect(checked).to.be.greaterThan(150);
  });

  it("malformed programs are refused alike by the twin and the executor (OneStep_UnknownOp, OneStep_BadParams)", async function () {
    const [signer] = await ethers.getSigners();
    const executor = await deployOneStepExecutor(signer!);
    const ops = Object.values(OP);
    const special = [0n, 1n, 2n, 3n, PARAM_LIMIT - 1n, PARAM_LIMIT, (1n << 255n) + 5n, 1n << 40n];
    const mutation = fc.record({
      op: fc.constantFrom(...ops),
      seed: fc.nat(),
      kind: fc.nat(5),
      at: fc.nat(),
      value: fc.oneof(fc.constantFrom(...special), fc.bigInt(0n, 1n << 70n)),
    });
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(mutation, async ({ op, seed, kind, at, value }) => {
        const p = randomWorld(op, seed).program;
        const params = [...p.params];
        let code: number = p.op;
        if (kind === 0 || kind === 1) params[at % params.length] = value;
        else if (kind === 2) params.push(value);
        else if (kind === 3) params.splice(at % params.length, 1);
        else if (kind === 4) code = at % 2 === 0 ? 0 : 11 + (at % 245);
        const bad = { op: code, params };
        const want = predicted(bad);
        let got: string | undefined;
        try {
          await executor.outputCount(bad);
        } catch (e) {
          const parsed = executor.interface.parseError((e as { data: string }).data);
          got = `${parsed!.name}(${parsed!.args.join(",")})`;
        }
        expect(got, `op ${code} params [${params.join(", ")}]`).to.equal(want);
        const key = want?.split("(")[0] ?? "accepted";
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }),
      { numRuns: 400, seed: 99 },
    );
    expect(seen.get("OneStep_BadParams") ?? 0).to.be.greaterThan(100);
    expect(seen.get("OneStep_UnknownOp") ?? 0).to.be.greaterThan(20);
    // every honest program passes
    for (const { model } of models) for (const p of modelProgram(model).programs) expect(predicted(p)).to.equal(undefined);
  });

  it("refuses graphs OPML cannot execute, naming the node, the op and why", function () {
    const x = [{ name: "x", shape: [1, 1, 3, 3] }];
    // MaxPool with its Indices output
    let e = unsupported({
      inputs: x,
      outputs: [{ name: "y" }],
      nodes: [
        { op: "MaxPool", inputs: ["x"], outputs: ["m", "idx"], ints: { kernel_shape: [2, 2] } },
        { op: "Relu", inputs: ["m"], outputs: ["y"] },
      ],
    });
    expect([e.node, e.op]).to.deep.equal(["n0", "MaxPool"]);
    expect(e.message).to.match(/2 outputs/);
    // a MaxPool window lying wholly in the padding
    e = unsupported({
      inputs: x,
      outputs: [{ name: "y" }],
      nodes: [{ op: "MaxPool", inputs: ["x"], outputs: ["y"], ints: { kernel_shape: [2, 2], pads: [2, 0, 0, 0] } }],
    });
    expect(e.op).to.equal("MaxPool");
    expect(e.message).to.match(/no tap inside the input/);
    // an AveragePool window in the padding, without count_include_pad (its divisor would be 0)
    e = unsupported({
      inputs: x,
      outputs: [{ name: "y" }],
      nodes: [{ op: "AveragePool", inputs: ["x"], outputs: ["y"], ints: { kernel_shape: [2, 2], pads: [0, 2, 0, 0] } }],
    });
    expect(e.op).to.equal("AveragePool");
    // ... which count_include_pad makes well defined
    expect(() =>
      modelProgram(
        loadSpec({
          inputs: x,
          outputs: [{ name: "y" }],
          nodes: [
            {
              op: "AveragePool",
              inputs: ["x"],
              outputs: ["y"],
              int: { count_include_pad: 1 },
              ints: { kernel_shape: [2, 2], pads: [0, 2, 0, 0] },
            },
          ],
        }),
      ),
    ).to.not.throw();
    // the graph's output is not the last node's sole output: two outputs, or an earlier node's
    e = unsupported({
      inputs: x,
      outputs: [{ name: "a" }, { name: "b" }],
      nodes: [
        { op: "Relu", inputs: ["x"], outputs: ["a"] },
        { op: "Relu", inputs: ["a"], outputs: ["b"] },
      ],
    });
    expect([e.node, e.op]).to.deep.equal(["n1", "Relu"]);
    expect(e.message).to.match(/last node's sole output/);
    e = unsupported({
      inputs: x,
      outputs: [{ name: "a" }],
      nodes: [
        { op: "Relu", inputs: ["x"], outputs: ["a"] },
        { op: "Relu", inputs: ["a"], outputs: ["b"] },
      ],
    });
    expect(e.message).to.match(/last node's sole output/);
    expect(e.code).to.equal("INPUT");
  });
});
