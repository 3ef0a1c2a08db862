/**
 * DEV attestations: what the simulated (`dev`) enclave worker produces on a
 * machine without TEE hardware. Nothing protects its key and nothing signs the
 * document: anyone can write one. It exists so the TEE path can run end to end
 * in development, and it is accepted ONLY by a verifier that opts in with
 * `allowDev: true`; the real verification path refuses it.
 *
 * The document is UTF-8 JSON, exactly these keys:
 *
 * ```json
 * { "format": "vinfer-dev-enclave-attestation/v1",
 *   "warning": "SIMULATED ENCLAVE: NO HARDWARE PROTECTION",
 *   "measurement": "0x<bytes32>", "enclaveKey": "0x<address>",
 *   "issuedAt": <unix s>, "expiresAt": <unix s> }
 * ```
 *
 * One definition for both sides: the dev worker writes with
 * `createDevAttestation`, verifiers read with `parseDevAttestation`.
 */
import { getAddress, isAddress, isHexString, keccak256, toUtf8Bytes, toUtf8String } from "ethers";

import { InputError } from "../../errors.js";
import { type AttestationField, type AttestationVerdict, type Hex, iso, withholdIfFailed } from "./types.js";

export const DEV_ATTESTATION_FORMAT = "vinfer-dev-enclave-attestation/v1";
export const DEV_ATTESTATION_WARNING = "SIMULATED ENCLAVE: NO HARDWARE PROTECTION";

/**
 * The only measurement a dev attestation may carry: it names the simulation
 * and measures nothing. A dev document naming any other value (a production
 * Nitro or TDX measurement, say) is refused even in dev mode, so a verifier
 * run with allowDev can never sign an admission for a real enclave's
 * measurement.
 */
export const DEV_ENCLAVE_MEASUREMENT = keccak256(toUtf8Bytes("vinfer SIMULATED dev enclave v1")) as Hex;

export interface DevAttestationFields {
  /** bytes32 hex: what the on-chain registry stores as the enclave's measurement. */
  measurement: string;
  /** The simulated enclave's signing key, as an address. */
  enclaveKey: string;
  /** Unix seconds. */
  issuedAt: number;
  /** Unix seconds; a key admitted from this attestation lives no longer. */
  expiresAt: number;
}

export interface DevAttestation extends DevAttestationFields {
  format: typeof DEV_ATTESTATION_FORMAT;
  warning: typeof DEV_ATTESTATION_WARNING;
  measurement: Hex;
  enclaveKey: Hex;
}

function checkFields(f: DevAttestationFields): DevAttestationFields {
  if (typeof f.measurement !== "string" || !isHexString(f.measurement, 32))
    throw new InputError(`dev attestation: measurement must be 0x-prefixed bytes32 hex, got ${JSON.stringify(f.measurement)}`);
  if (typeof f.enclaveKey !== "string" || !isHexString(f.enclaveKey, 20) || !isAddress(f.enclaveKey))
    throw new InputError(`dev attestation: enclaveKey must be a 0x-prefixed address, got ${JSON.stringify(f.enclaveKey)}`);
  for (const k of ["issuedAt", "expiresAt"] as const)
    if (!Number.isSafeInteger(f[k]) || f[k] < 0)
      throw new InputError(`dev attestation: ${k} must be unix seconds (a non-negative integer), got ${JSON.stringify(f[k])}`);
  if (f.expiresAt <= f.issuedAt) throw new InputError(`dev attestation: expiresAt (${f.expiresAt}) must be after issuedAt (${f.issuedAt})`);
  return f;
}

/** The document bytes (UTF-8 JSON) of a dev attestation. */
export function createDevAttestation(fields: DevAttestationFields): Uint8Array {
  return toUtf8Bytes(JSON.stringify(documentOf(fields), null, 2) + "\n");
}

/** True when the bytes are JSON text (the dev format is the only JSON attestation). */
export function looksLikeJson(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    return b === 0x7b; // "{"
  }
  return false;
}

