/**
 * A SIMULATED dev enclave (no hardware protection) for the TEE proof type on a
 * dev chain: its enclave registry and 2-of-3 quorum admitter deployed, its
 * attestation checked by two of three attestation verifiers in dev mode, and
 * its key admitted. What `npm run demo` (scripts/demo.ts) and the gas report
 * (test/protocol/gasReport.test.ts) both set up.
 */
import { type BaseWallet, type Signer, Wallet } from "ethers";

import { attestAndSign } from "./attester.js";
import { admitEnclaveKey, deployEnclaveRegistry } from "./enclaveRegistry.js";
import { devBackend } from "./worker/backends.js";
import { EnclaveWorker } from "./worker/enclaveWorker.js";

export type DevEnclaveContracts = Awaited<ReturnType<typeof deployEnclaveRegistry>>;

/** Deploys the enclave registry and a 2-of-3 quorum admitter of fresh random attesters. */
export async function deployDevEnclaveRegistry(deployer: Signer, modelRegistry: string) {
  const attesters = [Wallet.createRandom(), Wallet.createRandom(), Wallet.createRandom()];
  const contracts = await deployEnclaveRegistry(deployer, {
    modelRegistry,
    attesters: attesters.map((a) => a.address),
    threshold: 2,
  });
  return { ...contracts, attesters };
}

/**
 * Has each of `attesters` check `attestation` in dev mode (a dev enclave's attestation passes
 * only a verifier run in dev mode) and sign its admission, then admits the key with their
 * signatures. Returns the admission and the gas of the admit transaction.
 */
export async function admitDevAttestation(
  chainId: bigint,
  enclave: DevEnclaveContracts,
  attesters: readonly BaseWallet[],
  attestation: Uint8Array,
  o: { readonly at: Date; readonly maxLifetimeSeconds: number; readonly uri: string },
) {
  const options = {
    at: o.at,
    allowDev: true,
    chainId,
    quorumAdmitter: await enclave.quorumAdmitter.getAddress(),
    enclaveRegistry: await enclave.enclaveRegistry.getAddress(),
    maxLifetimeSeconds: o.maxLifetimeSeconds,
  };
  const signed = [];
  for (const attester of attesters) signed.push(await attestAndSign(attester, attestation, options));
  const { gasUsed } = await admitEnclaveKey(
    enclave.quorumAdmitter,
    chainId,
    signed[0]!.admission,
    o.uri,
    signed.map((x) => x.signature),
  );
  return { admission: signed[0]!.admission, gasUsed };
}

/**
 * Starts a dev enclave worker, has two of the quorum's attesters check its
 * attestation (dev mode) and sign its admission, and admits its key.
 */
export async function admitDevEnclave(chainId: bigint, enclave: Awaited<ReturnType<typeof deployDevEnclaveRegistry>>) {
  const worker = EnclaveWorker.start(devBackend);
  const attestation = await worker.attestation();
  const { gasUsed: admissionGas } = await admitDevAttestation(chainId, enclave, enclave.attesters.slice(0, 2), attestation, {
    at: new Date(),
    maxLifetimeSeconds: 24 * 3600,
    uri: "data:dev-attestation",
  });
  return { worker, attestation, admissionGas };
}
