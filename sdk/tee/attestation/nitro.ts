/**
 * AWS Nitro Enclaves attestation documents.
 *
 * A document is a COSE_Sign1 structure (RFC 9052; CBOR tag 18, which the NSM
 * device leaves out: both forms are read) whose payload is a CBOR map with
 * module_id, timestamp (ms), digest ("SHA384"), pcrs, certificate (the leaf,
 * DER), cabundle (root first, then intermediates), public_key, user_data and
 * nonce. It is verified the way AWS documents it ("Verifying the root of
 * trust"):
 *
 * 1. the ES384 signature over the COSE Sig_structure
 *    `["Signature1", protected, h'', payload]`, with the leaf certificate's key;
 * 2. the chain cabundle[0] -> … -> certificate: every certificate signed by the
 *    one before it, the issuers marked as CAs (basicConstraints) with
 *    keyCertSign when they carry a keyUsage, the leaf not a CA, and cabundle[0] being the AWS
 *    Nitro root, compared by its SHA-256 DER fingerprint with the pinned value
 *    (the root the document carries is never trusted by itself);
 * 3. every certificate valid as of the verification time, and the document's
 *    timestamp not after it;
 * 4. not a debug-mode enclave (PCR0, PCR1 and PCR2 all zero);
 * 5. the PCR policy, when one is given.
 */
import { webcrypto } from "node:crypto";

import { p384 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { Decoder, Encoder, Tag } from "cbor-x";
import { computeAddress, concat, getAddress, keccak256 } from "ethers";

import { InputError } from "../../errors.js";
import { DCAP_ENCLAVE_KEY_TAG, dcapEnclaveKey } from "./dcap.js";
import {
  type AttestationField,
  type AttestationVerdict,
  type Hex,
  describeBytes,
  earliest,
  iso,
  pinnedHex,
  toHex,
  withholdIfFailed,
} from "./types.js";
import { x509 } from "./x509.js";

/** SHA-256 of the DER of the AWS Nitro Enclaves root certificate (CN=aws.nitro-enclaves), as AWS publishes it. */
export const AWS_NITRO_ROOT_SHA256 = "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b";

const COSE_SIGN1_TAG = 18;
/** COSE algorithm ES384 (ECDSA P-384 with SHA-384). */
const COSE_ALG_ES384 = -35;
const COSE_HEADER_ALG = 1;

const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });
const encoder = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });

/** The payload of a Nitro attestation document. */
export interface NitroDocument {
  moduleId: string;
  /** Milliseconds since the Unix epoch, as the NSM wrote it. */
  timestamp: number;
  digest: string;
  /** PCR index -> value. */
  pcrs: Map<number, Uint8Array>;
  /** The leaf certificate (DER). */
  certificate: Uint8Array;
  /** Root first, then intermediates (DER). */
  cabundle: Uint8Array[];
  publicKey?: Uint8Array;
  userData?: Uint8Array;
  nonce?: Uint8Array;
}

/** A decoded COSE_Sign1 attestation document. */
export interface NitroAttestation {
  tagged: boolean;
  /** The protected header as signed (a CBOR map in a byte string). */
  protectedHeader: Uint8Array;
  /** The COSE algorithm of the protected header (-35 = ES384). */
  algorithm: number | undefined;
  /** The payload as signed (a CBOR map in a byte string). */
  payload: Uint8Array;
  signature: Uint8Array;
  document: NitroDocument;
}

export interface NitroVerifyOptions {
  at: Date;
  /** Expected PCR values by index (48 bytes of hex each). */
  pcrs?: Readonly<Record<number, string>>;
}

export type NitroVerdict = AttestationVerdict & { kind: "nitro"; document: NitroDocument };

/** True when the bytes open like a COSE_Sign1 structure (tag 18, or an untagged 4-element array). */
export function looksLikeCoseSign1(bytes: Uint8Array): boolean {
  return bytes[0] === 0xd2 || bytes[0] === 0x84;
}

function bytesOf(value: unknown): Uint8Array | undefined {
  return value instanceof Uint8Array ? value : undefined;
}

