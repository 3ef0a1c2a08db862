/**
 * Shared set-up of the on-chain DCAP tests: the real samples (quotes, collateral, verification
 * times), a fresh in-process chain on the Osaka hardfork (the P-256 precompile at 0x100), the
 * collateral store pinned to Intel's root and the quote verifier.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import { type PccsCollateral, rootCertificate, uploadCollateral } from "../../../sdk/tee/dcap/collateral.js";
import {
  type DcapCollateral,
  DcapCollateral__factory,
  type DcapQuoteVerifier,
  DcapQuoteVerifier__factory,
} from "../../../types/ethers-contracts/index.js";

export const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures", "attestation", "dcap");

/** Intel's SGX Root CA fingerprint, as the SDK (dcapCrl.ts) and the contract pin it. */
export const INTEL_ROOT_SHA256 = "0x44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

export interface Sample {
  name: "sgx_quote" | "tdx_quote" | "tdx_quote_outdated";
  quote: Uint8Array;
  collateral: PccsCollateral;
  /** The sample's own time (test/fixtures/attestation/README.md). */
  at: number;
}

export const SAMPLE_TIMES = {
  sgx_quote: 1750334171, // 2025-06-19T11:56:11Z
  tdx_quote: 1750332747, // 2025-06-19T11:32:27Z
  tdx_quote_outdated: 1771415931, // 2026-02-18T11:58:51Z
} as const;

export function loadSample(name: Sample["name"]): Sample {
  return {
    name,
    quote: new Uint8Array(readFileSync(join(FIXTURES, name))),
    collateral: JSON.parse(readFileSync(join(FIXTURES, `${name}_collateral.json`), "utf8")) as PccsCollateral,
    at: SAMPLE_TIMES[name],
  };
}

/** Seconds before a sample's time at which its chain starts (collateral is uploaded then). */
export const CHAIN_START_LEAD = 3600;

/**
 * A fresh chain on the Osaka hardfork, where the P-256 precompile (EIP-7951) is live, starting at
 * `startAt` (unix seconds; default: now).
 */
export async function osakaChain(startAt?: number): Promise<NetworkConnection> {
  const override = startAt === undefined ? { hardfork: "osaka" } : { hardfork: "osaka", initialDate: new Date(startAt * 1000) };
  return network.create({ override });
}

/** Moves the chain's clock so that the next block (and eth_call) runs at `at`. */
export async function setChainTime(connection: NetworkConnection, at: number): Promise<void> {
  const latest = await connection.ethers.provider.getBlock("latest");
  if (latest && latest.timestamp >= at) throw new Error(`chain time ${latest.timestamp} is already past ${at}`);
  await connection.networkHelpers.time.increaseTo(at);
}

export interface DcapDeployment {
  connection: NetworkConnection;
  store: DcapCollateral;
  verifier: DcapQuoteVerifier;
  uploadGas: { label: string; gas: bigint }[];
}

/**
 * Deploys the store (pinned to Intel's root) and the verifier, uploads `sample`'s collateral and
 * leaves the chain just before the sample's time (`setChainTime` moves it there).
 */
export async function deployWithSample(sample: Sample, options: { upload?: boolean } = {}): Promise<DcapDeployment> {
  const connection = await osakaChain(sample.at - CHAIN_START_LEAD);
  const [deployer] = await connection.ethers.getSigners();
  const store = await new DcapCollateral__factory(deployer).deploy(rootCertificate(sample.collateral), INTEL_ROOT_SHA256);
  await store.waitForDeployment();
  const verifier = await new DcapQuoteVerifier__factory(deployer).deploy(await store.getAddress());
  await verifier.waitForDeployment();
  const uploadGas = options.upload === false ? [] : await uploadCollateral(store, sample.collateral);
  return { connection, store, verifier, uploadGas };
}

/** Deploys a store pinned to `rootDer` (whose SHA-256 must be `fingerprint`) and its verifier on `connection`. */
export async function deployStore(
  connection: NetworkConnection,
  rootDer: Uint8Array,
  fingerprint: string,
): Promise<{ store: DcapCollateral; verifier: DcapQuoteVerifier }> {
  const [deployer] = await connection.ethers.getSigners();
  const store = await new DcapCollateral__factory(deployer).deploy(rootDer, fingerprint);
  await store.waitForDeployment();
  const verifier = await new DcapQuoteVerifier__factory(deployer).deploy(await store.getAddress());
  await verifier.waitForDeployment();
  return { store, verifier };
}
