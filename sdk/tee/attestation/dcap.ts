/**
 * Intel SGX and TDX DCAP quotes, verified against the collateral a PCCS serves
 * (TCB info, QE identity, CRLs and their issuer chains) as of a given time.
 *
 * Two parts (see dcapCrl.ts for exactly what each checks):
 * - `checkDcapCrls` (vinfer, `@peculiar/x509`): the Intel SGX Root CA pinned by
 *   fingerprint; the root CA CRL and the PCK CRL parse, are signed by their
 *   issuers (the pinned root; the PCK CRL issuer chain, itself chained to the
 *   pinned root) and are current (thisUpdate <= at < nextUpdate); the PCK CRL is
 *   the PCK certificate's issuer's; no chain certificate is in its issuer's CRL;
 * - `@phala/dcap-qvl` `verify`: the PCK, TCB info and QE identity chains to its
 *   built-in root (the pinned one), serials against the CRLs, TCB info and QE
 *   identity signatures and validity windows, the QE report, the quote's
 *   signature, the platform's TCB level.
 * On top of that the verifier applies its policy: which TCB statuses it
 * accepts (default: UpToDate only; advisories are reported either way) and,
 * optionally, pinned MRENCLAVE/MRSIGNER (SGX) or MRTD/RTMR0-3 (TDX).
 */
import { type Collateral, Quote, TcbInfo, type TDReport10, type EnclaveReport, intel, verify } from "@phala/dcap-qvl";
import { concat, getAddress, keccak256, toUtf8Bytes } from "ethers";

import { InputError } from "../../errors.js";
import {
  type AttestationField,
  type AttestationVerdict,
  DEFAULT_ACCEPTED_TCB_STATUSES,
  type Hex,
  TCB_STATUSES,
  earliest,
  iso,
  pinnedHex,
  toHex,
  withholdIfFailed,
} from "./types.js";
import { checkDcapCrls } from "./dcapCrl.js";

export type DcapCollateral = Collateral;

const TEE_TYPE_SGX = 0x00000000;
const TEE_TYPE_TDX = 0x00000081;

/** The TD report fields every TDX quote carries (TD 1.0; a TD 1.5 report adds MRSERVICETD). */
export type TdReport = TDReport10;

export type DcapQuote =
  | { kind: "sgx"; quote: Quote; version: number; report: EnclaveReport }
  | { kind: "tdx"; quote: Quote; version: number; report: TdReport; mrServiceTd?: Uint8Array };

export interface DcapVerifyOptions {
  at: Date;
  /** TCB statuses accepted (default: UpToDate only). */
  acceptedTcbStatuses?: readonly string[];
  /** SGX pins (32 bytes of hex). */
  mrEnclave?: string;
  mrSigner?: string;
  /** TDX pins (48 bytes of hex). */
  mrTd?: string;
  rtmrs?: Readonly<Partial<Record<0 | 1 | 2 | 3, string>>>;
}

export type DcapVerdict = AttestationVerdict & {
  kind: "sgx" | "tdx";
  /** The TCB status dcap-qvl found, when the quote and collateral verified. */
  tcbStatus?: string;
  advisoryIds: string[];
  reportData: Hex;
};

/**
 * How a vinfer enclave binds its key in a quote's 64-byte report data:
 * bytes 0-19 the key's Ethereum address, bytes 20-40 the ASCII tag
 * `vinfer-enclave-key/v1`, bytes 41-63 zero. The tag keeps report data that
 * merely happens to end in zeros (the SGX sample's "Hello, world!") from being
 * read as a key.
 */
export const DCAP_ENCLAVE_KEY_TAG = "vinfer-enclave-key/v1";

/** The report data a vinfer enclave puts in its quote to bind `address`. */
export function dcapReportDataForKey(address: string): Uint8Array {
  const out = new Uint8Array(64);
  out.set(Buffer.from(getAddress(address).slice(2), "hex"), 0);
  out.set(toUtf8Bytes(DCAP_ENCLAVE_KEY_TAG), 20);
  return out;
}

