/**
 * Options and connections shared by the commands that talk to a chain
 * (deploy, request, serve, tee): an RPC URL, an account, and a deployment file.
 */
import { existsSync, readFileSync } from "node:fs";

import { type Command, InvalidArgumentError, Option } from "commander";
import { type JsonRpcProvider, Wallet, isAddress } from "ethers";

import { DEV_CHAIN_IDS, devAccountKey } from "../sdk/chain/devAccounts.js";
import { rpcProvider } from "../sdk/chain/rpcProvider.js";
import { InputError, VinferError } from "../sdk/errors.js";
import type { ProtocolAddresses } from "../sdk/protocol/contracts.js";
import { parseProofType, proofSystems } from "../sdk/proofs/registry.js";
import type { ProofTypeId } from "../sdk/protocol/proofType.js";
import { writeOutputFile } from "./output.js";

export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";
export const DEFAULT_DEPLOYMENT_FILE = "vinfer-deployment.json";

/**
 * Which dev account each role uses on a local chain, so deployer, requester,
 * operator, attestation verifier and OPML challenger differ. The deployer also
 * owns the models it registers and the enclave registry (`vinfer tee
 * deploy-registry`, `tee accept`, `tee admit`); `vinfer tee attester` signs
 * with dev account 3, `vinfer challenge` with dev account 4.
 */
export const DevAccount = { deployer: 0, operator: 1, requester: 2, attester: 3, challenger: 4 } as const;

export interface ChainOptions {
  rpc: string;
  privateKey?: string;
}

/** The TEE path's contracts (`vinfer tee deploy-registry`). */
export interface TeeDeployment {
  readonly enclaveRegistry: string;
  readonly quorumAdmitter: string;
}

export interface DeploymentFile extends ProtocolAddresses {
  readonly chainId: string;
  /** Block of the router's deployment: where an operator starts scanning. */
  readonly fromBlock: number;
  /** Absent in files written before the TEE commands, or before `vinfer tee deploy-registry`. */
  readonly tee?: TeeDeployment;
}

export function addChainOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--rpc <url>", "JSON-RPC endpoint").env("VINFER_RPC_URL").default(DEFAULT_RPC_URL))
    .addOption(
      new Option("--private-key <hex>", "account key (default on a local dev chain: its public dev account)").env("VINFER_PRIVATE_KEY"),
    );
}

export function addDeploymentOption(cmd: Command): Command {
  return cmd.option("--deployment <file>", "addresses written by `vinfer deploy`", DEFAULT_DEPLOYMENT_FILE);
}

export function proofTypesOption(value: string): ProofTypeId[] {
  try {
    return value.split(",").map((s) => parseProofType(s.trim()));
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** The ZK proof types. */
export const ZK_PROOF_TYPES: readonly ProofTypeId[] = proofSystems()
  .filter((s) => s.zk)
  .map((s) => s.proofType);

/** The default of --proof: every ZK proof type (the others need settings of their own, e.g. an enclave). */
export const DEFAULT_PROOF_TYPES: readonly ProofTypeId[] = ZK_PROOF_TYPES;

export interface Connection {
  readonly provider: JsonRpcProvider;
  readonly wallet: Wallet;
  readonly chainId: bigint;
}

/** Connects to `--rpc` with `--private-key`, or with dev account `devAccount` on a local chain. */
export async function connect(opts: ChainOptions, devAccount: number): Promise<Connection> {
  const provider = rpcProvider(opts.rpc);
  let chainId: bigint;
  try {
    chainId = BigInt(await provider.send("eth_chainId", []));
  } catch (err) {
    provider.destroy();
    throw new VinferError(
      "RPC_UNREACHABLE",
      `cannot reach a chain at ${opts.rpc} (${(err as Error).message.split("\n")[0]}); start one with \`npx hardhat node\` or pass --rpc <url>`,
    );
  }
  let key = opts.privateKey;
  if (!key) {
    if (!DEV_CHAIN_IDS.has(chainId)) {
      provider.destroy();
      throw new InputError(`chain ${chainId} is not a local dev chain: pass --private-key or set VINFER_PRIVATE_KEY`);
    }
    key = devAccountKey(devAccount);
  }
  let wallet: Wallet;
  try {
    wallet = new Wallet(key, provider);
  } catch {
    provider.destroy();
    throw new InputError("--private-key is not a valid private key (32 bytes of hex)");
  }
  return { provider, wallet, chainId };
}

/** Reads the deployment file and checks its contracts exist on the connected chain. */
export async function loadDeployment(file: string, c: Connection): Promise<DeploymentFile> {
  const d = readDeployment(file, c.chainId);
  if ((await c.provider.getCode(d.router)) === "0x")
    throw new InputError(`no contract at router ${d.router} on chain ${c.chainId} (was the chain restarted?): run \`vinfer deploy\` again`);
  return d;
}

/**
 * The deployment file `file` as it is, if it exists and is one for chain
 * `chainId` (undefined otherwise): what `vinfer deploy` keeps of an earlier
 * run (its `tee` entry) when it writes the file again.
 */
export function previousDeployment(file: string, chainId: bigint): DeploymentFile | undefined {
  try {
    return readDeployment(file, chainId);
  } catch {
    return undefined;
  }
}

export function writeDeployment(file: string, d: DeploymentFile): void {
  writeOutputFile(file, `${JSON.stringify(d, null, 2)}\n`, "deployment file");
}

function readDeployment(file: string, chainId: bigint): DeploymentFile {
  if (!existsSync(file)) throw new InputError(`no deployment file ${file}: run \`vinfer deploy\` first, or pass --deployment <file>`);
  let d: DeploymentFile;
  try {
    d = JSON.parse(readFileSync(file, "utf8")) as DeploymentFile;
  } catch {
    throw new InputError(`${file} is not a deployment file (invalid JSON)`);
  }
  if (typeof d !== "object" || d === null || Array.isArray(d)) throw new InputError(`${file} is not a deployment file (not a JSON object)`);
  for (const k of ["registry", "router"] as const) if (!isAddress(d[k])) throw new InputError(`${file}: "${k}" is not an address`);
  if (typeof d.chainId !== "string" || !/^\d+$/.test(d.chainId))
    throw new InputError(`${file}: "chainId" is not a chain id (a decimal string)`);
  if (d.tee !== undefined)
    for (const k of ["enclaveRegistry", "quorumAdmitter"] as const)
      if (!isAddress(d.tee[k])) throw new InputError(`${file}: "tee.${k}" is not an address`);
  if (BigInt(d.chainId) !== chainId)
    throw new InputError(`${file} is a deployment on chain ${d.chainId}, but the RPC serves chain ${chainId}; deploy there first`);
  return d;
}
