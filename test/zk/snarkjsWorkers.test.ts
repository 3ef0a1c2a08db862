/**
 * snarkjs' curve (and its worker threads) is built once per process, even when
 * the first Groth16 calls come at the same time, and released completely:
 * a leaked curve's worker threads would keep the operator or the test run alive.
 */
import { expect } from "chai";

import "../helpers/releaseWorkers.js";
import { Model } from "../../sdk/model.js";
import { Groth16Circuit } from "../../sdk/zk/groth16/backend.js";
import { releaseSnarkjsWorkers } from "../../sdk/zk/groth16/workers.js";

const messagePorts = () => process.getActiveResourcesInfo().filter((r) => r === "MessagePort").length;

describe("snarkjs worker threads", function () {
  it("are built once for concurrent first proofs and all released afterwards", async function () {
    const model = Model.load("digits-mlp");
    const circuit = await Groth16Circuit.compile(model);
    const x = model.runInteger([{ dtype: "float32", shape: [1, 64], data: new Float64Array(64).fill(0.5) }]).inputs[0]!.data;
    await releaseSnarkjsWorkers();
    const before = messagePorts();
    const proofs = await Promise.all([1n, 2n, 3n].map((binding) => circuit.prove({ binding, x })));
    expect(await Promise.all(proofs.map((p) => circuit.verify(p)))).to.deep.equal([true, true, true]);
    expect(messagePorts()).to.be.greaterThan(before); // the curve's workers are running
    await releaseSnarkjsWorkers();
    expect(messagePorts()).to.equal(before);
  });
});
