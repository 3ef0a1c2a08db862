/**
 * A proof type plugged in from outside the SDK: the test-only "trusted
 * signer" type (this folder) is registered with one registerProofSystem
 * call, and from then on the protocol deployment, model registration, the
 * operator node and the router handle it like the built-in types.
 */
import { expect } from "chai";
import { Contract, Wallet } from "ethers";

import "../../helpers/releaseWorkers.js";
import { prepareModel, verifiersOf } from "../../../sdk/proofs/prepareModel.js";
import { registerProofSystem, unregisterProofSystem } from "../../../sdk/proofs/registry.js";
import { registerModel } from "../../../sdk/protocol/registerModel.js";
import { type ChainEndpoint, operatorFixture, serveOnce } from "../../helpers/operator.js";
import { TRUSTED_SIGNER, trustedSignerProofSystem } from "./trustedSigner.js";
import { packInt16 } from "../../../sdk/commit/int16Tensor.js";

describe("a proof type added in its own folder (test-only trusted signer)", function () {
  const signer = Wallet.createRandom();
  const system = trustedSignerProofSystem(signer);
  let fixture: Awaited<ReturnType<typeof operatorFixture>>;
  let chain: ChainEndpoint;
  let prepared: Awaited<ReturnType<typeof prepareModel>>;

  before(async function () {
    registerProofSystem(system); // the one registration line
    fixture = await operatorFixture("trusted-signer");
    chain = fixture.chain;
    prepared = await prepareModel(fixture.f.model, [TRUSTED_SIGNER]);
    await registerModel(fixture.f.registry, fixture.f.owner, fixture.f.model, verifiersOf(prepared));
  });

  after(async function () {
    unregisterProofSystem(TRUSTED_SIGNER);
    await chain?.close();
  });

  const adapter = () => new Contract(fixture.f.addresses.adapters["trusted-signer"]!, system.adapter().abi as never, fixture.f.owner);

  it("is deployed and registered on the router with the core contracts", async function () {
    const { f } = fixture;
    expect(await f.router.adapters(TRUSTED_SIGNER)).to.equal(f.addresses.adapters["trusted-signer"]);
    const config = await f.registry.requestConfig(f.model.modelId, TRUSTED_SIGNER);
    expect(config.config.verifier).to.equal(signer.address);
  });

  it("is proven by the operator node and fulfils the request through the router", async function () {
    const { f } = fixture;
    const sent = await f.userRequest(3, { proofType: TRUSTED_SIGNER, fee: 5n });
    const job = await serveOnce(fixture, prepared.provers, sent, "trusted-signer.db");
    expect(job.state).to.equal("done");
    expect(await f.router.isResult(sent.requestId, sent.request, packInt16(f.outputOf(sent.input)))).to.equal(true);
  });

  it("is refused by the router for another signer, a tampered output, or evidence of another request", async function () {
    const { f } = fixture;
    const [a, b] = [await f.userRequest(4, { proofType: TRUSTED_SIGNER }), await f.userRequest(5, { proofType: TRUSTED_SIGNER })];
    const ctx = (sent: typeof a) => ({
      chainId: f.chainId,
      router: f.addresses.router,
      requestId: sent.requestId,
      modelId: f.model.modelId,
      fulfiller: f.operator.address,
      input: sent.input,
      workDir: "",
    });
    const router = f.router.connect(f.operator);
    const honest = await prepared.provers[0]!.prove(ctx(a));
    const impostor = await (await trustedSignerProofSystem(Wallet.createRandom()).prepare(f.model)).prove(ctx(a));
    await expect(
      router.fulfill(a.requestId, a.request, packInt16(a.input), packInt16(impostor.output), impostor.evidence),
    ).to.be.revertedWithCustomError(adapter(), "Adapter_InvalidProof");
    const tampered = honest.output.map((v, i) => (i === 0 ? v + 1n : v));
    await expect(
      router.fulfill(a.requestId, a.request, packInt16(a.input), packInt16(tampered), honest.evidence),
    ).to.be.revertedWithCustomError(adapter(), "Adapter_InvalidProof");
    const forB = await prepared.provers[0]!.prove(ctx(b));
    await expect(
      router.fulfill(a.requestId, a.request, packInt16(a.input), packInt16(forB.output), forB.evidence),
    ).to.be.revertedWithCustomError(adapter(), "Adapter_InvalidProof");
    await router.fulfill(a.requestId, a.request, packInt16(a.input), packInt16(honest.output), honest.evidence);
    expect(await f.router.isResult(a.requestId, a.request, packInt16(honest.output))).to.equal(true);
  });
});
