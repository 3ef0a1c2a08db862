/**
 * The TEE proof type through the SDK, as an operator runs it: a dev enclave
 * worker's key is attested, checked by attestation verifiers (in dev mode:
 * the real path refuses a simulated enclave), admitted by their quorum, and
 * its signed results fulfil requests through the operator node and the router.
 */

import { expect } from "chai";
import { Wallet } from "ethers";

import "../helpers/releaseWorkers.js";
import { EnclaveRegistry__factory, TeeAdapter__factory } from "../../types/ethers-contracts/index.js";
import { prepareModel, verifiersOf } from "../../sdk/proofs/prepareModel.js";
import { ProofType } from "../../sdk/protocol/proofType.js";
import { registerModel } from "../../sdk/protocol/registerModel.js";
import { inputHashOfValues, outputHashOfValues } from "../../sdk/commit/tensorHash.js";
import { attestAndSign } from "../../sdk/tee/attester.js";
import { acceptMeasurement, admitEnclaveKey, deployEnclaveRegistry } from "../../sdk/tee/enclaveRegistry.js";
import { teeResultDigest } from "../../sdk/tee/resultSigning.js";
import { DEV_ENCLAVE_MEASUREMENT, devBackend } from "../../sdk/tee/worker/backends.js";
import { EnclaveWorker } from "../../sdk/tee/worker/enclaveWorker.js";
import { operatorFixture, serveOnce } from "../helpers/operator.js";
import { packInt16 } from "../../sdk/commit/int16Tensor.js";

describe("TEE proof type (SDK, dev enclave)", function () {
  let fixture: Awaited<ReturnType<typeof operatorFixture>>;
  const attesters = [Wallet.createRandom(), Wallet.createRandom(), Wallet.createRandom()];

  before(async function () {
    fixture = await operatorFixture("tee");
  });

  after(async function () {
    await fixture?.chain.close();
  });

  /** A fresh dev enclave worker, its registry, and what the attesters need to know. */
  async function enclave() {
    const { f } = fixture;
    const contracts = await deployEnclaveRegistry(f.owner, {
      modelRegistry: f.addresses.registry,
      attesters: attesters.map((a) => a.address),
      threshold: 2,
    });
    const worker = EnclaveWorker.start(devBackend);
    const o = {
      chainId: f.chainId,
      quorumAdmitter: await contracts.quorumAdmitter.getAddress(),
      enclaveRegistry: await contracts.enclaveRegistry.getAddress(),
      maxLifetimeSeconds: 3600,
    };
    return { ...contracts, worker, o };
  }

  it("signs results with exactly the digest the TEE adapter rebuilds", async function () {
    const { f } = fixture;
    const adapter = TeeAdapter__factory.connect(f.addresses.adapters.tee!, f.owner);
    const ctx = {
      chainId: f.chainId,
      router: f.addresses.router,
      requestId: 42n,
      modelId: f.model.modelId,
      input: f.inputOf(0),
      fulfiller: f.operator.address,
    };
    const output = f.outputOf(ctx.input);
    const onChain = await adapter.resultDigest(
      ctx.router,
      ctx.requestId,
      ctx.modelId,
      inputHashOfValues(ctx.input),
      outputHashOfValues(output),
      ctx.fulfiller,
    );
    expect(teeResultDigest(ctx, output)).to.equal(onChain);
  });

  it("refuses a dev enclave's attestation unless the verifier runs in dev mode", async function () {
    const { worker, o } = await enclave();
    const attestation = await worker.attestation();
    await expectRejected(attestAndSign(attesters[0]!, attestation, { ...o, at: new Date() }), /dev|simulated/i);
    const signed = await attestAndSign(attesters[0]!, attestation, { ...o, at: new Date(), allowDev: true });
    expect(signed.admission.key).to.equal(worker.address);
    expect(signed.admission.measurement).to.equal(DEV_ENCLAVE_MEASUREMENT);
  });

  it("admits the worker's key with 2 of 3 attesters, then the operator node fulfils a TEE request with its signature", async function () {
    const { f } = fixture;
    const { worker, o, enclaveRegistry, quorumAdmitter } = await enclave();
    const attestation = await worker.attestation();
    const signed = [];
    for (const a of attesters.slice(1)) signed.push(await attestAndSign(a, attestation, { ...o, at: new Date(), allowDev: true }));
    const { gasUsed } = await admitEnclaveKey(
      quorumAdmitter,
      f.chainId,
      signed[0]!.admission,
      "data:dev",
      signed.map((s) => s.signature),
    );
    expect(gasUsed).to.be.greaterThan(0n);

    const prepared = await prepareModel(f.model, [ProofType.Tee], undefined, { tee: { worker, enclaveRegistry: o.enclaveRegistry } });
    await registerModel(f.registry, f.owner, f.model, verifiersOf(prepared));
    await acceptMeasurement(enclaveRegistry, f.model.modelId, DEV_ENCLAVE_MEASUREMENT);

    const sent = await f.userRequest(7, { proofType: ProofType.Tee, fee: 9n });
    const job = await serveOnce(fixture, prepared.provers, sent, "tee.db");
    expect(job.state, job.lastError).to.equal("done");
    expect(await f.router.isResult(sent.requestId, sent.request, packInt16(f.outputOf(sent.input)))).to.equal(true);
  });

  it("names the enclave registry's refusal when the key is not admitted", async function () {
    const { f } = fixture;
    const { worker, o } = await enclave();
    // A second registry, where this worker's key was never admitted, as the model's TEE verifier.
    const prepared = await prepareModel(f.model, [ProofType.Tee], undefined, { tee: { worker, enclaveRegistry: o.enclaveRegistry } });
    await registerModel(f.registry, f.owner, f.model, verifiersOf(prepared));
    const sent = await f.userRequest(8, { proofType: ProofType.Tee });
    const proof = await prepared.provers[0]!.prove({
      chainId: f.chainId,
      router: f.addresses.router,
      requestId: sent.requestId,
      modelId: f.model.modelId,
      fulfiller: f.operator.address,
      input: sent.input,
      workDir: "",
    });
    const enclaveErrors = EnclaveRegistry__factory.connect(o.enclaveRegistry, f.owner);
    await expect(
      f.router.connect(f.operator).fulfill(sent.requestId, sent.request, packInt16(sent.input), packInt16(proof.output), proof.evidence),
    ).to.be.revertedWithCustomError(enclaveErrors, "Enclave_KeyNotAdmitted");
  });
});

async function expectRejected(p: Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    expect((err as Error).message).to.match(message);
    return;
  }
  expect.fail("expected a rejection");
}