/** The enclave key bound by report data in the vinfer layout, or a note saying what is there instead. */
export function dcapEnclaveKey(reportData: Uint8Array): { address?: Hex; note: string } {
  const expected = reportData.length === 64 ? dcapReportDataForKey(toHex(reportData.subarray(0, 20))) : undefined;
  if (expected && reportData.every((b, i) => i < 20 || b === expected[i]))
    return {
      address: getAddress(toHex(reportData.subarray(0, 20))) as Hex,
      note: `from report data (address || "${DCAP_ENCLAVE_KEY_TAG}")`,
    };
  const nonZero = reportData.reduce((n, b) => n + (b === 0 ? 0 : 1), 0);
  const printable = Buffer.from(reportData).toString("latin1").replace(/\0+$/, "");
  const text = /^[\x20-\x7e]+$/.test(printable) ? `; as text: "${printable}"` : "";
  return {
    note: `none: report data is not in the vinfer layout (address || "${DCAP_ENCLAVE_KEY_TAG}" || zeros); it has ${nonZero} non-zero bytes${text}`,
  };
}

/** SGX measurement = keccak256(MRENCLAVE || MRSIGNER). */
export function sgxMeasurement(mrEnclave: Uint8Array, mrSigner: Uint8Array): Hex {
  return keccak256(concat([mrEnclave, mrSigner])) as Hex;
}

/** TDX measurement = keccak256(MRTD || RTMR0 || RTMR1 || RTMR2 || RTMR3). */
export function tdxMeasurement(r: Pick<TdReport, "mrTd" | "rtMr0" | "rtMr1" | "rtMr2" | "rtMr3">): Hex {
  return keccak256(concat([r.mrTd, r.rtMr0, r.rtMr1, r.rtMr2, r.rtMr3])) as Hex;
}

