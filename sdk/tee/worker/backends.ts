/**
 * Where an enclave worker runs, and how it proves it: each backend produces
 * an attestation that binds the worker's signing key (an Ethereum address)
 * to the enclave's measurement.
 *
 *   dev    a SIMULATED enclave for machines without TEE hardware. Its
 *          attestation is a labelled JSON document that only a verifier
 *          explicitly run in dev mode accepts; no real verification path does.
 *   tdx    Intel TDX through the dstack guest agent (@phala/dstack-sdk): a
 *          quote whose report data carries the key. The SDK is loaded at run
 *          time on the TDX host; it is not a dependency of vinfer (its peer
 *          dependencies pin @noble/hashes 1.x, viem and @solana/web3.js).
 *   nitro  AWS Nitro Enclaves: the attestation comes from the NSM device
 *          (/dev/nsm, an ioctl interface). No maintained Node binding exists
 *          (npm aws-nitro-enclaves-nsm-node is a 0.0.x prototype); see
 *          docs/tee.md for running the worker behind AWS's nsm-cli instead.
 */
import { getBytes } from "ethers";

import { VinferError } from "../../errors.js";
import { dcapReportDataForKey } from "../attestation/dcap.js";
import { DEV_ENCLAVE_MEASUREMENT, createDevAttestation } from "../attestation/dev.js";

export { DEV_ENCLAVE_MEASUREMENT };

export type EnclaveKind = "dev" | "tdx" | "nitro";

export interface EnclaveBackend {
  readonly kind: EnclaveKind;
  /** An attestation binding `enclaveKey` to this enclave's measurement, valid for about `lifetimeSeconds`. */
  attest(enclaveKey: string, lifetimeSeconds: number): Promise<Uint8Array>;
}

export const devBackend: EnclaveBackend = {
  kind: "dev",
  async attest(enclaveKey, lifetimeSeconds) {
    const now = Math.floor(Date.now() / 1000);
    return createDevAttestation({ measurement: DEV_ENCLAVE_MEASUREMENT, enclaveKey, issuedAt: now, expiresAt: now + lifetimeSeconds });
  },
};

interface DstackModule {
  DstackClient: new () => { getQuote(reportData: Uint8Array): Promise<{ quote: string }> };
}

export const tdxBackend: EnclaveBackend = {
  kind: "tdx",
  async attest(enclaveKey) {
    let dstack: DstackModule;
    try {
      dstack = (await import(/* optional, on the TDX host */ "@phala/dstack-sdk" as string)) as DstackModule;
    } catch (cause) {
      throw new VinferError(
        "TEE_BACKEND",
        "the tdx backend needs @phala/dstack-sdk on the TDX host (npm install @phala/dstack-sdk next to vinfer) and the dstack guest agent's socket",
        { cause },
      );
    }
    const { quote } = await new dstack.DstackClient().getQuote(dcapReportDataForKey(enclaveKey));
    return getBytes(quote.startsWith("0x") ? quote : `0x${quote}`);
  },
};

export const nitroBackend: EnclaveBackend = {
  kind: "nitro",
  attest() {
    return Promise.reject(
      new VinferError(
        "TEE_BACKEND",
        "the nitro backend has no maintained Node binding of the NSM device; run the worker with an attestation from AWS's nsm-cli (docs/tee.md)",
      ),
    );
  },
};

export function enclaveBackend(kind: string): EnclaveBackend {
  const b = { dev: devBackend, tdx: tdxBackend, nitro: nitroBackend }[kind];
  if (!b) throw new VinferError("TEE_BACKEND", `unknown enclave backend "${kind}" (expected dev, tdx or nitro)`);
  return b;
}
