/**
 * Content-addressed build folders for Groth16 artefacts:
 *   build/groth16/<model>-<key>/   key = keccak(circuit source, circuits/lib, circom version)
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

import { keccakBytes } from "../../commit/keccak.js";
import { cacheDir, PACKAGE_ROOT } from "../../paths.js";

export const CIRCUIT_LIB_DIR = join(PACKAGE_ROOT, "circuits", "lib");

export function circuitKey(source: string, compilerVersion: string): string {
  const enc = new TextEncoder();
  const lib = readdirSync(CIRCUIT_LIB_DIR)
    .sort()
    .map((f) => enc.encode(`${f}\n${readFileSync(join(CIRCUIT_LIB_DIR, f), "utf8")}`));
  return keccakBytes(enc.encode(source), enc.encode(compilerVersion), ...lib).slice(2, 18);
}

export function circuitDir(modelName: string, key: string): string {
  return join(cacheDir(), "groth16", `${modelName.replace(/[^A-Za-z0-9_.-]/g, "_")}-${key}`);
}
