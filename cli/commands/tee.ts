/**
 * vinfer tee …: the TEE path, end to end over RPC.
 *
 *   verify-attestation  check an enclave's attestation the way an attester does (no chain)
 *   deploy-registry     EnclaveRegistry + QuorumAdmitter for the deployment's ModelRegistry
 *   attester            one verifier of the quorum: verify an attestation, sign its key's admission
 *   admit               submit an admission with the quorum's signatures
 *   accept              the model's owner accepts an enclave measurement
 *
 * The enclave worker itself runs inside `vinfer serve --proof tee`, which
 * writes its attestation (a worker's key lives only in its process).
 */
import { readFileSync } from "node:fs";

import { type Command, InvalidArgumentError } from "commander";
import { getAddress, isAddress, isHexString, keccak256, recoverAddress } from "ethers";

import { InputError, VinferError } from "../../sdk/errors.js";
import { Model } from "../../sdk/model.js";
import { connectProtocol, explainRevert } from "../../sdk/protocol/contracts.js";
import { ProofType } from "../../sdk/protocol/proofType.js";
import {
  AttestationRejectedError,
  type AttestationPolicy,
  type AttestationVerdict,
  TCB_STATUSES,
  iso,
  verdictToJson,
  verifyAttestation,
} from "../../sdk/tee/attestation/index.js";
import type { Logger } from "../../sdk/operator/log.js";
import { attestAndSign } from "../../sdk/tee/attester.js";
import { DEV_ENCLAVE_MEASUREMENT, type EnclaveKind, enclaveBackend } from "../../sdk/tee/worker/backends.js";
import { EnclaveWorker } from "../../sdk/tee/worker/enclaveWorker.js";
import { type Admission, acceptMeasurement, admitEnclaveKey, deployEnclaveRegistry } from "../../sdk/tee/enclaveRegistry.js";
import { EnclaveRegistry__factory, QuorumAdmitter__factory } from "../../types/ethers-contracts/index.js";
import {
  type ChainOptions,
  type Connection,
  type DeploymentFile,
  DevAccount,
  type TeeDeployment,
  addChainOptions,
  addDeploymentOption,
  connect,
  loadDeployment,
  writeDeployment,
} from "../chain.js";
import { table } from "../format.js";
import { out, writeOutputFile } from "../output.js";

/** `--at`: ISO 8601 time or unix seconds. */
export function parseTime(value: string): Date {
  const d = /^\d+$/.test(value) ? new Date(Number(value) * 1000) : /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError("must be an ISO 8601 time (2024-02-26T07:02:01Z) or unix seconds");
  return d;
}

function statusList(value: string): string[] {
  const list = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const unknown = list.filter((s) => !(TCB_STATUSES as readonly string[]).includes(s));
  if (list.length === 0 || unknown.length > 0)
    throw new InvalidArgumentError(`must be a comma-separated list of TCB statuses (${TCB_STATUSES.join(", ")})`);
  return list;
}

function pcrPin(value: string, previous: Record<number, string> = {}): Record<number, string> {
  const m = /^(\d{1,2})=(?:0x)?([0-9a-fA-F]{96})$/.exec(value);
  if (!m) throw new InvalidArgumentError("must be <index>=<48 bytes of hex>, e.g. 0=17bf8f04…");
  return { ...previous, [Number(m[1])]: m[2]! };
}

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new InputError(`cannot read ${what} ${path}: ${(cause as Error).message}`);
  }
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

function addressList(value: string): string[] {
  const list = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const bad = list.filter((a) => !isAddress(a));
  if (list.length === 0 || bad.length > 0) throw new InvalidArgumentError(`must be comma-separated addresses (not: ${bad.join(", ")})`);
  return list.map((a) => getAddress(a));
}

function bytes32(value: string): string {
  if (!isHexString(value, 32)) throw new InvalidArgumentError("must be 0x-prefixed bytes32 hex (64 hex digits)");
  return value.toLowerCase();
}

interface VerifyOptions {
  collateral?: string;
  at?: Date;
  acceptStatus?: string[];
  pcr?: Record<number, string>;
  measurement?: string;
  allowDev?: boolean;
  json?: boolean;
}

