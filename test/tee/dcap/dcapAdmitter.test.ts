/**
 * Trustless enclave admission (`DcapAdmitter`): the enclave registry admits a key whose DCAP quote
 * verifies on chain, whose report data binds the key, and whose TCB status the admitter's policy
 * accepts; no attester signs anything. End to end on the real TDX sample (its key is the address in
 * its report data: nobody here holds that key's private key, so it cannot sign), then the signing
 * path through the TeeAdapter with a dev-admitted key.
 */
import { expect } from "chai";
import { Wallet, getAddress, hexlify, keccak256, toUtf8Bytes } from "ethers";

import { packInt16 } from "../../../sdk/commit/int16Tensor.js";
import { dcapReportDataForKey, tdxMeasurement, parseDcapQuote } from "../../../sdk/tee/attestation/dcap.js";
import { signTeeResult } from "../../../sdk/tee/resultSigning.js";
import {
  DcapAdmitter__factory,
  EnclaveRegistry__factory,
  ModelRegistry__factory,
  TeeAdapter__factory,
} from "../../../types/ethers-contracts/index.js";
import { type Sample, deployWithSample, loadSample, setChainTime } from "./dcapFixture.js";

const MAX_KEY_LIFETIME = 7 * 24 * 3600;
const KeyBinding = { VinferTag: 0, AddressPrefix: 1 } as const;
const UP_TO_DATE = 0;
const CONFIG_AND_SW_HARDENING = 3;
const REVOKED = 6;
const URI = "ipfs://the-quote";
const MODEL_ID = keccak256(toUtf8Bytes("a model that accepts the TDX sample's measurement"));

async function admissionSetup(sample: Sample) {
  const d = await deployWithSample(sample);
  const [owner, modelOwner, anyone] = await d.connection.ethers.getSigners();
  if (!owner || !modelOwner || !anyone) throw new Error("the test chain needs three accounts");
  const models = await new ModelRegistry__factory(owner).deploy();
  const registry = await new EnclaveRegistry__factory(owner).deploy(await models.getAddress(), MAX_KEY_LIFETIME, owner.address);
  const deployAdmitter = async (binding: number) => {
    const a = await new DcapAdmitter__factory(owner).deploy(
      await registry.getAddress(),
      await d.verifier.getAddress(),
      binding,
      owner.address,
    );
    await (await registry.setAdmitter(await a.getAddress(), true)).wait();
    return a;
  };
  const tagged = await deployAdmitter(KeyBinding.VinferTag);
  const prefixed = await deployAdmitter(KeyBinding.AddressPrefix);
  await (await models.connect(modelOwner).registerModel(MODEL_ID, 4, 2, -128, 127, "ipfs://model")).wait();
  await setChainTime(d.connection, sample.at);
  return { ...d, owner, modelOwner, anyone, models, registry, tagged, prefixed };
}