/** Reads a dev attestation; InputError when the bytes are not one (wrong format, warning, keys or values). */
export function parseDevAttestation(bytes: Uint8Array): DevAttestation {
  let value: unknown;
  try {
    value = JSON.parse(toUtf8String(bytes));
  } catch (cause) {
    throw new InputError(`not a dev attestation: not UTF-8 JSON (${(cause as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InputError("not a dev attestation: not a JSON object");
  const o = value as Record<string, unknown>;
  if (o.format !== DEV_ATTESTATION_FORMAT)
    throw new InputError(`not a dev attestation: format is ${JSON.stringify(o.format)}, expected "${DEV_ATTESTATION_FORMAT}"`);
  if (o.warning !== DEV_ATTESTATION_WARNING) throw new InputError(`dev attestation: warning must be "${DEV_ATTESTATION_WARNING}"`);
  const expected = ["format", "warning", "measurement", "enclaveKey", "issuedAt", "expiresAt"];
  const extra = Object.keys(o).filter((k) => !expected.includes(k));
  if (extra.length) throw new InputError(`dev attestation: unexpected keys ${extra.join(", ")}`);
  return documentOf(o as unknown as DevAttestationFields);
}

/** The checked fields as the one canonical document (lower-case measurement, checksummed key). */
function documentOf(fields: DevAttestationFields): DevAttestation {
  const f = checkFields(fields);
  return {
    format: DEV_ATTESTATION_FORMAT,
    warning: DEV_ATTESTATION_WARNING,
    measurement: f.measurement.toLowerCase() as Hex,
    enclaveKey: getAddress(f.enclaveKey) as Hex,
    issuedAt: f.issuedAt,
    expiresAt: f.expiresAt,
  };
}

export type DevVerdict = AttestationVerdict & { kind: "dev"; document: DevAttestation };

/**
 * Checks a dev attestation as of `at`. Without `allowDev` the verdict is a
 * refusal whatever the document says: a dev attestation proves nothing.
 */
export function verifyDevAttestation(bytes: Uint8Array, options: { at: Date; allowDev?: boolean }): DevVerdict {
  const { at } = options;
  const doc = parseDevAttestation(bytes);
  const errors: string[] = [];
  if (options.allowDev !== true)
    errors.push(
      "this is a DEV attestation from a simulated enclave (no hardware protection, nothing signs it): " +
        "real attestation verification refuses it; only a dev-mode verifier (allowDev / --allow-dev) accepts it",
    );
  const issued = new Date(doc.issuedAt * 1000);
  const expires = new Date(doc.expiresAt * 1000);
  if (doc.measurement !== DEV_ENCLAVE_MEASUREMENT)
    errors.push(
      `dev attestation names measurement ${doc.measurement}; a dev enclave can only have the dev measurement ${DEV_ENCLAVE_MEASUREMENT}`,
    );
  if (at < issued) errors.push(`dev attestation is not valid before ${iso(issued)} (verifying as of ${iso(at)})`);
  if (at > expires) errors.push(`dev attestation expired at ${iso(expires)} (verifying as of ${iso(at)})`);
  const fields: AttestationField[] = [
    ["kind", "dev (simulated enclave)"],
    ["warning", DEV_ATTESTATION_WARNING],
    ["dev mode", options.allowDev === true ? "allowed (allowDev)" : "NOT allowed: refused"],
    ["verified as of", iso(at)],
    ["issued at", `${iso(issued)} (unix ${doc.issuedAt})`],
    ["enclave key", `${doc.enclaveKey} (unprotected, simulated)`],
    ["valid until", `${iso(expires)} (the document's expiresAt)`],
    ["measurement", `${doc.measurement} (the document's measurement field)`],
  ];
  return withholdIfFailed({
    kind: "dev",
    ok: errors.length === 0,
    errors,
    measurement: doc.measurement,
    enclaveKey: doc.enclaveKey,
    validUntil: expires,
    fields,
    document: doc,
  });
}