/** The attestation policy of `verify-attestation` and `attester` from their options. */
function policyOf(opts: VerifyOptions): AttestationPolicy {
  const policy: AttestationPolicy = {};
  if (opts.acceptStatus) policy.acceptedTcbStatuses = opts.acceptStatus;
  if (opts.pcr) policy.pcrs = opts.pcr;
  if (opts.measurement !== undefined) policy.measurement = opts.measurement;
  return policy;
}

/** The options of an attestation check, shared by `verify-attestation` and `attester`. */
function addVerifyOptions(cmd: Command): Command {
  return cmd
    .option("--collateral <file>", "DCAP quotes: the collateral JSON (tcb_info, qe_identity, CRLs, issuer chains) from a PCCS")
    .option("--at <time>", "verify as of this time: ISO 8601 or unix seconds (default: now)", parseTime)
    .option("--accept-status <list>", "DCAP: TCB statuses accepted, comma-separated (default: UpToDate)", statusList)
    .option("--pcr <index>=<hex>", "Nitro: require this PCR value (repeatable)", pcrPin)
    .option("--measurement <bytes32>", "require this measurement (the value the enclave registry stores)")
    .option("--allow-dev", "accept a dev (simulated enclave) attestation: development only");
}

function registerVerifyAttestation(tee: Command): void {
  const cmd = tee
    .command("verify-attestation")
    .description("verify an AWS Nitro attestation document, an Intel SGX/TDX DCAP quote or a dev attestation; exit 1 when it fails")
    .argument("<file>", "the attestation: Nitro document (COSE_Sign1), DCAP quote (binary) or dev attestation (JSON)");
  addVerifyOptions(cmd)
    .option("--json", "print the verdict as one JSON document (printed for a failed attestation too, which exits 1)")
    .action(async (file: string, opts: VerifyOptions) => {
      const bytes = readFile(file, "attestation file");
      const collateral = opts.collateral === undefined ? undefined : readFile(opts.collateral, "collateral file").toString("utf8");
      const policy = policyOf(opts);
      const verdict = await verifyAttestation(bytes, {
        at: opts.at ?? new Date(),
        policy,
        allowDev: opts.allowDev === true,
        ...(collateral !== undefined ? { collateral } : {}),
      });
      out.result(verdictToJson(verdict), () => verdictText(verdict));
      if (!verdict.ok) throw new AttestationRejectedError(verdict);
    });
}

// ---------------------------------------------------------------- on chain

/**
 * Starts an enclave worker (`--enclave`), writes its attestation to `file` and logs where it went
 * and what to do next; the worker's key exists only in this process, so the attestation is good
 * for this run only. Used by `vinfer serve --proof tee` and `vinfer worker --proof tee`.
 */
export async function startEnclaveWorker(kind: EnclaveKind, file: string, log: Logger, enclaveRegistry?: string): Promise<EnclaveWorker> {
  const worker = EnclaveWorker.start(enclaveBackend(kind));
  const attestation = await worker.attestation();
  writeOutputFile(file, attestation, "attestation file");
  if (kind === "dev")
    out.warn(
      "\n*** SIMULATED ENCLAVE (--enclave dev): NO HARDWARE PROTECTION. Its key lives in this process's memory, and its\n" +
        "*** attestation proves nothing: only attesters run with --allow-dev accept it. For development only. ***\n",
    );
  log.log("info", "tee.attestation", {
    enclave: kind,
    enclaveKey: worker.address,
    measurement: kind === "dev" ? DEV_ENCLAVE_MEASUREMENT : undefined,
    attestationHash: keccak256(attestation),
    file,
    enclaveRegistry,
    next: `vinfer tee attester ${file} (each verifier of the quorum), then vinfer tee admit <their files>`,
  });
  return worker;
}

/** Checks that `address` is an EnclaveRegistry of the protocol's ModelRegistry `modelRegistry` on the connected chain. */
export async function checkEnclaveRegistry(c: Connection, address: string, modelRegistry: string): Promise<void> {
  if (!isAddress(address)) throw new InputError(`enclave registry ${address} is not an address`);
  if ((await c.provider.getCode(address)) === "0x")
    throw new InputError(`no contract at enclave registry ${address} on chain ${c.chainId}: run \`vinfer tee deploy-registry\``);
  let theirs: string;
  try {
    theirs = await EnclaveRegistry__factory.connect(address, c.provider).modelRegistry();
  } catch {
    throw new InputError(`${address} is not an EnclaveRegistry (it has no modelRegistry())`);
  }
  if (theirs.toLowerCase() !== modelRegistry.toLowerCase())
    throw new InputError(`enclave registry ${address} serves the model registry ${theirs}, not this deployment's ${modelRegistry}`);
}

