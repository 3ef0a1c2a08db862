/**
 * Powers of tau for Groth16 set-up.
 *
 * Development: `devPtau(power)` makes a local file whose secrets (tau, alpha,
 * beta) are PUBLISHED below, and caches it under build/ptau/. Anyone can forge
 * proofs for keys made from it: it is INSECURE and only for development and
 * tests. Knowing tau, the native tool (native/groth16) computes every point
 * directly, 2^16 in about 10 s on 2 cores; without it, snarkjs computes the
 * same file (sections 2-5 by one batched key application, the Lagrange
 * sections by its `prepare phase2`), byte for byte, much more slowly.
 *
 * Production: pass a file from a public ceremony (e.g. the Hermez/PSE
 * "perpetual powers of tau" final files, powersOfTau28_hez_final_<k>.ptau)
 * whose power covers the circuit; see docs/groth16.md.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

import * as snarkjs from "snarkjs";

import { InputError } from "../../errors.js";
import { SNARK_SCALAR_FIELD } from "../../field.js";
import { type Progress, silentProgress, snarkjsLogger } from "../progress.js";
import { buildFileAtomically } from "../artifacts.js";
import { cacheDir } from "../../paths.js";
import { nativeAvailable, runNative } from "./native.js";
import { snarkjsCurve } from "./workers.js";

/** The published secrets: each label's UTF-8 bytes read as a little-endian integer mod r (as native/groth16/src/ptau.rs). */
export const DEV_PTAU_LABELS = {
  tau: "vinfer INSECURE development powers of tau: tau",
  alpha: "vinfer INSECURE development powers of tau: alpha",
  beta: "vinfer INSECURE development powers of tau: beta",
} as const;

/** 2^22 (4M constraints) natively, in minutes; snarkjs is far slower, so its ceiling is lower. */
export const MAX_DEV_POWER = 22;
export const MAX_DEV_POWER_SNARKJS = 18;

/** The smallest power k with 2^k >= constraints + public inputs + 1 (snarkjs' domain size). */
export function requiredPower(constraints: number, publicInputs: number): number {
  let k = 1;
  while (2 ** k < constraints + publicInputs + 1) k++;
  return k;
}

export function devPtauPath(power: number): string {
  return join(cacheDir(), "ptau", `dev-insecure-${power}.ptau`);
}

export function devSecret(label: string): bigint {
  let x = 0n;
  const bytes = new TextEncoder().encode(label);
  for (let i = bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i]!);
  return x % SNARK_SCALAR_FIELD;
}

/**
 * Returns the cached development ptau of exactly this power, creating it if
 * needed. Exactly: a key's bytes depend on the ptau's power (snarkjs reads
 * its H points from the Lagrange basis of twice the circuit's domain, the
 * last of which differs at the ptau's own power), and the dev set-up makes the
 * same key on every machine, native or not.
 */
export async function devPtau(power: number, progress: Progress = silentProgress): Promise<string> {
  const native = nativeAvailable();
  const max = native ? MAX_DEV_POWER : MAX_DEV_POWER_SNARKJS;
  if (!Number.isInteger(power) || power < 1 || power > max) {
    const hint = native ? "" : " (2^22 with the native tool: npm run build:native)";
    throw new InputError(`dev powers of tau are made up to 2^${max}${hint}; use a ceremony file (--ptau) for 2^${power}`);
  }
  const path = devPtauPath(power);
  await buildFileAtomically(path, async (tmp) => {
    progress.detail(`generating an INSECURE development powers of tau 2^${power} (published secrets; cached in ${path})`);
    if (native) await runNative(["dev-ptau", "--power", String(power), "--out", tmp], progress);
    else await devPtauWithSnarkjs(power, tmp, progress);
  });
  return path;
}

/** The same file with snarkjs: sections 1-7 written here, then snarkjs' prepare phase 2. */
export async function devPtauWithSnarkjs(power: number, out: string, progress: Progress = silentProgress): Promise<void> {
  // snarkjs' curve is a process-wide singleton shared with the other snarkjs calls: never terminated here
  const curve = await snarkjsCurve();
  const { Fr, G1, G2 } = curve;
  const secret = (label: string) => Fr.e(devSecret(label));
  const [tau, alpha, beta] = [secret(DEV_PTAU_LABELS.tau), secret(DEV_PTAU_LABELS.alpha), secret(DEV_PTAU_LABELS.beta)];
  const n = 2 ** power;
  const repeat = (point: Uint8Array, count: number) => {
    const buff = new Uint8Array(point.length * count);
    for (let i = 0; i < count; i++) buff.set(point, i * point.length);
    return buff;
  };
  // point i = first * tau^i * generator, in snarkjs' affine Montgomery encoding
  const powers = (g: snarkjs.Group, count: number, first: snarkjs.FieldElement) =>
    g.batchApplyKey(repeat(g.oneAffine, count), first, tau, "affine", "affine");
  const header = new Uint8Array(44);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, 32, true);
  for (let i = 0, q = curve.q; i < 32; i++, q >>= 8n) header[4 + i] = Number(q & 0xffn);
  hv.setUint32(36, power, true);
  hv.setUint32(40, power, true);
  progress.detail("computing the powers of tau (snarkjs)");
  const sections: Uint8Array[] = [
    header,
    await powers(G1, 2 * n - 1, Fr.one),
    await powers(G2, n, Fr.one),
    await powers(G1, n, alpha),
    await powers(G1, n, beta),
    await powers(G2, 1, beta),
    new Uint8Array(4), // no contributions: this file never came from a ceremony
  ];
  const parts: Uint8Array[] = [new TextEncoder().encode("ptau"), u32s(1, sections.length)];
  sections.forEach((data, i) => {
    const head = new Uint8Array(12);
    new DataView(head.buffer).setUint32(0, i + 1, true);
    new DataView(head.buffer).setBigUint64(4, BigInt(data.length), true);
    parts.push(head, data);
  });
  writeFileSync(`${out}.raw`, Buffer.concat(parts));
  progress.detail("preparing phase 2 (snarkjs FFTs over curve points)");
  await snarkjs.powersOfTau.preparePhase2(`${out}.raw`, out, snarkjsLogger(progress));
}

function u32s(...values: number[]): Uint8Array {
  const b = new Uint8Array(4 * values.length);
  values.forEach((v, i) => new DataView(b.buffer).setUint32(4 * i, v, true));
  return b;
}