function decodeCbor(bytes: Uint8Array, what: string): unknown {
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new InputError(`${what} is not valid CBOR: ${(cause as Error).message}`);
  }
}

/** Decodes a Nitro attestation document; InputError when it is not one. */
export function parseNitroAttestation(bytes: Uint8Array): NitroAttestation {
  const NOT = "not an AWS Nitro attestation document";
  let top = decodeCbor(bytes, "the attestation document");
  let tagged = false;
  if (top instanceof Tag) {
    if (top.tag !== COSE_SIGN1_TAG) throw new InputError(`${NOT}: CBOR tag ${top.tag}, expected ${COSE_SIGN1_TAG} (COSE_Sign1)`);
    tagged = true;
    top = top.value;
  }
  if (!Array.isArray(top) || top.length !== 4) throw new InputError(`${NOT}: a COSE_Sign1 structure is an array of 4 items`);
  const [protectedHeader, unprotected, payload, signature] = top as unknown[];
  if (!(protectedHeader instanceof Uint8Array) || !(payload instanceof Uint8Array) || !(signature instanceof Uint8Array))
    throw new InputError(`${NOT}: COSE_Sign1 protected header, payload and signature must be byte strings`);
  if (!(unprotected instanceof Map)) throw new InputError(`${NOT}: the COSE_Sign1 unprotected header must be a map`);
  const header = protectedHeader.length === 0 ? new Map() : decodeCbor(protectedHeader, "the COSE protected header");
  if (!(header instanceof Map)) throw new InputError(`${NOT}: the COSE protected header must be a map`);
  const alg = header.get(COSE_HEADER_ALG) as unknown;

  const body = decodeCbor(payload, "the attestation payload");
  if (!(body instanceof Map)) throw new InputError(`${NOT}: the payload must be a CBOR map`);
  const field = (name: string): unknown => (body as Map<unknown, unknown>).get(name);
  const required = (name: string): never => {
    throw new InputError(`${NOT}: the payload has no valid "${name}"`);
  };

  const moduleId = field("module_id");
  if (typeof moduleId !== "string") required("module_id");
  const ts = field("timestamp");
  if (typeof ts !== "number" && typeof ts !== "bigint") required("timestamp");
  const digest = field("digest");
  if (typeof digest !== "string") required("digest");
  const rawPcrs = field("pcrs");
  if (!(rawPcrs instanceof Map)) required("pcrs");
  const pcrs = new Map<number, Uint8Array>();
  for (const [k, v] of rawPcrs as Map<unknown, unknown>) {
    const value = bytesOf(v);
    if (typeof k !== "number" || !Number.isInteger(k) || k < 0 || value === undefined) required("pcrs");
    pcrs.set(k as number, value!);
  }
  const certificate = bytesOf(field("certificate")) ?? required("certificate");
  const rawBundle = field("cabundle");
  if (!Array.isArray(rawBundle) || rawBundle.length === 0) required("cabundle");
  const cabundle = (rawBundle as unknown[]).map((c) => bytesOf(c) ?? required("cabundle"));
  const optional = (name: string): Uint8Array | undefined => {
    const v = field(name);
    if (v === null || v === undefined) return undefined;
    return bytesOf(v) ?? required(name);
  };
  const document: NitroDocument = {
    moduleId: moduleId as string,
    timestamp: Number(ts),
    digest: digest as string,
    pcrs,
    certificate,
    cabundle,
  };
  const publicKey = optional("public_key");
  const userData = optional("user_data");
  const nonce = optional("nonce");
  if (publicKey) document.publicKey = publicKey;
  if (userData) document.userData = userData;
  if (nonce) document.nonce = nonce;
  return { tagged, protectedHeader, algorithm: typeof alg === "number" ? alg : undefined, payload, signature, document };
}

/** The COSE Sig_structure for COSE_Sign1 with empty external AAD: what the ES384 signature signs. */
export function coseSign1SigStructure(protectedHeader: Uint8Array, payload: Uint8Array): Uint8Array {
  return encoder.encode(["Signature1", protectedHeader, new Uint8Array(0), payload]);
}

