/**
 * A self-made stand-in for Intel's DCAP PKI, for the tests that need a signature Intel would never
 * make (a CRL that revokes a certificate of the chain): a root, a PCK Platform CA, a TCB signing
 * certificate and a PCK certificate that carries the real TDX sample's SGX extension (FMSPC, CPUSVN,
 * PCESVN), with the sample quote's QE report re-signed by that PCK key and the sample's TCB info and
 * QE identity re-signed by the TCB signing key. The quote's own signature (by its attestation key)
 * is untouched. A store deployed with this root's fingerprint accepts it; Intel's store never does.
 */
import { webcrypto } from "node:crypto";

import { getBytes, hexlify, sha256 } from "ethers";

import { x509 } from "../../../sdk/tee/attestation/x509.js";
import { type PccsCollateral, pemCertificates } from "../../../sdk/tee/dcap/collateral.js";
import type { Sample } from "./dcapFixture.js";

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

const ECDSA_SHA256 = { name: "ECDSA", hash: "SHA-256" } as const;
const P256_KEYGEN = { name: "ECDSA", namedCurve: "P-256" } as const;
const SGX_EXTENSION_OID = "1.2.840.113741.1.13.1";
/** TDX v4 quote layout: header (48) + TD report (584), then the signature data length and data. */
const TDX_SIGNED = 48 + 584;
const AUTH = TDX_SIGNED + 4;
const QE_REPORT = AUTH + 64 + 64 + 6;
const QE_REPORT_LENGTH = 384;
/** Where the report data sits in an enclave (QE) report. */
const QE_REPORT_DATA = 320;

export interface TestPki {
  root: x509.X509Certificate;
  rootSha256: string;
  pckCa: x509.X509Certificate;
  pckCaKeys: CryptoKeyPair;
  tcbSigner: x509.X509Certificate;
  pck: x509.X509Certificate;
  rootKeys: CryptoKeyPair;
  /** The TDX sample's quote with the QE report re-signed and the PEM chain replaced. */
  quote: Uint8Array;
  /**
   * A quote signed end to end by this PKI: a fresh attestation key signs the (edited) TD report,
   * the (edited) QE report binds that key and is signed by the PCK key.
   */
  forge: (edit: { body?: (body: Uint8Array) => void; qeReport?: (report: Uint8Array) => void }) => Promise<Uint8Array>;
  /** Collateral in the PCCS JSON shape, signed by this PKI (CRLs list `revoked`). */
  collateral: (revoked?: { root?: string[]; pck?: string[] }) => Promise<PccsCollateral>;
  /** A CRL of the root or of the PCK CA. */
  crl: (issuer: "root" | "pckCa", serials: string[], thisUpdate: Date, nextUpdate: Date) => Promise<Uint8Array>;
}

export const SERIALS = { root: "01", pckCa: "0a", tcbSigner: "0b", pck: "0c" } as const;

