/** Runs the circom compiler (npm `circom2`, circom 2.2 compiled to WASI) on a generated circuit. */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";

import { VinferError } from "../../errors.js";
import { REPO_ROOT } from "../artifacts.js";

const require = createRequire(import.meta.url);

export class CircomError extends VinferError {
  constructor(message: string) {
    super("CIRCOM", message);
  }
}

function circomCli(): string {
  return join(dirname(require.resolve("circom2/package.json")), "cli.js");
}

export function circomVersion(): string {
  return (require("circom2/package.json") as { version: string }).version;
}

/**
 * Compiles `<dir>/circuit.circom` to circuit.r1cs, circuit.sym and
 * circuit_js/circuit.wasm with --O2 (linear constraints substituted away).
 * Paths are passed relative to the repository root: the WASI build cannot
 * see anything above the directory it runs in.
 */
export function compileCircom(dir: string): { nonLinearConstraints: number; log: string } {
  const rel = relative(REPO_ROOT, dir);
  if (rel.startsWith("..")) throw new CircomError(`circuit folder ${dir} must be inside the repository (${REPO_ROOT})`);
  const args = [
    circomCli(),
    join(rel, "circuit.circom"),
    "--r1cs",
    "--wasm",
    "--sym",
    "--O2",
    "-l",
    "circuits/lib",
    "-l",
    "node_modules",
    "-o",
    rel,
  ];
  const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const log = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0 || !/Everything went okay/.test(log)) {
    throw new CircomError(`circom failed on ${rel}/circuit.circom:\n${log.trim().split("\n").slice(-15).join("\n")}`);
  }
  // circom's witness calculator is CommonJS, inside this ESM package
  writeFileSync(join(dir, "circuit_js", "package.json"), '{ "type": "commonjs" }\n');
  const m = /non-linear constraints:\D*(\d+)/.exec(log);
  return { nonLinearConstraints: m ? Number(m[1]) : NaN, log };
}
