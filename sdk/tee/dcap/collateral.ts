/**
 * Turns PCCS collateral (the JSON that `@phala/dcap-qvl` and `sdk/tee/attestation/dcap.ts` read)
 * into the uploads the on-chain collateral store (`contracts/tee/dcap/DcapCollateral.sol`) takes,
 * in the order it needs them: the root CA's CRL, the intermediate certificates (PCK CA, TCB
 * signing), the PCK CA's CRL, then the TCB info and the QE identity.
 */
import { getBytes, hexlify, keccak256, toUtf8Bytes } from "ethers";

/** The collateral fields used here (hex or PEM as a PCCS serves them). */
export interface PccsCollateral {
  pck_crl_issuer_chain: string;
  root_ca_crl: string;
  pck_crl: string;
  tcb_info_issuer_chain: string;
  tcb_info: string;
  tcb_info_signature: string;
  qe_identity_issuer_chain: string;
  qe_identity: string;
  qe_identity_signature: string;
}

/** One upload call: which function, and its arguments (bytes as 0x-hex). */
export type CollateralUpload =
  | { kind: "certificate"; label: string; der: string }
  | { kind: "crl"; label: string; der: string; issuerCertHash: string }
  | { kind: "tcbInfo"; label: string; json: string; signature: string; signerCertHash: string }
  | { kind: "qeIdentity"; label: string; json: string; signature: string; signerCertHash: string };

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;
const ZERO_HASH = `0x${"00".repeat(32)}`;

/** The DER certificates of a PEM chain, in order. */
export function pemCertificates(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of pem.matchAll(PEM_BLOCK)) out.push(new Uint8Array(Buffer.from((m[1] ?? "").replace(/\s+/g, ""), "base64")));
  if (out.length === 0) throw new Error("no PEM certificate found");
  return out;
}

/** Hex (with or without 0x) or PEM DER as bytes. */
function derBytes(value: string): Uint8Array {
  const v = value.trim();
  if (v.startsWith("-----BEGIN")) {
    const m = /-----BEGIN [A-Z0-9 ]+-----([A-Za-z0-9+/=\s]+?)-----END/.exec(v);
    if (!m) throw new Error("unreadable PEM");
    return new Uint8Array(Buffer.from((m[1] ?? "").replace(/\s+/g, ""), "base64"));
  }
  return getBytes(v.startsWith("0x") ? v : `0x${v}`);
}

/** The root CA certificate (DER) at the end of the collateral's PCK CRL issuer chain. */
export function rootCertificate(collateral: PccsCollateral): Uint8Array {
  const chain = pemCertificates(collateral.pck_crl_issuer_chain);
  return chain[chain.length - 1]!; // pemCertificates never returns an empty list
}

/** keccak256 of a DER certificate: its key in the on-chain store. */
export function certHash(der: Uint8Array): string {
  return keccak256(der);
}

/** The uploads that put `collateral` on chain, in order. */
export function collateralUploads(collateral: PccsCollateral): CollateralUpload[] {
  const pckCa = pemCertificates(collateral.pck_crl_issuer_chain)[0]!;
  const tcbSigner = pemCertificates(collateral.tcb_info_issuer_chain)[0]!;
  const qeSigner = pemCertificates(collateral.qe_identity_issuer_chain)[0]!;
  const uploads: CollateralUpload[] = [
    { kind: "crl", label: "root CA CRL", der: hexlify(derBytes(collateral.root_ca_crl)), issuerCertHash: ZERO_HASH },
    { kind: "certificate", label: "PCK CA certificate", der: hexlify(pckCa) },
    { kind: "certificate", label: "TCB signing certificate", der: hexlify(tcbSigner) },
  ];
  if (certHash(qeSigner) !== certHash(tcbSigner)) {
    uploads.push({ kind: "certificate", label: "QE identity signing certificate", der: hexlify(qeSigner) });
  }
  uploads.push(
    { kind: "crl", label: "PCK CRL", der: hexlify(derBytes(collateral.pck_crl)), issuerCertHash: certHash(pckCa) },
    {
      kind: "tcbInfo",
      label: "TCB info",
      json: hexlify(toUtf8Bytes(collateral.tcb_info)),
      signature: hexlify(derBytes(collateral.tcb_info_signature)),
      signerCertHash: certHash(tcbSigner),
    },
    {
      kind: "qeIdentity",
      label: "QE identity",
      json: hexlify(toUtf8Bytes(collateral.qe_identity)),
      signature: hexlify(derBytes(collateral.qe_identity_signature)),
      signerCertHash: certHash(qeSigner),
    },
  );
  return uploads;
}

/** The on-chain store's upload functions (a typechain `DcapCollateral` fits). */
export interface CollateralStore {
  uploadCertificate(der: string): Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>;
  uploadCrl(der: string, issuerCertHash: string): Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>;
  uploadTcbInfo(json: string, signature: string, signerCertHash: string): Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>;
  uploadQeIdentity(json: string, signature: string, signerCertHash: string): Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>;
}

/** Sends one upload; returns its gas. */
export async function sendUpload(store: CollateralStore, u: CollateralUpload): Promise<bigint> {
  let tx;
  switch (u.kind) {
    case "certificate":
      tx = await store.uploadCertificate(u.der);
      break;
    case "crl":
      tx = await store.uploadCrl(u.der, u.issuerCertHash);
      break;
    case "tcbInfo":
      tx = await store.uploadTcbInfo(u.json, u.signature, u.signerCertHash);
      break;
    case "qeIdentity":
      tx = await store.uploadQeIdentity(u.json, u.signature, u.signerCertHash);
      break;
  }
  const receipt = await tx.wait();
  if (!receipt) throw new Error(`upload ${u.label}: no receipt`);
  return receipt.gasUsed;
}

/** Sends every upload of `collateral` in order; returns each one's label and gas. */
export async function uploadCollateral(store: CollateralStore, collateral: PccsCollateral): Promise<{ label: string; gas: bigint }[]> {
  const out: { label: string; gas: bigint }[] = [];
  for (const u of collateralUploads(collateral)) out.push({ label: u.label, gas: await sendUpload(store, u) });
  return out;
}
