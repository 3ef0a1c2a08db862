/**
 * Intel's collateral on chain (`DcapCollateral`): the pinned root, and uploads that anyone may make
 * but only of what Intel (the pinned root, or a CA / TCB signing certificate it signed) signed,
 * never older than what is stored. A self-made PKI (testPki.ts) stands in for Intel where a test
 * needs a signature Intel would never make: a CRL revoking a certificate of the chain.
 */
import { expect } from "chai";
import { getBytes, hexlify, keccak256, toUtf8Bytes } from "ethers";
import { network } from "hardhat";

import {
  type CollateralUpload,
  certHash,
  collateralUploads,
  pemCertificates,
  rootCertificate,
  uploadCollateral,
} from "../../../sdk/tee/dcap/collateral.js";
import { x509 } from "../../../sdk/tee/attestation/x509.js";
import { DcapCollateral__factory, DcapQuoteVerifier__factory } from "../../../types/ethers-contracts/index.js";
import { CHAIN_START_LEAD, INTEL_ROOT_SHA256, deployStore, deployWithSample, loadSample, osakaChain, setChainTime } from "./dcapFixture.js";
import { SERIALS, makeTestPki } from "./testPki.js";

const tdx = loadSample("tdx_quote");
const intelRoot = rootCertificate(tdx.collateral);
/** The first certificate of a PEM chain. */
const firstCert = (pem: string): Uint8Array => pemCertificates(pem)[0]!;
/** The DER argument of an upload that carries one. */
function derOf(u: CollateralUpload | undefined): string {
  if (!u || (u.kind !== "certificate" && u.kind !== "crl")) throw new Error("not a certificate or CRL upload");
  return u.der;
}

