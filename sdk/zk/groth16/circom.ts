/** Runs the circom compiler (npm `circom2`, circom 2.2 compiled to WASI) on a generated circuit. */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

import { VinferError } from "../../errors.js";
import { CIRCUIT_LIB_DIR } from "./artifacts.js";
import { assembleWat } from "./watSplit.js";

const require = createRequire(import.meta.url);

export class CircomError extends VinferError {
  constructor(message: string) {
    super("CIRCOM", message);
  }
}

/** The folder that holds circomlib (our circuits include "circomlib/circuits/…"), wherever npm put it. */
function circomlibParent(): string {
  return dirname(dirname(require.resolve("circomlib/package.json")));
}

function circomCli(): string {
  return join(dirname(require.resolve("circom2/package.json")), "cli.js");
}

export function circomVersion(): string {
  return (require("circom2/package.json") as { version: string }).version;
}

/** Node's WebAssembly global (the project's TypeScript lib has no DOM types). */
const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<unknown> } }).WebAssembly;

/** Whether V8 compiles the wasm (circom2 can write one whose main function is over V8's size limit). */
async function compilesInV8(wasm: string): Promise<boolean> {
  if (!existsSync(wasm)) return false;
  try {
    await wasmApi.compile(readFileSync(wasm));
    return true;
  } catch {
    return false;
  }
}

/**
 * Compiles `<dir>/circuit.circom` to circuit.r1cs, circuit.sym and
 * circuit_js/circuit.wasm with --O2 (linear constraints substituted away).
 * circom2's CLI opens every ancestor of its working directory to WASI, so
 * `dir` may be anywhere (the cache directory). circom also writes the
 * witness generator's text (.wat): where circom2 could not assemble it (out
 * of its 4 GiB past about a million constraints, after writing the r1cs) or
 * V8 cannot compile what it assembled, watSplit.ts assembles it instead.
 * `keepWat` leaves circuit_js/circuit.wat in place (for tests and inspection).
 */
export async function compileCircom(
  dir: string,
  options: { progress?: { detail(message: string): void }; keepWat?: boolean } = {},
): Promise<{ nonLinearConstraints: number; log: string }> {
  const args = [
    circomCli(),
    join(dir, "circuit.circom"),
    "--r1cs",
    "--wasm",
    "--wat",
    "--sym",
    "--O2",
    "-l",
    CIRCUIT_LIB_DIR,
    "-l",
    circomlibParent(),
    "-o",
    dir,
  ];
  const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const log = `${r.stdout}\n${r.stderr}`;
  const js = join(dir, "circuit_js");
  const [wat, wasm] = [join(js, "circuit.wat"), join(js, "circuit.wasm")];
  const complete = r.status === 0 && /Everything went okay/.test(log);
  const constraintsWritten = ["circuit.r1cs", "circuit.sym"].every((f) => existsSync(join(dir, f))) && existsSync(wat);
  const failed = (why = "") =>
    new CircomError(`circom failed on ${join(dir, "circuit.circom")}${why}:\n${log.trim().split("\n").slice(-15).join("\n")}`);
  if (!complete && !constraintsWritten) throw failed();
  if (!complete || !(await compilesInV8(wasm))) {
    options.progress?.detail("circom2 could not assemble the witness generator: assembling its .wat with wabt, long functions split");
    const parts = await assembleWat(wat, wasm).catch((e: unknown) => {
      // e.g. a .wat cut short where circom2 died while writing it
      throw failed(`, and its .wat does not assemble either (${e instanceof Error ? e.message : String(e)})`);
    });
    if (!(await compilesInV8(wasm)))
      throw new CircomError(`the witness generator of ${dir} does not compile even split into ${parts} parts`);
  }
  if (!options.keepWat) rmSync(wat, { force: true });
  // circom's witness calculator is CommonJS, inside this ESM package
  writeFileSync(join(js, "package.json"), '{ "type": "commonjs" }\n');
  const m = /non-linear constraints:\D*(\d+)/.exec(log);
  return { nonLinearConstraints: m ? Number(m[1]) : NaN, log };
}