/** The deployment's TEE contracts, or an error saying how to deploy them. */
export function teeContractsOf(d: DeploymentFile, file: string): TeeDeployment {
  if (!d.tee)
    throw new InputError(
      `${file} records no enclave registry: run \`vinfer tee deploy-registry --attesters <addr,...> --threshold <m>\` first`,
    );
  return d.tee;
}

interface DeployRegistryOptions extends ChainOptions {
  attesters: string[];
  threshold: number;
  maxKeyLifetime: number;
  deployment: string;
}

function registerDeployRegistry(tee: Command): void {
  addDeploymentOption(
    addChainOptions(
      tee
        .command("deploy-registry")
        .description(
          "deploy an EnclaveRegistry and its QuorumAdmitter (M-of-N attestation verifiers) for the deployment's models; " +
            "records them in the deployment file",
        )
        .requiredOption("--attesters <addresses>", "the attestation verifiers' addresses, comma-separated", addressList)
        .requiredOption("--threshold <m>", "how many verifiers must sign an admission", positiveInteger)
        .option(
          "--max-key-lifetime <seconds>",
          "the longest a key stays admitted, whatever its attestation allows",
          positiveInteger,
          7 * 24 * 3600,
        )
        .option("--json", "print the contracts and their settings as one JSON document"),
    ),
  ).action(async (opts: DeployRegistryOptions) => {
    if (new Set(opts.attesters).size !== opts.attesters.length) throw new InputError("--attesters lists an address twice");
    if (opts.threshold > opts.attesters.length)
      throw new InputError(`--threshold ${opts.threshold} is more than the ${opts.attesters.length} attesters`);
    const c = await connect(opts, DevAccount.deployer);
    try {
      const d = await loadDeployment(opts.deployment, c);
      let contracts;
      try {
        contracts = await deployEnclaveRegistry(c.wallet, {
          modelRegistry: d.registry,
          attesters: opts.attesters,
          threshold: opts.threshold,
          maxKeyLifetimeSeconds: opts.maxKeyLifetime,
        });
      } catch (err) {
        throw explainRevert("deploying the enclave registry", err);
      }
      const tee: TeeDeployment = {
        enclaveRegistry: await contracts.enclaveRegistry.getAddress(),
        quorumAdmitter: await contracts.quorumAdmitter.getAddress(),
      };
      writeDeployment(opts.deployment, { ...d, tee });
      out.result(
        {
          ...tee,
          owner: c.wallet.address,
          attesters: opts.attesters,
          threshold: opts.threshold,
          maxKeyLifetime: opts.maxKeyLifetime,
          replaced: d.tee ?? null,
          deploymentFile: opts.deployment,
        },
        () =>
          [
            table([
              ["enclave registry", tee.enclaveRegistry],
              ["quorum admitter", tee.quorumAdmitter],
              ["owner", c.wallet.address],
              ["attesters", opts.attesters.join(", ")],
              ["threshold", `${opts.threshold} of ${opts.attesters.length}`],
              ["max key lifetime", `${opts.maxKeyLifetime} s`],
            ]),
            ...(d.tee ? [`(replaces the enclave registry ${d.tee.enclaveRegistry} the file recorded)`] : []),
            `written to ${opts.deployment}`,
          ].join("\n"),
      );
    } finally {
      c.provider.destroy();
    }
  });
}

// ---------------------------------------------------------------- attester

/** What `vinfer tee attester` writes and `vinfer tee admit` reads. */
export const SIGNED_ADMISSION_FORMAT = "vinfer-signed-admission/v1";

export interface SignedAdmissionFile {
  format: typeof SIGNED_ADMISSION_FORMAT;
  chainId: string;
  quorumAdmitter: string;
  /** The verifier's address (its signature is checked again by `admit` and on chain). */
  attester: string;
  admission: Admission;
  signature: string;
  /** The verdict the verifier signed on. */
  attestation: ReturnType<typeof verdictToJson> & { verifiedAt: string };
}

interface AttesterOptions extends ChainOptions, VerifyOptions {
  maxLifetime?: number;
  out?: string;
  deployment: string;
}

