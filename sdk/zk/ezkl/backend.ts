/**
 * EZKL (Halo2-KZG) backend. The native EZKL (PyPI `ezkl` 21.0.x in the
 * project venv) does settings, calibration, compilation, SRS, keys, witness
 * and proving through sdk/zk/ezkl/driver.py; `@ezkljs/engine` (EZKL 21 as
 * WASM) verifies in-process.
 *
 * Visibility: input and outputs are "public", weights "fixed" (part of the
 * verifying key). The backend adds one graph input, the request binding
 * (sdk/zk/ezkl/binding.ts), after the model's own. The verifier's instances
 * are the quantized input values, the binding's limbs, then the output values,
 * [inputs…, binding limbs…, outputs…], as BN254 field elements (v < 0 as
 * p - |v|). EZKL's input scale is forced to our fracBits, so the input
 * instances are exactly our integer input (sdk/quant: q = round(x·2^F)), and
 * the adapter turns a request's int16 input into them one by one;
 * see proveQuantized and docs/ezkl.md.
 *
 * A model whose generated verifier is over the EVM's 24,576-byte limit gets
 * EZKL's reusable verifier and a per-model verifying-key artefact (VKA)
 * instead, behind a small wrapper with the same verifyProof(bytes, uint256[])
 * (contracts/adapters/ezkl/EzklReusableVerifier.sol; sdk/zk/ezkl/deploy.ts).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

import { keccakBytes } from "../../commit/keccak.js";
import { InputError } from "../../errors.js";
import type { Model } from "../../model.js";
import { DEFAULT_QUANT_CONFIG } from "../../quant/scheme.js";
import { type SampleLike, sampleInputs } from "../../io/inputFile.js";
import { buildAtomically, buildFileAtomically } from "../artifacts.js";
import { cacheDir } from "../../paths.js";
import { fromField } from "../groth16/witness.js";
import { type Progress, type StageTiming, silentProgress, stage } from "../progress.js";
import { type CompiledContract, compileSolidity } from "../solidity.js";
import { BINDING_INPUT, BINDING_LIMBS, bindingFromLimbs, bindingLimbs, withBindingInput } from "./binding.js";
import { EZKL_VERSION, EzklDriver, EzklError } from "./driver.js";

export { EzklError };
/** Signed integer <-> BN254 field element (EZKL's field is the same as circom's): shared with the Groth16 path. */
export { toField } from "../../commit/poseidon.js";
export { fromField } from "../groth16/witness.js";

export const VISIBILITY = { input: "public", output: "public", param: "fixed" } as const;
/** EVM contract size limit (EIP-170). */
export const MAX_CONTRACT_BYTES = 24_576;

/** One request to the session's EZKL worker (started on first use, which may first create its Python venv). */
const request = async (stage: string, args: Record<string, unknown>, progress?: Progress) =>
  (await EzklDriver.start(progress)).request(stage, args);

/**
 * EZKL's input file: `input_data` holds one flat array per graph input; for
 * calibration, each holds the samples' values one after another. The binding
 * input (last) is zero: the graph never reads it.
 */
function inputJson(samples: readonly SampleLike[]): string {
  const perInput: number[][] = [];
  for (const s of samples) sampleInputs(s).forEach((t, i) => (perInput[i] ??= []).push(...t.data));
  perInput.push(new Array<number>(BINDING_LIMBS * samples.length).fill(0));
  return valuesJson(perInput);
}

function valuesJson(perInput: readonly (readonly number[])[]): string {
  return JSON.stringify({ input_data: perInput });
}

/**
 * One instance as EZKL writes it in proof and witness files (32-byte
 * little-endian hex, no 0x) -> the field element; a 0x-prefixed value is read
 * as a big-endian number.
 */
export function instanceValue(hex: string): bigint {
  if (hex.startsWith("0x")) return BigInt(hex);
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new InputError(`not an EZKL instance (32-byte little-endian hex): "${hex}"`);
  return BigInt(`0x${Buffer.from(hex, "hex").reverse().toString("hex")}`);
}

/** The inverse of instanceValue: a field element as EZKL's 32-byte little-endian hex. */
export function instanceHex(v: bigint): string {
  return Buffer.from(v.toString(16).padStart(64, "0"), "hex").reverse().toString("hex");
}

/** A proof file's instances, flat, as field elements: exactly the `instances` argument of verifyProof. */
export function proofInstances(json: EzklProof["json"]): bigint[] {
  return json.instances.flat().map(instanceValue);
}

