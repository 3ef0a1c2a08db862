/**
 * On-chain DCAP quote verification (`DcapQuoteVerifier`) on the real SGX and TDX samples, on a chain
 * whose clock is set to each sample's time, against the SDK's off-chain verifier (dcap-qvl plus
 * vinfer's CRL checks). The attacks come first: a tampered quote, a foreign signer, expired or
 * missing collateral.
 */
import { p256 } from "@noble/curves/nist.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { expect } from "chai";
import { hexlify } from "ethers";

import { type Sample, deployWithSample, loadSample, setChainTime } from "./dcapFixture.js";
import { offChainVerdict, onChainVerdict } from "./offChain.js";

/** Byte offsets in a quote (header 48 bytes; SGX v3 body 384, TDX v4 body 584). */
const HEADER = 48;
const SGX_MRENCLAVE = HEADER + 64;
const TDX_MRTD = HEADER + 136;
const TDX_SIGNED = HEADER + 584;
const AUTH = TDX_SIGNED + 4; // the quote signature (64), then the attestation key (64)

function flip(bytes: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const out = new Uint8Array(bytes);
  out[at]! ^= mask;
  return out;
}

describe("DCAP quote verification on chain (Osaka, P-256 precompile)", () => {
  describe("refuses what it must", () => {
    let sample: Sample;
    let d: Awaited<ReturnType<typeof deployWithSample>>;
    before(async () => {
      sample = loadSample("tdx_quote");
      d = await deployWithSample(sample);
      await setChainTime(d.connection, sample.at);
    });

    it("a quote whose measurement (MRTD) was altered: the attestation key's signature fails", async () => {
      await expect(d.verifier.verifyQuote(hexlify(flip(sample.quote, TDX_MRTD)))).to.be.revertedWithCustomError(
        d.verifier,
        "Dcap_QuoteSignatureInvalid",
      );
    });

    it("a quote re-signed by an attacker's attestation key: the QE report does not bind that key", async () => {
      const sk = p256.utils.randomSecretKey();
      const q = new Uint8Array(sample.quote);
      q.set(p256.getPublicKey(sk, false).subarray(1), AUTH + 64);
      q.set(p256.sign(sha256(q.subarray(0, TDX_SIGNED)), sk, { prehash: false }), AUTH);
      await expect(d.verifier.verifyQuote(hexlify(q))).to.be.revertedWithCustomError(d.verifier, "Dcap_QeReportDataMismatch");
    });

    it("a quote whose attestation key was altered: the quote signature fails", async () => {
      await expect(d.verifier.verifyQuote(hexlify(flip(sample.quote, AUTH + 64)))).to.be.revertedWithCustomError(
        d.verifier,
        "Dcap_QuoteSignatureInvalid",
      );
    });

    it("a quote with a forged QE report signature: the PCK key's signature fails", async () => {
      // v4: auth = sig(64) key(64) type(2) size(4) then the QE report (384) and its signature (64)
      const qeSig = AUTH + 64 + 64 + 6 + 384;
      await expect(d.verifier.verifyQuote(hexlify(flip(sample.quote, qeSig + 5)))).to.be.revertedWithCustomError(
        d.verifier,
        "Dcap_QeReportSignatureInvalid",
      );
    });

    it("a quote with an altered PCK certificate: it is no longer signed by its CA", async () => {
      const pem = Buffer.from(sample.quote).indexOf("-----BEGIN CERTIFICATE-----\n") + 28;
      // a character in the middle of the PCK certificate's first line: 'A' <-> another letter
      const at = pem + 40;
      const q = new Uint8Array(sample.quote);
      q[at] = q[at] === 0x41 ? 0x42 : 0x41;
      await expect(d.verifier.verifyQuote(hexlify(q)))
        .to.be.revertedWithCustomError(d.verifier, "Dcap_PckChainInvalid")
        .withArgs("PCK certificate not signed by its CA");
    });

    it("the quote one second after its TCB info's nextUpdate (expired collateral)", async () => {
      const info = await d.store.tcbInfo(1, "0xb0c06f000000");
      const stale = await deployWithSample(sample);
      await setChainTime(stale.connection, Number(info.nextUpdate) + 1);
      await expect(stale.verifier.verifyQuote(hexlify(sample.quote))).to.be.revertedWithCustomError(
        stale.verifier,
        "Dcap_CollateralNotCurrent",
      );
    });

    it("a quote before its collateral was uploaded", async () => {
      const empty = await deployWithSample(sample, { upload: false });
      await setChainTime(empty.connection, sample.at);
      await expect(empty.verifier.verifyQuote(hexlify(sample.quote))).to.be.revertedWithCustomError(empty.verifier, "Dcap_PckChainInvalid");
    });

    it("a truncated quote", async () => {
      await expect(d.verifier.verifyQuote(hexlify(sample.quote.subarray(0, 1000)))).to.be.revertedWithCustomError(
        d.verifier,
        "Dcap_QuoteMalformed",
      );
    });
  });

  describe("the real samples at their own times, as the SDK verifies them off chain", () => {
    it("TDX (v4): UpToDate, no advisories, MRTD/RTMR measurement and report data as off chain", async () => {
      const sample = loadSample("tdx_quote");
      const d = await deployWithSample(sample);
      await setChainTime(d.connection, sample.at);
      const on = await onChainVerdict(d.verifier, sample.quote);
      const off = await offChainVerdict(sample.quote, sample.collateral, sample.at);
      expect(off).to.include({ ok: true, status: "UpToDate" });
      expect(on).to.deep.equal(off);
      const out = await d.verifier.verifyQuote(hexlify(sample.quote));
      expect(out.version).to.equal(4n);
      expect(out.teeType).to.equal(0x81n);
      expect(out.fmspc).to.equal("0xb0c06f000000");
      // MRTD (48 bytes), then RTMR0-3 (4 x 48 bytes, from body offset 328)
      expect(out.measurementParts).to.equal(
        hexlify(
          new Uint8Array([...sample.quote.subarray(TDX_MRTD, TDX_MRTD + 48), ...sample.quote.subarray(HEADER + 328, HEADER + 328 + 192)]),
        ),
      );
      // valid until the earlier of the TCB info's and the QE identity's nextUpdate (2025-07-19T10:16:03Z)
      expect(out.validUntil).to.equal(BigInt(Date.parse("2025-07-19T10:16:03Z") / 1000));
    });

    it("SGX (v3): ConfigurationAndSWHardeningNeeded with INTEL-SA-00289 and INTEL-SA-00615, as off chain", async () => {
      const sample = loadSample("sgx_quote");
      const d = await deployWithSample(sample);
      await setChainTime(d.connection, sample.at);
      const on = await onChainVerdict(d.verifier, sample.quote);
      const off = await offChainVerdict(sample.quote, sample.collateral, sample.at);
      expect(off).to.include({ ok: true, status: "ConfigurationAndSWHardeningNeeded" });
      expect(off.advisoryIds).to.deep.equal(["INTEL-SA-00289", "INTEL-SA-00615"]);
      expect(on).to.deep.equal(off);
      const out = await d.verifier.verifyQuote(hexlify(sample.quote));
      expect(out.measurementParts).to.equal(
        hexlify(
          new Uint8Array([
            ...sample.quote.subarray(SGX_MRENCLAVE, SGX_MRENCLAVE + 32),
            ...sample.quote.subarray(HEADER + 128, HEADER + 160),
          ]),
        ),
      );
      // report data "Hello, world!" then zeros
      expect(Buffer.from(out.reportData.slice(2, 28), "hex").toString()).to.equal("Hello, world!");
    });

    it("the outdated TDX sample (v5, TD 1.5 body) is refused: no matching TCB level, as off chain", async () => {
      const sample = loadSample("tdx_quote_outdated");
      const d = await deployWithSample(sample);
      await setChainTime(d.connection, sample.at);
      const off = await offChainVerdict(sample.quote, sample.collateral, sample.at);
      expect(off.ok).to.equal(false);
      expect(off.reason).to.match(/No matching TCB level/i);
      await expect(d.verifier.verifyQuote(hexlify(sample.quote)))
        .to.be.revertedWithCustomError(d.verifier, "Dcap_NoMatchingTcbLevel")
        .withArgs("platform");
    });
  });

  describe("gas", () => {
    for (const name of ["tdx_quote", "sgx_quote"] as const) {
      it(`of verifying the ${name} sample (eth_estimateGas, transaction and calldata included)`, async () => {
        const sample = loadSample(name);
        const d = await deployWithSample(sample);
        await setChainTime(d.connection, sample.at);
        const gas = await d.verifier.verifyQuote.estimateGas(hexlify(sample.quote));
        console.log(`        ${name}: ${gas} gas (${sample.quote.length}-byte quote)`);
        expect(gas).to.be.lessThan(1_500_000n);
      });
    }
  });
});