function verdictText(verdict: AttestationVerdict): string {
  return [table(verdict.fields), ...verdict.errors.map((e) => `problem: ${e}`)].join("\n");
}

function registerAttester(tee: Command): void {
  const cmd = tee
    .command("attester")
    .description(
      "one attestation verifier of the admission quorum: verify an enclave's attestation and sign the admission of its key " +
        "(exit 1 when the attestation fails)",
    )
    .argument("<attestation-file>", "the attestation (as `vinfer serve --proof tee` writes it, or a Nitro document / DCAP quote)");
  addDeploymentOption(
    addChainOptions(
      addVerifyOptions(cmd)
        .option(
          "--max-lifetime <seconds>",
          "the longest this verifier lets the key live (default and at most: the registry's maximum)",
          positiveInteger,
        )
        .option("--out <file>", "where to write the signed admission (default: <attestation-file>.<attester>.admission.json)")
        .option(
          "--json",
          "print the verdict and the signed admission as one JSON document (for a failed attestation too, which exits 1 unsigned)",
        ),
    ),
  ).action(async (file: string, opts: AttesterOptions) => {
    const bytes = readFile(file, "attestation file");
    const collateral = opts.collateral === undefined ? undefined : readFile(opts.collateral, "collateral file").toString("utf8");
    const c = await connect(opts, DevAccount.attester);
    try {
      const d = await loadDeployment(opts.deployment, c);
      const contracts = teeContractsOf(d, opts.deployment);
      const quorum = QuorumAdmitter__factory.connect(contracts.quorumAdmitter, c.provider);
      const attester = c.wallet.address;
      if (!(await quorum.isVerifier(attester)))
        throw new InputError(
          `account ${attester} is not an attestation verifier of the quorum ${contracts.quorumAdmitter}: its signature would not count ` +
            "(pass the --private-key of one of the verifiers given to `vinfer tee deploy-registry --attesters`)",
        );
      const registryMax = Number(await EnclaveRegistry__factory.connect(contracts.enclaveRegistry, c.provider).maxKeyLifetime());
      const at = opts.at ?? new Date();
      const verifyOptions = {
        at,
        policy: policyOf(opts),
        allowDev: opts.allowDev === true,
        ...(collateral !== undefined ? { collateral } : {}),
      };
      const verdict = await verifyAttestation(bytes, verifyOptions);
      out.text(verdictText(verdict));
      if (!verdict.ok) {
        out.jsonResult({ attester, signed: false, attestation: { ...verdictToJson(verdict), verifiedAt: iso(at) } });
        throw new AttestationRejectedError(verdict);
      }
      const lifetime = Math.min(opts.maxLifetime ?? registryMax, registryMax);
      const signed = await attestAndSign(c.wallet, bytes, {
        ...verifyOptions,
        chainId: c.chainId,
        quorumAdmitter: contracts.quorumAdmitter,
        enclaveRegistry: contracts.enclaveRegistry,
        maxLifetimeSeconds: lifetime,
      });
      const outFile = opts.out ?? `${file}.${attester}.admission.json`;
      const record: SignedAdmissionFile = {
        format: SIGNED_ADMISSION_FORMAT,
        chainId: c.chainId.toString(),
        quorumAdmitter: contracts.quorumAdmitter,
        attester,
        admission: signed.admission,
        signature: signed.signature,
        attestation: { ...verdictToJson(signed.verdict), verifiedAt: iso(at) },
      };
      writeOutputFile(outFile, `${JSON.stringify(record, null, 2)}\n`, "signed admission");
      const a = signed.admission;
      out.text(
        `\nsigned as attester ${attester}: admit key ${a.key} (measurement ${a.measurement}) until ` +
          `${iso(new Date(a.expiresAt * 1000))}; written to ${outFile}`,
      );
      out.jsonResult({ ...record, signed: true, expiresAtIso: iso(new Date(a.expiresAt * 1000)), admissionFile: outFile });
      if (verdict.kind === "dev")
        out.warn("WARNING: this admits a SIMULATED dev enclave (no hardware protection), accepted only because of --allow-dev");
    } finally {
      c.provider.destroy();
    }
  });
}

// ---------------------------------------------------------------- admit