/** True when the bytes parse as a DCAP quote (SGX or TDX). */
export function looksLikeDcapQuote(bytes: Uint8Array): boolean {
  try {
    parseDcapQuote(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Parses a DCAP quote with dcap-qvl; InputError when the bytes are not an SGX or TDX quote. */
export function parseDcapQuote(bytes: Uint8Array): DcapQuote {
  let quote: Quote;
  try {
    quote = Quote.parse(bytes);
  } catch (cause) {
    throw new InputError(`not an Intel DCAP quote: ${(cause as Error).message}`);
  }
  const { teeType, version } = quote.header;
  if (teeType === TEE_TYPE_SGX) {
    const report = quote.report.asSgx();
    if (!report) throw new InputError("not an Intel DCAP quote: an SGX quote without an enclave report");
    return { kind: "sgx", quote, version, report };
  }
  if (teeType === TEE_TYPE_TDX) {
    const td15 = quote.report.asTd15();
    const report = td15?.base ?? quote.report.asTd10();
    if (!report) throw new InputError("not an Intel DCAP quote: a TDX quote without a TD report");
    return td15 ? { kind: "tdx", quote, version, report, mrServiceTd: td15.mrServiceTd } : { kind: "tdx", quote, version, report };
  }
  throw new InputError(`not an Intel DCAP quote: TEE type 0x${teeType.toString(16)} (expected 0x0 SGX or 0x81 TDX)`);
}

const COLLATERAL_KEYS = [
  "pck_crl_issuer_chain",
  "root_ca_crl",
  "pck_crl",
  "tcb_info_issuer_chain",
  "tcb_info",
  "tcb_info_signature",
  "qe_identity_issuer_chain",
  "qe_identity",
  "qe_identity_signature",
] as const;

/** Reads collateral JSON (as a PCCS serves it, the shape dcap-qvl takes); InputError when it is not collateral. */
export function parseDcapCollateral(json: string | object): DcapCollateral {
  let value: unknown = json;
  if (typeof json === "string") {
    try {
      value = JSON.parse(json);
    } catch (cause) {
      throw new InputError(`the collateral is not JSON: ${(cause as Error).message}`);
    }
  }
  if (typeof value !== "object" || value === null) throw new InputError("the collateral must be a JSON object");
  const missing = COLLATERAL_KEYS.filter((k) => !(k in value));
  if (missing.length > 0) throw new InputError(`the collateral lacks ${missing.join(", ")}`);
  return value as DcapCollateral;
}

function collateralDates(collateral: DcapCollateral): { tcbIssue: Date; tcbNext: Date; qeIssue: Date; qeNext: Date } {
  let tcb: TcbInfo;
  let qe: { issueDate?: unknown; nextUpdate?: unknown };
  try {
    tcb = TcbInfo.fromJSON(collateral.tcb_info);
    qe = JSON.parse(collateral.qe_identity) as typeof qe;
  } catch (cause) {
    throw new InputError(`the collateral's tcb_info or qe_identity is not readable: ${(cause as Error).message}`);
  }
  const date = (v: unknown) => new Date(typeof v === "string" ? v : NaN);
  return { tcbIssue: date(tcb.issueDate), tcbNext: date(tcb.nextUpdate), qeIssue: date(qe.issueDate), qeNext: date(qe.nextUpdate) };
}

function explain(message: string, at: Date, dates: ReturnType<typeof collateralDates>): string {
  const asOf = `(verifying as of ${iso(at)})`;
  switch (message) {
    case "TCBInfo expired":
      return `TCB info expired at ${iso(dates.tcbNext)} ${asOf}`;
    case "QE Identity expired":
      return `QE identity expired at ${iso(dates.qeNext)} ${asOf}`;
    case "TCBInfo issue date is in the future":
      return `TCB info is not valid before its issue date ${iso(dates.tcbIssue)} ${asOf}`;
    case "QE Identity issue date is in the future":
      return `QE identity is not valid before its issue date ${iso(dates.qeIssue)} ${asOf}`;
    case "No matching TCB level found":
      return "no matching TCB level: the platform's TCB (CPU SVN, PCE SVN, TEE TCB SVN) is below every level of the collateral's TCB info";
    case "ISV enclave report signature is invalid":
      return "the quote's signature does not verify under its attestation key (the report body or the signature was altered)";
    default:
      return `DCAP quote verification failed: ${message}`;
  }
}

/** Verifies a DCAP quote with its collateral as of `options.at`; InputError only when quote or collateral is unreadable. */
export async function verifyDcapQuote(
  bytes: Uint8Array,
  collateral: DcapCollateral | string,
  options: DcapVerifyOptions,
): Promise<DcapVerdict> {
  const { at } = options;
  const parsed = parseDcapQuote(bytes);
  const col = typeof collateral === "string" ? parseDcapCollateral(collateral) : parseDcapCollateral(collateral as object);
  const dates = collateralDates(col);
  const accepted = options.acceptedTcbStatuses ?? DEFAULT_ACCEPTED_TCB_STATUSES;
  for (const s of accepted)
    if (!(TCB_STATUSES as readonly string[]).includes(s))
      throw new InputError(`unknown TCB status "${s}" in the policy (known: ${TCB_STATUSES.join(", ")})`);
  const errors: string[] = [];
  // Our own checks of the CRLs (dcap-qvl only compares serials); dcap-qvl then reads the CRLs as we parsed them.
  const crls = await checkDcapCrls(col, parsed.quote, at);

  let status: string | undefined;
  let advisoryIds: string[] = [];
  try {
    const verified = verify(bytes, crls.normalized ?? col, Math.floor(at.getTime() / 1000));
    status = verified.status;
    advisoryIds = [...verified.advisory_ids];
  } catch (cause) {
    const err = cause as Error;
    const inner = err.cause instanceof Error ? `: ${err.cause.message}` : "";
    errors.push(explain(err.message, at, dates) + inner);
  }
  if (status !== undefined && !accepted.includes(status))
    errors.push(`TCB status ${status} is not accepted by the policy (accepted: ${accepted.join(", ")})`);
  errors.push(...crls.errors);

  const fields: AttestationField[] = [
    ["kind", `${parsed.kind} (Intel ${parsed.kind.toUpperCase()} DCAP quote v${parsed.version})`],
    ["verified as of", iso(at)],
    [
      "quote and collateral",
      status !== undefined
        ? "valid (dcap-qvl: PCK, TCB info and QE identity chains to the Intel SGX Root CA, their serials against both CRLs, " +
          "TCB info and QE identity signatures and validity, QE report, quote signature)"
        : "INVALID",
    ],
    ...crls.fields,
    ["TCB status", status ?? "none (verification failed)"],
    ["accepted statuses", accepted.join(", ")],
    ["advisories", status === undefined ? "unknown" : advisoryIds.length ? advisoryIds.join(", ") : "none"],
    ["TCB info", `issued ${iso(dates.tcbIssue)}, next update ${iso(dates.tcbNext)}`],
    ["QE identity", `issued ${iso(dates.qeIssue)}, next update ${iso(dates.qeNext)}`],
  ];
  try {
    fields.push(["FMSPC", Buffer.from(intel.getFmspc(parsed.quote)).toString("hex")]);
  } catch {
    // the PCK certificate is not in the quote: nothing to show
  }

  let measurement: Hex;
  let reportData: Uint8Array;
  const pinErrors: string[] = [];
  const pin = (name: string, actual: Uint8Array, expected: string | undefined, length: number) => {
    if (expected === undefined) return;
    const want = pinnedHex(name, expected, length);
    if (toHex(actual) !== want) pinErrors.push(`${name} is ${toHex(actual)} but the policy expects ${want}`);
  };
  const notFor = (name: string, value: unknown) => {
    if (value !== undefined) pinErrors.push(`the policy pins ${name}, which a ${parsed.kind.toUpperCase()} quote does not have`);
  };
  if (parsed.kind === "sgx") {
    const r = parsed.report;
    measurement = sgxMeasurement(r.mrEnclave, r.mrSigner);
    reportData = r.reportData;
    pin("MRENCLAVE", r.mrEnclave, options.mrEnclave, 32);
    pin("MRSIGNER", r.mrSigner, options.mrSigner, 32);
    notFor("MRTD", options.mrTd);
    notFor("RTMRs", options.rtmrs && Object.keys(options.rtmrs).length ? options.rtmrs : undefined);
    fields.push(
      ["MRENCLAVE", toHex(r.mrEnclave)],
      ["MRSIGNER", toHex(r.mrSigner)],
      ["ISV prod id", String(r.isvProdId)],
      ["ISV SVN", String(r.isvSvn)],
      ["attributes", toHex(r.attributes)],
      ["CPU SVN", toHex(r.cpuSvn)],
    );
  } else {
    const r = parsed.report;
    measurement = tdxMeasurement(r);
    reportData = r.reportData;
    pin("MRTD", r.mrTd, options.mrTd, 48);
    const rtmrs = [r.rtMr0, r.rtMr1, r.rtMr2, r.rtMr3];
    for (const i of [0, 1, 2, 3] as const) pin(`RTMR${i}`, rtmrs[i]!, options.rtmrs?.[i], 48);
    notFor("MRENCLAVE", options.mrEnclave);
    notFor("MRSIGNER", options.mrSigner);
    fields.push(
      ["MRTD", toHex(r.mrTd)],
      ...rtmrs.map((v, i): AttestationField => [`RTMR${i}`, toHex(v)]),
      ["MRSEAM", toHex(r.mrSeam)],
      ["MRSIGNERSEAM", toHex(r.mrSignerSeam)],
      ["MRCONFIGID", toHex(r.mrConfigId)],
      ["MROWNER", toHex(r.mrOwner)],
      ["MROWNERCONFIG", toHex(r.mrOwnerConfig)],
      ["TD attributes", toHex(r.tdAttributes)],
      ["TEE TCB SVN", toHex(r.teeTcbSvn)],
    );
    if (parsed.mrServiceTd) fields.push(["MRSERVICETD", toHex(parsed.mrServiceTd)]);
  }
  errors.push(...pinErrors);
  const pins = [options.mrEnclave, options.mrSigner, options.mrTd, ...Object.values(options.rtmrs ?? {})].filter((v) => v !== undefined);
  fields.push(["MR policy", pins.length === 0 ? "none" : pinErrors.length === 0 ? "pinned values match" : "MISMATCH"]);

  const key = dcapEnclaveKey(reportData);
  const validUntil = earliest([dates.tcbNext, dates.qeNext]);
  fields.push(["report data", toHex(reportData)]);
  fields.push(["enclave key", key.address ? `${key.address} (${key.note})` : key.note]);
  fields.push(["valid until", validUntil ? `${iso(validUntil)} (the earliest next update of the TCB info and QE identity)` : "unknown"]);
  fields.push([
    "measurement",
    `${measurement} = ${parsed.kind === "sgx" ? "keccak256(MRENCLAVE || MRSIGNER)" : "keccak256(MRTD || RTMR0 || RTMR1 || RTMR2 || RTMR3)"}`,
  ]);

  const verdict: DcapVerdict = {
    kind: parsed.kind,
    ok: errors.length === 0,
    errors,
    measurement,
    fields,
    advisoryIds,
    reportData: toHex(reportData),
  };
  if (status !== undefined) verdict.tcbStatus = status;
  if (key.address) verdict.enclaveKey = key.address;
  if (validUntil) verdict.validUntil = validUntil;
  return withholdIfFailed(verdict);
}