export interface EzklCompileOptions {
  /** Samples to calibrate the scales on (default: the model's own sample input). */
  readonly calibration?: readonly SampleLike[];
  /**
   * EZKL's input scale, also used for the weights: EZKL quantizes an input x
   * as round(x·2^scale). Default: the model's fracBits (Model) or
   * DEFAULT_QUANT_CONFIG.fracBits (compileFile), so the input instances are
   * our integer input.
   */
  readonly inputScale?: number;
  readonly progress?: Progress;
  /** Root of the artefact folders (default build/); benchmarks use a fresh one to time a cold build. */
  readonly buildRoot?: string;
  /**
   * Also render EZKL's reusable verifier and the model's verifying-key
   * artefact (create_evm_vka) when the single verifier fits the size limit
   * (over the limit they are always rendered).
   */
  readonly reusableVerifier?: boolean;
}

export interface EzklProof {
  readonly path: string;
  /** The proof file as EZKL wrote it (JSON with instances, proof bytes, pretty outputs). */
  readonly json: {
    instances: string[][];
    proof: string | number[];
    hex_proof?: string;
    pretty_public_inputs?: { rescaled_outputs?: string[][] };
  };
  /** EZKL's quantized outputs, rescaled to floats. */
  readonly outputs: number[];
  readonly timings: StageTiming[];
}

/** A proof made from our integer input, with what verifyProof(bytes proof, uint256[] instances) takes. */
export interface EzklQuantizedProof extends Omit<EzklProof, "outputs"> {
  /** verifyProof's `instances`: [inputs…, binding limbs…, outputs…] as field elements (v < 0 as p - |v|). */
  readonly instances: bigint[];
  /** The input instances as signed integers: the input proved (equal to the input given). */
  readonly inputs: bigint[];
  /** The request binding the proof carries (its limbs reassembled; 0 when none was given). */
  readonly binding: bigint;
  /** The output instances as signed integers: EZKL's outputs at scale circuit.outputScales (q stands for q / 2^scale). */
  readonly outputs: bigint[];
  /** The same outputs as floats, as EZKL rescales them. */
  readonly rescaledOutputs: number[];
  /** verifyProof's `proof` bytes, 0x hex. */
  readonly proofBytes: string;
}

/** What the circuit's settings.json says about its instances and scales. */
interface EzklSettings {
  run_args: { logrows: number; input_scale: number };
  model_instance_shapes: number[][];
  model_input_scales: number[];
  model_output_scales: number[];
}

/** Inputs must stay exact as EZKL's f32 floats q / 2^scale. */
const MAX_EXACT_INPUT = 2 ** 24;

export class EzklCircuit {
  /** EZKL's scale of every input: an input instance q stands for q / 2^inputScale. */
  readonly inputScale: number;
  /** EZKL's scale of each output (after its rebasing); 8 = our fracBits for the zoo models. */
  readonly outputScales: readonly number[];
  /** Number of input instances (the model's inputs, flattened, without the binding), then of output instances. */
  readonly inputLength: number;
  /** Number of input instances of each of the model's graph inputs, in order. */
  readonly inputSizes: readonly number[];
  /** Number of binding instances (BINDING_LIMBS), right after the input instances. */
  readonly bindingLength: number;
  readonly outputLength: number;
  private compiledVerifier?: CompiledContract;

  private constructor(
    readonly dir: string,
    readonly srsPath: string,
    readonly logrows: number,
    readonly timings: StageTiming[],
    settings: EzklSettings,
  ) {
    const { model_input_scales: ins, model_output_scales: outs, model_instance_shapes: shapes } = settings;
    if (ins.some((s) => s !== ins[0])) throw new EzklError("settings", `inputs have different scales (${ins.join(", ")})`);
    this.inputScale = ins[0] ?? settings.run_args.input_scale;
    this.outputScales = outs;
    const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
    // the binding input is the last graph input (withBindingInput appends it)
    this.inputSizes = shapes.slice(0, ins.length - 1).map(size);
    this.inputLength = this.inputSizes.reduce((a, n) => a + n, 0);
    this.bindingLength = size(shapes[ins.length - 1] ?? [0]);
    if (this.bindingLength !== BINDING_LIMBS) {
      throw new EzklError("settings", `the binding input has ${this.bindingLength} instances, not ${BINDING_LIMBS}`);
    }
    this.outputLength = shapes.slice(ins.length).reduce((a, s) => a + size(s), 0);
  }

