/**
 * Where the ZK backends keep their artefacts, and how a folder of them is
 * written: complete or absent. A folder is assembled under a temporary name
 * and renamed into place, so a failure or a kill never leaves half-written
 * artefacts behind.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

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

/**
 * Creates the file `path` through `fill(tmpPath)` unless it already exists;
 * atomic like buildAtomically. `fill` may also write scratch files named
 * `${tmpPath}.<suffix>`: they are removed afterwards.
 */
export async function buildFileAtomically(path: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await fill(tmp);
    renameSync(tmp, path);
  } finally {
    const dir = dirname(path);
    for (const f of readdirSync(dir)) if (f.startsWith(basename(tmp))) rmSync(join(dir, f), { force: true });
  }
}
