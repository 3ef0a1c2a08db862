/**
 * EZKL (Halo2-KZG) backend. The native EZKL (PyPI `ezkl` 21.0.x in the
 * project venv) does settings, calibration, compilation, SRS, keys, witness
 * and proving through sdk/zk/ezkl/driver.py; `@ezkljs/engine` (EZKL 21 as
 * WASM) verifies in-process.
 *
 * Visibility: the input is "hashed" (EZKL's own Poseidon of the quantized
 * input is a public instance), outputs are "public", weights "fixed" (part of
 * the verifying key). A verifier therefore sees a commitment to the input and
 * the output values, which is what binds a proof to one request.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

import { keccakBytes } from "../../commit/keccak.js";
import { InputError } from "../../errors.js";
import type { Model } from "../../model.js";
import type { Tensor } from "../../tensor.js";
import { BUILD_DIR, buildAtomically, buildFileAtomically } from "../artifacts.js";
import { type CompiledContract, compileSolidity } from "../solidity.js";
import { EZKL_VERSION, EzklDriver, EzklError } from "./driver.js";

export { EzklError };
import { type Progress, type StageTiming, silentProgress, stage } from "../progress.js";

export const VISIBILITY = { input: "hashed", output: "public", param: "fixed" } as const;
/** EVM contract size limit (EIP-170). */
export const MAX_CONTRACT_BYTES = 24_576;

const driver = () => EzklDriver.get();

/** EZKL's input file: `input_data` holds one flat array; for calibration, the samples one after another. */
function inputJson(samples: readonly Tensor[]): string {
  return JSON.stringify({ input_data: [samples.flatMap((t) => Array.from(t.data))] });
}

export interface EzklCompileOptions {
  /** Samples to calibrate the scales on (default: the model's own sample input). */
  readonly calibration?: readonly Tensor[];
  readonly progress?: Progress;
  /** Root of the artefact folders (default build/); benchmarks use a fresh one to time a cold build. */
  readonly buildRoot?: string;
}

export interface EzklProof {
  readonly path: string;
  /** The proof file as EZKL wrote it (JSON with instances, proof bytes, pretty outputs). */
  readonly json: { instances: string[][]; proof: string | number[]; pretty_public_inputs?: { rescaled_outputs?: string[][] } };
  /** EZKL's quantized outputs, rescaled to floats. */
  readonly outputs: number[];
  readonly timings: StageTiming[];
}

export class EzklCircuit {
  private constructor(
    readonly dir: string,
    readonly srsPath: string,
    readonly logrows: number,
    readonly timings: StageTiming[],
  ) {}

  static async compile(model: Model, options: EzklCompileOptions = {}): Promise<EzklCircuit> {
    return EzklCircuit.compileFile(model.path, model.graph.name || "model", options);
  }

  /** Compiles an .onnx file directly (EZKL reads the ONNX itself, not our IR). */
  static async compileFile(onnxPath: string, name: string, options: EzklCompileOptions = {}): Promise<EzklCircuit> {
    const progress = options.progress ?? silentProgress;
    const timings: StageTiming[] = [];
    const calibration = options.calibration ?? [];
    if (calibration.length === 0) throw new InputError("EZKL needs calibration samples (options.calibration)");
    const onnx = readFileSync(onnxPath);
    const enc = new TextEncoder();
    const key = keccakBytes(onnx, enc.encode(JSON.stringify(VISIBILITY) + EZKL_VERSION), enc.encode(inputJson(calibration))).slice(2, 18);
    const root = options.buildRoot ?? BUILD_DIR;
    const dir = join(root, "ezkl", `${name.replace(/[^A-Za-z0-9_.-]/g, "_")}-${key}`);
    const p = (f: string) => join(dir, f);
    await stage(progress, timings, "settings + calibrate + compile", () =>
      buildAtomically(dir, async (tmp) => {
        const t = (f: string) => join(tmp, f);
        writeFileSync(t("calibration.json"), inputJson(calibration));
        const args = {
          model: onnxPath,
          settings: t("settings.json"),
          compiled: t("model.compiled"),
          calibration: t("calibration.json"),
          input_visibility: VISIBILITY.input,
          output_visibility: VISIBILITY.output,
          param_visibility: VISIBILITY.param,
        };
        await driver().request("settings", args);
      }),
    );
    const settings = JSON.parse(readFileSync(p("settings.json"), "utf8")) as { run_args: { logrows: number } };
    const logrows = settings.run_args.logrows;
    const srsPath = join(root, "ezkl", "srs", `kzg${logrows}-INSECURE-dev.srs`);
    await stage(progress, timings, `SRS 2^${logrows} (INSECURE dev)`, () =>
      buildFileAtomically(srsPath, async (tmp) => {
        await driver().request("srs", { srs: tmp, logrows });
      }),
    );
    await stage(progress, timings, "setup (keys)", () =>
      buildAtomically(p("keys"), async (tmp) => {
        await driver().request("setup", { compiled: p("model.compiled"), vk: join(tmp, "vk.key"), pk: join(tmp, "pk.key"), srs: srsPath });
      }),
    );
    await stage(progress, timings, "Solidity verifier", () =>
      buildAtomically(p("evm"), async (tmp) => {
        const keys = p("keys");
        await driver().request("evm-verifier", {
          vk: join(keys, "vk.key"),
          settings: p("settings.json"),
          sol: join(tmp, "Halo2Verifier.sol"),
          abi: join(tmp, "Halo2Verifier.abi"),
          srs: srsPath,
        });
      }),
    );
    return new EzklCircuit(dir, srsPath, logrows, timings);
  }

