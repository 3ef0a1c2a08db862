/** The common shape of every attestation verdict, and the policy a verifier applies. */
import { getBytes, hexlify, isHexString } from "ethers";

import { InputError, VinferError } from "../../errors.js";

export type AttestationKind = "nitro" | "sgx" | "tdx" | "dev";

/** 0x-prefixed lower-case hex. */
export type Hex = `0x${string}`;

/** One line a person checks: [label, value]. */
export type AttestationField = [label: string, value: string];

/**
 * The result of verifying one attestation.
 *
 * - `measurement`: the bytes32 the on-chain enclave registry stores for the
 *   enclave's code (see `index.ts` for its definition per kind).
 * - `enclaveKey`: the Ethereum address of the enclave's signing key, when the
 *   attestation binds one in the vinfer layout (see `index.ts`).
 * - `validUntil`: the latest time a key admitted from this attestation may
 *   live (see `index.ts`).
 * - `ok` is true only when every check passed and `errors` is empty. A verdict
 *   with `ok: false` has no `enclaveKey` and no `validUntil` (its `fields` still
 *   show what the attestation holds), so no key is ever taken from a failed one.
 */
export interface AttestationVerdict {
  kind: AttestationKind;
  ok: boolean;
  errors: string[];
  measurement: Hex;
  enclaveKey?: Hex;
  validUntil?: Date;
  fields: AttestationField[];
}

/** Intel TCB statuses (as `@phala/dcap-qvl` names them). */
export const TCB_STATUSES = [
  "UpToDate",
  "SWHardeningNeeded",
  "ConfigurationNeeded",
  "ConfigurationAndSWHardeningNeeded",
  "OutOfDate",
  "OutOfDateConfigurationNeeded",
  "Revoked",
  "Unknown",
] as const;
export type TcbStatusName = (typeof TCB_STATUSES)[number];

/** Default: only a fully up-to-date platform is accepted. */
export const DEFAULT_ACCEPTED_TCB_STATUSES: readonly TcbStatusName[] = ["UpToDate"];

/**
 * What a verifier requires beyond a valid signature chain. Every pinned value
 * is hex (0x optional, any case). A pin that does not apply to the attestation's
 * kind (PCRs for a DCAP quote, MRTD for SGX, …) fails verification: a policy
 * written for one kind of enclave is never silently satisfied by another.
 */
export interface AttestationPolicy {
  /** Any kind: the expected bytes32 measurement. */
  measurement?: string;
  /** Nitro: expected PCR values by index (48 bytes each). */
  pcrs?: Readonly<Record<number, string>>;
  /** SGX/TDX: the TCB statuses accepted (default: UpToDate only). */
  acceptedTcbStatuses?: readonly string[];
  /** SGX: expected MRENCLAVE / MRSIGNER (32 bytes). */
  mrEnclave?: string;
  mrSigner?: string;
  /** TDX: expected MRTD and RTMR0-3 (48 bytes each). */
  mrTd?: string;
  rtmrs?: Readonly<Partial<Record<0 | 1 | 2 | 3, string>>>;
}

/** A verification that failed, as an error for callers that throw (the CLI). */
export class AttestationRejectedError extends VinferError {
  readonly verdict: AttestationVerdict;

  constructor(verdict: AttestationVerdict) {
    super("ATTESTATION_REJECTED", `${verdict.kind} attestation rejected: ${verdict.errors.join("; ")}`);
    this.verdict = verdict;
  }
}

export function toHex(bytes: Uint8Array): Hex {
  return hexlify(bytes) as Hex;
}

/** Hex of a pinned value, normalized (0x, lower case); InputError when it is not hex of `length` bytes. */
export function pinnedHex(what: string, value: string, length: number): Hex {
  const v = value.startsWith("0x") || value.startsWith("0X") ? "0x" + value.slice(2) : "0x" + value;
  if (!isHexString(v, length)) throw new InputError(`${what} must be ${length} bytes of hex, got "${value}"`);
  return hexlify(getBytes(v)) as Hex;
}

export function iso(d: Date): string {
  return Number.isNaN(d.getTime()) ? "invalid date" : d.toISOString().replace(".000Z", "Z");
}

export function describeBytes(bytes: Uint8Array | undefined): string {
  if (bytes === undefined) return "absent";
  if (bytes.length === 0) return "empty";
  return `${toHex(bytes)} (${bytes.length} bytes)`;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function earliest(dates: readonly Date[]): Date | undefined {
  let best: Date | undefined;
  for (const d of dates) if (!Number.isNaN(d.getTime()) && (best === undefined || d < best)) best = d;
  return best;
}

/** Sets `ok` from `errors` and, when it is false, removes `enclaveKey` and `validUntil` (the fields keep them for display). */
export function withholdIfFailed<V extends AttestationVerdict>(verdict: V): V {
  verdict.ok = verdict.errors.length === 0;
  if (!verdict.ok) {
    delete verdict.enclaveKey;
    delete verdict.validUntil;
  }
  return verdict;
}
