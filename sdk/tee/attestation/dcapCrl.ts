/**
 * Intel's CRLs and root, checked by vinfer because `@phala/dcap-qvl` 0.3.9 does
 * not check them.
 *
 * What dcap-qvl's `verify` checks (node_modules/@phala/dcap-qvl/src/verify.js, utils.js):
 * - the PCK chain (the collateral's `pck_certificate_chain` when present, else
 *   the quote's certification data, type 5), the TCB info issuer chain and the
 *   QE identity issuer chain: each certificate's signature under the next one's
 *   key and the last one's under its built-in Intel SGX Root CA
 *   (`constants.TRUSTED_ROOT_CA_DER`), so the root is pinned by its key; the
 *   leaf's and the intermediates' notBefore/notAfter; the leaf not being a CA.
 *   It compares no issuer/subject names and checks no basicConstraints or
 *   keyUsage of the intermediates;
 * - the CRLs: serial numbers only. Every chain certificate's serial is looked
 *   up in both CRLs, whatever their issuer; a CRL that does not parse is
 *   skipped; a CRL's signature, issuer and thisUpdate/nextUpdate are never
 *   checked; a CRL given as a string is read as hex (PEM reads as nothing).
 *
 * What `checkDcapCrls` adds (with `@peculiar/x509`):
 * - the Intel SGX Root CA is pinned by the SHA-256 fingerprint of its DER
 *   (`INTEL_SGX_ROOT_CA_SHA256`): found in the collateral's issuer chains or the
 *   quote's PCK chain, and dcap-qvl's built-in root must be that certificate;
 * - `root_ca_crl` (hex DER, PEM or bytes) parses, names the root as its issuer,
 *   its signature verifies under the pinned root's key, thisUpdate <= at < nextUpdate;
 * - `pck_crl_issuer_chain`: its first certificate (the PCK CRL's issuer) is a CA
 *   (with cRLSign when keyUsage is present); each certificate is named as and
 *   signed by the next one's issuer, the issuers CAs (keyCertSign when keyUsage
 *   is present), the chain ending at the pinned root; each valid at `at`;
 * - `pck_crl` parses, names the first certificate of that chain as its issuer,
 *   verifies under its key, thisUpdate <= at < nextUpdate, and its issuer is the
 *   issuer of the PCK certificate (Platform or Processor CA: otherwise it is not
 *   the list that would revoke that PCK certificate);
 * - revocation, issuer by issuer: every certificate of the PCK chain, the TCB
 *   info and QE identity issuer chains and the PCK CRL issuer chain is looked up
 *   in the CRL of its issuer (the PCK CRL for the PCK CA's certificates, the
 *   root CA CRL for the root's).
 * dcap-qvl is then given the CRLs as the hex DER read here, so that its serial
 * checks read the same lists.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { type Collateral, type Quote, constants as dcapConstants, utils as dcapUtils } from "@phala/dcap-qvl";

import { type AttestationField, iso } from "./types.js";
import { x509 } from "./x509.js";

/** SHA-256 of the DER of the Intel SGX Root CA (CN=Intel SGX Root CA, O=Intel Corporation; valid 2018-05-21 .. 2049-12-31). */
export const INTEL_SGX_ROOT_CA_SHA256 = "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

export interface DcapCrlCheck {
  /** One sentence per problem; empty when both CRLs and the PCK CRL issuer chain verified. */
  errors: string[];
  fields: AttestationField[];
  /** The collateral with both CRLs as the hex DER read here (for dcap-qvl), when both parsed. */
  normalized?: Collateral;
}

export function sha256Hex(der: Uint8Array | ArrayBuffer): string {
  return Buffer.from(sha256(new Uint8Array(der))).toString("hex");
}

/** The DER of a CRL given as hex DER (0x optional), PEM ("X509 CRL") or bytes; throws an Error saying why not. */
export function crlDer(value: unknown): Uint8Array {
  let crl: x509.X509Crl;
  if (Array.isArray(value) || value instanceof Uint8Array) {
    crl = new x509.X509Crl(Uint8Array.from(value as ArrayLike<number>));
  } else if (typeof value === "string") {
    const s = value.trim();
    if (s.includes("-----BEGIN")) crl = new x509.X509Crl(s);
    else if (/^(0x)?([0-9a-fA-F]{2})+$/.test(s)) crl = new x509.X509Crl(Buffer.from(s.replace(/^0x/, ""), "hex"));
    else throw new Error("it is neither hex DER nor PEM");
  } else {
    throw new Error(`it is a ${value === null ? "null" : typeof value}, not hex DER, PEM or bytes`);
  }
  return new Uint8Array(crl.rawData);
}

