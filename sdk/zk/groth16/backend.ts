/**
 * The Groth16 pipeline: integer model -> circom circuit -> r1cs + witness
 * wasm -> powers of tau -> proving/verifying keys -> proof -> verification
 * off-chain (snarkjs) and on-chain (generated Solidity verifier).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import * as snarkjs from "snarkjs";

import { keccakBytes } from "../../commit/keccak.js";
import { InputError, VinferError } from "../../errors.js";
import type { Model } from "../../model.js";
import { type Progress, type StageTiming, silentProgress, snarkjsLogger, stage } from "../progress.js";
import { buildAtomically } from "../artifacts.js";
import { circuitDir, circuitKey } from "./artifacts.js";
import { type CircuitOptions, type CircuitPlan, planCircuit } from "./circuitGen.js";
import { circomVersion, compileCircom } from "./circom.js";
import { nativeAvailable, nativeProve, type ProverChoice, resolveProver, runNative } from "./native.js";
import { devPtau, requiredPower } from "./ptau.js";
import { type CompiledContract, compileVerifier, renderVerifier } from "./solidityVerifier.js";
import { snarkjsCurve } from "./workers.js";
import { unpackInputs } from "./packing.js";
import { type CircuitInputs, CircuitWitness, toCircuitInput } from "./witness.js";
import { checkIntegerInputRanges } from "../../interp/integer.js";

export interface Groth16CompileOptions extends CircuitOptions {
  /** A powers-of-tau file from a public ceremony; default: the cached INSECURE dev file. */
  readonly ptau?: string;
  /** Also run the key set-up (default true); false stops after circom (witness only). */
  readonly setup?: boolean;
  /** Which prover proves (default: $VINFER_GROTH16_PROVER, else auto = native where built). */
  readonly prover?: ProverChoice;
  readonly progress?: Progress;
}

export interface Groth16Proof {
  readonly proof: snarkjs.Groth16Proof;
  readonly publicSignals: string[];
}

export interface Groth16ProveResult extends Groth16Proof {
  readonly prover: "native" | "snarkjs";
  readonly timings: StageTiming[];
}

export interface DecodedPublicSignals {
  /** The model input (signed), unpacked from the xPacked signals. */
  readonly inputs: bigint[];
  /** The integer outputs (signed). */
  readonly outputs: bigint[];
  readonly binding: bigint;
  /** Private-weights circuits only. */
  readonly weightsCommitment?: bigint;
}

/** Where a set-up's keys live, inside the circuit folder: one per powers-of-tau file. */
function setupLabel(ptau: string | undefined): string {
  if (!ptau) return "setup-dev-insecure-v2"; // v2: no phase-2 contribution (the same key natively and with snarkjs)
  const bytes = readFileSync(ptau);
  return `setup-${keccakBytes(bytes.subarray(0, 1 << 20), new TextEncoder().encode(String(bytes.length))).slice(2, 14)}`;
}

export class Groth16Circuit {
  private witnessCache?: CircuitWitness;

  private constructor(
    readonly model: Model,
    readonly dir: string,
    readonly plan: CircuitPlan,
    readonly setupDir: string | undefined,
    readonly timings: StageTiming[],
    readonly insecureSetup: boolean,
    readonly prover: ProverChoice | undefined,
  ) {}

