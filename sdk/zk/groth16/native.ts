/**
 * The native Groth16 tools (native/groth16, Rust + arkworks): a multi-threaded
 * prover for our .zkey/.wtns files and the INSECURE development powers of tau.
 *
 * The binary is built from source by `npm run build:native` (the test and
 * demo set-ups run it wherever `cargo` exists) and found at run time; where it
 * is absent, snarkjs does the same work, more slowly. `VINFER_GROTH16_NATIVE`
 * points at a binary elsewhere.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type * as snarkjs from "snarkjs";

import { InputError, VinferError } from "../../errors.js";
import { removeOnSignal } from "../artifacts.js";
import { PACKAGE_ROOT, SOURCE_CHECKOUT, cacheDir } from "../../paths.js";
import { type Progress, silentProgress } from "../progress.js";

/** Which Groth16 prover runs: the native binary, snarkjs, or native where built (auto). */
export type ProverChoice = "native" | "snarkjs" | "auto";
export const PROVER_CHOICES: readonly ProverChoice[] = ["native", "snarkjs", "auto"];

export const BUILD_NATIVE_HINT = SOURCE_CHECKOUT
  ? "build it with `npm run build:native` (needs Rust's cargo)"
  : "build it with `npx vinfer setup native` (needs Rust's cargo)";

/** Where cargo builds the tools: native/groth16/target in a source checkout, the cache directory once installed. */
export function nativeTargetDir(): string {
  return SOURCE_CHECKOUT ? join(PACKAGE_ROOT, "native", "groth16", "target") : join(cacheDir(), "native");
}

export function nativeBinaryPath(): string {
  return process.env.VINFER_GROTH16_NATIVE ?? join(nativeTargetDir(), "release", "vinfer-groth16");
}

export function nativeAvailable(): boolean {
  return existsSync(nativeBinaryPath());
}

export function parseProverChoice(value: string): ProverChoice {
  if (!(PROVER_CHOICES as readonly string[]).includes(value)) {
    throw new InputError(`prover must be one of ${PROVER_CHOICES.join(", ")}, got "${value}"`);
  }
  return value as ProverChoice;
}

/** The prover to use: the explicit choice, else $VINFER_GROTH16_PROVER, else auto. */
export function resolveProver(choice?: ProverChoice): "native" | "snarkjs" {
  const wanted = choice ?? parseProverChoice(process.env.VINFER_GROTH16_PROVER ?? "auto");
  if (wanted === "snarkjs") return "snarkjs";
  if (nativeAvailable()) return "native";
  if (wanted === "native")
    throw new VinferError("NATIVE_PROVER_MISSING", `the native Groth16 prover is not built (${nativeBinaryPath()}): ${BUILD_NATIVE_HINT}`);
  return "snarkjs";
}

/**
 * Runs the native tool; its `progress <stage> <done> <total>` lines become
 * progress details (one every two seconds at most). Returns its stdout (a
 * JSON summary). A kill of this process kills the tool too.
 */
export function runNative(args: readonly string[], progress: Progress = silentProgress): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(nativeBinaryPath(), args, { stdio: ["ignore", "pipe", "pipe"] });
    const release = removeOnSignal(() => child.kill("SIGKILL"));
    let stdout = "";
    let errors = "";
    let last = 0;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      for (const line of d.toString().split("\n")) {
        const m = /^progress (\S+) (\d+) (\d+)$/.exec(line);
        if (!m) {
          if (line.trim()) errors += `${line}\n`;
          continue;
        }
        const now = performance.now();
        if (now - last < 2000 && m[2] !== m[3]) continue;
        last = now;
        progress.detail(`${m[1]}: ${m[2]}/${m[3]}`);
      }
    });
    child.on("error", (err) => {
      release();
      reject(new VinferError("NATIVE_PROVER", `could not run ${nativeBinaryPath()}: ${err.message}; ${BUILD_NATIVE_HINT}`));
    });
    child.on("close", (code, signal) => {
      release();
      if (code === 0) resolve(stdout.trim());
      else {
        const why = errors.trim() || (signal ? `killed by ${signal}` : `exit code ${code}`);
        reject(new VinferError("NATIVE_PROVER", `vinfer-groth16 ${args[0]} failed: ${why}`));
      }
    });
  });
}

export interface NativeProof {
  readonly proof: snarkjs.Groth16Proof;
  readonly publicSignals: string[];
  /** The tool's own timing: key loading and proving, in ms. */
  readonly loadMs: number;
  readonly proveMs: number;
}

/** Proves with the native prover from a .zkey and a witness (the bytes of a .wtns file). */
export async function nativeProve(zkey: string, wtns: Uint8Array, progress: Progress = silentProgress): Promise<NativeProof> {
  const dir = mkdtempSync(join(tmpdir(), "vinfer-native-prove-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const release = removeOnSignal(remove);
  try {
    const file = (name: string) => join(dir, name);
    writeFileSync(file("witness.wtns"), wtns);
    const summary = JSON.parse(
      await runNative(
        ["prove", "--zkey", zkey, "--witness", file("witness.wtns"), "--proof", file("proof.json"), "--public", file("public.json")],
        progress,
      ),
    ) as { loadMs: number; proveMs: number };
    return {
      proof: JSON.parse(readFileSync(file("proof.json"), "utf8")) as snarkjs.Groth16Proof,
      publicSignals: JSON.parse(readFileSync(file("public.json"), "utf8")) as string[],
      loadMs: summary.loadMs,
      proveMs: summary.proveMs,
    };
  } finally {
    remove();
    release();
  }
}

/**
 * Builds the native tools from the Rust sources shipped with the package
 * (`cargo build --release --locked`, crates from crates.io) into
 * nativeTargetDir(). cargo's own lines become progress details.
 */
export function buildNative(progress: Progress = silentProgress): Promise<string> {
  const manifest = join(PACKAGE_ROOT, "native", "groth16", "Cargo.toml");
  const args = ["build", "--release", "--locked", "--manifest-path", manifest, "--target-dir", nativeTargetDir()];
  return new Promise((resolve, reject) => {
    const child = spawn("cargo", args, { stdio: ["ignore", "ignore", "pipe"] });
    const release = removeOnSignal(() => child.kill("SIGKILL"));
    let tail = "";
    child.stderr.on("data", (d: Buffer) => {
      tail = (tail + d.toString()).slice(-3000);
      for (const line of d.toString().split("\n")) if (line.trim()) progress.detail(line.trim());
    });
    child.on("error", (err) => {
      release();
      reject(new InputError(`cannot run cargo (${err.message}): install Rust (https://rustup.rs) to build the native prover`));
    });
    child.on("close", (code) => {
      release();
      if (code === 0) resolve(nativeBinaryPath());
      else reject(new VinferError("NATIVE_BUILD", `cargo ${args.join(" ")} failed (exit ${code}):\n${tail.trim()}`));
    });
  });
}
