/**
 * The on-chain side of enclave keys, from TypeScript: deploy an
 * EnclaveRegistry with a QuorumAdmitter (contracts/tee/), sign an admission
 * as one of the quorum's attestation verifiers, submit an admission with the
 * quorum's signatures, and let a model accept an enclave measurement.
 */
import { type BaseWallet, type Signer, getAddress, keccak256, verifyTypedData } from "ethers";

import {
  type EnclaveRegistry,
  EnclaveRegistry__factory,
  type QuorumAdmitter,
  QuorumAdmitter__factory,
} from "../../types/ethers-contracts/index.js";
import { InputError } from "../errors.js";
import { explainRevert } from "../protocol/contracts.js";

export interface EnclaveContracts {
  readonly enclaveRegistry: EnclaveRegistry;
  readonly quorumAdmitter: QuorumAdmitter;
}

export interface DeployEnclaveOptions {
  /** The protocol's ModelRegistry (model owners choose their accepted measurements). */
  readonly modelRegistry: string;
  /** The attestation verifiers' addresses and how many must sign an admission. */
  readonly attesters: readonly string[];
  readonly threshold: number;
  /** The longest a key may stay admitted, whatever its attestation says (default 7 days). */
  readonly maxKeyLifetimeSeconds?: number;
}

const DEFAULT_MAX_KEY_LIFETIME = 7 * 24 * 3600;

/** Deploys the registry and its quorum admitter (owner: `signer`) and enables the admitter. */
export async function deployEnclaveRegistry(signer: Signer, o: DeployEnclaveOptions): Promise<EnclaveContracts> {
  const owner = await signer.getAddress();
  const registry = await (
    await new EnclaveRegistry__factory(signer).deploy(o.modelRegistry, o.maxKeyLifetimeSeconds ?? DEFAULT_MAX_KEY_LIFETIME, owner)
  ).waitForDeployment();
  const quorum = await (
    await new QuorumAdmitter__factory(signer).deploy(await registry.getAddress(), [...o.attesters], o.threshold, owner)
  ).waitForDeployment();
  await (await registry.setAdmitter(await quorum.getAddress(), true)).wait();
  return { enclaveRegistry: registry, quorumAdmitter: quorum };
}

/** What a quorum of attestation verifiers signs: this key, of this measurement, until then, from that attestation. */
export interface Admission {
  readonly enclaveRegistry: string;
  readonly key: string;
  readonly measurement: string;
  /** Unix seconds. */
  readonly expiresAt: number;
  /** keccak256 of the attestation document's bytes (published with the admission). */
  readonly attestationHash: string;
}

const ADMISSION_TYPES = {
  Admission: [
    { name: "registry", type: "address" },
    { name: "key", type: "address" },
    { name: "measurement", type: "bytes32" },
    { name: "expiresAt", type: "uint64" },
    { name: "attestationHash", type: "bytes32" },
  ],
};

/** The quorum admitter's EIP-712 domain. */
export function admissionDomain(chainId: bigint, quorumAdmitter: string) {
  return { name: "vinfer-enclave-admission", version: "1", chainId, verifyingContract: quorumAdmitter };
}

function admissionMessage(a: Admission) {
  return {
    registry: a.enclaveRegistry,
    key: a.key,
    measurement: a.measurement,
    expiresAt: a.expiresAt,
    attestationHash: a.attestationHash,
  };
}

export function attestationHashOf(attestation: Uint8Array): string {
  return keccak256(attestation);
}

/** One attestation verifier's signature of an admission. */
export function signAdmission(attester: BaseWallet, chainId: bigint, quorumAdmitter: string, a: Admission): Promise<string> {
  return attester.signTypedData(admissionDomain(chainId, quorumAdmitter), ADMISSION_TYPES, admissionMessage(a));
}

/**
 * Submits an admission with the quorum's signatures, ordered by signer as
 * the contract requires (strictly increasing addresses, no duplicates).
 */
export async function admitEnclaveKey(
  quorum: QuorumAdmitter,
  chainId: bigint,
  a: Admission,
  attestationURI: string,
  signatures: readonly string[],
): Promise<{ gasUsed: bigint }> {
  const domain = admissionDomain(chainId, await quorum.getAddress());
  const bySigner = signatures.map((sig) => ({
    sig,
    signer: getAddress(verifyTypedData(domain, ADMISSION_TYPES, admissionMessage(a), sig)),
  }));
  bySigner.sort((x, y) => (BigInt(x.signer) < BigInt(y.signer) ? -1 : 1));
  if (new Set(bySigner.map((s) => s.signer)).size !== bySigner.length)
    throw new InputError("two admission signatures are by the same attester");
  try {
    const receipt = await (
      await quorum.admit(
        a.key,
        a.measurement,
        a.expiresAt,
        a.attestationHash,
        attestationURI,
        bySigner.map((s) => s.sig),
      )
    ).wait();
    return { gasUsed: receipt?.gasUsed ?? 0n };
  } catch (err) {
    throw explainRevert(`admit enclave key ${a.key}`, err);
  }
}

/** The model's owner accepts (or stops accepting) an enclave measurement for the model. */
export async function acceptMeasurement(registry: EnclaveRegistry, modelId: string, measurement: string, accepted = true): Promise<void> {
  try {
    await (await registry.setMeasurementAccepted(modelId, measurement, accepted)).wait();
  } catch (err) {
    throw explainRevert(`setMeasurementAccepted(${modelId}, ${measurement})`, err);
  }
}
