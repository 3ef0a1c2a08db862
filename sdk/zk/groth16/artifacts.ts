/**
 * Content-addressed build folders for Groth16 artefacts:
 *   build/groth16/<model>-<key>/   key = keccak(circuit source, circuits/lib, circom version)
 * A folder is complete or absent: it is assembled under a temporary name and
 * renamed into place, so a failure or a kill never leaves half-written artefacts.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

import { keccakBytes } from "../../commit/keccak.js";

/** Repository root: circom2 (WASI) can only see files below the directory it runs in. */
export const REPO_ROOT = resolve(import.meta.dirname, "..", "..", "..");
export const BUILD_DIR = join(REPO_ROOT, "build");
export const CIRCUIT_LIB_DIR = join(REPO_ROOT, "circuits", "lib");

export function circuitKey(source: string, compilerVersion: string): string {
  const enc = new TextEncoder();
  const lib = readdirSync(CIRCUIT_LIB_DIR)
    .sort()
    .map((f) => enc.encode(`${f}\n${readFileSync(join(CIRCUIT_LIB_DIR, f), "utf8")}`));
  return keccakBytes(enc.encode(source), enc.encode(compilerVersion), ...lib).slice(2, 18);
}

export function circuitDir(modelName: string, key: string): string {
  return join(BUILD_DIR, "groth16", `${modelName.replace(/[^A-Za-z0-9_.-]/g, "_")}-${key}`);
}

/** Builds `dir` through `fill(tmpDir)` unless it already exists; atomic. */
export async function buildAtomically(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  if (existsSync(dir)) return;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    await fill(tmp);
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
