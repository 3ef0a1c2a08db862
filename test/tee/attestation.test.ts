/**
 * Attestation verification against real samples (test/fixtures/attestation/README.md):
 * every sample's expected verdict at its own time and as of today, tampering
 * (payload, signature, certificate, measurement), a chain to another root,
 * policies (TCB status, PCRs, MRs, measurement), dev attestations, and the CLI.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { webcrypto } from "node:crypto";

import { expect } from "chai";
import { Encoder, Tag } from "cbor-x";
import { Quote, constants as dcapConstants } from "@phala/dcap-qvl";
import { Wallet, concat, getBytes, keccak256 } from "ethers";

import { InputError } from "../../sdk/errors.js";
import {
  DEV_ENCLAVE_MEASUREMENT,
  AWS_NITRO_ROOT_SHA256,
  INTEL_SGX_ROOT_CA_SHA256,
  type AttestationVerdict,
  type VerifyAttestationOptions,
  coseSign1SigStructure,
  createDevAttestation,
  dcapEnclaveKey,
  dcapReportDataForKey,
  detectAttestationFormat,
  nitroEnclaveKey,
  parseDevAttestation,
  parseNitroAttestation,
  sha256Hex,
  verifyAttestation,
} from "../../sdk/tee/attestation/index.js";
import { x509 } from "../../sdk/tee/attestation/x509.js";
import { vinfer } from "../helpers/cli.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "attestation");
const fixture = (...p: string[]) => new Uint8Array(readFileSync(join(FIXTURES, ...p)));
const text = (...p: string[]) => readFileSync(join(FIXTURES, ...p), "utf8");
const TODAY = new Date();

const NITRO = [
  {
    file: "nitro-sample-2024-02-26.bin",
    at: new Date(1708930921439),
    pcr0: "0x17bf8f048519797be90497001a7559a3d555395937117d76f8baaedf56ca6d97952de79479bc0c76e5d176d20f663790",
    measurement: "0x224b1a20cde6dfef56dd517c5a4eb5bc82f4a85b2293195bba6a7e64f0d8591f",
    leafNotAfter: "2024-02-26T09:59:36.000Z",
  },
  {
    file: "nitro-sample-2024-04-03.bin",
    at: new Date(1712149702338),
    pcr0: "0xea6ff0cc81650a6a2e5e6b009b058d684600ea08006beafb60a693e2eeb362e3a06039ff8341f0715543672c5c9ffa61",
    measurement: "0xe496d0468da620032fd4ff6bb20ab57078a0518c8e6d4dbc22bb11d09224a104",
    leafNotAfter: "2024-04-03T16:08:03.000Z",
  },
];

const DCAP = [
  {
    quote: "sgx_quote",
    collateral: "sgx_quote_collateral.json",
    at: new Date(1750334171 * 1000),
    kind: "sgx",
    measurement: "0x864ec98d3ad474b9fd82a3a6070c1899db88710c4daed453e799df640c454434",
    validUntil: "2025-07-19T10:01:18.000Z",
  },
  {
    quote: "tdx_quote",
    collateral: "tdx_quote_collateral.json",
    at: new Date(1750332747 * 1000),
    kind: "tdx",
    measurement: "0xa8ae609a0a7e82e306a02f2b04cdeb621d1e27a57dad680150f49b3b2492de0b",
    validUntil: "2025-07-19T10:16:03.000Z",
  },
  {
    quote: "tdx_quote_outdated",
    collateral: "tdx_quote_outdated_collateral.json",
    at: new Date(1771415931 * 1000),
    kind: "tdx",
    measurement: "0x95db5a64d6bfcef7d4b7a298de0e2e7f52c35f0cd7095a79eaf6c2ea07ec611e",
    validUntil: "2026-03-20T10:42:15.000Z",
  },
] as const;

/** Every status the SGX sample needs to pass: its own, ConfigurationAndSWHardeningNeeded. */
const ACCEPT_SGX = ["UpToDate", "ConfigurationAndSWHardeningNeeded"];

function field(v: AttestationVerdict, label: string): string | undefined {
  return v.fields.find(([l]) => l === label)?.[1];
}

function flipped(bytes: Uint8Array, offset: number, mask = 0x01): Uint8Array {
  expect(offset, "tamper offset").to.be.within(0, bytes.length - 1);
  const out = Uint8Array.from(bytes);
  out[offset]! ^= mask;
  return out;
}

function offsetOf(haystack: Uint8Array, needle: Uint8Array | string): number {
  const at = Buffer.from(haystack).indexOf(typeof needle === "string" ? Buffer.from(needle) : Buffer.from(needle));
  expect(at, "needle found").to.be.greaterThanOrEqual(0);
  return at;
}

