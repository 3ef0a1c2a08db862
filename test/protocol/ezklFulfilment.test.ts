/**
 * The router with EZKL evidence: a Halo2 proof of digits-mlp with public input
 * and output fulfils a request only for the request's own input, the proven
 * output and its binding (chain, router, request, model, fulfiller): a proof
 * copied from one fulfiller's transaction is rejected for another fulfiller
 * and for another request with the same input.
 */
import { expect } from "chai";

import "../helpers/releaseWorkers.js";
import { EzklAdapter__factory } from "../../types/ethers-contracts/index.js";
import { prepareModel, verifiersOf } from "../../sdk/proofs/prepareModel.js";
import type { ModelProver } from "../../sdk/proofs/proofSystem.js";
import { ProofType } from "../../sdk/protocol/proofType.js";
import { registerModel } from "../../sdk/protocol/registerModel.js";
import { cacheDir } from "../../sdk/paths.js";
import { protocolFixture } from "../helpers/protocol.js";
import { join } from "node:path";
import { packInt16 } from "../../sdk/commit/int16Tensor.js";

describe("InferenceRouter with EZKL evidence", function () {
  let f: Awaited<ReturnType<typeof protocolFixture>>;
  let prover: ModelProver;

  before(async function () {
    f = await protocolFixture();
    const prepared = await prepareModel(f.model, [ProofType.Ezkl]);
    await registerModel(f.registry, f.owner, f.model, verifiersOf(prepared));
    prover = prepared.provers[0]!;
  });

  const request = (sample: number) => f.userRequest(sample, { proofType: ProofType.Ezkl, fee: 7n });

  const proveFor = (sent: Awaited<ReturnType<typeof request>>, sample = sent.input, fulfiller = f.operator.address) =>
    prover.prove({
      chainId: f.chainId,
      router: f.addresses.router,
      requestId: sent.requestId,
      modelId: sent.request.modelId,
      fulfiller,
      input: sample,
      workDir: join(cacheDir(), "test-ezkl-router", `request-${sent.requestId}`),
    });

  it("rejects a proof copied from one fulfiller's transaction for another fulfiller and for another request with the same input", async function () {
    const adapter = EzklAdapter__factory.connect(f.addresses.adapters.ezkl!, f.owner);
    const first = await request(42);
    const second = await request(42); // another request, same model and input
    expect(second.input).to.deep.equal(first.input);
    const proof = await proveFor(first);

    // (a) a front-runner replays the operator's evidence for the same request
    await expect(
      f.router.connect(f.other).fulfill(first.requestId, first.request, packInt16(first.input), packInt16(proof.output), proof.evidence),
    ).to.be.revertedWithCustomError(adapter, "Adapter_InvalidProof");
    // (b) the operator's (or anyone's) copy for another request with the same input
    for (const who of [f.operator, f.other]) {
      await expect(
        f.router.connect(who).fulfill(second.requestId, second.request, packInt16(second.input), packInt16(proof.output), proof.evidence),
      ).to.be.revertedWithCustomError(adapter, "Adapter_InvalidProof");
    }
    // the bound proof still fulfils its own request, from its own fulfiller
    await (
      await f.router
        .connect(f.operator)
        .fulfill(first.requestId, first.request, packInt16(first.input), packInt16(proof.output), proof.evidence)
    ).wait();
    expect(await f.router.isResult(first.requestId, first.request, packInt16(proof.output))).to.equal(true);
    // and the other fulfiller, with a proof bound to itself, fulfils the second request
    const own = await proveFor(second, second.input, f.other.address);
    expect(own.output).to.deep.equal(proof.output);
    await (
      await f.router
        .connect(f.other)
        .fulfill(second.requestId, second.request, packInt16(second.input), packInt16(own.output), own.evidence)
    ).wait();
    expect(await f.router.isResult(second.requestId, second.request, packInt16(own.output))).to.equal(true);
  });

  it("fulfils a request with a proof of its input, and rejects a changed output, another input's proof and junk", async function () {
    const adapter = EzklAdapter__factory.connect(f.addresses.adapters.ezkl!, f.owner);
    const sent = await request(40);
    const proof = await proveFor(sent);
    const router = f.router.connect(f.operator);

    const tampered = proof.output.map((v, i) => (i === 3 ? v + 1n : v));
    await expect(
      router.fulfill(sent.requestId, sent.request, packInt16(sent.input), packInt16(tampered), proof.evidence),
    ).to.be.revertedWithCustomError(adapter, "Adapter_InvalidProof");
    const other = await proveFor(sent, f.inputOf(41));
    await expect(
      router.fulfill(sent.requestId, sent.request, packInt16(sent.input), packInt16(other.output), other.evidence),
    ).to.be.revertedWithCustomError(adapter, "Adapter_InvalidProof");
    await expect(
      router.fulfill(sent.requestId, sent.request, packInt16(f.inputOf(41)), packInt16(other.output), other.evidence),
    ).to.be.revertedWithCustomError(f.router, "Router_InputMismatch");
    await expect(
      router.fulfill(sent.requestId, sent.request, packInt16(sent.input), packInt16(proof.output), "0x1234"),
    ).to.be.revertedWithCustomError(adapter, "Adapter_InvalidProof");

    const receipt = await (
      await router.fulfill(sent.requestId, sent.request, packInt16(sent.input), packInt16(proof.output), proof.evidence)
    ).wait();
    expect(await f.router.isResult(sent.requestId, sent.request, packInt16(proof.output))).to.equal(true);
    // EZKL's fixed point is its own (docs/ezkl.md): same argmax as our interpreter on this sample.
    const argmax = (v: bigint[]) => v.indexOf(v.reduce((a, b) => (b > a ? b : a)));
    expect(argmax(proof.output)).to.equal(argmax(f.outputOf(sent.input)));
    console.log(`      EZKL fulfil gas: ${receipt!.gasUsed}`);
    await expect(
      router.fulfill(sent.requestId, sent.request, packInt16(sent.input), packInt16(proof.output), proof.evidence),
    ).to.be.revertedWithCustomError(f.router, "Router_RequestNotPending");
  });
});
