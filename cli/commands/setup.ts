/**
 * vinfer setup: the optional native parts, built ahead of their first use
 * into the cache directory (docs/package.md): `setup native` (the native
 * Groth16 prover, with cargo) and `setup python` (the EZKL venv, with pip).
 * `setup` alone says where the cache is and what is ready.
 */
import { existsSync } from "node:fs";

import type { Command } from "commander";

import { onnxRuntimeAvailable } from "../../sdk/runtime/onnxruntime.js";
import { PACKAGE_ROOT, SOURCE_CHECKOUT, cacheDir } from "../../sdk/paths.js";
import { ensurePythonEnv, pythonPath } from "../../sdk/zk/ezkl/pythonEnv.js";
import { buildNative, nativeAvailable, nativeBinaryPath } from "../../sdk/zk/groth16/native.js";
import { table } from "../format.js";
import { out } from "../output.js";

export function registerSetup(program: Command): void {
  const setup = program
    .command("setup")
    .description("show the cache directory and the optional parts; `setup native` / `setup python` build them ahead of use")
    .option("--json", "print the state as one JSON document")
    .action(async () => {
      const state = {
        package: PACKAGE_ROOT,
        sourceCheckout: SOURCE_CHECKOUT,
        cacheDir: cacheDir(),
        nativeProver: { ready: nativeAvailable(), path: nativeBinaryPath() },
        python: { ready: existsSync(pythonPath()), path: pythonPath() },
        onnxruntime: { ready: await onnxRuntimeAvailable() },
      };
      const yes = (ready: boolean, hint: string) => (ready ? "ready" : `absent (${hint})`);
      out.result(state, () =>
        table([
          ["cache directory", state.cacheDir],
          ["native Groth16 prover", yes(state.nativeProver.ready, "vinfer setup native; snarkjs proves meanwhile")],
          ["EZKL Python venv", yes(state.python.ready, "vinfer setup python, or created on the EZKL backend's first use")],
          [
            "onnxruntime-node",
            yes(state.onnxruntime.ready, "optional float reference: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node"),
          ],
        ]),
      );
    });

  setup
    .command("native")
    .description("build the native Groth16 prover from the package's Rust sources (needs cargo; crates from crates.io)")
    .option("--json", "print where the binary is as one JSON document")
    .action(async () => {
      out.info(`building the native Groth16 prover with cargo (a few minutes the first time)`);
      const binary = await buildNative(out.progress());
      out.result({ nativeProver: binary }, () => `native Groth16 prover ready: ${binary}`);
    });

  setup
    .command("python")
    .description("create the EZKL backend's Python venv in the cache directory (needs python3; ezkl from PyPI)")
    .option("--json", "print where the interpreter is as one JSON document")
    .action(async () => {
      const python = await ensurePythonEnv(out.progress());
      out.result({ python }, () => `EZKL Python ready: ${python}`);
    });
}