describe("DCAP collateral on chain", () => {
  describe("the pinned root", () => {
    it("is Intel's SGX Root CA, by the same SHA-256 fingerprint the SDK pins", async () => {
      const d = await deployWithSample(tdx, { upload: false });
      expect(await d.store.pinsIntelRoot()).to.equal(true);
      expect(await d.store.rootFingerprint()).to.equal(INTEL_ROOT_SHA256);
      expect((await d.store.root()).certHash).to.equal(keccak256(intelRoot));
    });

    it("refuses a root certificate that does not hash to the pinned fingerprint", async () => {
      const pki = await makeTestPki(tdx);
      const connection = await osakaChain(tdx.at);
      const [deployer] = await connection.ethers.getSigners();
      const factory = new DcapCollateral__factory(deployer);
      await expect(factory.deploy(new Uint8Array(pki.root.rawData), INTEL_ROOT_SHA256)).to.be.revertedWithCustomError(
        factory,
        "Collateral_RootNotPinned",
      );
    });

    it("refuses to deploy on a chain without the P-256 precompile (Prague) instead of falling back", async () => {
      const connection = await network.create({ override: { hardfork: "prague" } });
      const [deployer] = await connection.ethers.getSigners();
      const factory = new DcapCollateral__factory(deployer);
      await expect(factory.deploy(intelRoot, INTEL_ROOT_SHA256)).to.be.revertedWithCustomError(factory, "P256_PrecompileMissing");
      const verifierFactory = new DcapQuoteVerifier__factory(deployer);
      await expect(verifierFactory.deploy(await deployer!.getAddress())).to.be.revertedWithCustomError(
        verifierFactory,
        "P256_PrecompileMissing",
      );
    });
  });

  describe("refuses uploads Intel did not sign", () => {
    let d: Awaited<ReturnType<typeof deployWithSample>>;
    let pki: Awaited<ReturnType<typeof makeTestPki>>;
    const uploads = collateralUploads(tdx.collateral);
    const tcbSignerHash = certHash(firstCert(tdx.collateral.tcb_info_issuer_chain));
    const pckCaHash = certHash(firstCert(tdx.collateral.pck_crl_issuer_chain));
    before(async () => {
      d = await deployWithSample(tdx);
      pki = await makeTestPki(tdx);
    });

    it("a CA certificate signed by another root with Intel's names", async () => {
      await expect(d.store.uploadCertificate(new Uint8Array(pki.pckCa.rawData))).to.be.revertedWithCustomError(
        d.store,
        "Collateral_NotSignedByIssuer",
      );
    });

    it("Intel's PCK CA certificate with one signature byte changed", async () => {
      const der = getBytes(derOf(uploads.find((u) => u.label === "PCK CA certificate")));
      der[der.length - 5]! ^= 1;
      await expect(d.store.uploadCertificate(der)).to.be.revertedWithCustomError(d.store, "Collateral_NotSignedByIssuer");
    });

    it("a PCK (leaf) certificate: it is signed by a PCK CA, not by the root", async () => {
      const leaf = firstCert(Buffer.from(tdx.quote).toString("latin1"));
      await expect(d.store.uploadCertificate(leaf)).to.be.revertedWithCustomError(d.store, "Collateral_NotSignedByIssuer");
    });

    it("a TCB info whose text was changed after Intel signed it", async () => {
      const json = tdx.collateral.tcb_info.replace('"tcbStatus":"OutOfDate"', '"tcbStatus":"UpToDate"');
      expect(json).to.not.equal(tdx.collateral.tcb_info);
      await expect(
        d.store.uploadTcbInfo(toUtf8Bytes(json), `0x${tdx.collateral.tcb_info_signature}`, tcbSignerHash),
      ).to.be.revertedWithCustomError(d.store, "Collateral_BadSignature");
    });

    it("a QE identity signed by a key that is not Intel's TCB signing key", async () => {
      const forged = await pki.collateral();
      await expect(
        d.store.uploadQeIdentity(toUtf8Bytes(forged.qe_identity), `0x${forged.qe_identity_signature}`, tcbSignerHash),
      ).to.be.revertedWithCustomError(d.store, "Collateral_BadSignature");
    });

    it("a TCB info 'signed' by the PCK CA (a certificate without the TCB signing role)", async () => {
      await expect(
        d.store.uploadTcbInfo(toUtf8Bytes(tdx.collateral.tcb_info), `0x${tdx.collateral.tcb_info_signature}`, pckCaHash),
      ).to.be.revertedWithCustomError(d.store, "Collateral_UnknownIssuer");
    });

    it("a CRL under Intel's PCK CA name signed by another key", async () => {
      const intelCa = new x509.X509Certificate(firstCert(tdx.collateral.pck_crl_issuer_chain));
      const forged = await x509.X509CrlGenerator.create({
        issuer: intelCa.subjectName,
        thisUpdate: new Date(tdx.at * 1000),
        nextUpdate: new Date((tdx.at + 86400) * 1000),
        entries: [],
        signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
        signingKey: pki.pckCaKeys.privateKey,
      });
      await expect(d.store.uploadCrl(new Uint8Array(forged.rawData), pckCaHash)).to.be.revertedWithCustomError(
        d.store,
        "Collateral_NotSignedByIssuer",
      );
    });

    it("a CRL naming as its issuer a certificate that is not its issuer", async () => {
      const crl = await pki.crl("pckCa", [], new Date(tdx.at * 1000), new Date((tdx.at + 86400) * 1000));
      await expect(d.store.uploadCrl(crl, pckCaHash)).to.be.revertedWithCustomError(d.store, "Collateral_UnknownIssuer");
    });

    it("an older (or the same) TCB info, QE identity or CRL again: no rollback", async () => {
      for (const u of uploads) {
        if (u.kind === "certificate") continue; // re-uploading a certificate is harmless and allowed
        const tx =
          u.kind === "crl"
            ? d.store.uploadCrl(u.der, u.issuerCertHash)
            : u.kind === "tcbInfo"
              ? d.store.uploadTcbInfo(u.json, u.signature, u.signerCertHash)
              : d.store.uploadQeIdentity(u.json, u.signature, u.signerCertHash);
        await expect(tx, u.label).to.be.revertedWithCustomError(d.store, "Collateral_NotNewer");
      }
    });
  });

  describe("CRLs revoke, at upload and at verification (self-made PKI)", () => {
    async function pkiChain() {
      const pki = await makeTestPki(tdx);
      const connection = await osakaChain(tdx.at - CHAIN_START_LEAD);
      const { store, verifier } = await deployStore(connection, new Uint8Array(pki.root.rawData), pki.rootSha256);
      return { pki, connection, store, verifier };
    }

    it("control: the re-signed sample quote verifies under the self-made PKI", async () => {
      const { pki, connection, store, verifier } = await pkiChain();
      expect(await store.pinsIntelRoot()).to.equal(false);
      await uploadCollateral(store, await pki.collateral());
      await setChainTime(connection, tdx.at);
      const out = await verifier.verifyQuote(hexlify(pki.quote));
      expect(out.tcbStatus).to.equal(0n); // UpToDate, as with Intel's collateral
    });

    it("a PCK certificate listed in its CA's CRL is refused", async () => {
      const { pki, connection, store, verifier } = await pkiChain();
      await uploadCollateral(store, await pki.collateral({ pck: [SERIALS.pck] }));
      await setChainTime(connection, tdx.at);
      await expect(verifier.verifyQuote(hexlify(pki.quote))).to.be.revertedWithCustomError(verifier, "Dcap_CertificateRevoked");
    });

    it("a PCK CA listed in the root's CRL cannot be uploaded", async () => {
      const { pki, store } = await pkiChain();
      const collateral = await pki.collateral({ root: [SERIALS.pckCa] });
      const [rootCrl, caCert] = collateralUploads(collateral);
      await (await store.uploadCrl(derOf(rootCrl), `0x${"00".repeat(32)}`)).wait();
      await expect(store.uploadCertificate(derOf(caCert))).to.be.revertedWithCustomError(store, "Collateral_Revoked");
    });

    it("a PCK CA revoked by a newer root CRL after it was uploaded: quotes under it are refused", async () => {
      const { pki, connection, store, verifier } = await pkiChain();
      await uploadCollateral(store, await pki.collateral());
      const newer = await pki.crl("root", [SERIALS.pckCa], new Date(tdx.at * 1000 - 60_000), new Date((tdx.at + 86400) * 1000));
      await (await store.uploadCrl(newer, `0x${"00".repeat(32)}`)).wait();
      await setChainTime(connection, tdx.at);
      await expect(verifier.verifyQuote(hexlify(pki.quote))).to.be.revertedWithCustomError(verifier, "Dcap_CertificateRevoked");
    });

    it("a stale CRL (past its nextUpdate) is refused at verification", async () => {
      const { pki, connection, store, verifier } = await pkiChain();
      const collateral = await pki.collateral();
      await uploadCollateral(store, collateral);
      await setChainTime(connection, tdx.at + 30 * 86400); // the CRLs' nextUpdate
      await expect(verifier.verifyQuote(hexlify(pki.quote)))
        .to.be.revertedWithCustomError(verifier, "Dcap_CollateralNotCurrent")
        .withArgs("root CA CRL", tdx.at - 86400, tdx.at + 30 * 86400, tdx.at + 30 * 86400);
    });
  });

  describe("gas of each upload (Intel's real collateral)", () => {
    for (const name of ["tdx_quote", "sgx_quote"] as const) {
      it(`${name}'s collateral`, async () => {
        const d = await deployWithSample(loadSample(name));
        for (const u of d.uploadGas) console.log(`        ${u.label.padEnd(26)} ${u.gas} gas`);
        expect(d.uploadGas.length).to.equal(6);
        // The parsed TCB info lives in a data contract: its size against EIP-170's 24,576 bytes.
        const id = name === "tdx_quote" ? 1 : 0;
        const fmspc = `0x${(JSON.parse(loadSample(name).collateral.tcb_info) as { fmspc: string }).fmspc.toLowerCase()}`;
        const stored = await d.store.tcbInfo(id, fmspc);
        const code = await d.connection.ethers.provider.getCode(stored.data);
        console.log(`        parsed TCB info stored: ${(code.length - 2) / 2} bytes of code (limit 24,576)`);
        expect(code.length).to.be.greaterThan(2);
      });
    }
  });
});