  static async compile(model: Model, options: EzklCompileOptions = {}): Promise<EzklCircuit> {
    return EzklCircuit.compileFile(model.path, model.graph.name || "model", {
      inputScale: model.quantized.config.fracBits,
      ...options,
    });
  }

  /** Compiles an .onnx file directly (EZKL reads the ONNX itself, not our IR). */
  static async compileFile(onnxPath: string, name: string, options: EzklCompileOptions = {}): Promise<EzklCircuit> {
    const progress = options.progress ?? silentProgress;
    const timings: StageTiming[] = [];
    const calibration = options.calibration ?? [];
    if (calibration.length === 0) throw new InputError("EZKL needs calibration samples (options.calibration)");
    const inputScale = options.inputScale ?? DEFAULT_QUANT_CONFIG.fracBits;
    if (!Number.isInteger(inputScale) || inputScale < 0 || inputScale > 30) {
      throw new InputError(`EZKL input scale must be an integer in 0..30, got ${inputScale}`);
    }
    const onnx = readFileSync(onnxPath);
    const enc = new TextEncoder();
    const key = keccakBytes(
      onnx,
      enc.encode(JSON.stringify({ ...VISIBILITY, inputScale, binding: [BINDING_INPUT, BINDING_LIMBS] }) + EZKL_VERSION),
      enc.encode(inputJson(calibration)),
    ).slice(2, 18);
    const root = options.buildRoot ?? cacheDir();
    const dir = join(root, "ezkl", `${name.replace(/[^A-Za-z0-9_.-]/g, "_")}-${key}`);
    const p = (f: string) => join(dir, f);
    await stage(progress, timings, "settings + calibrate + compile", () =>
      buildAtomically(dir, async (tmp) => {
        const t = (f: string) => join(tmp, f);
        writeFileSync(t("calibration.json"), inputJson(calibration));
        // the graph EZKL compiles: the model plus the binding input (binding.ts)
        try {
          writeFileSync(t("model.onnx"), withBindingInput(onnx));
        } catch (e) {
          throw new EzklError("settings", `${onnxPath}: ${(e as Error).message}`);
        }
        const args = {
          model: t("model.onnx"),
          settings: t("settings.json"),
          compiled: t("model.compiled"),
          calibration: t("calibration.json"),
          input_visibility: VISIBILITY.input,
          output_visibility: VISIBILITY.output,
          param_visibility: VISIBILITY.param,
          input_scale: inputScale,
        };
        await request("settings", args, progress);
      }),
    );
    const settings = JSON.parse(readFileSync(p("settings.json"), "utf8")) as EzklSettings;
    const logrows = settings.run_args.logrows;
    const srsPath = join(root, "ezkl", "srs", `kzg${logrows}-INSECURE-dev.srs`);
    await stage(progress, timings, `SRS 2^${logrows} (INSECURE dev)`, () =>
      buildFileAtomically(srsPath, async (tmp) => {
        await request("srs", { srs: tmp, logrows });
      }),
    );
    await stage(progress, timings, "setup (keys)", () =>
      buildAtomically(p("keys"), async (tmp) => {
        await request("setup", { compiled: p("model.compiled"), vk: join(tmp, "vk.key"), pk: join(tmp, "pk.key"), srs: srsPath });
      }),
    );
    await stage(progress, timings, "Solidity verifier", () =>
      buildAtomically(p("evm"), async (tmp) => {
        const keys = p("keys");
        await request("evm-verifier", {
          vk: join(keys, "vk.key"),
          settings: p("settings.json"),
          sol: join(tmp, "Halo2Verifier.sol"),
          abi: join(tmp, "Halo2Verifier.abi"),
          srs: srsPath,
        });
        const sol = join(tmp, "Halo2Verifier.sol");
        writeFileSync(
          sol,
          `// GENERATED by EZKL ${EZKL_VERSION} (create_evm_verifier) for the vinfer model "${name}". Do not edit.\n${readFileSync(sol, "utf8")}`,
        );
      }),
    );
    const circuit = new EzklCircuit(dir, srsPath, logrows, timings, settings);
    if (options.reusableVerifier || circuit.verifierSize() > MAX_CONTRACT_BYTES) {
      await stage(progress, timings, "reusable verifier + verifying-key artefact", () =>
        buildAtomically(p("evm-reusable"), async (tmp) => {
          const keys = p("keys");
          await request("evm-reusable", {
            vk: join(keys, "vk.key"),
            settings: p("settings.json"),
            verifier_sol: join(tmp, "Halo2VerifierReusable.sol"),
            verifier_abi: join(tmp, "Halo2VerifierReusable.abi"),
            vka_sol: join(tmp, "Halo2VerifyingArtifact.sol"),
            vka_abi: join(tmp, "Halo2VerifyingArtifact.abi"),
            srs: srsPath,
          });
          for (const [file, what] of [
            ["Halo2VerifierReusable.sol", "create_evm_verifier, reusable"],
            ["Halo2VerifyingArtifact.sol", "create_evm_vka"],
          ] as const) {
            const sol = join(tmp, file);
            writeFileSync(
              sol,
              `// GENERATED by EZKL ${EZKL_VERSION} (${what}) for the vinfer model "${name}". Do not edit.\n${readFileSync(sol, "utf8")}`,
            );
          }
        }),
      );
    }
    return circuit;
  }