function readCrl(value: unknown, what: string, errors: string[]): x509.X509Crl | undefined {
  try {
    return new x509.X509Crl(crlDer(value));
  } catch (cause) {
    errors.push(`the ${what} cannot be parsed as a CRL: ${(cause as Error).message}`);
    return undefined;
  }
}

function pemCerts(pem: string | undefined, what: string, errors: string[]): x509.X509Certificate[] {
  if (typeof pem !== "string") return [];
  try {
    return x509.PemConverter.decode(pem).map((der) => new x509.X509Certificate(der));
  } catch (cause) {
    errors.push(`the ${what} cannot be parsed: ${(cause as Error).message}`);
    return [];
  }
}

function cn(cert: { subjectName: x509.Name }): string {
  return cert.subjectName.getField("CN")[0] ?? cert.subjectName.toString();
}

async function signedBy(item: x509.X509Certificate | x509.X509Crl, issuer: x509.X509Certificate): Promise<boolean> {
  try {
    return item instanceof x509.X509Crl
      ? await item.verify({ publicKey: issuer.publicKey })
      : await item.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}

/** Why `issuer` may not issue certificates (or CRLs), or undefined when it may. */
function notAnIssuer(issuer: x509.X509Certificate, usage: "keyCertSign" | "cRLSign"): string | undefined {
  if (!issuer.getExtension(x509.BasicConstraintsExtension)?.ca) return "is not marked as a CA (basicConstraints)";
  const ku = issuer.getExtension(x509.KeyUsagesExtension);
  if (ku && (ku.usages & x509.KeyUsageFlags[usage]) === 0) return `has a keyUsage without ${usage}`;
  return undefined;
}

function currency(what: string, crl: x509.X509Crl, at: Date): string | undefined {
  const asOf = `(verifying as of ${iso(at)})`;
  if (at < crl.thisUpdate) return `the ${what} is not valid before its thisUpdate ${iso(crl.thisUpdate)} ${asOf}`;
  if (!crl.nextUpdate) return `the ${what} has no nextUpdate, so it cannot be known to be current`;
  if (at >= crl.nextUpdate) return `the ${what} expired at its nextUpdate ${iso(crl.nextUpdate)} ${asOf}`;
  return undefined;
}

/** The PCK chain dcap-qvl verifies: the collateral's `pck_certificate_chain` when present, else the quote's (certification data type 5). */
function pckChainDers(collateral: Collateral, quote: Quote): Uint8Array[] {
  const own = (collateral as Collateral & { pck_certificate_chain?: unknown }).pck_certificate_chain;
  try {
    const pem = typeof own === "string" ? Buffer.from(own, "utf8") : Buffer.from(quote.rawCertChain());
    return dcapUtils.extractCerts(pem).map((b) => new Uint8Array(b));
  } catch {
    return [];
  }
}

/** Checks the collateral's CRLs and the PCK CRL issuer chain as of `at`; see the module comment. */
export async function checkDcapCrls(collateral: Collateral, quote: Quote, at: Date): Promise<DcapCrlCheck> {
  const errors: string[] = [];
  const fields: AttestationField[] = [];

  const pckCrlChain = pemCerts(collateral.pck_crl_issuer_chain, "PCK CRL issuer chain (pck_crl_issuer_chain)", errors);
  const tcbChain = pemCerts(collateral.tcb_info_issuer_chain, "TCB info issuer chain", errors);
  const qeChain = pemCerts(collateral.qe_identity_issuer_chain, "QE identity issuer chain", errors);
  const pckChain: x509.X509Certificate[] = [];
  for (const der of pckChainDers(collateral, quote)) {
    try {
      pckChain.push(new x509.X509Certificate(der));
    } catch (cause) {
      errors.push(`a certificate of the PCK chain cannot be parsed: ${(cause as Error).message}`);
    }
  }

  // The pinned root, and dcap-qvl's built-in root being that certificate.
  const root = [...pckCrlChain, ...tcbChain, ...qeChain, ...pckChain].find((c) => sha256Hex(c.rawData) === INTEL_SGX_ROOT_CA_SHA256);
  const builtIn = sha256Hex(dcapConstants.TRUSTED_ROOT_CA_DER);
  if (builtIn !== INTEL_SGX_ROOT_CA_SHA256)
    errors.push(`dcap-qvl's built-in root CA has fingerprint ${builtIn}, not the pinned Intel SGX Root CA ${INTEL_SGX_ROOT_CA_SHA256}`);
  if (!root)
    errors.push(
      `no certificate in the collateral's issuer chains or the quote's PCK chain is the pinned Intel SGX Root CA (fingerprint ${INTEL_SGX_ROOT_CA_SHA256})`,
    );
  fields.push([
    "Intel root CA",
    `${root ? cn(root) : "NOT FOUND"}; pinned SHA-256 ${INTEL_SGX_ROOT_CA_SHA256}` +
      (builtIn === INTEL_SGX_ROOT_CA_SHA256 ? " (dcap-qvl's built-in root)" : " (dcap-qvl's built-in root DIFFERS)"),
  ]);

  // Root CA CRL.
  const rootErrors: string[] = [];
  const rootCrl = readCrl(collateral.root_ca_crl, "root CA CRL (root_ca_crl)", rootErrors);
  if (rootCrl && root) {
    if (rootCrl.issuer !== root.subject)
      rootErrors.push(`the root CA CRL is issued by "${rootCrl.issuer}", not by the pinned Intel SGX Root CA "${root.subject}"`);
    else if (!(await signedBy(rootCrl, root)))
      rootErrors.push("the root CA CRL's signature does not verify under the pinned Intel SGX Root CA's key");
    const stale = currency("root CA CRL", rootCrl, at);
    if (stale) rootErrors.push(stale);
  } else if (rootCrl) rootErrors.push("the root CA CRL cannot be checked: the pinned Intel SGX Root CA was not found");
  errors.push(...rootErrors);
  const rootCrlOk = rootCrl !== undefined && rootErrors.length === 0;
  fields.push([
    "root CA CRL",
    rootCrl
      ? `${rootCrlOk ? "valid" : "INVALID"}: issuer ${rootCrl.issuerName.getField("CN")[0] ?? rootCrl.issuer}; ` +
        `thisUpdate ${iso(rootCrl.thisUpdate)}, nextUpdate ${rootCrl.nextUpdate ? iso(rootCrl.nextUpdate) : "none"}; ` +
        `${rootCrl.entries.length} revoked` +
        (rootCrlOk ? "; signature verified under the pinned root" : "")
      : "INVALID: does not parse",
  ]);

  // PCK CRL issuer chain: pck_crl_issuer_chain[0] -> ... -> the pinned root.
  const chainErrors: string[] = [];
  const crlIssuer = pckCrlChain[0];
  if (!crlIssuer) chainErrors.push("the PCK CRL issuer chain (pck_crl_issuer_chain) holds no certificate");
  else if (root) {
    const path = [...pckCrlChain];
    if (sha256Hex(path[path.length - 1]!.rawData) !== INTEL_SGX_ROOT_CA_SHA256) path.push(root);
    const bad = notAnIssuer(crlIssuer, "cRLSign");
    if (bad) chainErrors.push(`the PCK CRL's issuer ${cn(crlIssuer)} ${bad}`);
    for (let i = 0; i + 1 < path.length; i++) {
      const cert = path[i]!;
      const issuer = path[i + 1]!;
      if (cert.issuer !== issuer.subject)
        chainErrors.push(
          `the PCK CRL issuer chain: ${cn(cert)} names issuer "${cert.issuer}" but the next certificate is "${issuer.subject}"`,
        );
      else if (!(await signedBy(cert, issuer)))
        chainErrors.push(
          i + 2 === path.length
            ? `the PCK CRL issuer chain does not end at the pinned Intel SGX Root CA: ${cn(cert)} is not signed by its key`
            : `the PCK CRL issuer chain: ${cn(cert)} is not signed by ${cn(issuer)}`,
        );
      const notIssuer = notAnIssuer(issuer, "keyCertSign");
      if (notIssuer) chainErrors.push(`the PCK CRL issuer chain: ${cn(issuer)} issues certificates but ${notIssuer}`);
    }
    for (const cert of path)
      if (at < cert.notBefore || at > cert.notAfter)
        chainErrors.push(
          `the PCK CRL issuer chain: ${cn(cert)} is valid ${iso(cert.notBefore)} .. ${iso(cert.notAfter)}, not at ${iso(at)}`,
        );
  }
  errors.push(...chainErrors);

  // PCK CRL.
  const pckErrors: string[] = [];
  const pckCrl = readCrl(collateral.pck_crl, "PCK CRL (pck_crl)", pckErrors);
  if (pckCrl && crlIssuer) {
    if (pckCrl.issuer !== crlIssuer.subject)
      pckErrors.push(`the PCK CRL is issued by "${pckCrl.issuer}", but its issuer chain starts with "${crlIssuer.subject}"`);
    else if (!(await signedBy(pckCrl, crlIssuer)))
      pckErrors.push(`the PCK CRL's signature does not verify under its issuer ${cn(crlIssuer)} (pck_crl_issuer_chain)`);
    const stale = currency("PCK CRL", pckCrl, at);
    if (stale) pckErrors.push(stale);
    const pck = pckChain[0];
    if (pck && pck.issuer !== pckCrl.issuer)
      pckErrors.push(
        `the PCK CRL is issued by "${pckCrl.issuer}" but the PCK certificate by "${pck.issuer}": it is not the list that would revoke it`,
      );
  }
  errors.push(...pckErrors);
  const pckCrlOk = pckCrl !== undefined && crlIssuer !== undefined && pckErrors.length === 0 && chainErrors.length === 0;
  fields.push([
    "PCK CRL",
    pckCrl
      ? `${pckCrlOk ? "valid" : "INVALID"}: issuer ${pckCrl.issuerName.getField("CN")[0] ?? pckCrl.issuer}; ` +
        `thisUpdate ${iso(pckCrl.thisUpdate)}, nextUpdate ${pckCrl.nextUpdate ? iso(pckCrl.nextUpdate) : "none"}; ` +
        `${pckCrl.entries.length} revoked` +
        (pckCrlOk ? "; signature verified under pck_crl_issuer_chain, which chains to the pinned root" : "")
      : "INVALID: does not parse",
  ]);

  // Revocation, each certificate in its issuer's list (only lists that verified).
  const lists = [...(rootCrlOk ? [rootCrl] : []), ...(pckCrlOk ? [pckCrl] : [])];
  const seen = new Set<string>();
  const revoked: string[] = [];
  for (const [what, chain] of [
    ["PCK chain", pckChain],
    ["TCB info issuer chain", tcbChain],
    ["QE identity issuer chain", qeChain],
    ["PCK CRL issuer chain", pckCrlChain],
  ] as const)
    for (const cert of chain) {
      const fp = sha256Hex(cert.rawData);
      if (seen.has(fp)) continue;
      seen.add(fp);
      for (const crl of lists)
        if (crl.issuer === cert.issuer && crl.findRevoked(cert))
          revoked.push(
            `${cn(cert)} (serial ${cert.serialNumber}, ${what}) is revoked by the CRL of ${crl.issuerName.getField("CN")[0] ?? crl.issuer}`,
          );
    }
  errors.push(...revoked);
  fields.push([
    "revocation",
    revoked.length
      ? "REVOKED"
      : lists.length === 2
        ? "no certificate of the PCK, TCB info, QE identity or PCK CRL issuer chains is in its issuer's CRL"
        : "unknown (a CRL did not verify)",
  ]);

  const check: DcapCrlCheck = { errors, fields };
  if (rootCrl && pckCrl)
    check.normalized = {
      ...collateral,
      root_ca_crl: Buffer.from(rootCrl.rawData).toString("hex"),
      pck_crl: Buffer.from(pckCrl.rawData).toString("hex"),
    };
  return check;
}
