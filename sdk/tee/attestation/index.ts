/**
 * Attestation verification: one entry point for every kind of enclave evidence
 * vinfer admits keys from, one verdict shape.
 *
 * `verifyAttestation(bytes, { at, collateral?, policy?, allowDev? })` detects
 * the format (COSE_Sign1, tag 18 or untagged -> AWS Nitro; an Intel DCAP quote
 * header -> SGX or TDX; vinfer's dev JSON -> dev), verifies it as of `at` and
 * applies the policy. It throws (InputError) only when the input cannot be read
 * (not an attestation, truncated, no collateral for a quote); a verification
 * that fails is a verdict with `ok: false` and `errors`, sentences naming each
 * problem.
 *
 * ## The three values the enclave registry uses
 *
 * `measurement` (bytes32): what the on-chain enclave registry stores as "this
 * code", and what a model lists as accepted:
 * - nitro: keccak256(PCR0 || PCR1 || PCR2), the 48-byte PCRs of the enclave
 *   image file, its kernel and boot ramfs, and its application;
 * - sgx: keccak256(MRENCLAVE || MRSIGNER), 32 bytes each;
 * - tdx: keccak256(MRTD || RTMR0 || RTMR1 || RTMR2 || RTMR3), 48 bytes each;
 * - dev: the document's own `measurement` field.
 *
 * `enclaveKey` (an Ethereum address): the enclave's signing key as the
 * attestation binds it, or undefined (the fields say what is there instead):
 * - nitro: `public_key` when it is a 65-byte uncompressed secp256k1 key (its
 *   address), otherwise `user_data` when it is 64 bytes in the vinfer layout of
 *   DCAP report data (address || `DCAP_ENCLAVE_KEY_TAG` || zeros);
 * - sgx/tdx: report data bytes 0-19 when bytes 20-63 are the vinfer tag
 *   (`DCAP_ENCLAVE_KEY_TAG`, then zeros; `dcapReportDataForKey` writes it);
 * - dev: the document's `enclaveKey`.
 * A verdict with `ok: false` has neither `enclaveKey` nor `validUntil`.
 *
 * `validUntil`: the latest time a key admitted from this attestation may live:
 * - nitro: the earliest notAfter of the chain (the leaf certificate's);
 * - sgx/tdx: the earliest nextUpdate of the collateral's TCB info and QE identity;
 * - dev: the document's `expiresAt`.
 */
import { InputError } from "../../errors.js";
import { type DcapCollateral, looksLikeDcapQuote, verifyDcapQuote } from "./dcap.js";
import { looksLikeJson, verifyDevAttestation } from "./dev.js";
import { looksLikeCoseSign1, verifyNitroAttestation } from "./nitro.js";
import { type AttestationPolicy, type AttestationVerdict, type Hex, iso, pinnedHex, withholdIfFailed } from "./types.js";

export * from "./types.js";
export * from "./nitro.js";
export * from "./dcap.js";
export * from "./dcapCrl.js";
export * from "./dev.js";

export interface VerifyAttestationOptions {
  /** The verification time: certificates, collateral and dev documents are checked as of it. */
  at: Date;
  /** DCAP quotes: the collateral (object or JSON text as a PCCS serves it). */
  collateral?: DcapCollateral | string;
  policy?: AttestationPolicy;
  /** Accept a dev (simulated enclave) attestation. Never set it outside development. */
  allowDev?: boolean;
}

export type AttestationFormat = "nitro" | "dcap" | "dev";

/** Which format the bytes are in; InputError when they are none of them. */
export function detectAttestationFormat(bytes: Uint8Array): AttestationFormat {
  if (bytes.length === 0) throw new InputError("the attestation is empty");
  if (looksLikeCoseSign1(bytes)) return "nitro";
  if (looksLikeJson(bytes)) return "dev";
  if (looksLikeDcapQuote(bytes)) return "dcap";
  throw new InputError(
    "not an attestation: expected an AWS Nitro attestation document (COSE_Sign1), an Intel DCAP quote (SGX or TDX) " +
      "or a vinfer dev attestation (JSON)",
  );
}