function readSignedAdmission(file: string): SignedAdmissionFile {
  let v: SignedAdmissionFile;
  try {
    v = JSON.parse(readFile(file, "signed admission").toString("utf8")) as SignedAdmissionFile;
  } catch (err) {
    if (err instanceof VinferError) throw err;
    throw new InputError(`${file} is not a signed admission (invalid JSON)`);
  }
  if (v?.format !== SIGNED_ADMISSION_FORMAT || typeof v.admission !== "object" || !isHexString(v.signature))
    throw new InputError(`${file} is not a signed admission (written by \`vinfer tee attester\`)`);
  return v;
}

/** The admission every file signs; an error naming the first difference when they sign different ones. */
function commonAdmission(files: readonly string[], signed: readonly SignedAdmissionFile[]): Admission {
  const first = signed[0]!;
  const key = (a: Admission) =>
    JSON.stringify([
      a.enclaveRegistry.toLowerCase(),
      a.key.toLowerCase(),
      a.measurement.toLowerCase(),
      a.expiresAt,
      a.attestationHash.toLowerCase(),
    ]);
  for (let i = 1; i < signed.length; i++) {
    const s = signed[i]!;
    if (s.chainId !== first.chainId || s.quorumAdmitter.toLowerCase() !== first.quorumAdmitter.toLowerCase())
      throw new InputError(
        `${files[i]} is signed for quorum ${s.quorumAdmitter} on chain ${s.chainId}, ${files[0]} for ${first.quorumAdmitter} on chain ${first.chainId}`,
      );
    if (key(s.admission) !== key(first.admission)) {
      const a = s.admission;
      const b = first.admission;
      const what =
        a.expiresAt !== b.expiresAt
          ? `expiries differ (${iso(new Date(a.expiresAt * 1000))} vs ${iso(new Date(b.expiresAt * 1000))}): ` +
            "run every `vinfer tee attester` with the same --max-lifetime (and --at), or within the same hour"
          : a.key.toLowerCase() !== b.key.toLowerCase()
            ? `they admit different keys (${a.key} vs ${b.key})`
            : "their measurement, attestation or registry differ";
      throw new InputError(`${files[i]} and ${files[0]} sign different admissions: ${what}`);
    }
  }
  return first.admission;
}

interface AdmitOptions extends ChainOptions {
  uri: string;
  deployment: string;
}

function registerAdmit(tee: Command): void {
  addDeploymentOption(
    addChainOptions(
      tee
        .command("admit")
        .description("admit an enclave key: submit its admission with the quorum's signatures (files written by `vinfer tee attester`)")
        .argument("<signed-admission...>", "one file per attestation verifier")
        .option("--uri <uri>", "where the attestation is published (recorded with its hash in the KeyAdmitted event)", "")
        .option("--json", "print the admission as one JSON document"),
    ),
  ).action(async (files: string[], opts: AdmitOptions) => {
    const signed = files.map(readSignedAdmission);
    const admission = commonAdmission(files, signed);
    const c = await connect(opts, DevAccount.deployer);
    try {
      const d = await loadDeployment(opts.deployment, c);
      const contracts = teeContractsOf(d, opts.deployment);
      const first = signed[0]!;
      if (BigInt(first.chainId) !== c.chainId)
        throw new InputError(`${files[0]} is signed for chain ${first.chainId}, but the RPC serves chain ${c.chainId}`);
      if (first.quorumAdmitter.toLowerCase() !== contracts.quorumAdmitter.toLowerCase())
        throw new InputError(
          `${files[0]} is signed for the quorum ${first.quorumAdmitter}, not ${opts.deployment}'s ${contracts.quorumAdmitter}`,
        );
      if (admission.enclaveRegistry.toLowerCase() !== contracts.enclaveRegistry.toLowerCase())
        throw new InputError(
          `${files[0]} admits into the registry ${admission.enclaveRegistry}, not ${opts.deployment}'s ${contracts.enclaveRegistry}`,
        );
      const quorum = QuorumAdmitter__factory.connect(contracts.quorumAdmitter, c.wallet);
      // Who really signed (not who the files say), for the record.
      const digest = await quorum.admissionDigest(admission.key, admission.measurement, admission.expiresAt, admission.attestationHash);
      const signers = signed.map((s, i) => {
        try {
          return recoverAddress(digest, s.signature);
        } catch {
          throw new InputError(`${files[i]}: the signature is not a valid ECDSA signature`);
        }
      });
      const threshold = await quorum.threshold();
      const { gasUsed } = await admitEnclaveKey(
        quorum,
        c.chainId,
        admission,
        opts.uri,
        signed.map((s) => s.signature),
      );
      const dev = signed.some((s) => s.attestation?.kind === "dev");
      out.result(
        {
          ...admission,
          expiresAtIso: iso(new Date(admission.expiresAt * 1000)),
          dev,
          uri: opts.uri,
          signers,
          threshold,
          gasUsed,
        },
        () =>
          table([
            ["enclave key", admission.key],
            ["measurement", `${admission.measurement}${dev ? " (SIMULATED dev enclave)" : ""}`],
            ["expires", `${iso(new Date(admission.expiresAt * 1000))} (unix ${admission.expiresAt})`],
            ["attestation hash", admission.attestationHash],
            ["attestation URI", opts.uri || "(none: the attestation is known by its hash only)"],
            ["signed by", `${signers.join(", ")} (${signers.length}, threshold ${threshold})`],
            ["gas", gasUsed.toString()],
          ]),
      );
    } finally {
      c.provider.destroy();
    }
  });
}