  /** Compiles (or reuses) the circuit of `model` and, unless `setup: false`, its keys. */
  static async compile(model: Model, options: Groth16CompileOptions = {}): Promise<Groth16Circuit> {
    const progress = options.progress ?? silentProgress;
    const timings: StageTiming[] = [];
    const plan = await stage(
      progress,
      timings,
      "generate circuit",
      () => planCircuit(model.quantized, { ...options, emit: true }),
      (p) => `${p.constraints} constraints`,
    );
    const name = model.graph.name || "model";
    const dir = circuitDir(options.privateWeights ? `${name}-private` : name, circuitKey(plan.source!, circomVersion()));
    const cached = existsSync(dir);
    await stage(
      progress,
      timings,
      "circom compile",
      () =>
        buildAtomically(dir, async (tmp) => {
          writeFileSync(join(tmp, "circuit.circom"), plan.source!);
          const { nonLinearConstraints } = await compileCircom(tmp, { progress });
          checkPublicSignals(tmp, plan.publicSignals);
          if (nonLinearConstraints !== plan.constraints) {
            progress.detail(`note: circom reports ${nonLinearConstraints} constraints, the plan predicted ${plan.constraints}`);
          }
          const meta = { ...plan, source: undefined, circomConstraints: nonLinearConstraints };
          writeFileSync(join(tmp, "plan.json"), JSON.stringify(meta, null, 1));
        }),
      () => (cached ? "cached" : dir),
    );
    if (options.setup === false) return new Groth16Circuit(model, dir, plan, undefined, timings, !options.ptau, options.prover);

    if (options.ptau && !existsSync(options.ptau)) throw new InputError(`powers of tau file ${options.ptau} does not exist`);
    const setupDir = join(dir, setupLabel(options.ptau));
    const setupCached = existsSync(setupDir);
    await stage(
      progress,
      timings,
      "key set-up",
      () =>
        buildAtomically(setupDir, async (tmp) => {
          const zkey = join(tmp, "circuit.zkey");
          if (options.ptau) await ceremonySetup(join(dir, "circuit.r1cs"), options.ptau, zkey, progress);
          else await devSetup(join(dir, "circuit.r1cs"), requiredPower(plan.constraints, plan.publicSignals.length), zkey, progress);
          const vk = await snarkjs.zKey.exportVerificationKey(zkey, snarkjsLogger(progress));
          writeFileSync(join(tmp, "verification_key.json"), JSON.stringify(vk, null, 1));
          writeFileSync(join(tmp, "Groth16Verifier.sol"), await renderVerifier(zkey, name));
        }),
      () => (setupCached ? "cached" : options.ptau ? "ceremony ptau" : "INSECURE dev ptau"),
    );
    return new Groth16Circuit(model, dir, plan, setupDir, timings, !options.ptau, options.prover);
  }

  async witnessCalculator(): Promise<CircuitWitness> {
    this.witnessCache ??= await CircuitWitness.load(this.dir);
    return this.witnessCache;
  }

  /**
   * The circuit's input signals (x, xPacked, binding, w) for a quantized input. Throws InputError
   * for a value outside the activation range, InputRangeError for one outside the model's declared
   * input range (the circuit has no witness for either).
   */
  circuitInput(inputs: CircuitInputs): Record<string, unknown> {
    const signals = toCircuitInput(inputs, this.model.quantized.config.activationBits);
    const input = this.model.graph.inputs[0]!;
    checkIntegerInputRanges(this.model.quantized, new Map([[input.name, { data: inputs.x }]]));
    return signals;
  }

  /** The circuit's public signals for a quantized input, decoded: the integers it would prove. */
  async evaluate(inputs: CircuitInputs): Promise<DecodedPublicSignals> {
    const w = await (await this.witnessCalculator()).witnessOf(this.circuitInput(inputs));
    // circom orders the witness: 1, public outputs, public inputs, private signals.
    return this.decode(w.slice(1, 1 + this.plan.publicSignals.length).map(String));
  }

  /** Public signals (snarkjs order, plan.publicSignals) -> inputs, outputs, binding (and weightsCommitment). */
  decode(publicSignals: readonly string[]): DecodedPublicSignals {
    const names = this.plan.publicSignals;
    if (publicSignals.length !== names.length) throw new InputError(`expected ${names.length} public signals, got ${publicSignals.length}`);
    const values = publicSignals.map((v, i) => {
      try {
        return BigInt(v);
      } catch {
        throw new InputError(`public signal ${i} (${names[i]}) = "${v}" is not an integer`);
      }
    });
    const named = (prefix: string) => values.filter((_, i) => names[i]!.startsWith(prefix));
    const at = (name: string) => values[names.indexOf(name)]!;
    return {
      inputs: unpackInputs(named("xPacked["), this.plan.inputSize, this.model.quantized.config.activationBits),
      outputs: unpackInputs(named("yPacked["), this.plan.outputSize, this.model.quantized.config.activationBits),
      binding: at("binding"),
      ...(names.includes("weightsCommitment") ? { weightsCommitment: at("weightsCommitment") } : {}),
    };
  }

  private requireSetup(): string {
    if (!this.setupDir) throw new VinferError("NO_SETUP", "this circuit was compiled without key set-up (setup: false)");
    return this.setupDir;
  }

