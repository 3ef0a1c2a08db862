/**
 * Off-chain measures of each path on one model: cold set-up, proving (or
 * trace, or signing) time over repeats, peak memory of the proving process,
 * evidence and witness (or trace) size. Each prover proves the very request
 * the chain session made, so the last proof is the one fulfilled on chain.
 *
 * Groth16 runs as scripts/bench-prove.ts runs it: the native prover's binary
 * or snarkjs's CLI as its own process under /usr/bin/time, on a witness
 * written first, so time includes loading the key and memory is that
 * process's. EZKL proves in the SDK's long-lived Python worker (its VmHWM);
 * OPML and TEE work inside this process (its VmHWM, labelled as such).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

import { Model } from "../model.js";
import { buildClaim } from "../opml/claim.js";
import { modelProgram } from "../opml/program.js";
import type { ExecutionTrace } from "../opml/trace.js";
import { PACKAGE_ROOT } from "../paths.js";
import type { ModelProver, ProveContext } from "../proofs/proofSystem.js";
import { proofSystem } from "../proofs/registry.js";
import { fieldBinding } from "../protocol/binding.js";
import { ProofType } from "../protocol/proofType.js";
import type { TeeSettings } from "../tee/proofSystem.js";
import { readInputFile } from "../zoo/files.js";
import { EzklCircuit } from "../zk/ezkl/backend.js";
import { calibrationSamples } from "../zk/ezkl/calibration.js";
import { EzklProver } from "../zk/ezkl/proofSystem.js";
import { pythonPath } from "../zk/ezkl/pythonEnv.js";
import { Groth16Circuit, type Groth16Proof } from "../zk/groth16/backend.js";
import { nativeBinaryPath } from "../zk/groth16/native.js";
import { Groth16Prover, encodeGroth16Evidence } from "../zk/groth16/proofSystem.js";
import { devPtau, requiredPower } from "../zk/groth16/ptau.js";
import type { Progress } from "../zk/progress.js";
import { stats } from "./fit.js";
import { BenchError, measureInProcess, measureProcess } from "./process.js";
import type { OffchainMeasures } from "./schema.js";

const SNARKJS_CLI = join(PACKAGE_ROOT, "node_modules", "snarkjs", "build", "cli.cjs");
const EZKL_PIPELINE = join(PACKAGE_ROOT, "scripts", "ezkl_pipeline.py");

export const hexBytes = (hex: string): number => (hex.length - 2) / 2;

/** The model's sample input (input.json beside it), quantized: what every path proves. */
export function sampleInput(model: Model): bigint[] {
  const file = join(dirname(model.path), "input.json");
  if (!existsSync(file)) throw new BenchError(`${model.path}: no input.json beside the model to prove on`);
  return model.quantizedInput([readInputFile(file).samples[0]!]);
}

/** A path's off-chain result: its measures, and the last proof's output and evidence (fulfilled on chain). */
export interface Proven {
  readonly offchain: OffchainMeasures;
  readonly output: bigint[];
  readonly evidence: string;
}

/**
 * A path made ready for one model: its prover (whose verifier the chain
 * registers before the request is made), its cold set-up time, and the proving
 * of a request (the context binds the evidence to it).
 */
export interface PreparedPath {
  readonly prover: ModelProver;
  readonly setupMs: number | null;
  /** Something the cell's record should say (a measure left out, and why). */
  readonly note?: string;
  prove(ctx: ProveContext): Promise<Proven>;
}

export interface Groth16Options {
  readonly prover: "native" | "snarkjs";
  readonly repeat: number;
  readonly scratch: string;
  /** Largest circuit whose key snarkjs sets up too (`zkey new` takes minutes past ~30k constraints on 2 cores). */
  readonly snarkjsSetupMax: number;
  readonly progress: Progress;
}

