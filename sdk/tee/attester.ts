/**
 * An attestation verifier of the admission quorum (`vinfer tee attester`):
 * it verifies an enclave's attestation with sdk/tee/attestation/ under its
 * policy and, only if it passes and binds an enclave key, signs the
 * admission of that key for the attestation's measurement, expiring no later
 * than the attestation allows. M such signatures admit the key on chain.
 */
import type { BaseWallet } from "ethers";

import { VinferError } from "../errors.js";
import { type AttestationVerdict, type VerifyAttestationOptions, verifyAttestation } from "./attestation/index.js";
import { type Admission, attestationHashOf, signAdmission } from "./enclaveRegistry.js";

export interface AttestOptions extends VerifyAttestationOptions {
  readonly chainId: bigint;
  readonly quorumAdmitter: string;
  readonly enclaveRegistry: string;
  /** The longest this verifier lets a key live, whatever the attestation allows (seconds). */
  readonly maxLifetimeSeconds: number;
}

export interface SignedAdmission {
  readonly admission: Admission;
  readonly signature: string;
  readonly verdict: AttestationVerdict;
}

/**
 * The verifiers of a quorum run minutes apart and must sign the very same
 * admission, expiry included, for their signatures to add up: an expiry set
 * by their own maximum lifetime falls on the last whole hour before it
 * (when the lifetime is long enough to lose an hour).
 */
function latestWholeHour(t: number): number {
  const HOUR = 3600;
  return Math.floor(t / HOUR) * HOUR;
}

/** Verifies `attestation` and, if it passes, signs the admission of the key it binds. */
export async function attestAndSign(attester: BaseWallet, attestation: Uint8Array, o: AttestOptions): Promise<SignedAdmission> {
  const verdict = await verifyAttestation(attestation, o);
  if (!verdict.ok) throw new VinferError("ATTESTATION_REFUSED", `the attestation does not verify: ${verdict.errors.join("; ")}`);
  if (!verdict.enclaveKey) throw new VinferError("ATTESTATION_REFUSED", "the attestation binds no enclave key in the vinfer layout");
  const at = Math.floor(o.at.getTime() / 1000);
  const until = verdict.validUntil ? Math.floor(verdict.validUntil.getTime() / 1000) : at;
  const expiresAt = Math.min(until, latestWholeHour(at + o.maxLifetimeSeconds));
  if (expiresAt <= at) throw new VinferError("ATTESTATION_REFUSED", "the attestation allows no lifetime for the key");
  const admission: Admission = {
    enclaveRegistry: o.enclaveRegistry,
    key: verdict.enclaveKey,
    measurement: verdict.measurement,
    expiresAt,
    attestationHash: attestationHashOf(attestation),
  };
  return { admission, signature: await signAdmission(attester, o.chainId, o.quorumAdmitter, admission), verdict };
}