describe("attestation verification", () => {
  describe("AWS Nitro", () => {
    for (const s of NITRO) {
      describe(s.file, () => {
        const bytes = fixture("nitro", s.file);

        it("is valid at the document's time, with its PCRs, measurement and validity", async () => {
          const v = await verifyAttestation(bytes, { at: s.at });
          expect(v.errors).to.deep.equal([]);
          expect(v.ok).to.equal(true);
          expect(v.kind).to.equal("nitro");
          const doc = parseNitroAttestation(bytes).document;
          expect(v.measurement).to.equal(s.measurement);
          expect(v.measurement).to.equal(keccak256(concat([doc.pcrs.get(0)!, doc.pcrs.get(1)!, doc.pcrs.get(2)!])));
          expect(field(v, "PCR0")).to.equal(s.pcr0);
          expect(field(v, "COSE signature")).to.match(/^valid/);
          expect(field(v, "certificate chain")).to.match(/^valid: 5 certificates/);
          expect(field(v, "root fingerprint")).to.contain(AWS_NITRO_ROOT_SHA256);
          expect(v.validUntil?.toISOString()).to.equal(s.leafNotAfter);
          // the samples bind no vinfer key (public_key is 32 bytes, user_data 42)
          expect(v.enclaveKey).to.equal(undefined);
          expect(field(v, "enclave key")).to.match(/^none: public_key is 32 bytes .* user_data is 42 bytes/);
          for (const label of ["module id", "document time", "digest", "public_key", "user_data", "nonce", "valid until", "measurement"])
            expect(field(v, label), label).to.be.a("string");
        });

        it("is expired as of today", async () => {
          const v = await verifyAttestation(bytes, { at: TODAY });
          expect(v.ok).to.equal(false);
          expect(v.errors).to.include(
            `leaf certificate expired at ${s.leafNotAfter.replace(".000Z", "Z")} (verifying as of ${TODAY.toISOString()})`,
          );
          expect(field(v, "COSE signature")).to.match(/^valid/);
        });

        it("fails with a flipped byte in the payload", async () => {
          const doc = parseNitroAttestation(bytes).document;
          const v = await verifyAttestation(flipped(bytes, offsetOf(bytes, doc.moduleId) + 3), { at: s.at });
          expect(v.ok).to.equal(false);
          expect(v.errors).to.deep.equal(["the COSE_Sign1 signature does not verify under the leaf certificate's key"]);
        });

        it("fails with a flipped byte in the signature", async () => {
          const v = await verifyAttestation(flipped(bytes, bytes.length - 20), { at: s.at });
          expect(v.ok).to.equal(false);
          expect(v.errors).to.deep.equal(["the COSE_Sign1 signature does not verify under the leaf certificate's key"]);
        });

        it("fails with a flipped byte in the leaf certificate and in an intermediate", async () => {
          const doc = parseNitroAttestation(bytes).document;
          const leafEnd = offsetOf(bytes, doc.certificate) + doc.certificate.length;
          const leaf = await verifyAttestation(flipped(bytes, leafEnd - 2), { at: s.at });
          expect(leaf.ok).to.equal(false);
          expect(leaf.errors.join("\n")).to.match(/leaf certificate 4 \(CN=.*\) is not signed by intermediate certificate 3/);
          const mid = doc.cabundle[2]!;
          const inter = await verifyAttestation(flipped(bytes, offsetOf(bytes, mid) + mid.length - 2), { at: s.at });
          expect(inter.ok).to.equal(false);
          expect(inter.errors.join("\n")).to.match(/intermediate certificate 2 \(CN=.*\) is not signed by intermediate certificate 1/);
        });

        it("fails with a flipped byte in the root certificate: not the pinned root", async () => {
          const root = parseNitroAttestation(bytes).document.cabundle[0]!;
          const v = await verifyAttestation(flipped(bytes, offsetOf(bytes, root) + root.length - 2), { at: s.at });
          expect(v.ok).to.equal(false);
          expect(v.errors[0]).to.match(/^certificate chain does not end at the pinned AWS Nitro root \(fingerprint 641a0321/);
        });

        it("fails with a flipped byte in PCR0, whose measurement changes", async () => {
          const pcr0 = parseNitroAttestation(bytes).document.pcrs.get(0)!;
          const tampered = flipped(bytes, offsetOf(bytes, pcr0) + 5);
          const v = await verifyAttestation(tampered, { at: s.at });
          expect(v.ok).to.equal(false);
          expect(v.errors).to.deep.equal(["the COSE_Sign1 signature does not verify under the leaf certificate's key"]);
          expect(v.measurement).to.not.equal(s.measurement);
        });

        it("applies the PCR policy", async () => {
          const pass = await verifyAttestation(bytes, { at: s.at, policy: { pcrs: { 0: s.pcr0 } } });
          expect(pass.ok).to.equal(true);
          expect(field(pass, "PCR policy")).to.equal("PCR0 matches");
          const wrong = "0x" + "00".repeat(48);
          const fail = await verifyAttestation(bytes, { at: s.at, policy: { pcrs: { 0: s.pcr0, 2: wrong } } });
          expect(fail.ok).to.equal(false);
          expect(fail.errors).to.have.length(1);
          expect(fail.errors[0]).to.match(new RegExp(`^PCR2 is 0x[0-9a-f]{96} but the policy expects ${wrong}$`));
          const absent = await verifyAttestation(bytes, { at: s.at, policy: { pcrs: { 20: wrong } } });
          expect(absent.errors).to.deep.equal([`the policy expects PCR20 = ${wrong} but the document has no PCR20`]);
        });
      });
    }

    /** A document signed by a self-made chain (a root named like AWS's, then a leaf); everything else consistent. */
    async function forgeNitro(
      opts: {
        pcrs?: Map<number, Uint8Array>;
        rootExtensions?: x509.Extension[];
        leafExtensions?: x509.Extension[];
        publicKey?: Uint8Array;
      } = {},
    ) {
      const sample = NITRO[0]!;
      const original = parseNitroAttestation(fixture("nitro", sample.file));
      const subtle = webcrypto.subtle;
      const alg = { name: "ECDSA", namedCurve: "P-384" };
      const signingAlgorithm = { name: "ECDSA", hash: "SHA-384" };
      const rootKeys = await subtle.generateKey(alg, false, ["sign", "verify"]);
      const leafKeys = await subtle.generateKey(alg, false, ["sign", "verify"]);
      const notBefore = new Date(sample.at.getTime() - 3_600_000);
      const notAfter = new Date(sample.at.getTime() + 3_600_000);
      const root = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: "01",
        name: "C=US, O=Amazon, OU=AWS, CN=aws.nitro-enclaves",
        notBefore,
        notAfter,
        keys: rootKeys,
        signingAlgorithm,
        extensions: opts.rootExtensions ?? [new x509.BasicConstraintsExtension(true, undefined, true)],
      });
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: "02",
        subject: "CN=forged-enclave",
        issuer: root.subject,
        notBefore,
        notAfter,
        signingKey: rootKeys.privateKey,
        publicKey: leafKeys.publicKey,
        signingAlgorithm,
        ...(opts.leafExtensions ? { extensions: opts.leafExtensions } : {}),
      });
      const encoder = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });
      const payloadMap = new Map<string, unknown>([
        ["module_id", original.document.moduleId],
        ["digest", "SHA384"],
        ["timestamp", original.document.timestamp],
        ["pcrs", opts.pcrs ?? original.document.pcrs],
        ["certificate", new Uint8Array(leaf.rawData)],
        ["cabundle", [new Uint8Array(root.rawData)]],
        ["public_key", opts.publicKey ?? null],
        ["user_data", null],
        ["nonce", null],
      ]);
      const payload = encoder.encode(payloadMap);
      const toSign = coseSign1SigStructure(original.protectedHeader, payload);
      const signature = new Uint8Array(await subtle.sign(signingAlgorithm, leafKeys.privateKey, toSign));
      const bytes = encoder.encode(new Tag([original.protectedHeader, new Map(), payload, signature], 18));
      const pinError =
        `certificate chain does not end at the pinned AWS Nitro root (fingerprint ${AWS_NITRO_ROOT_SHA256}): ` +
        `the document's root has fingerprint ${Buffer.from(await root.getThumbprint("SHA-256")).toString("hex")}`;
      return { bytes, at: sample.at, pinError };
    }

    it("refuses a document signed by a chain to another root, even one named like AWS's", async () => {
      // a forged document that also binds a secp256k1 enclave key through public_key
      const wallet = Wallet.createRandom();
      const forged = await forgeNitro({ publicKey: getBytes(wallet.signingKey.publicKey) });
      const v = await verifyAttestation(forged.bytes, { at: forged.at });
      expect(v.ok).to.equal(false);
      expect(v.errors).to.deep.equal([forged.pinError]);
      // everything else about it is consistent: only the pin catches it
      expect(field(v, "COSE signature")).to.match(/^valid/);
      expect(field(v, "kind")).to.contain("COSE_Sign1)");
      expect(v.measurement).to.equal(NITRO[0]!.measurement);
      // a failed verdict shows the key in its fields but never returns it, nor a validity
      expect(field(v, "enclave key")).to.equal(`${wallet.address} (from public_key (secp256k1))`);
      expect(v.enclaveKey).to.equal(undefined);
      expect(v.validUntil).to.equal(undefined);
      expect(field(v, "valid until")).to.match(/^2024-02-26T/);
    });

    it("refuses a debug-mode document (PCR0, PCR1 and PCR2 all zero)", async () => {
      const real = parseNitroAttestation(fixture("nitro", NITRO[0]!.file)).document.pcrs;
      const pcrs = new Map(real);
      for (const i of [0, 1, 2]) pcrs.set(i, new Uint8Array(48));
      const forged = await forgeNitro({ pcrs });
      const v = await verifyAttestation(forged.bytes, { at: forged.at });
      expect(v.ok).to.equal(false);
      expect(v.errors).to.deep.equal([
        "the document is from an enclave in debug mode (PCR0, PCR1 and PCR2 are all zero): the parent instance can read its memory",
        forged.pinError,
      ]);
      expect(field(v, "debug mode")).to.match(/^YES/);
      // two zero PCRs of the three are not debug mode
      pcrs.set(2, real.get(2)!);
      const notDebug = await forgeNitro({ pcrs });
      const v2 = await verifyAttestation(notDebug.bytes, { at: notDebug.at });
      expect(v2.errors).to.deep.equal([notDebug.pinError]);
      expect(field(v2, "debug mode")).to.equal("no");
    });

    it("refuses a document whose timestamp is after the verification time", async () => {
      const s = NITRO[0]!;
      const at = new Date(s.at.getTime() - 1000);
      const v = await verifyAttestation(fixture("nitro", s.file), { at });
      expect(v.ok).to.equal(false);
      expect(v.errors).to.deep.equal([`the document's timestamp ${s.at.toISOString()} is after the verification time ${at.toISOString()}`]);
      expect(v.enclaveKey).to.equal(undefined);
      expect(v.validUntil).to.equal(undefined);
      expect((await verifyAttestation(fixture("nitro", s.file), { at: s.at })).ok).to.equal(true);
    });

    it("refuses a CA certificate as the leaf, and an issuer whose keyUsage lacks keyCertSign", async () => {
      const caLeaf = await forgeNitro({ leafExtensions: [new x509.BasicConstraintsExtension(true, undefined, true)] });
      const v1 = await verifyAttestation(caLeaf.bytes, { at: caLeaf.at });
      expect(v1.errors).to.deep.equal([
        caLeaf.pinError,
        "leaf certificate 1 (CN=forged-enclave) is a CA certificate (basicConstraints), not an end entity",
      ]);
      expect(field(v1, "certificate chain")).to.equal("INVALID");
      const noCertSign = await forgeNitro({
        rootExtensions: [
          new x509.BasicConstraintsExtension(true, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.cRLSign, true),
        ],
      });
      const v2 = await verifyAttestation(noCertSign.bytes, { at: noCertSign.at });
      expect(v2.errors).to.deep.equal([
        noCertSign.pinError,
        "root certificate 0 (CN=aws.nitro-enclaves) issues certificates but its keyUsage lacks keyCertSign",
      ]);
      // with keyCertSign the same chain fails on the pin alone
      const withCertSign = await forgeNitro({
        rootExtensions: [
          new x509.BasicConstraintsExtension(true, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        ],
      });
      expect((await verifyAttestation(withCertSign.bytes, { at: withCertSign.at })).errors).to.deep.equal([withCertSign.pinError]);
    });
  });

  describe("Intel DCAP", () => {
    for (const s of DCAP) {
      describe(s.quote, () => {
        const bytes = fixture("dcap", s.quote);
        const collateral = text("dcap", s.collateral);
        const verify = (quote: Uint8Array, extra: Partial<VerifyAttestationOptions> = {}) =>
          verifyAttestation(quote, { at: s.at, collateral, ...extra });

        it("gets its expected verdict at the README's time", async () => {
          const v = await verify(bytes);
          expect(v.kind).to.equal(s.kind);
          expect(v.measurement).to.equal(s.measurement);
          // a failed verdict returns no validity (its fields still show it)
          expect(v.validUntil?.toISOString()).to.equal(v.ok ? s.validUntil : undefined);
          expect(field(v, "valid until")).to.match(new RegExp(`^${s.validUntil.replace(".000Z", "Z")} `));
          expect(v.enclaveKey).to.equal(undefined);
          // the CRLs verified: signed by their issuers, chained to the pinned Intel root, current
          expect(field(v, "Intel root CA")).to.equal(
            `Intel SGX Root CA; pinned SHA-256 ${INTEL_SGX_ROOT_CA_SHA256} (dcap-qvl's built-in root)`,
          );
          expect(field(v, "root CA CRL")).to.match(/^valid: issuer Intel SGX Root CA; .*; signature verified under the pinned root$/);
          expect(field(v, "PCK CRL")).to.match(/^valid: issuer Intel SGX PCK (Platform|Processor) CA; .*chains to the pinned root$/);
          expect(field(v, "revocation")).to.match(/^no certificate of the PCK/);
          expect(field(v, "enclave key")).to.match(/^none: report data is not in the vinfer layout/);
          if (s.quote === "sgx_quote") {
            expect(v.ok).to.equal(false);
            expect(v.errors).to.deep.equal([
              "TCB status ConfigurationAndSWHardeningNeeded is not accepted by the policy (accepted: UpToDate)",
            ]);
            expect(field(v, "TCB status")).to.equal("ConfigurationAndSWHardeningNeeded");
            expect(field(v, "advisories")).to.equal("INTEL-SA-00289, INTEL-SA-00615");
            expect(field(v, "enclave key")).to.contain('as text: "Hello, world!"');
            const accepted = await verify(bytes, { policy: { acceptedTcbStatuses: ACCEPT_SGX } });
            expect(accepted.errors).to.deep.equal([]);
            expect(accepted.ok).to.equal(true);
            expect(accepted.validUntil?.toISOString()).to.equal(s.validUntil);
            expect(field(accepted, "advisories")).to.equal("INTEL-SA-00289, INTEL-SA-00615");
            const r = Quote.parse(bytes).report.asSgx()!;
            expect(v.measurement).to.equal(keccak256(concat([r.mrEnclave, r.mrSigner])));
            for (const label of ["MRENCLAVE", "MRSIGNER", "report data", "ISV SVN"]) expect(field(v, label), label).to.be.a("string");
          } else if (s.quote === "tdx_quote") {
            expect(v.errors).to.deep.equal([]);
            expect(v.ok).to.equal(true);
            expect(field(v, "TCB status")).to.equal("UpToDate");
            expect(field(v, "advisories")).to.equal("none");
            const r = Quote.parse(bytes).report.asTd10()!;
            expect(v.measurement).to.equal(keccak256(concat([r.mrTd, r.rtMr0, r.rtMr1, r.rtMr2, r.rtMr3])));
            for (const label of ["MRTD", "RTMR0", "RTMR1", "RTMR2", "RTMR3", "report data"])
              expect(field(v, label), label).to.be.a("string");
          } else {
            expect(v.ok).to.equal(false);
            expect(v.errors).to.have.length(1);
            expect(v.errors[0]).to.match(/^no matching TCB level/);
            expect(field(v, "MRSERVICETD")).to.be.a("string");
          }
        });

        it("is refused as of today: TCB info and CRLs expired", async () => {
          const v = await verify(bytes, { at: TODAY, policy: { acceptedTcbStatuses: ACCEPT_SGX } });
          expect(v.ok).to.equal(false);
          expect(v.errors[0]).to.match(new RegExp(`^TCB info expired at .* \\(verifying as of ${TODAY.toISOString()}\\)$`));
          expect(v.errors.slice(1).join("\n")).to.match(/^the PCK CRL expired at its nextUpdate 20\d\d-/m);
        });

        // For the outdated quote, which fails anyway, a tampered byte must fail earlier, with another error.
        const baselineOk = s.quote !== "tdx_quote_outdated";
        const mustFail = async (tampered: Uint8Array, expected: RegExp) => {
          const v = await verify(tampered, { policy: { acceptedTcbStatuses: ACCEPT_SGX } });
          expect(v.ok).to.equal(false);
          expect(v.errors.join("\n")).to.match(expected);
          return v;
        };
        const SIG = /^the quote's signature does not verify under its attestation key/;

        it("baseline for the tamper tests", async () => {
          const v = await verify(bytes, { policy: { acceptedTcbStatuses: ACCEPT_SGX } });
          expect(v.ok).to.equal(baselineOk);
        });

        it("fails with a flipped byte in the payload (report data)", async () => {
          const q = Quote.parse(bytes);
          const reportData = (q.report.asSgx() ?? q.report.asTd10() ?? q.report.asTd15()!.base).reportData;
          await mustFail(flipped(bytes, offsetOf(bytes, reportData) + 1), SIG);
        });

        it("fails with a flipped byte in the signature", async () => {
          const sig = Quote.parse(bytes).authData.data.ecdsaSignature;
          await mustFail(flipped(bytes, offsetOf(bytes, sig) + 7), SIG);
        });

        it("fails with a flipped byte in the PCK certificate", async () => {
          // the quote carries the PCK chain as PEM: change one base64 character of the leaf's body
          const at = offsetOf(bytes, "-----BEGIN CERTIFICATE-----") + 28 + 300;
          await mustFail(
            flipped(bytes, at, 0x02),
            /^DCAP quote verification failed: Failed to verify certificate chain - leaf signature invalid$/,
          );
        });

        it("fails with a flipped byte in the measurement, whose value changes", async () => {
          const q = Quote.parse(bytes);
          const mr = q.report.asSgx()?.mrEnclave ?? (q.report.asTd10() ?? q.report.asTd15()!.base).mrTd;
          const v = await mustFail(flipped(bytes, offsetOf(bytes, mr) + 3), SIG);
          expect(v.measurement).to.not.equal(s.measurement);
        });
      });
    }

    describe("CRLs (checked by vinfer: dcap-qvl 0.3.9 only compares serial numbers)", () => {
      const tdx = fixture("dcap", "tdx_quote");
      const tdxAt = DCAP[1].at;
      const collateralOf = (name: string) => JSON.parse(text("dcap", name)) as Record<string, string>;
      const withCollateral = (changes: Record<string, string>, at = tdxAt) =>
        verifyAttestation(tdx, { at, collateral: { ...collateralOf("tdx_quote_collateral.json"), ...changes } as never });
      const crlOf = (hex: string) => new x509.X509Crl(Buffer.from(hex, "hex"));
      const hexOf = (crl: x509.X509Crl) => Buffer.from(crl.rawData).toString("hex");
      /** The same CRL (issuer name, dates, entries) signed by a fresh P-256 key. */
      async function resigned(hex: string, changes: { nextUpdate?: Date } = {}): Promise<string> {
        const crl = crlOf(hex);
        const keys = await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
        const forged = await x509.X509CrlGenerator.create({
          issuer: crl.issuer,
          thisUpdate: crl.thisUpdate,
          nextUpdate: changes.nextUpdate ?? crl.nextUpdate!,
          entries: crl.entries.map((e) => ({ serialNumber: e.serialNumber, revocationDate: e.revocationDate })),
          signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
          signingKey: keys.privateKey,
        });
        return hexOf(forged);
      }

      it("pins the Intel SGX Root CA, which is dcap-qvl's built-in root", () => {
        expect(sha256Hex(dcapConstants.TRUSTED_ROOT_CA_DER)).to.equal(INTEL_SGX_ROOT_CA_SHA256);
      });

      it("refuses CRLs that do not parse (dcap-qvl alone passes them)", async () => {
        const v = await withCollateral({ pck_crl: "00", root_ca_crl: "00" });
        expect(v.ok).to.equal(false);
        expect(v.errors).to.have.length(2);
        expect(v.errors[0]).to.match(/^the root CA CRL \(root_ca_crl\) cannot be parsed as a CRL: /);
        expect(v.errors[1]).to.match(/^the PCK CRL \(pck_crl\) cannot be parsed as a CRL: /);
        expect(field(v, "root CA CRL")).to.equal("INVALID: does not parse");
        expect(field(v, "PCK CRL")).to.equal("INVALID: does not parse");
        expect(field(v, "revocation")).to.equal("unknown (a CRL did not verify)");
        // dcap-qvl's own verdict on that collateral: UpToDate
        expect(field(v, "TCB status")).to.equal("UpToDate");
        const notHex = await withCollateral({ pck_crl: "not a CRL" });
        expect(notHex.errors).to.deep.equal(["the PCK CRL (pck_crl) cannot be parsed as a CRL: it is neither hex DER nor PEM"]);
      });

      it("refuses a PCK CRL or a root CA CRL re-signed by another key", async () => {
        const original = collateralOf("tdx_quote_collateral.json");
        const pck = await withCollateral({ pck_crl: await resigned(original.pck_crl!) });
        expect(pck.ok).to.equal(false);
        expect(pck.errors).to.deep.equal([
          "the PCK CRL's signature does not verify under its issuer Intel SGX PCK Platform CA (pck_crl_issuer_chain)",
        ]);
        expect(field(pck, "PCK CRL")).to.match(/^INVALID: /);
        const root = await withCollateral({ root_ca_crl: await resigned(original.root_ca_crl!) });
        expect(root.ok).to.equal(false);
        expect(root.errors).to.deep.equal(["the root CA CRL's signature does not verify under the pinned Intel SGX Root CA's key"]);
        expect(field(root, "root CA CRL")).to.match(/^INVALID: /);
      });

      it("refuses a CRL whose nextUpdate is before the verification time, and one not yet valid", async () => {
        // the PCK CRL's nextUpdate (10:00:35) comes before the TCB info's and the QE identity's (10:16:03)
        const at = new Date("2025-07-19T10:05:00Z");
        const v = await withCollateral({}, at);
        expect(v.errors).to.deep.equal([
          "the PCK CRL expired at its nextUpdate 2025-07-19T10:00:35Z (verifying as of 2025-07-19T10:05:00Z)",
        ]);
        expect(v.enclaveKey).to.equal(undefined);
        expect(v.validUntil).to.equal(undefined);
        // exactly at nextUpdate it is no longer current; a second before it is
        expect((await withCollateral({}, new Date("2025-07-19T10:00:35Z"))).errors).to.have.length(1);
        expect((await withCollateral({}, new Date("2025-07-19T10:00:34Z"))).ok).to.equal(true);
        // a root CA CRL (re-signed, so also with a bad signature) whose nextUpdate is before `at`
        const original = collateralOf("tdx_quote_collateral.json");
        const stale = await withCollateral({
          root_ca_crl: await resigned(original.root_ca_crl!, { nextUpdate: new Date("2025-06-01T00:00:00Z") }),
        });
        expect(stale.errors).to.deep.equal([
          "the root CA CRL's signature does not verify under the pinned Intel SGX Root CA's key",
          "the root CA CRL expired at its nextUpdate 2025-06-01T00:00:00Z (verifying as of 2025-06-19T11:32:27Z)",
        ]);
        // before the PCK CRL's thisUpdate (2025-06-19T10:00:35Z)
        const early = await withCollateral({ pck_crl: collateralOf("tdx_quote_outdated_collateral.json").pck_crl! });
        expect(early.errors).to.include(
          "the PCK CRL is not valid before its thisUpdate 2026-02-18T10:41:15Z (verifying as of 2025-06-19T11:32:27Z)",
        );
      });

      it("refuses the PCK CRL of another CA than the PCK certificate's issuer", async () => {
        const sgx = collateralOf("sgx_quote_collateral.json");
        const v = await withCollateral({ pck_crl: sgx.pck_crl!, pck_crl_issuer_chain: sgx.pck_crl_issuer_chain! });
        expect(v.ok).to.equal(false);
        expect(v.errors).to.deep.equal([
          'the PCK CRL is issued by "CN=Intel SGX PCK Processor CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US" ' +
            'but the PCK certificate by "CN=Intel SGX PCK Platform CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US": ' +
            "it is not the list that would revoke it",
        ]);
      });

      it("refuses a PCK CRL issuer chain that does not end at the pinned root", async () => {
        const original = collateralOf("tdx_quote_collateral.json");
        const realCrl = crlOf(original.pck_crl!);
        const rootName = "CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US";
        const alg = { name: "ECDSA", namedCurve: "P-256" };
        const signingAlgorithm = { name: "ECDSA", hash: "SHA-256" };
        const fakeRoot = await webcrypto.subtle.generateKey(alg, false, ["sign", "verify"]);
        const fakeCa = await webcrypto.subtle.generateKey(alg, false, ["sign", "verify"]);
        const ca = await x509.X509CertificateGenerator.create({
          serialNumber: "0a",
          subject: realCrl.issuer,
          issuer: rootName,
          notBefore: new Date("2020-01-01T00:00:00Z"),
          notAfter: new Date("2030-01-01T00:00:00Z"),
          signingKey: fakeRoot.privateKey,
          publicKey: fakeCa.publicKey,
          signingAlgorithm,
          extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
        });
        const crl = await x509.X509CrlGenerator.create({
          issuer: realCrl.issuer,
          thisUpdate: realCrl.thisUpdate,
          nextUpdate: realCrl.nextUpdate!,
          signingAlgorithm,
          signingKey: fakeCa.privateKey,
        });
        const v = await withCollateral({ pck_crl: hexOf(crl), pck_crl_issuer_chain: ca.toString("pem") });
        expect(v.ok).to.equal(false);
        expect(v.errors).to.deep.equal([
          "the PCK CRL issuer chain does not end at the pinned Intel SGX Root CA: Intel SGX PCK Platform CA is not signed by its key",
        ]);
        expect(field(v, "PCK CRL")).to.match(/^INVALID: /);
      });

      it("reads CRLs in PEM as well as hex DER, and gives dcap-qvl the DER", async () => {
        const original = collateralOf("tdx_quote_collateral.json");
        const pem = (hex: string) => crlOf(hex).toString("pem");
        const v = await withCollateral({ pck_crl: pem(original.pck_crl!), root_ca_crl: pem(original.root_ca_crl!) });
        expect(v.errors).to.deep.equal([]);
        expect(v.ok).to.equal(true);
        expect(field(v, "PCK CRL")).to.match(/^valid: /);
      });
    });

    it("applies MRENCLAVE/MRSIGNER and MRTD/RTMR pins", async () => {
      const sgx = fixture("dcap", "sgx_quote");
      const sgxOpts = { at: DCAP[0].at, collateral: text("dcap", "sgx_quote_collateral.json") };
      const r = Quote.parse(sgx).report.asSgx()!;
      const mrEnclave = Buffer.from(r.mrEnclave).toString("hex");
      const mrSigner = Buffer.from(r.mrSigner).toString("hex");
      const pass = await verifyAttestation(sgx, { ...sgxOpts, policy: { acceptedTcbStatuses: ACCEPT_SGX, mrEnclave, mrSigner } });
      expect(pass.ok).to.equal(true);
      expect(field(pass, "MR policy")).to.equal("pinned values match");
      const wrong = await verifyAttestation(sgx, {
        ...sgxOpts,
        policy: { acceptedTcbStatuses: ACCEPT_SGX, mrEnclave: "11".repeat(32), mrTd: "00".repeat(48) },
      });
      expect(wrong.errors).to.deep.equal([
        `MRENCLAVE is 0x${mrEnclave} but the policy expects 0x${"11".repeat(32)}`,
        "the policy pins MRTD, which a SGX quote does not have",
      ]);

      const tdx = fixture("dcap", "tdx_quote");
      const tdxOpts = { at: DCAP[1].at, collateral: text("dcap", "tdx_quote_collateral.json") };
      const td = Quote.parse(tdx).report.asTd10()!;
      const mrTd = "0x" + Buffer.from(td.mrTd).toString("hex").toUpperCase();
      const ok = await verifyAttestation(tdx, { ...tdxOpts, policy: { mrTd, rtmrs: { 3: "00".repeat(48) } } });
      expect(ok.ok).to.equal(true);
      const bad = await verifyAttestation(tdx, { ...tdxOpts, policy: { rtmrs: { 1: "00".repeat(48) }, pcrs: { 0: "00".repeat(48) } } });
      expect(bad.ok).to.equal(false);
      expect(bad.errors[0]).to.match(/^RTMR1 is 0x0084452c.* but the policy expects 0x0{96}$/);
      expect(bad.errors[1]).to.equal("the policy pins PCR values, which a TDX quote does not have");
    });

    it("applies a measurement pin to any kind", async () => {
      const tdx = fixture("dcap", "tdx_quote");
      const opts = { at: DCAP[1].at, collateral: text("dcap", "tdx_quote_collateral.json") };
      expect((await verifyAttestation(tdx, { ...opts, policy: { measurement: DCAP[1].measurement } })).ok).to.equal(true);
      const other = "0x" + "ab".repeat(32);
      const v = await verifyAttestation(tdx, { ...opts, policy: { measurement: other } });
      expect(v.errors).to.deep.equal([`the measurement is ${DCAP[1].measurement} but the policy expects ${other}`]);
    });

    it("needs the collateral, and refuses an unknown TCB status in the policy", async () => {
      const tdx = fixture("dcap", "tdx_quote");
      let err: unknown;
      await verifyAttestation(tdx, { at: DCAP[1].at }).catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(InputError);
      expect((err as Error).message).to.contain("a DCAP quote is verified with its collateral: none was given");
      err = undefined;
      await verifyAttestation(tdx, {
        at: DCAP[1].at,
        collateral: text("dcap", "tdx_quote_collateral.json"),
        policy: { acceptedTcbStatuses: ["Fine"] },
      }).catch((e: unknown) => (err = e));
      expect((err as Error).message).to.contain('unknown TCB status "Fine"');
    });
  });

  describe("enclave key binding", () => {
    it("reads a key from DCAP report data only in the vinfer layout", () => {
      const wallet = Wallet.createRandom();
      const rd = dcapReportDataForKey(wallet.address);
      expect(rd).to.have.length(64);
      expect(dcapEnclaveKey(rd).address).to.equal(wallet.address);
      const zeros = Uint8Array.from(rd);
      zeros.fill(0, 20); // address followed by zeros only: not a vinfer binding
      expect(dcapEnclaveKey(zeros).address).to.equal(undefined);
      expect(dcapEnclaveKey(flipped(rd, 40)).address).to.equal(undefined);
    });

    it("reads a Nitro key from a secp256k1 public_key, else from user_data only in the tagged vinfer layout", () => {
      const wallet = Wallet.createRandom();
      const doc = { ...parseNitroAttestation(fixture("nitro", NITRO[0]!.file)).document };
      expect(nitroEnclaveKey({ ...doc, publicKey: getBytes(wallet.signingKey.publicKey) }).address).to.equal(wallet.address);
      const tagged = nitroEnclaveKey({ ...doc, userData: dcapReportDataForKey(wallet.address) });
      expect(tagged.address).to.equal(wallet.address);
      expect(tagged.note).to.equal('from user_data (address || "vinfer-enclave-key/v1")');
      // unrelated user data is never read as a key: 20 bare bytes, an address then zeros, a broken tag
      const bare = nitroEnclaveKey({ ...doc, userData: getBytes(wallet.address) });
      expect(bare.address).to.equal(undefined);
      expect(bare.note).to.match(/user_data is 20 bytes \(not the 64-byte vinfer layout/);
      const zeros = dcapReportDataForKey(wallet.address).fill(0, 20);
      expect(nitroEnclaveKey({ ...doc, userData: zeros }).address).to.equal(undefined);
      expect(nitroEnclaveKey({ ...doc, userData: flipped(dcapReportDataForKey(wallet.address), 25) }).address).to.equal(undefined);
      // an invalid public_key falls back to a tagged user_data; two different keys bind none
      const notOnCurve = new Uint8Array(65).fill(7);
      notOnCurve[0] = 4;
      expect(nitroEnclaveKey({ ...doc, publicKey: notOnCurve }).address).to.equal(undefined);
      expect(nitroEnclaveKey({ ...doc, publicKey: notOnCurve, userData: dcapReportDataForKey(wallet.address) }).address).to.equal(
        wallet.address,
      );
      const other = Wallet.createRandom();
      const both = nitroEnclaveKey({
        ...doc,
        publicKey: getBytes(wallet.signingKey.publicKey),
        userData: dcapReportDataForKey(other.address),
      });
      expect(both.address).to.equal(undefined);
      expect(both.note).to.equal(`none: public_key binds ${wallet.address} but user_data binds ${other.address}`);
      const same = { ...doc, publicKey: getBytes(wallet.signingKey.publicKey), userData: dcapReportDataForKey(wallet.address) };
      expect(nitroEnclaveKey(same).address).to.equal(wallet.address);
    });
  });

  describe("dev attestations", () => {
    const fields = {
      measurement: DEV_ENCLAVE_MEASUREMENT,
      enclaveKey: Wallet.createRandom().address,
      issuedAt: 1_800_000_000,
      expiresAt: 1_800_086_400,
    };
    const at = new Date(1_800_000_100 * 1000);

    it("round-trip through one definition", () => {
      const bytes = createDevAttestation(fields);
      const doc = parseDevAttestation(bytes);
      expect(doc).to.deep.equal({
        format: "vinfer-dev-enclave-attestation/v1",
        warning: "SIMULATED ENCLAVE: NO HARDWARE PROTECTION",
        ...fields,
      });
      expect(detectAttestationFormat(bytes)).to.equal("dev");
      expect(() => parseDevAttestation(new TextEncoder().encode(JSON.stringify({ ...doc, warning: "fine" })))).to.throw(InputError);
      expect(() => createDevAttestation({ ...fields, measurement: "0x12" })).to.throw(InputError, /bytes32/);
    });

    it("are refused by the real verification path (the default)", async () => {
      const v = await verifyAttestation(createDevAttestation(fields), { at });
      expect(v.kind).to.equal("dev");
      expect(v.ok).to.equal(false);
      expect(v.errors).to.have.length(1);
      expect(v.errors[0]).to.match(/^this is a DEV attestation from a simulated enclave .* real attestation verification refuses it/);
      expect(field(v, "warning")).to.equal("SIMULATED ENCLAVE: NO HARDWARE PROTECTION");
      expect((await verifyAttestation(createDevAttestation(fields), { at, allowDev: false })).ok).to.equal(false);
    });

    it("are accepted with allowDev, within their validity", async () => {
      const v = await verifyAttestation(createDevAttestation(fields), { at, allowDev: true });
      expect(v.errors).to.deep.equal([]);
      expect(v.ok).to.equal(true);
      expect(v.measurement).to.equal(fields.measurement);
      expect(v.enclaveKey).to.equal(fields.enclaveKey);
      expect(v.validUntil?.getTime()).to.equal(fields.expiresAt * 1000);
      const late = await verifyAttestation(createDevAttestation(fields), { at: new Date((fields.expiresAt + 1) * 1000), allowDev: true });
      expect(late.errors).to.deep.equal(["dev attestation expired at 2027-01-16T08:00:00Z (verifying as of 2027-01-16T08:00:01Z)"]);
    });

    it("are refused even in dev mode when they name any measurement but the dev one (a real enclave's, say)", async () => {
      const v = await verifyAttestation(createDevAttestation({ ...fields, measurement: NITRO[0]!.measurement }), { at, allowDev: true });
      expect(v.ok).to.equal(false);
      expect(v.errors[0]).to.match(/a dev enclave can only have the dev measurement/);
    });
  });

  describe("unreadable input", () => {
    it("throws InputError, naming what was expected", async () => {
      for (const bytes of [new Uint8Array([1, 2, 3, 4]), fixture("nitro", NITRO[0]!.file).subarray(0, 300), new Uint8Array(0)]) {
        let err: unknown;
        await verifyAttestation(bytes, { at: TODAY }).catch((e: unknown) => (err = e));
        expect(err, String(bytes.length)).to.be.instanceOf(InputError);
      }
    });
  });

  describe("vinfer tee verify-attestation", () => {
    it("passes a valid quote, printing every field (exit 0)", () => {
      const r = vinfer(
        "tee",
        "verify-attestation",
        join(FIXTURES, "dcap", "tdx_quote"),
        "--collateral",
        join(FIXTURES, "dcap", "tdx_quote_collateral.json"),
        "--at",
        "2025-06-19T11:32:27Z",
      );
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/^verdict +PASS$/m);
      expect(r.stdout).to.match(/^kind +tdx \(Intel TDX DCAP quote v4\)$/m);
      expect(r.stdout).to.match(/^TCB status +UpToDate$/m);
      expect(r.stdout).to.match(/^MRTD +0x91eb2b44/m);
      for (const label of ["RTMR0", "RTMR3", "report data", "enclave key", "valid until", "advisories"])
        expect(r.stdout).to.match(new RegExp(`^${label} `, "m"));
      expect(r.stdout).to.contain(`measurement           ${DCAP[1].measurement} = keccak256(MRTD || RTMR0 || RTMR1 || RTMR2 || RTMR3)`);
    });

    it("fails an expired Nitro document (exit 1) and says why", () => {
      const r = vinfer("tee", "verify-attestation", join(FIXTURES, "nitro", NITRO[0]!.file), "--at", "2026-01-01T00:00:00Z");
      expect(r.code).to.equal(1);
      expect(r.stdout).to.match(/^verdict +FAIL$/m);
      expect(r.stdout).to.match(/^PCR0 +0x17bf8f04/m);
      expect(r.stdout).to.match(/^root fingerprint +641a0321/m);
      expect(r.stdout).to.contain("problem: leaf certificate expired at 2024-02-26T09:59:36Z (verifying as of 2026-01-01T00:00:00Z)");
      expect(r.stderr).to.match(/^error: nitro attestation rejected: .*leaf certificate expired at 2024-02-26T09:59:36Z/);
    });

    it("prints JSON with --json and applies --pcr and --accept-status", () => {
      const sgx = ["tee", "verify-attestation", join(FIXTURES, "dcap", "sgx_quote"), "--collateral"];
      const r = vinfer(
        ...sgx,
        join(FIXTURES, "dcap", "sgx_quote_collateral.json"),
        "--at",
        "1750334171",
        "--json",
        "--accept-status",
        ACCEPT_SGX.join(","),
      );
      expect(r.code, r.stderr).to.equal(0);
      const v = JSON.parse(r.stdout) as { ok: boolean; kind: string; measurement: string; validUntil: string; fields: [string, string][] };
      expect(v).to.include({ ok: true, kind: "sgx", measurement: DCAP[0].measurement, validUntil: "2025-07-19T10:01:18Z" });
      const pcr = vinfer(
        "tee",
        "verify-attestation",
        join(FIXTURES, "nitro", NITRO[0]!.file),
        "--at",
        "1708930922",
        "--pcr",
        `0=${"00".repeat(48)}`,
      );
      expect(pcr.code).to.equal(1);
      expect(pcr.stdout).to.contain(`problem: PCR0 is ${NITRO[0]!.pcr0} but the policy expects 0x${"00".repeat(48)}`);
    });
  });
});
