/**
 * Where vinfer's own files are (circuit library, contracts, model zoo), and
 * where it writes what it builds (circuits, keys, powers of tau, EZKL
 * settings, the EZKL Python environment, operator state).
 *
 * Built artefacts go to a cache directory, never inside node_modules:
 * `--cache-dir` / `$VINFER_CACHE_DIR` where given; else, in a source
 * checkout of this repository, its `build/` folder (as the tests and the
 * demo have always used); else `$XDG_CACHE_HOME/vinfer`, or
 * `~/.cache/vinfer`.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";

export const PACKAGE_NAME = "vinfer";

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === PACKAGE_NAME) return dir;
    if (dirname(dir) === dir) throw new Error(`vinfer's package.json not found above ${from}`);
  }
}

/** The package's root: the repository in a source checkout, node_modules/vinfer once installed. */
export const PACKAGE_ROOT = findPackageRoot(import.meta.dirname);

/** A source checkout (the repository) rather than an installed package: the package ships no Hardhat config. */
export const SOURCE_CHECKOUT = existsSync(join(PACKAGE_ROOT, "hardhat.config.ts"));

export const CACHE_DIR_ENV = "VINFER_CACHE_DIR";

/** The cache directory (read at each call: `--cache-dir` sets the environment variable before a command runs). */
export function cacheDir(): string {
  const chosen = process.env[CACHE_DIR_ENV];
  if (chosen) return resolve(chosen);
  if (SOURCE_CHECKOUT) return join(PACKAGE_ROOT, "build");
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg ? resolve(xdg) : join(homedir(), ".cache"), PACKAGE_NAME);
}