  /** Proves one input; `prover` overrides the circuit's choice (native where built, else snarkjs). */
  async prove(inputs: CircuitInputs, progress: Progress = silentProgress, prover?: ProverChoice): Promise<Groth16ProveResult> {
    const setupDir = this.requireSetup();
    const zkey = join(setupDir, "circuit.zkey");
    const which = resolveProver(prover ?? this.prover);
    const timings: StageTiming[] = [];
    const wtns = await stage(progress, timings, "witness", async () => (await this.witnessCalculator()).wtnsOf(this.circuitInput(inputs)));
    const { proof, publicSignals } = await stage(progress, timings, `prove (${which})`, async () => {
      if (which === "native") return nativeProve(zkey, wtns, progress);
      await snarkjsCurve();
      return snarkjs.groth16.prove(zkey, { type: "mem", data: wtns } as unknown as Uint8Array, snarkjsLogger(progress));
    });
    return { proof, publicSignals, prover: which, timings };
  }

  verificationKey(): snarkjs.VerificationKey {
    return JSON.parse(readFileSync(join(this.requireSetup(), "verification_key.json"), "utf8")) as snarkjs.VerificationKey;
  }

  /** Off-chain verification with snarkjs; false for any invalid proof or signals. */
  async verify(proof: Groth16Proof): Promise<boolean> {
    try {
      await snarkjsCurve();
      return await snarkjs.groth16.verify(this.verificationKey(), proof.publicSignals, proof.proof);
    } catch {
      return false;
    }
  }

  verifierSource(): string {
    return readFileSync(join(this.requireSetup(), "Groth16Verifier.sol"), "utf8");
  }

  verifierContract(): CompiledContract {
    return compileVerifier(this.verifierSource());
  }
}

/** Arguments of the generated verifier's verifyProof(pA, pB, pC, pubSignals). */
export function verifierCalldata(p: Groth16Proof): [string[], string[][], string[], string[]] {
  const { pi_a, pi_b, pi_c } = p.proof;
  // G2 coordinates are (c1, c0) in the EVM precompile's order
  return [
    pi_a.slice(0, 2),
    [
      [pi_b[0]![1]!, pi_b[0]![0]!],
      [pi_b[1]![1]!, pi_b[1]![0]!],
    ],
    pi_c.slice(0, 2),
    p.publicSignals,
  ];
}

/**
 * circom orders the public signals itself (outputs, then public inputs, in
 * declaration order); circuit.sym names each witness wire, so the plan's
 * order is checked against the compiled circuit, not assumed.
 */
function checkPublicSignals(dir: string, expected: readonly string[]): void {
  const wires = new Map<number, string>();
  for (const line of readFileSync(join(dir, "circuit.sym"), "utf8").split("\n")) {
    const [, wire, , name] = line.split(",");
    const w = Number(wire);
    if (w >= 1 && w <= expected.length && name?.startsWith("main.") && name.indexOf(".", 5) < 0) wires.set(w, name.slice(5));
  }
  const actual = Array.from({ length: expected.length }, (_, i) => wires.get(i + 1) ?? "?");
  if (actual.join() !== expected.join()) {
    throw new VinferError(
      "CIRCUIT_SIGNALS",
      `circom's public signals (${actual.join(", ")}) differ from the plan (${expected.join(", ")})`,
    );
  }
}

/**
 * The INSECURE development key: what snarkjs' `zkey new` makes from the dev
 * powers of tau of exactly the circuit's power, with no phase-2 contribution
 * (its secrets are published anyway, see ptau.ts). The native tool computes
 * the same bytes from the secrets directly, without the ptau file.
 */
async function devSetup(r1cs: string, power: number, zkey: string, progress: Progress): Promise<void> {
  if (nativeAvailable()) {
    await runNative(["dev-zkey", "--r1cs", r1cs, "--ptau-power", String(power), "--out", zkey], progress);
    return;
  }
  const ptau = await devPtau(power, progress);
  await snarkjsCurve();
  await snarkjs.zKey.newZKey(r1cs, ptau, zkey, snarkjsLogger(progress));
}

/** A key from a ceremony's powers of tau, with one fresh random phase-2 contribution. */
async function ceremonySetup(r1cs: string, ptau: string, zkey: string, progress: Progress): Promise<void> {
  const logger = snarkjsLogger(progress);
  await snarkjsCurve();
  await snarkjs.zKey.newZKey(r1cs, ptau, `${zkey}.initial`, logger);
  await snarkjs.zKey.contribute(`${zkey}.initial`, zkey, "vinfer", randomEntropy(), logger);
  rmSync(`${zkey}.initial`, { force: true });
}

function randomEntropy(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
}