export async function groth16Path(model: Model, o: Groth16Options): Promise<PreparedPath> {
  // the circuit and its dev keys, cached by content: the proving key the prover uses
  const circuit = await Groth16Circuit.compile(model, { progress: o.progress });
  const constraints = circuit.plan.constraints;
  const zkey = join(circuit.setupDir!, "circuit.zkey");
  const r1cs = join(circuit.dir, "circuit.r1cs");
  const power = requiredPower(constraints, circuit.plan.publicSignals.length);
  mkdirSync(o.scratch, { recursive: true });

  // set-up, cold: the key made again in scratch from the cached r1cs and powers of tau
  let setupMs: number | null = null;
  let note: string | undefined;
  if (o.prover === "native") {
    const out = join(o.scratch, "native.zkey");
    setupMs = measureProcess(nativeBinaryPath(), ["dev-zkey", "--r1cs", r1cs, "--ptau-power", String(power), "--out", out]).ms;
    rmSync(out, { force: true });
  } else if (constraints <= o.snarkjsSetupMax) {
    const ptau = await devPtau(power, o.progress);
    const out = join(o.scratch, "snarkjs.zkey");
    setupMs = measureProcess(process.execPath, [SNARKJS_CLI, "zkey", "new", r1cs, ptau, out]).ms;
    rmSync(out, { force: true });
  } else {
    note = `snarkjs set-up not measured above ${o.snarkjsSetupMax} constraints (--snarkjs-setup-max)`;
  }

  const prove = async (ctx: ProveContext): Promise<Proven> => {
    const wtns = join(o.scratch, "witness.wtns");
    const x = ctx.input.map((v) => Number(v));
    writeFileSync(wtns, await (await circuit.witnessCalculator()).wtnsOf(circuit.circuitInput({ binding: fieldBinding(ctx), x })));
    const [proofFile, publicFile] = [join(o.scratch, "proof.json"), join(o.scratch, "public.json")];
    const times: number[] = [];
    let peak = 0;
    for (let i = 0; i < o.repeat; i++) {
      const m =
        o.prover === "native"
          ? measureProcess(nativeBinaryPath(), ["prove", "--zkey", zkey, "--witness", wtns, "--proof", proofFile, "--public", publicFile])
          : measureProcess(process.execPath, [SNARKJS_CLI, "groth16", "prove", zkey, wtns, proofFile, publicFile]);
      times.push(m.ms);
      peak = Math.max(peak, m.peakMb);
    }
    const proof = {
      proof: JSON.parse(readFileSync(proofFile, "utf8")) as Groth16Proof["proof"],
      publicSignals: JSON.parse(readFileSync(publicFile, "utf8")) as string[],
    };
    if (!(await circuit.verify(proof))) throw new BenchError(`${model.graph.name}: the ${o.prover} Groth16 proof does not verify`);
    const evidence = encodeGroth16Evidence(proof);
    return {
      offchain: {
        setupMs,
        proveMs: stats(times),
        peakMemMb: peak,
        memoryScope: "process",
        evidenceBytes: hexBytes(evidence),
        witnessBytes: statSync(wtns).size,
        constraints,
        logrows: null,
      },
      output: circuit.decode(proof.publicSignals).outputs,
      evidence,
    };
  };
  return { prover: new Groth16Prover(model, circuit), setupMs, ...(note ? { note } : {}), prove };
}

export interface EzklOptions {
  readonly repeat: number;
  readonly scratch: string;
  readonly progress: Progress;
}

/** The protocol's EZKL path: settings, SRS, keys and verifier made cold in scratch (EzklCircuit's buildRoot), then proofs bound to the request. */
export async function ezklPath(model: Model, o: EzklOptions): Promise<PreparedPath> {
  const setup = await measureInProcess(() =>
    EzklCircuit.compile(model, { calibration: calibrationSamples(model), buildRoot: join(o.scratch, "cache"), progress: o.progress }),
  );
  const circuit = setup.value;
  const prover = new EzklProver(circuit);
  const prove = async (ctx: ProveContext): Promise<Proven> => {
    const times: number[] = [];
    let peak: number | null = null;
    let last: { output: bigint[]; evidence: string } | undefined;
    let witnessBytes: number | null = null;
    for (let i = 0; i < o.repeat; i++) {
      const workDir = join(o.scratch, `prove-${i}`);
      const m = await measureInProcess(() => prover.prove({ ...ctx, workDir }));
      times.push(m.ms);
      if (m.childPeakMb !== null) peak = Math.max(peak ?? 0, m.childPeakMb);
      last = m.value;
      const w = join(workDir, "witness.json");
      if (existsSync(w)) witnessBytes = statSync(w).size;
    }
    return {
      offchain: {
        setupMs: setup.ms,
        proveMs: stats(times),
        peakMemMb: peak,
        memoryScope: peak === null ? null : "worker-process",
        evidenceBytes: hexBytes(last!.evidence),
        witnessBytes,
        constraints: null,
        logrows: circuit.logrows,
        stages: Object.fromEntries(circuit.timings.map((t) => [t.stage, Math.round(t.ms)])),
      },
      output: last!.output,
      evidence: last!.evidence,
    };
  };
  return { prover, setupMs: setup.ms, prove };
}

export interface OpmlProven extends Proven {
  /** The honest trace: what the challenger plays from. */
  readonly honest: ExecutionTrace;
}

/**
 * OPML: set-up = what the model's OpmlModel is made of, from the file: load
 * and quantize, the weights commitment and the node programs (on a fresh
 * Model: the bench's own instance has them cached by earlier cells).
 */