/** The three PCRs of the enclave image: PCR0 (image), PCR1 (kernel and boot ramfs), PCR2 (application). */
export const NITRO_MEASURED_PCRS = [0, 1, 2] as const;

/** measurement = keccak256(PCR0 || PCR1 || PCR2), the PCRs as the document carries them (48 bytes each). */
export function nitroMeasurement(pcrs: ReadonlyMap<number, Uint8Array>): Hex {
  const parts = NITRO_MEASURED_PCRS.map((i) => {
    const v = pcrs.get(i);
    if (v === undefined) throw new InputError(`not an AWS Nitro attestation document: the payload has no PCR${i}`);
    return v;
  });
  return keccak256(concat(parts)) as Hex;
}

/**
 * The enclave key the document binds, as an address: `public_key` when it is a
 * 65-byte uncompressed secp256k1 public key (its address), otherwise
 * `user_data` when it is 64 bytes in the vinfer layout DCAP report data uses
 * (address || "vinfer-enclave-key/v1" || zeros, `dcapReportDataForKey`), so
 * that unrelated user data is never read as a key. When both bind a key they
 * must be the same one. `note` says what was found.
 */
export function nitroEnclaveKey(doc: NitroDocument): { address?: Hex; note: string } {
  let fromPublicKey: Hex | undefined;
  const pk = doc.publicKey;
  if (pk && pk.length === 65 && pk[0] === 0x04) {
    try {
      secp256k1.Point.fromBytes(pk).assertValidity();
      fromPublicKey = getAddress(computeAddress(toHex(pk))) as Hex;
    } catch {
      // not a secp256k1 point: no key from public_key
    }
  }
  const fromUserData = doc.userData ? dcapEnclaveKey(doc.userData).address : undefined;
  if (fromPublicKey && fromUserData && fromPublicKey !== fromUserData)
    return { note: `none: public_key binds ${fromPublicKey} but user_data binds ${fromUserData}` };
  if (fromPublicKey) return { address: fromPublicKey, note: "from public_key (secp256k1)" };
  if (fromUserData) return { address: fromUserData, note: `from user_data (address || "${DCAP_ENCLAVE_KEY_TAG}")` };
  return {
    note:
      `none: public_key is ${doc.publicKey ? `${doc.publicKey.length} bytes` : "absent"} (not a 65-byte uncompressed secp256k1 key) ` +
      `and user_data is ${doc.userData ? `${doc.userData.length} bytes` : "absent"} ` +
      `(not the 64-byte vinfer layout address || "${DCAP_ENCLAVE_KEY_TAG}" || zeros)`,
  };
}

/** True when PCR0, PCR1 and PCR2 are all zero: the NSM reports a debug-mode enclave (its memory readable by the parent instance) so. */
export function isNitroDebugMode(pcrs: ReadonlyMap<number, Uint8Array>): boolean {
  return NITRO_MEASURED_PCRS.every((i) => pcrs.get(i)?.every((b) => b === 0) === true);
}

function certLabel(i: number, n: number, cert: x509.X509Certificate | undefined): string {
  const role = i === 0 ? "root" : i === n - 1 ? "leaf" : `intermediate`;
  const cn = cert?.subjectName.getField("CN")[0];
  return `${role} certificate ${i}${cn ? ` (CN=${cn})` : ""}`;
}

async function rawP384Key(cert: x509.X509Certificate): Promise<Uint8Array | undefined> {
  const alg = cert.publicKey.algorithm as webcrypto.EcKeyAlgorithm;
  if (alg.name !== "ECDSA" || alg.namedCurve !== "P-384") return undefined;
  const params: webcrypto.EcKeyImportParams = { name: "ECDSA", namedCurve: "P-384" };
  const key = await cert.publicKey.export(params, ["verify"]);
  return new Uint8Array(await webcrypto.subtle.exportKey("raw", key as unknown as webcrypto.CryptoKey));
}