function pem(der: ArrayBuffer | Uint8Array): string {
  const b64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString("base64");
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, "$1\n").replace(/\n?$/, "\n")}-----END CERTIFICATE-----\n`;
}

function u16(v: number): Uint8Array {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
}

function u32(v: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

async function keys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(P256_KEYGEN, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function rawSign(key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await webcrypto.subtle.sign(ECDSA_SHA256, key, data));
}

/** The DER of `OID 1.2.840.113741.1.13.1.2.17 (PCESVN), INTEGER` up to the INTEGER's value byte. */
const PCESVN_PREFIX = Buffer.from("060b2a864886f84d010d0102110201", "hex");

/** The SGX extension with its one-byte PCESVN replaced by `pceSvn` (0-127). */
function withPceSvn(extension: ArrayBuffer, pceSvn: number): Uint8Array {
  const ext = Buffer.from(new Uint8Array(extension));
  const at = ext.indexOf(PCESVN_PREFIX);
  if (at < 0 || pceSvn < 0 || pceSvn > 127) throw new Error("cannot patch PCESVN");
  ext[at + PCESVN_PREFIX.length] = pceSvn;
  return new Uint8Array(ext);
}

/**
 * Builds the PKI around the TDX sample (valid a year either side of `sample.at`); `pceSvn`
 * replaces the PCESVN in the PCK certificate's SGX extension.
 */
export async function makeTestPki(sample: Sample, options: { pceSvn?: number } = {}): Promise<TestPki> {
  const notBefore = new Date((sample.at - 365 * 86400) * 1000);
  const notAfter = new Date((sample.at + 365 * 86400) * 1000);
  const rootKeys = await keys();
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: SERIALS.root,
    name: "CN=vinfer Test SGX Root CA, O=vinfer tests",
    notBefore,
    notAfter,
    keys: rootKeys,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [new x509.BasicConstraintsExtension(true, 1, true)],
  });
  const issued = async (
    serialNumber: string,
    subject: string,
    ca: boolean,
    issuer: x509.X509Certificate,
    issuerKeys: CryptoKeyPair,
    subjectKeys: CryptoKeyPair,
    extra: x509.Extension[] = [],
  ) =>
    x509.X509CertificateGenerator.create({
      serialNumber,
      subject,
      issuer: issuer.subjectName,
      notBefore,
      notAfter,
      publicKey: subjectKeys.publicKey,
      signingKey: issuerKeys.privateKey,
      signingAlgorithm: ECDSA_SHA256,
      extensions: [new x509.BasicConstraintsExtension(ca, undefined, true), ...extra],
    });
  const pckCaKeys = await keys();
  const pckCa = await issued(SERIALS.pckCa, "CN=Intel SGX PCK Platform CA, O=vinfer tests", true, root, rootKeys, pckCaKeys);
  const tcbKeys = await keys();
  const tcbSigner = await issued(SERIALS.tcbSigner, "CN=Intel SGX TCB Signing, O=vinfer tests", false, root, rootKeys, tcbKeys);
  // The real PCK certificate's SGX extension, copied byte for byte.
  const realPck = new x509.X509Certificate(pemCertificates(Buffer.from(sample.quote).toString("latin1"))[0]);
  const sgx = realPck.getExtension(SGX_EXTENSION_OID);
  if (!sgx) throw new Error("the sample's PCK certificate has no SGX extension");
  const pckKeys = await keys();
  const pck = await issued(SERIALS.pck, "CN=Intel SGX PCK Certificate, O=vinfer tests", false, pckCa, pckCaKeys, pckKeys, [
    new x509.Extension(SGX_EXTENSION_OID, false, options.pceSvn === undefined ? sgx.value : withPceSvn(sgx.value, options.pceSvn)),
  ]);

  // Re-sign the QE report with the new PCK key and carry the new chain.
  const q = sample.quote;
  const qeReport = q.subarray(QE_REPORT, QE_REPORT + QE_REPORT_LENGTH);
  let p = QE_REPORT + QE_REPORT_LENGTH + 64;
  const qeAuthSize = Buffer.from(q).readUInt16LE(p);
  const qeAuth = q.subarray(p + 2, p + 2 + qeAuthSize);
  p += 2 + qeAuthSize;
  const chain = Buffer.from(pem(pck.rawData) + pem(pckCa.rawData) + pem(root.rawData), "latin1");
  const inner = Buffer.concat([
    qeReport,
    await rawSign(pckKeys.privateKey, qeReport),
    u16(qeAuthSize),
    qeAuth,
    u16(5),
    u32(chain.length),
    chain,
  ]);
  const auth = Buffer.concat([q.subarray(AUTH, AUTH + 128), u16(6), u32(inner.length), inner]);
  const quote = new Uint8Array(Buffer.concat([q.subarray(0, TDX_SIGNED), u32(auth.length), auth]));

  const forge = async (edit: { body?: (body: Uint8Array) => void; qeReport?: (report: Uint8Array) => void }) => {
    const signed = new Uint8Array(q.subarray(0, TDX_SIGNED));
    edit.body?.(signed.subarray(48));
    const attestation = await keys();
    const attestationKey = new Uint8Array(await webcrypto.subtle.exportKey("raw", attestation.publicKey)).subarray(1);
    const report = new Uint8Array(qeReport);
    edit.qeReport?.(report);
    report.set(getBytes(sha256(Buffer.concat([attestationKey, qeAuth]))), QE_REPORT_DATA);
    const body = Buffer.concat([
      report,
      await rawSign(pckKeys.privateKey, report),
      u16(qeAuthSize),
      qeAuth,
      u16(5),
      u32(chain.length),
      chain,
    ]);
    const data = Buffer.concat([await rawSign(attestation.privateKey, signed), attestationKey, u16(6), u32(body.length), body]);
    return new Uint8Array(Buffer.concat([signed, u32(data.length), data]));
  };

  const crl = async (issuer: "root" | "pckCa", serials: string[], thisUpdate: Date, nextUpdate: Date) => {
    const [cert, k] = issuer === "root" ? [root, rootKeys] : [pckCa, pckCaKeys];
    const c = await x509.X509CrlGenerator.create({
      issuer: cert.subjectName,
      thisUpdate,
      nextUpdate,
      entries: serials.map((serialNumber) => ({ serialNumber, revocationDate: thisUpdate })),
      signingAlgorithm: ECDSA_SHA256,
      signingKey: k.privateKey,
    });
    return new Uint8Array(c.rawData);
  };
  const collateral = async (revoked: { root?: string[]; pck?: string[] } = {}): Promise<PccsCollateral> => {
    const from = new Date((sample.at - 86400) * 1000);
    const until = new Date((sample.at + 30 * 86400) * 1000);
    const sign = async (text: string) => hexlify(await rawSign(tcbKeys.privateKey, new TextEncoder().encode(text))).slice(2);
    return {
      pck_crl_issuer_chain: pem(pckCa.rawData) + pem(root.rawData),
      root_ca_crl: hexlify(await crl("root", revoked.root ?? [], from, until)).slice(2),
      pck_crl: hexlify(await crl("pckCa", revoked.pck ?? [], from, until)).slice(2),
      tcb_info_issuer_chain: pem(tcbSigner.rawData) + pem(root.rawData),
      tcb_info: sample.collateral.tcb_info,
      tcb_info_signature: await sign(sample.collateral.tcb_info),
      qe_identity_issuer_chain: pem(tcbSigner.rawData) + pem(root.rawData),
      qe_identity: sample.collateral.qe_identity,
      qe_identity_signature: await sign(sample.collateral.qe_identity),
    };
  };
  return {
    root,
    rootSha256: sha256(getBytes(hexlify(new Uint8Array(root.rawData)))),
    pckCa,
    pckCaKeys,
    tcbSigner,
    pck,
    rootKeys,
    quote,
    forge,
    collateral,
    crl,
  };
}