export async function opmlPath(model: Model): Promise<{ prover: ModelProver; setupMs: number }> {
  const setup = await measureInProcess(() => {
    const fresh = Model.load(model.path, model.quantized.config);
    void fresh.commitment;
    return modelProgram(fresh);
  });
  return { prover: await proofSystem(ProofType.Opml).prepare(model), setupMs: setup.ms };
}

/** OPML's "proving": the execution trace and the claim (trace root and openings) on `input`, repeated. */
export async function opmlClaim(input: readonly bigint[], model: Model, setupMs: number, repeat: number): Promise<OpmlProven> {
  const times: number[] = [];
  let peak: number | null = null;
  let claim: ReturnType<typeof buildClaim> | undefined;
  for (let i = 0; i < repeat; i++) {
    const m = await measureInProcess(() => buildClaim(model, input));
    times.push(m.ms);
    if (m.selfGrowthMb !== null) peak = Math.max(peak ?? 0, m.selfGrowthMb);
    claim = m.value;
  }
  const traceValues = claim!.trace.steps.reduce((n, s) => n + s.values.length, 0);
  return {
    offchain: {
      setupMs,
      proveMs: stats(times),
      peakMemMb: peak,
      memoryScope: peak === null ? null : "bench-process",
      evidenceBytes: hexBytes(claim!.evidence),
      witnessBytes: traceValues * 8,
      constraints: null,
      logrows: null,
    },
    output: claim!.output,
    evidence: claim!.evidence,
    honest: claim!.trace,
  };
}

/** TEE (a SIMULATED dev enclave): set-up = loading the model into the enclave from its file; prove = integer interpreter + EIP-712 signature. */
export async function teePath(model: Model, tee: TeeSettings, repeat: number): Promise<PreparedPath> {
  // set-up: the enclave loads the model from its file (decode, quantize, model id), as a fresh Model
  const setup = await measureInProcess(() =>
    proofSystem(ProofType.Tee).prepare(Model.load(model.path, model.quantized.config), { settings: { tee } }),
  );
  const prover = setup.value;
  const prove = async (ctx: ProveContext): Promise<Proven> => {
    const times: number[] = [];
    let peak: number | null = null;
    let last: { output: bigint[]; evidence: string } | undefined;
    for (let i = 0; i < repeat; i++) {
      const m = await measureInProcess(() => prover.prove(ctx));
      times.push(m.ms);
      if (m.selfGrowthMb !== null) peak = Math.max(peak ?? 0, m.selfGrowthMb);
      last = m.value;
    }
    return {
      offchain: {
        setupMs: setup.ms,
        proveMs: stats(times),
        peakMemMb: peak,
        memoryScope: peak === null ? null : "bench-process",
        evidenceBytes: hexBytes(last!.evidence),
        witnessBytes: null,
        constraints: null,
        logrows: null,
      },
      output: last!.output,
      evidence: last!.evidence,
    };
  };
  return { prover, setupMs: setup.ms, prove };
}

/** Raw EZKL (scripts/ezkl_pipeline.py, PyPI ezkl with its own calibration) on the same ONNX file, as a peer: one pipeline run. */
export function ezklRawOffchain(
  model: Model,
  scratch: string,
): { offchain: OffchainMeasures; version: string; stagesS: Record<string, number> } {
  const python = pythonPath();
  if (!existsSync(python)) throw new BenchError(`no Python venv with ezkl at ${python}: run \`npm run setup:python\``);
  const input = join(dirname(model.path), "input.json");
  const dir = join(scratch, "ezkl-raw");
  const r = measureProcess(python, [EZKL_PIPELINE, model.path, input, dir]);
  const run = JSON.parse(r.stdout.trim().split("\n").pop()!) as {
    ezkl_version: string;
    logrows: number;
    timings_s: Record<string, number>;
  };
  const t = run.timings_s;
  const setupS = ["gen_settings", "calibrate", "compile", "gen_srs", "setup"].reduce((a, k) => a + (t[k] ?? 0), 0);
  const proof = JSON.parse(readFileSync(join(dir, "proof.json"), "utf8")) as { hex_proof?: string };
  const witness = join(dir, "witness.json");
  return {
    offchain: {
      setupMs: setupS * 1000,
      proveMs: stats([t.prove! * 1000]),
      peakMemMb: r.peakMb,
      memoryScope: "process",
      evidenceBytes: proof.hex_proof ? hexBytes(proof.hex_proof) : null,
      witnessBytes: existsSync(witness) ? statSync(witness).size : null,
      constraints: null,
      logrows: run.logrows,
    },
    version: run.ezkl_version,
    stagesS: t,
  };
}