/** Verifies a Nitro attestation document as of `at`; InputError only when the bytes are not a readable document. */
export async function verifyNitroAttestation(bytes: Uint8Array, options: NitroVerifyOptions): Promise<NitroVerdict> {
  const { at } = options;
  const cose = parseNitroAttestation(bytes);
  const doc = cose.document;
  const errors: string[] = [];
  const fields: AttestationField[] = [
    ["kind", `nitro (AWS Nitro Enclaves attestation document, COSE_Sign1${cose.tagged ? "" : " untagged"})`],
    ["verified as of", iso(at)],
    ["module id", doc.moduleId],
    ["document time", `${iso(new Date(doc.timestamp))} (ms ${doc.timestamp})`],
    ["digest", doc.digest],
  ];
  const expectedPcrs = Object.entries(options.pcrs ?? {}).map(([k, v]) => [Number(k), pinnedHex(`PCR${k}`, v, 48)] as const);
  const measurement = nitroMeasurement(doc.pcrs);

  if (doc.digest !== "SHA384") errors.push(`digest is "${doc.digest}", a Nitro attestation document uses SHA384`);
  const debugMode = isNitroDebugMode(doc.pcrs);
  if (debugMode)
    errors.push(
      "the document is from an enclave in debug mode (PCR0, PCR1 and PCR2 are all zero): the parent instance can read its memory",
    );
  if (doc.timestamp > at.getTime())
    errors.push(`the document's timestamp ${iso(new Date(doc.timestamp))} is after the verification time ${iso(at)}`);

  // Certificates: root first, leaf last.
  const ders = [...doc.cabundle, doc.certificate];
  const certs = ders.map((der, i) => {
    try {
      return new x509.X509Certificate(der);
    } catch (cause) {
      errors.push(`${certLabel(i, ders.length, undefined)} cannot be parsed: ${(cause as Error).message}`);
      return undefined;
    }
  });

  // 1. The pinned root.
  const rootFingerprint = Buffer.from(sha256(ders[0]!)).toString("hex");
  const rootPinned = rootFingerprint === AWS_NITRO_ROOT_SHA256;
  if (!rootPinned)
    errors.push(
      `certificate chain does not end at the pinned AWS Nitro root (fingerprint ${AWS_NITRO_ROOT_SHA256}): ` +
        `the document's root has fingerprint ${rootFingerprint}`,
    );

  // 2. Each certificate signed by the one before it; CAs marked as CAs.
  let chainOk = rootPinned && certs.every((c) => c !== undefined);
  for (let i = 1; i < certs.length; i++) {
    const cert = certs[i];
    const issuer = certs[i - 1];
    if (!cert || !issuer) continue;
    const label = certLabel(i, certs.length, cert);
    const issuerLabel = certLabel(i - 1, certs.length, issuer);
    if (cert.issuer !== issuer.subject) {
      errors.push(`${label} names issuer "${cert.issuer}" but the certificate before it is "${issuer.subject}"`);
      chainOk = false;
    }
    let signed = false;
    try {
      signed = await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true });
    } catch {
      signed = false;
    }
    if (!signed) {
      errors.push(`${label} is not signed by ${issuerLabel}`);
      chainOk = false;
    }
  }
  for (let i = 0; i < certs.length - 1; i++) {
    const cert = certs[i];
    if (!cert) continue;
    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    if (!bc?.ca) {
      errors.push(`${certLabel(i, certs.length, cert)} issues certificates but is not marked as a CA (basicConstraints)`);
      chainOk = false;
    }
    const ku = cert.getExtension(x509.KeyUsagesExtension);
    if (ku && (ku.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
      errors.push(`${certLabel(i, certs.length, cert)} issues certificates but its keyUsage lacks keyCertSign`);
      chainOk = false;
    }
  }
  const leafCert = certs[certs.length - 1];
  if (certs.length > 1 && leafCert?.getExtension(x509.BasicConstraintsExtension)?.ca) {
    errors.push(`${certLabel(certs.length - 1, certs.length, leafCert)} is a CA certificate (basicConstraints), not an end entity`);
    chainOk = false;
  }

  // 3. Validity as of `at`.
  for (let i = 0; i < certs.length; i++) {
    const cert = certs[i];
    if (!cert) continue;
    const label = certLabel(i, certs.length, cert);
    if (at > cert.notAfter) {
      errors.push(`${i === certs.length - 1 ? "leaf certificate" : label} expired at ${iso(cert.notAfter)} (verifying as of ${iso(at)})`);
      chainOk = false;
    } else if (at < cert.notBefore) {
      errors.push(`${label} is not valid before ${iso(cert.notBefore)} (verifying as of ${iso(at)})`);
      chainOk = false;
    }
  }

  // 4. The COSE signature with the leaf's key.
  let signatureOk = false;
  const leaf = certs[certs.length - 1];
  if (cose.algorithm !== COSE_ALG_ES384) {
    errors.push(`the COSE protected header names algorithm ${cose.algorithm ?? "none"}, a Nitro document is signed with ES384 (-35)`);
  } else if (leaf) {
    const key = await rawP384Key(leaf);
    if (!key) errors.push(`the leaf certificate's key is not an ECDSA P-384 key`);
    else if (cose.signature.length !== 96) errors.push(`the COSE signature is ${cose.signature.length} bytes, ES384 signatures are 96`);
    else {
      const message = coseSign1SigStructure(cose.protectedHeader, cose.payload);
      try {
        signatureOk = p384.verify(cose.signature, message, key, { lowS: false });
      } catch {
        signatureOk = false;
      }
      if (!signatureOk) errors.push("the COSE_Sign1 signature does not verify under the leaf certificate's key");
    }
  }

  // 6. PCR policy.
  const pcrLines: string[] = [];
  for (const [index, expected] of expectedPcrs) {
    const actual = doc.pcrs.get(index);
    if (actual === undefined) errors.push(`the policy expects PCR${index} = ${expected} but the document has no PCR${index}`);
    else if (toHex(actual) !== expected) errors.push(`PCR${index} is ${toHex(actual)} but the policy expects ${expected}`);
    else pcrLines.push(`PCR${index} matches`);
  }

  const key = nitroEnclaveKey(doc);
  const validUntil = earliest(certs.filter((c) => c !== undefined).map((c) => c.notAfter));
  const validUntilNote =
    leaf && validUntil?.getTime() === leaf.notAfter.getTime() ? "the leaf certificate's notAfter" : "the earliest notAfter in the chain";

  fields.push(["COSE signature", signatureOk ? "valid (ES384, leaf certificate's key)" : "INVALID"]);
  fields.push(["certificate chain", chainOk ? `valid: ${certs.length} certificates, pinned root -> leaf` : "INVALID"]);
  fields.push(["root fingerprint", `${rootFingerprint} (${rootPinned ? "the pinned AWS Nitro root" : "NOT the pinned AWS Nitro root"})`]);
  certs.forEach((cert, i) => {
    const role = i === 0 ? "root" : i === certs.length - 1 ? "leaf" : "intermediate";
    if (cert) fields.push([`certificate ${i} (${role})`, `${cert.subject}; valid ${iso(cert.notBefore)} .. ${iso(cert.notAfter)}`]);
  });
  for (const [index, value] of [...doc.pcrs].sort((a, b) => a[0] - b[0])) fields.push([`PCR${index}`, toHex(value)]);
  fields.push(["debug mode", debugMode ? "YES (PCR0, PCR1 and PCR2 all zero): refused" : "no"]);
  fields.push([
    "PCR policy",
    expectedPcrs.length === 0 ? "none" : pcrLines.length === expectedPcrs.length ? pcrLines.join(", ") : "MISMATCH",
  ]);
  fields.push(["public_key", describeBytes(doc.publicKey)]);
  fields.push(["user_data", describeBytes(doc.userData)]);
  fields.push(["nonce", describeBytes(doc.nonce)]);
  fields.push(["enclave key", key.address ? `${key.address} (${key.note})` : key.note]);
  fields.push(["valid until", validUntil ? `${iso(validUntil)} (${validUntilNote})` : "unknown"]);
  fields.push(["measurement", `${measurement} = keccak256(PCR0 || PCR1 || PCR2)`]);

  const verdict: NitroVerdict = { kind: "nitro", ok: errors.length === 0, errors, measurement, fields, document: doc };
  if (key.address) verdict.enclaveKey = key.address;
  if (validUntil) verdict.validUntil = validUntil;
  return withholdIfFailed(verdict);
}