  private file(name: string): string {
    return join(this.dir, name);
  }

  async prove(input: Tensor, outDir: string, progress: Progress = silentProgress): Promise<EzklProof> {
    const timings: StageTiming[] = [];
    mkdirSync(outDir, { recursive: true });
    const inputPath = join(outDir, "input.json");
    writeFileSync(inputPath, inputJson([input]));
    const witness = join(outDir, "witness.json");
    const proofPath = join(outDir, "proof.json");
    await stage(progress, timings, "witness", () =>
      driver().request("witness", { input: inputPath, compiled: this.file("model.compiled"), witness }),
    );
    await stage(progress, timings, "prove", () =>
      driver().request("prove", {
        witness,
        compiled: this.file("model.compiled"),
        pk: join(this.file("keys"), "pk.key"),
        proof: proofPath,
        srs: this.srsPath,
      }),
    );
    const json = JSON.parse(readFileSync(proofPath, "utf8")) as EzklProof["json"];
    const outputs = (json.pretty_public_inputs?.rescaled_outputs ?? []).flat().map(Number);
    return { path: proofPath, json, outputs, timings };
  }

  /** Native verification (EZKL in Python). */
  async verifyNative(proofPath: string): Promise<boolean> {
    const r = await driver().request("verify", {
      proof: proofPath,
      settings: this.file("settings.json"),
      vk: join(this.file("keys"), "vk.key"),
      srs: this.srsPath,
    });
    return r.valid === true;
  }

  /** EZKL's rescaled outputs for many inputs (witness generation only, no proof). */
  async outputs(inputs: readonly Tensor[], workdir: string): Promise<number[][]> {
    mkdirSync(workdir, { recursive: true });
    const paths = inputs.map((t, i) => {
      const path = join(workdir, `input-${i}.json`);
      writeFileSync(path, inputJson([t]));
      return path;
    });
    const r = await driver().request("outputs", { inputs: paths, compiled: this.file("model.compiled"), workdir });
    return (r.outputs as string[][][]).map((o) => o.flat().map(Number));
  }

  /** The calldata of verifyProof(proof, instances) for a proof file, from EZKL's encoder. */
  async calldata(proofPath: string): Promise<string> {
    const out = `${proofPath}.calldata`;
    await driver().request("calldata", { proof: proofPath, calldata: out });
    return `0x${readFileSync(out).toString("hex")}`;
  }

  verifierSource(): string {
    return readFileSync(join(this.file("evm"), "Halo2Verifier.sol"), "utf8");
  }

  /** The generated Halo2Verifier compiled with npm solc; refuses one over the EVM size limit. */
  verifierContract(): CompiledContract {
    const c = compileSolidity(this.verifierSource(), "Halo2Verifier.sol", "Halo2Verifier");
    const size = (c.deployedBytecode.length - 2) / 2;
    if (size > MAX_CONTRACT_BYTES) {
      throw new EzklError(
        "evm-verifier",
        `the verifier is ${size} bytes, over the ${MAX_CONTRACT_BYTES}-byte contract limit; EZKL's reusable verifier (create_evm_vka) is needed for this model and is not wired in yet`,
      );
    }
    return c;
  }

  /** Proves in-process with the WASM engine from a witness file (the other direction of compatibility). */
  proveWasm(witnessPath: string): unknown {
    const engine = loadEngine();
    const u8 = (b: Uint8Array) => new Uint8ClampedArray(b.buffer, b.byteOffset, b.byteLength);
    const proof = engine.prove(
      u8(readFileSync(witnessPath)),
      u8(readFileSync(join(this.file("keys"), "pk.key"))),
      u8(readFileSync(this.file("model.compiled"))),
      u8(readFileSync(this.srsPath)),
    );
    return JSON.parse(new TextDecoder().decode(proof));
  }

  /** In-process verification with the WASM engine (@ezkljs/engine); false for any invalid proof. */
  verifyWasm(proofJson: unknown): boolean {
    const engine = loadEngine();
    const u8 = (b: Uint8Array) => new Uint8ClampedArray(b.buffer, b.byteOffset, b.byteLength);
    try {
      return engine.verify(
        u8(new TextEncoder().encode(JSON.stringify(proofJson))),
        u8(readFileSync(join(this.file("keys"), "vk.key"))),
        u8(readFileSync(this.file("settings.json"))),
        u8(readFileSync(this.srsPath)),
      );
    } catch {
      return false;
    }
  }
}

interface EzklEngine {
  prove(witness: Uint8ClampedArray, pk: Uint8ClampedArray, compiled: Uint8ClampedArray, srs: Uint8ClampedArray): Uint8Array;
  verify(proof: Uint8ClampedArray, vk: Uint8ClampedArray, settings: Uint8ClampedArray, srs: Uint8ClampedArray): boolean;
}

function loadEngine(): EzklEngine {
  const require = createRequire(import.meta.url);
  return require("@ezkljs/engine/nodejs") as EzklEngine;
}