  private file(name: string): string {
    return join(this.dir, name);
  }

  /**
   * Proves from a float sample (one tensor per graph input); EZKL quantizes it as round(x·2^inputScale).
   * The binding is 0 (bound to no request).
   */
  async prove(input: SampleLike, outDir: string, progress: Progress = silentProgress): Promise<EzklProof> {
    return this.proveValues(
      [...sampleInputs(input).map((t) => Array.from(t.data)), new Array<number>(BINDING_LIMBS).fill(0)],
      outDir,
      progress,
    );
  }

  /**
   * Proves from OUR integer input (sdk/quant, e.g. `model.runInteger(...).inputs`):
   * EZKL is fed the floats q / 2^inputScale, exact, so its input instances
   * are q itself. Throws if a proved input instance differed from q.
   * `binding` (a field element: sdk/protocol/binding.ts' fieldBinding) goes
   * into the binding instances; 0 binds the proof to no request.
   */
  async proveQuantized(
    input: readonly bigint[] | ArrayLike<number>,
    outDir: string,
    progress: Progress = silentProgress,
    binding = 0n,
  ): Promise<EzklQuantizedProof> {
    const q = Array.from(input as ArrayLike<number | bigint>, (v) => {
      if (typeof v === "number" && !Number.isSafeInteger(v)) throw new InputError(`input value ${v} is not an integer`);
      return BigInt(v);
    });
    if (q.length !== this.inputLength) throw new InputError(`the circuit takes ${this.inputLength} input values, got ${q.length}`);
    const bad = q.find((v) => v <= -MAX_EXACT_INPUT || v >= MAX_EXACT_INPUT);
    if (bad !== undefined) throw new InputError(`input value ${bad} is outside (-2^24, 2^24): not exact as EZKL's f32 input`);
    // the flat request input is the graph inputs one after another: EZKL takes one array per input
    let offset = 0;
    const perInput = this.inputSizes.map((n) => q.slice(offset, (offset += n)).map((v) => Number(v) / 2 ** this.inputScale));
    const limbs = bindingLimbs(binding);
    perInput.push(limbs.map((v) => Number(v) / 2 ** this.inputScale));
    const proof = await this.proveValues(perInput, outDir, progress);
    const instances = proofInstances(proof.json);
    const inputEnd = this.inputLength + this.bindingLength;
    if (instances.length !== inputEnd + this.outputLength) {
      throw new EzklError(
        "prove",
        `expected ${this.inputLength} + ${this.bindingLength} + ${this.outputLength} instances, the proof has ${instances.length}`,
      );
    }
    const inputs = instances.slice(0, this.inputLength).map(fromField);
    const i = inputs.findIndex((v, k) => v !== q[k]);
    if (i >= 0) throw new EzklError("prove", `input instance ${i} is ${inputs[i]}, not the input ${q[i]} (input scale ${this.inputScale})`);
    const proved = instances.slice(this.inputLength, inputEnd);
    const b = proved.findIndex((v, k) => v !== limbs[k]);
    if (b >= 0) throw new EzklError("prove", `binding instance ${b} is ${proved[b]}, not the limb ${limbs[b]}`);
    const { json } = proof;
    const proofBytes = json.hex_proof ?? (typeof json.proof === "string" ? json.proof : `0x${Buffer.from(json.proof).toString("hex")}`);
    return {
      path: proof.path,
      json,
      timings: proof.timings,
      instances,
      inputs,
      binding: bindingFromLimbs(proved),
      outputs: instances.slice(inputEnd).map(fromField),
      rescaledOutputs: proof.outputs,
      proofBytes,
    };
  }

