/**
 * The OPML execution trace: every step of the integer interpreter, committed
 * so that a contract can open one step and one element of it
 * (sdk/opml/trace.ts, contracts/libraries/TraceCommitments.sol).
 */
import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";

import { Model } from "../../sdk/model.js";
import { ZERO_HASH, verifyMerkleProof } from "../../sdk/commit/merkle.js";
import { ExecutionTrace, stepLeaf } from "../../sdk/opml/trace.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";
import { TraceCommitmentsHarness__factory } from "../../types/ethers-contracts/index.js";
import { join } from "node:path";
import { packInt16 } from "../../sdk/commit/int16Tensor.js";

describe("OPML execution trace", function () {
  const model = Model.load("digits-cnn");
  const samples = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json")).samples;
  const input = (i: number) => model.quantizedInput([samples[i]!]);

  it("records the input and every node's output, the last step being the model's output", function () {
    const x = input(0);
    const trace = ExecutionTrace.of(model, x);
    expect(trace.steps.map((s) => s.op)).to.deep.equal(["Input", ...model.graph.nodes.map((n) => n.op)]);
    expect(Array.from(trace.steps[0]!.values)).to.deep.equal(x.map(Number));
    const output = model.runQuantized(x).flatMap((t) => Array.from(t.data));
    expect(Array.from(trace.steps[trace.steps.length - 1]!.values)).to.deep.equal(output);
  });

  it("commits to every step: two inputs differ from the first step on, the same input gives the same root", function () {
    const [a, b] = [ExecutionTrace.of(model, input(1)), ExecutionTrace.of(model, input(2))];
    expect(ExecutionTrace.of(model, input(1)).root).to.equal(a.root);
    expect(a.root).to.not.equal(b.root);
    expect(a.firstDifference(b)).to.equal(0);
    expect(a.firstDifference(ExecutionTrace.of(model, input(1)))).to.equal(-1);
  });

  it("commits state k to steps 0..k only: each state root opens in the trace root, and a step opens in every later state", function () {
    const trace = ExecutionTrace.of(model, input(4));
    const other = ExecutionTrace.of(model, input(5));
    for (let k = 0; k < trace.steps.length; k++) {
      const { stateRoot, proof } = trace.openState(k);
      expect(verifyMerkleProof(trace.root, stateRoot, k, proof)).to.equal(true);
      expect(verifyMerkleProof(trace.root, stateRoot, k === 0 ? 1 : 0, proof)).to.equal(false);
      for (const state of [k, trace.steps.length - 1]) {
        const open = trace.openStep(k, state);
        expect(verifyMerkleProof(trace.states[state]!, stepLeaf(k, open.tensorRoot, open.count), k, open.proof)).to.equal(true);
      }
      // The leaf's path joins state k - 1 (a zero leaf there) and state k.
      if (k > 0) {
        const path = trace.statePath(k);
        expect(verifyMerkleProof(trace.states[k - 1]!, ZERO_HASH, k, path)).to.equal(true);
        expect(verifyMerkleProof(trace.states[k]!, trace.leaves[k]!, k, path)).to.equal(true);
      }
    }
    expect(() => trace.openStep(3, 2)).to.throw(RangeError, /not in state 2/);
    // Same input, same states; another input differs from state 0 on.
    expect(trace.states).to.deep.equal(ExecutionTrace.of(model, input(4)).states);
    expect(trace.states.every((s, k) => s !== other.states[k])).to.equal(true);
  });

  it("opens any step and any element on chain exactly as the SDK commits them, and refuses forged openings", async function () {
    const { ethers } = await network.create();
    const [signer] = await ethers.getSigners();
    const harness = await new TraceCommitmentsHarness__factory(signer).deploy();
    const trace = ExecutionTrace.of(model, input(3));
    await fc.assert(
      fc.asyncProperty(fc.nat(trace.steps.length - 1), fc.nat(), async (step, e) => {
        const open = trace.openStep(step);
        expect(await harness.stepLeaf(step, open.tensorRoot, open.count)).to.equal(stepLeaf(step, open.tensorRoot, open.count));
        expect(await harness.verifyStep(trace.finalState, step, open.tensorRoot, open.count, open.proof)).to.equal(true);
        expect(await harness.verifyStep(trace.finalState, step, open.tensorRoot, open.count + 1, open.proof), "another count").to.equal(
          false,
        );
        expect(await harness.tensorRootOf(packInt16(Array.from(trace.steps[step]!.values, BigInt)))).to.equal(open.tensorRoot);
        const element = e % open.count;
        const el = trace.openElement(step, element);
        expect(await harness.verifyChunk(open.tensorRoot, el.chunkIndex, el.chunk, el.proof)).to.equal(true);
        const forged = el.chunk.map((v, i) => (i === element % 16 ? v + 1 : v));
        expect(await harness.verifyChunk(open.tensorRoot, el.chunkIndex, forged, el.proof), "a changed element").to.equal(false);
      }),
      { numRuns: 40 },
    );
  });
});