describe("DCAP admission on chain: DcapAdmitter", () => {
  const tdx = loadSample("tdx_quote");
  let s: Awaited<ReturnType<typeof admissionSetup>>;
  before(async () => {
    s = await admissionSetup(tdx);
  });

  describe("refuses", () => {
    it("report data that does not bind a key in vinfer's layout (the TDX sample's), like the SDK", async () => {
      await expect(s.tagged.connect(s.anyone).admit(tdx.quote, 0, URI)).to.be.revertedWithCustomError(
        s.tagged,
        "DcapAdmitter_ReportDataNotAKey",
      );
    });

    it("a quote that does not verify (one flipped byte in the TD report)", async () => {
      const q = new Uint8Array(tdx.quote);
      q[48 + 136]! ^= 1; // MRTD
      await expect(s.prefixed.admit(q, 0, URI)).to.be.revertedWithCustomError(s.verifier, "Dcap_QuoteSignatureInvalid");
    });

    it("an expiry later than the collateral allows", async () => {
      const validUntil = (await s.verifier.verifyQuote(tdx.quote)).validUntil;
      await expect(s.prefixed.admit(tdx.quote, validUntil + 1n, URI))
        .to.be.revertedWithCustomError(s.prefixed, "DcapAdmitter_ExpiryBeyondCollateral")
        .withArgs(validUntil + 1n, validUntil);
    });

    it("a TCB status outside the policy, and a policy that would accept Revoked", async () => {
      await (await s.prefixed.setAcceptedTcbStatuses(1 << CONFIG_AND_SW_HARDENING)).wait();
      await expect(s.prefixed.admit(tdx.quote, 0, URI))
        .to.be.revertedWithCustomError(s.prefixed, "DcapAdmitter_TcbStatusNotAccepted")
        .withArgs(UP_TO_DATE, 1 << CONFIG_AND_SW_HARDENING);
      await expect(s.prefixed.setAcceptedTcbStatuses(1 << REVOKED)).to.be.revertedWithCustomError(s.prefixed, "DcapAdmitter_InvalidPolicy");
      await expect(s.prefixed.connect(s.anyone).setAcceptedTcbStatuses(1)).to.be.revertedWithCustomError(
        s.prefixed,
        "OwnableUnauthorizedAccount",
      );
      await expect(s.prefixed.setAcceptedTcbStatuses(1 << UP_TO_DATE))
        .to.emit(s.prefixed, "AcceptedTcbStatusesSet")
        .withArgs(1 << UP_TO_DATE);
    });

    it("an admitter the registry's owner has not enabled", async () => {
      const off = await new DcapAdmitter__factory(s.owner).deploy(
        await s.registry.getAddress(),
        await s.verifier.getAddress(),
        KeyBinding.AddressPrefix,
        s.owner.address,
      );
      await expect(off.admit(tdx.quote, 0, URI)).to.be.revertedWithCustomError(s.registry, "Enclave_NotAdmitter");
    });
  });

  describe("reads keys from report data", () => {
    it("vinfer's layout: address, 'vinfer-enclave-key/v1', zeros (as the SDK writes it); nothing else", async () => {
      const key = Wallet.createRandom().address;
      const rd = dcapReportDataForKey(key);
      expect(await s.tagged.taggedKey(rd)).to.equal(key);
      for (const at of [0, 20, 40, 41, 63]) {
        const bad = new Uint8Array(rd);
        bad[at]! ^= 1;
        if (at === 0) expect(await s.tagged.taggedKey(bad)).to.not.equal(key);
        else await expect(s.tagged.taggedKey(bad), `byte ${at}`).to.be.revertedWithCustomError(s.tagged, "DcapAdmitter_ReportDataNotAKey");
      }
    });
  });

  describe("end to end", () => {
    it("admits the TDX sample's key (its report data's first 20 bytes) with its MRTD/RTMR measurement; gas", async () => {
      const parsed = parseDcapQuote(tdx.quote);
      if (parsed.kind !== "tdx") throw new Error("not a TDX quote");
      const key = getAddress(hexlify(parsed.report.reportData.subarray(0, 20)));
      const measurement = tdxMeasurement(parsed.report);
      const tx = await s.prefixed.connect(s.anyone).admit(tdx.quote, 0, URI);
      const receipt = (await tx.wait())!;
      const at = (await s.connection.ethers.provider.getBlock(receipt.blockNumber))!.timestamp;
      // as late as allowed: the registry's maximum lifetime ends before the collateral's nextUpdate
      await expect(tx)
        .to.emit(s.registry, "KeyAdmitted")
        .withArgs(key, measurement, await s.prefixed.getAddress(), at + MAX_KEY_LIFETIME, keccak256(tdx.quote), URI);
      await expect(tx).to.emit(s.prefixed, "QuoteAdmitted");
      const record = await s.registry.enclaveKey(key);
      expect(record.measurement).to.equal(measurement);
      expect(record.admitter).to.equal(await s.prefixed.getAddress());
      // The model's owner accepts the measurement: the key may now sign for the model...
      await expect(s.registry.checkKey(MODEL_ID, key)).to.be.revertedWithCustomError(s.registry, "Enclave_MeasurementNotAccepted");
      await (await s.registry.connect(s.modelOwner).setMeasurementAccepted(MODEL_ID, measurement, true)).wait();
      await s.registry.checkKey(MODEL_ID, key);
      // ...but only the TDX sample's enclave holds its private key: we cannot sign with it.
      const calldata = s.prefixed.interface.encodeFunctionData("admit", [hexlify(tdx.quote), 0, URI]);
      console.log(
        `        quote verification + key admission: ${receipt.gasUsed} gas (calldata ${(calldata.length - 2) / 2} bytes; target 1,500,000)`,
      );
      console.log(`        quote verification alone (eth_estimateGas): ${await s.verifier.verifyQuote.estimateGas(tdx.quote)} gas`);
      expect(receipt.gasUsed).to.be.lessThan(1_500_000n);
    });

    it("signing path: a dev-admitted key's TeeResult signature passes the TeeAdapter; a stranger's does not", async () => {
      // A dev key is admitted by an admitter the owner enables for development (here the owner's
      // own account), never on a chain with value at stake.
      const devKey = Wallet.createRandom();
      const devMeasurement = keccak256(toUtf8Bytes("vinfer dev enclave measurement"));
      await (await s.registry.setAdmitter(s.owner.address, true)).wait();
      const now = (await s.connection.ethers.provider.getBlock("latest"))!.timestamp;
      await (await s.registry.admit(devKey.address, devMeasurement, now + 3600, keccak256("0x"), "dev")).wait();
      await (await s.registry.connect(s.modelOwner).setMeasurementAccepted(MODEL_ID, devMeasurement, true)).wait();
      const adapter = await new TeeAdapter__factory(s.owner).deploy();
      const router = s.anyone; // the adapter binds the caller (the router) into the digest
      const chainId = (await s.connection.ethers.provider.getNetwork()).chainId;
      const input = [1n, 2n, 3n, 4n];
      const output = [5n, -6n];
      const ctx = { chainId, router: router.address, requestId: 7n, modelId: MODEL_ID, input, fulfiller: s.owner.address };
      const f = {
        requestId: 7n,
        modelId: MODEL_ID,
        verifier: await s.registry.getAddress(),
        verifierParams: 0n,
        fulfiller: s.owner.address,
      };
      const evidence = await signTeeResult(devKey, ctx, output);
      expect(await adapter.connect(router).submit(f, packInt16(input), packInt16(output), evidence)).to.equal(1n); // Accepted
      const stranger = await signTeeResult(Wallet.createRandom(), ctx, output);
      await expect(adapter.connect(router).submit(f, packInt16(input), packInt16(output), stranger)).to.be.revertedWithCustomError(
        s.registry,
        "Enclave_KeyNotAdmitted",
      );
    });
  });
});
