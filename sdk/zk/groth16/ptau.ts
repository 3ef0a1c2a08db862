/**
 * Powers of tau for Groth16 set-up.
 *
 * Development: `devPtau(power)` makes a local file with snarkjs (new
 * accumulator, one contribution from a FIXED entropy string, prepare phase 2)
 * and caches it under build/ptau/. Anyone can recompute its secret: it is
 * INSECURE and only for development and tests.
 *
 * Production: pass a file from a public ceremony (e.g. the Hermez/PSE
 * "perpetual powers of tau" final files, powersOfTau28_hez_final_<k>.ptau)
 * whose power covers the circuit; see docs/groth16.md.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

import * as snarkjs from "snarkjs";

import { InputError } from "../../errors.js";
import { type Progress, silentProgress, snarkjsLogger } from "../progress.js";
import { BUILD_DIR, buildFileAtomically } from "../artifacts.js";
import { snarkjsCurve } from "./workers.js";

export const DEV_PTAU_ENTROPY = "vinfer INSECURE development powers of tau: do not use in production";
export const MAX_DEV_POWER = 18;

/** The smallest power k with 2^k >= constraints + public inputs + 1 (snarkjs' domain size). */
export function requiredPower(constraints: number, publicInputs: number): number {
  let k = 1;
  while (2 ** k < constraints + publicInputs + 1) k++;
  return k;
}

export function devPtauPath(power: number): string {
  return join(BUILD_DIR, "ptau", `dev-insecure-${power}.ptau`);
}

/** Returns the cached development ptau of this power, creating it (slowly) if needed. */
export async function devPtau(power: number, progress: Progress = silentProgress): Promise<string> {
  if (!Number.isInteger(power) || power < 1 || power > MAX_DEV_POWER) {
    throw new InputError(`dev powers of tau are made up to 2^${MAX_DEV_POWER}; use a ceremony file (--ptau) for 2^${power}`);
  }
  // a cached file of a higher power serves smaller circuits too
  for (let k = power; k <= MAX_DEV_POWER; k++) if (existsSync(devPtauPath(k))) return devPtauPath(k);
  const path = devPtauPath(power);
  const logger = snarkjsLogger(progress);
  await buildFileAtomically(path, async (tmp) => {
    progress.detail(`generating an INSECURE development powers of tau 2^${power} (cached in ${path})`);
    // snarkjs' curve is a process-wide singleton shared with the other snarkjs calls: never terminated here
    const curve = await snarkjsCurve();
    await snarkjs.powersOfTau.newAccumulator(curve, power, `${tmp}.0`, logger);
    await snarkjs.powersOfTau.contribute(`${tmp}.0`, `${tmp}.1`, "vinfer dev", DEV_PTAU_ENTROPY, logger);
    await snarkjs.powersOfTau.preparePhase2(`${tmp}.1`, tmp, logger);
  });
  return path;
}