// ---------------------------------------------------------------- accept

interface AcceptOptions extends ChainOptions {
  model: string;
  measurement: string;
  reject?: boolean;
  deployment: string;
}

function registerAccept(tee: Command): void {
  addDeploymentOption(
    addChainOptions(
      tee
        .command("accept")
        .description("as the model's owner, accept an enclave measurement for the model's TEE requests (--reject: stop accepting it)")
        .requiredOption("--model <ref>", "zoo name, model folder, .onnx file, or the model id (bytes32)")
        .requiredOption(
          "--measurement <bytes32>",
          "the enclave measurement (as `vinfer tee attester` or `verify-attestation` prints it)",
          bytes32,
        )
        .option("--reject", "stop accepting the measurement")
        .option("--json", "print the model, measurement and verdict as one JSON document"),
    ),
  ).action(async (opts: AcceptOptions) => {
    const modelId = isHexString(opts.model, 32) ? opts.model.toLowerCase() : Model.load(opts.model).modelId;
    const accepted = opts.reject !== true;
    const c = await connect(opts, DevAccount.deployer);
    try {
      const d = await loadDeployment(opts.deployment, c);
      const contracts = teeContractsOf(d, opts.deployment);
      const registry = EnclaveRegistry__factory.connect(contracts.enclaveRegistry, c.wallet);
      await acceptMeasurement(registry, modelId, opts.measurement, accepted);
      // The registry is consulted only if the model's TEE verifier is this registry.
      let teeVerifier: string | null = null;
      try {
        const [, , config] = await connectProtocol(d, c.provider).registry.requestConfig(modelId, ProofType.Tee);
        teeVerifier = config.verifier;
      } catch {
        teeVerifier = null;
      }
      out.result(
        {
          modelId,
          measurement: opts.measurement,
          accepted,
          enclaveRegistry: contracts.enclaveRegistry,
          teeVerifier,
          teeVerifierIsRegistry: teeVerifier?.toLowerCase() === contracts.enclaveRegistry.toLowerCase(),
        },
        () =>
          `model ${modelId} ${accepted ? "accepts" : "no longer accepts"} enclave measurement ${opts.measurement} ` +
          `in enclave registry ${contracts.enclaveRegistry}`,
      );
      if (teeVerifier === null) out.warn("note: the model has no TEE verifier yet: register it with `vinfer deploy --model … --proof tee`");
      else if (teeVerifier.toLowerCase() !== contracts.enclaveRegistry.toLowerCase())
        out.warn(
          `note: the model's TEE verifier is ${teeVerifier}, not this enclave registry: register it with \`vinfer deploy --model … --proof tee\``,
        );
    } finally {
      c.provider.destroy();
    }
  });
}

/** The `vinfer tee` command group; other TEE subcommands register on the group this returns. */
export function registerTee(program: Command): Command {
  const tee = program.command("tee").description("TEE path: enclave attestations, the enclave registry and key admission");
  registerVerifyAttestation(tee);
  registerDeployRegistry(tee);
  registerAttester(tee);
  registerAdmit(tee);
  registerAccept(tee);
  return tee;
}