  private async proveValues(perInput: readonly (readonly number[])[], outDir: string, progress: Progress): Promise<EzklProof> {
    const timings: StageTiming[] = [];
    mkdirSync(outDir, { recursive: true });
    const inputPath = join(outDir, "input.json");
    writeFileSync(inputPath, valuesJson(perInput));
    const witness = join(outDir, "witness.json");
    const proofPath = join(outDir, "proof.json");
    await stage(progress, timings, "witness", () =>
      request("witness", { input: inputPath, compiled: this.file("model.compiled"), witness }),
    );
    await stage(progress, timings, "prove", () =>
      request("prove", {
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
    const r = await request("verify", {
      proof: proofPath,
      settings: this.file("settings.json"),
      vk: join(this.file("keys"), "vk.key"),
      srs: this.srsPath,
    });
    return r.valid === true;
  }

  /** EZKL's rescaled outputs for many samples (witness generation only, no proof). */
  async outputs(inputs: readonly SampleLike[], workdir: string): Promise<number[][]> {
    mkdirSync(workdir, { recursive: true });
    const paths = inputs.map((t, i) => {
      const path = join(workdir, `input-${i}.json`);
      writeFileSync(path, inputJson([t]));
      return path;
    });
    const r = await request("outputs", { inputs: paths, compiled: this.file("model.compiled"), workdir });
    return (r.outputs as string[][][]).map((o) => o.flat().map(Number));
  }

  /** The calldata of verifyProof(proof, instances) for a proof file, from EZKL's encoder (= the ABI encoding of proofBytes, instances). */
  async calldata(proofPath: string): Promise<string> {
    const out = `${proofPath}.calldata`;
    await request("calldata", { proof: proofPath, calldata: out });
    return `0x${readFileSync(out).toString("hex")}`;
  }

  verifierSource(): string {
    return readFileSync(join(this.file("evm"), "Halo2Verifier.sol"), "utf8");
  }

  /** The generated single Halo2Verifier compiled with npm solc (compiled once per circuit object). */
  private singleVerifier(): CompiledContract {
    this.compiledVerifier ??= compileSolidity(this.verifierSource(), "Halo2Verifier.sol", "Halo2Verifier");
    return this.compiledVerifier;
  }

  /** Deployed size in bytes of the single generated verifier. */
  verifierSize(): number {
    return (this.singleVerifier().deployedBytecode.length - 2) / 2;
  }

  /** Whether the single verifier is over the EVM size limit, so the model needs the reusable verifier and its VKA. */
  get needsReusableVerifier(): boolean {
    return this.verifierSize() > MAX_CONTRACT_BYTES;
  }

  /**
   * The generated Halo2Verifier compiled with npm solc; refuses one over the EVM size limit
   * (deploy the reusable verifier instead: reusableVerifierContracts, deployEzklVerifier).
   */
  verifierContract(): CompiledContract {
    const size = this.verifierSize();
    if (size > MAX_CONTRACT_BYTES) {
      throw new EzklError(
        "evm-verifier",
        `the verifier is ${size} bytes, over the ${MAX_CONTRACT_BYTES}-byte contract limit; deploy EZKL's reusable verifier and this model's verifying-key artefact instead (deployEzklVerifier, sdk/zk/ezkl/deploy.ts)`,
      );
    }
    return this.singleVerifier();
  }

  /**
   * EZKL's reusable verifier (Halo2VerifierReusable: verifyProof(address vk, bytes, uint256[]),
   * the same code for every model of this EZKL version) and this model's verifying-key
   * artefact (Halo2VerifyingArtifact: its constructor returns the key as the contract's code),
   * compiled with npm solc. Rendered at compile when the single verifier is over the limit,
   * or with the reusableVerifier option.
   */
  reusableVerifierContracts(): { verifier: CompiledContract; artifact: CompiledContract } {
    const dir = this.file("evm-reusable");
    if (!existsSync(dir)) {
      throw new EzklError("evm-verifier", `no reusable verifier was rendered for ${this.dir} (compile with the reusableVerifier option)`);
    }
    const read = (f: string) => readFileSync(join(dir, f), "utf8");
    return {
      verifier: compileSolidity(read("Halo2VerifierReusable.sol"), "Halo2VerifierReusable.sol", "Halo2VerifierReusable"),
      artifact: compileSolidity(read("Halo2VerifyingArtifact.sol"), "Halo2VerifyingArtifact.sol", "Halo2VerifyingArtifact"),
    };
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
