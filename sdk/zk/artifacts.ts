/**
 * Where the ZK backends keep their artefacts, and how a folder of them is
 * written: complete or absent. A folder is assembled under a temporary name
 * and renamed into place, so a failure or a kill never leaves half-written
 * artefacts behind.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

/** Repository root: circom2 (WASI) can only see files below the directory it runs in. */
export const REPO_ROOT = resolve(import.meta.dirname, "..", "..");
export const BUILD_DIR = join(REPO_ROOT, "build");

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