/** Verifies an attestation of any supported kind; see the module comment for what the verdict's values mean. */
export async function verifyAttestation(bytes: Uint8Array, options: VerifyAttestationOptions): Promise<AttestationVerdict> {
  const { at, policy = {} } = options;
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new InputError("the verification time is not a valid date");
  const format = detectAttestationFormat(bytes);
  const pinnedMeasurement = policy.measurement === undefined ? undefined : pinnedHex("the policy's measurement", policy.measurement, 32);
  const pcrPins = policy.pcrs && Object.keys(policy.pcrs).length > 0 ? policy.pcrs : undefined;

  let verdict: AttestationVerdict;
  const misapplied: string[] = [];
  if (format === "nitro") {
    verdict = await verifyNitroAttestation(bytes, pcrPins ? { at, pcrs: pcrPins } : { at });
    for (const [name, v] of [
      ["MRENCLAVE", policy.mrEnclave],
      ["MRSIGNER", policy.mrSigner],
      ["MRTD", policy.mrTd],
    ] as const)
      if (v !== undefined) misapplied.push(`the policy pins ${name}, which a Nitro attestation document does not have`);
    if (policy.rtmrs && Object.keys(policy.rtmrs).length)
      misapplied.push("the policy pins RTMRs, which a Nitro attestation document does not have");
  } else if (format === "dcap") {
    if (options.collateral === undefined)
      throw new InputError("a DCAP quote is verified with its collateral: none was given (--collateral <file>)");
    verdict = await verifyDcapQuote(bytes, options.collateral, {
      at,
      ...(policy.acceptedTcbStatuses ? { acceptedTcbStatuses: policy.acceptedTcbStatuses } : {}),
      ...(policy.mrEnclave !== undefined ? { mrEnclave: policy.mrEnclave } : {}),
      ...(policy.mrSigner !== undefined ? { mrSigner: policy.mrSigner } : {}),
      ...(policy.mrTd !== undefined ? { mrTd: policy.mrTd } : {}),
      ...(policy.rtmrs !== undefined ? { rtmrs: policy.rtmrs } : {}),
    });
    if (pcrPins) misapplied.push(`the policy pins PCR values, which a ${verdict.kind.toUpperCase()} quote does not have`);
  } else {
    verdict = verifyDevAttestation(bytes, { at, allowDev: options.allowDev === true });
    if (pcrPins || policy.mrEnclave || policy.mrSigner || policy.mrTd || (policy.rtmrs && Object.keys(policy.rtmrs).length))
      misapplied.push(
        "the policy pins hardware measurements (PCRs, MRENCLAVE/MRSIGNER, MRTD/RTMRs), which a dev attestation does not have",
      );
  }

  verdict.errors.push(...misapplied);
  if (pinnedMeasurement !== undefined) {
    if (verdict.measurement !== pinnedMeasurement)
      verdict.errors.push(`the measurement is ${verdict.measurement} but the policy expects ${pinnedMeasurement}`);
    verdict.fields.push(["measurement policy", verdict.measurement === pinnedMeasurement ? `matches ${pinnedMeasurement}` : "MISMATCH"]);
  }
  // ok from every error (the verifier's and the policy's); a failed verdict carries no key and no validity
  withholdIfFailed(verdict);
  verdict.fields.unshift(["verdict", verdict.ok ? "PASS" : "FAIL"]);
  return verdict;
}

/** A verdict as plain JSON (dates as ISO 8601), e.g. for `--json`. */
export function verdictToJson(verdict: AttestationVerdict): {
  kind: string;
  ok: boolean;
  errors: string[];
  measurement: Hex;
  enclaveKey: Hex | null;
  validUntil: string | null;
  fields: [string, string][];
} {
  return {
    kind: verdict.kind,
    ok: verdict.ok,
    errors: verdict.errors,
    measurement: verdict.measurement,
    enclaveKey: verdict.enclaveKey ?? null,
    validUntil: verdict.validUntil ? iso(verdict.validUntil) : null,
    fields: verdict.fields,
  };
}
