/** vinfer tee …: the TEE path. `verify-attestation` checks an enclave's attestation the way an attester does. */
import { readFileSync } from "node:fs";

import { type Command, InvalidArgumentError } from "commander";

import { InputError } from "../../sdk/errors.js";
import {
  AttestationRejectedError,
  type AttestationPolicy,
  TCB_STATUSES,
  verdictToJson,
  verifyAttestation,
} from "../../sdk/tee/attestation/index.js";
import { table } from "../format.js";

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

interface VerifyOptions {
  collateral?: string;
  at?: Date;
  acceptStatus?: string[];
  pcr?: Record<number, string>;
  measurement?: string;
  allowDev?: boolean;
  json?: boolean;
}

function registerVerifyAttestation(tee: Command): void {
  tee
    .command("verify-attestation")
    .description("verify an AWS Nitro attestation document, an Intel SGX/TDX DCAP quote or a dev attestation; exit 1 when it fails")
    .argument("<file>", "the attestation: Nitro document (COSE_Sign1), DCAP quote (binary) or dev attestation (JSON)")
    .option("--collateral <file>", "DCAP quotes: the collateral JSON (tcb_info, qe_identity, CRLs, issuer chains) from a PCCS")
    .option("--at <time>", "verify as of this time: ISO 8601 or unix seconds (default: now)", parseTime)
    .option("--accept-status <list>", "DCAP: TCB statuses accepted, comma-separated (default: UpToDate)", statusList)
    .option("--pcr <index>=<hex>", "Nitro: require this PCR value (repeatable)", pcrPin)
    .option("--measurement <bytes32>", "require this measurement (the value the enclave registry stores)")
    .option("--allow-dev", "accept a dev (simulated enclave) attestation: development only")
    .option("--json", "print the verdict as JSON")
    .action(async (file: string, opts: VerifyOptions) => {
      const bytes = readFile(file, "attestation file");
      const collateral = opts.collateral === undefined ? undefined : readFile(opts.collateral, "collateral file").toString("utf8");
      const policy: AttestationPolicy = {};
      if (opts.acceptStatus) policy.acceptedTcbStatuses = opts.acceptStatus;
      if (opts.pcr) policy.pcrs = opts.pcr;
      if (opts.measurement !== undefined) policy.measurement = opts.measurement;
      const verdict = await verifyAttestation(bytes, {
        at: opts.at ?? new Date(),
        policy,
        allowDev: opts.allowDev === true,
        ...(collateral !== undefined ? { collateral } : {}),
      });
      if (opts.json) console.log(JSON.stringify(verdictToJson(verdict), null, 2));
      else {
        console.log(table(verdict.fields));
        for (const e of verdict.errors) console.log(`problem: ${e}`);
      }
      if (!verdict.ok) throw new AttestationRejectedError(verdict);
    });
}

/** The `vinfer tee` command group; other TEE subcommands register on the group this returns. */
export function registerTee(program: Command): Command {
  const tee = program.command("tee").description("TEE path: enclave attestations");
  registerVerifyAttestation(tee);
  return tee;
}
