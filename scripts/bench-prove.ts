/**
 * Groth16 at scale (`npm run bench:prove`): for each zoo and sweep model, in
 * one run on one machine, the circuit size, the key set-up time and the
 * proving time and peak memory of
 *   - the native prover (native/groth16, arkworks, all cores),
 *   - snarkjs (the same .zkey and witness, through its CLI),
 *   - raw EZKL (Halo2-KZG) on the same ONNX model (scripts/ezkl_pipeline.py),
 * with the ratios. Every prover runs as its own process under /usr/bin/time,
 * so wall time includes loading the key and peak memory is that process's
 * maximum resident set. Every proof is verified.
 *
 *   npm run bench:prove -- [--models a,b] [--ezkl a,b] [--snarkjs-max N] [--snarkjs-setup-max N] [--runs N]
 *
 * Writes bench/results/prove.json and prove.csv; scripts/plot_prove.py draws prove.png.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Command } from "commander";

import { table } from "../cli/format.js";
import { Model } from "../sdk/model.js";
import { ZOO_DIR, readInputFile, zooModelNames } from "../sdk/zoo/files.js";
import { PACKAGE_ROOT } from "../sdk/paths.js";
import { Groth16Circuit } from "../sdk/zk/groth16/backend.js";
import { planCircuit } from "../sdk/zk/groth16/circuitGen.js";
import { nativeAvailable, nativeBinaryPath } from "../sdk/zk/groth16/native.js";
import { devPtau, requiredPower } from "../sdk/zk/groth16/ptau.js";
import { consoleProgress } from "../sdk/zk/progress.js";

const OUT = join(PACKAGE_ROOT, "bench", "results");
const PYTHON = join(PACKAGE_ROOT, ".venv", "bin", "python");
const SNARKJS_CLI = join(PACKAGE_ROOT, "node_modules", "snarkjs", "build", "cli.cjs");

const opts = new Command()
  .option("--models <names>", "models to run (default: every zoo model)")
  .option("--ezkl <names>", "models that also run raw EZKL", "digits-mlp,digits-cnn")
  .option("--snarkjs-max <n>", "largest circuit (constraints) proven by snarkjs too", "2000000")
  .option("--snarkjs-setup-max <n>", "largest circuit whose key snarkjs also sets up (zkey new)", "30000")
  .option("--runs <n>", "proofs per prover and model (median reported)", "3")
  .parse()
  .opts<{ models?: string; ezkl: string; snarkjsMax: string; snarkjsSetupMax: string; runs: string }>();

interface Measured {
  readonly ms: number;
  readonly peakMb: number;
}

/** Runs a command under /usr/bin/time; its wall time and peak resident memory. */
function measured(cmd: string, args: readonly string[]): Measured & { stdout: string } {
  const t0 = performance.now();
  const r = spawnSync("/usr/bin/time", ["-f", "peak-kb %M", cmd, ...args], { encoding: "utf8", maxBuffer: 256 << 20 });
  const ms = performance.now() - t0;
  const peak = /peak-kb (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !peak) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  return { ms, peakMb: Number(peak[1]) / 1024, stdout: r.stdout };
}

function median(runs: readonly Measured[]): Measured {
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  return { ms: sorted[Math.floor(sorted.length / 2)]!.ms, peakMb: Math.max(...runs.map((r) => r.peakMb)) };
}

interface Row {
  model: string;
  constraints: number;
  power: number;
  setupNative: Measured;
  setupSnarkjs: Measured | null;
  native: Measured;
  snarkjs: Measured | null;
  ezkl: { setupMs: number; proveMs: number; peakMb: number; logrows: number; version: string } | null;
}

if (!nativeAvailable()) {
  console.error(`the native prover is not built (${nativeBinaryPath()}): run npm run build:native first`);
  process.exit(1);
}
mkdirSync(OUT, { recursive: true });
const runs = Number(opts.runs);
const names = opts.models ? opts.models.split(",") : zooModelNames();
const sized = names
  .map((name) => ({ name, constraints: planCircuit(Model.load(name).quantized, { emit: false }).constraints }))
  .sort((a, b) => a.constraints - b.constraints);
const rows: Row[] = [];
const scratch = mkdtempSync(join(tmpdir(), "vinfer-bench-prove-"));

const failures: { model: string; constraints: number; error: string }[] = [];
for (const { name, constraints } of sized) {
  console.log(`\n== ${name}: ${constraints} constraints ==`);
  try {
    rows.push(await benchModel(name, constraints));
  } catch (err) {
    const error = (err as Error).message.split("\n").slice(0, 3).join(" ");
    console.log(`${name}: FAILED: ${error}`);
    failures.push({ model: name, constraints, error });
  }
}

async function benchModel(name: string, constraints: number): Promise<Row> {
  const model = Model.load(name);
  const progress = consoleProgress();
  const circuit = await Groth16Circuit.compile(model, { progress });
  const zkey = join(circuit.setupDir!, "circuit.zkey");
  const power = requiredPower(circuit.plan.constraints, circuit.plan.publicSignals.length);
  const r1cs = join(circuit.dir, "circuit.r1cs");
  // cold, whatever the cache holds: the key the pipeline's dev set-up makes, made again in scratch
  console.error("native dev-zkey…");
  const setupNative = measured(nativeBinaryPath(), [
    "dev-zkey",
    "--r1cs",
    r1cs,
    "--ptau-power",
    String(power),
    "--out",
    join(scratch, "native.zkey"),
  ]);

  const sample = readInputFile(join(ZOO_DIR, name, "input.json")).samples[0]!;
  const x = model.runInteger([sample]).inputs[0]!.data;
  const wtns = join(scratch, "witness.wtns");
  writeFileSync(wtns, await (await circuit.witnessCalculator()).wtnsOf(circuit.circuitInput({ binding: 1n, x })));
  const [proof, pub] = [join(scratch, "proof.json"), join(scratch, "public.json")];
  const verified = async () => {
    const p = { proof: JSON.parse(readFileSync(proof, "utf8")), publicSignals: JSON.parse(readFileSync(pub, "utf8")) };
    if (!(await circuit.verify(p))) throw new Error(`${name}: a proof did not verify`);
  };

  const nativeRuns: Measured[] = [];
  for (let i = 0; i < runs; i++) {
    console.error(`native prove ${i + 1}/${runs}…`);
    nativeRuns.push(measured(nativeBinaryPath(), ["prove", "--zkey", zkey, "--witness", wtns, "--proof", proof, "--public", pub]));
    await verified();
  }
  let snarkjs: Measured | null = null;
  if (constraints <= Number(opts.snarkjsMax)) {
    const snarkjsRuns: Measured[] = [];
    for (let i = 0; i < (constraints > 100_000 ? 1 : runs); i++) {
      console.error(`snarkjs prove ${i + 1}…`);
      snarkjsRuns.push(measured(process.execPath, [SNARKJS_CLI, "groth16", "prove", zkey, wtns, proof, pub]));
      await verified();
    }
    snarkjs = median(snarkjsRuns);
  }
  let setupSnarkjs: Measured | null = null;
  if (constraints <= Number(opts.snarkjsSetupMax)) {
    console.error("snarkjs zkey new…");
    const ptau = await devPtau(power, progress);
    setupSnarkjs = measured(process.execPath, [
      SNARKJS_CLI,
      "zkey",
      "new",
      join(circuit.dir, "circuit.r1cs"),
      ptau,
      join(scratch, "snarkjs.zkey"),
    ]);
  }
  let ezkl: Row["ezkl"] = null;
  if (opts.ezkl.split(",").includes(name) && existsSync(PYTHON)) {
    console.error("raw EZKL (settings, calibrate, compile, SRS, setup, witness, prove, verify)…");
    const dir = join(scratch, `ezkl-${name}`);
    const r = measured(PYTHON, [join(PACKAGE_ROOT, "scripts", "ezkl_pipeline.py"), model.path, join(ZOO_DIR, name, "input.json"), dir]);
    const run = JSON.parse(r.stdout.trim().split("\n").pop()!) as {
      ezkl_version: string;
      logrows: number;
      timings_s: Record<string, number>;
    };
    ezkl = {
      setupMs: ((run.timings_s.gen_srs ?? 0) + (run.timings_s.setup ?? 0)) * 1000,
      proveMs: run.timings_s.prove! * 1000,
      peakMb: r.peakMb,
      logrows: run.logrows,
      version: run.ezkl_version,
    };
  }
  return { model: name, constraints, power, setupNative, setupSnarkjs, native: median(nativeRuns), snarkjs, ezkl };
}
rmSync(scratch, { recursive: true, force: true });

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (m: Measured | null) => (m ? `${m.peakMb.toFixed(0)} MB` : "-");
const ratio = (a: number | undefined, b: number) => (a === undefined ? "-" : `${(a / b).toFixed(1)}x`);
console.log(
  "\n" +
    table([
      [
        "model",
        "constraints",
        "set-up native",
        "mem",
        "set-up snarkjs",
        "prove native",
        "mem",
        "prove snarkjs",
        "mem",
        "snarkjs/native",
        "prove EZKL",
        "mem",
        "EZKL/native",
      ],
      ...rows.map((r) => [
        r.model,
        String(r.constraints),
        s(r.setupNative.ms),
        mb(r.setupNative),
        r.setupSnarkjs ? s(r.setupSnarkjs.ms) : "-",
        s(r.native.ms),
        mb(r.native),
        r.snarkjs ? s(r.snarkjs.ms) : "-",
        mb(r.snarkjs),
        ratio(r.snarkjs?.ms, r.native.ms),
        r.ezkl ? s(r.ezkl.proveMs) : "-",
        r.ezkl ? `${r.ezkl.peakMb.toFixed(0)} MB` : "-",
        ratio(r.ezkl?.proveMs, r.native.ms),
      ]),
    ]),
);
for (const f of failures) console.log(`${f.model} (${f.constraints} constraints): not measured: ${f.error}`);
console.log("prove times are whole processes (key loading included); EZKL's is its prove call, its memory the whole pipeline's peak");

const machine = `${process.platform} ${process.arch}, ${spawnSync("nproc", { encoding: "utf8" }).stdout.trim()} cores, node ${process.version}`;
writeFileSync(join(OUT, "prove.json"), JSON.stringify({ date: new Date().toISOString(), machine, runs, rows, failures }, null, 1) + "\n");
writeFileSync(
  join(OUT, "prove.csv"),
  [
    "model,constraints,setup_native_ms,setup_native_peak_mb,setup_snarkjs_ms,prove_native_ms,peak_native_mb,prove_snarkjs_ms,peak_snarkjs_mb,prove_ezkl_ms,peak_ezkl_mb",
    ...rows.map((r) =>
      [
        r.model,
        r.constraints,
        r.setupNative.ms.toFixed(0),
        r.setupNative.peakMb.toFixed(0),
        r.setupSnarkjs?.ms.toFixed(0) ?? "",
        r.native.ms.toFixed(0),
        r.native.peakMb.toFixed(0),
        r.snarkjs?.ms.toFixed(0) ?? "",
        r.snarkjs?.peakMb.toFixed(0) ?? "",
        r.ezkl?.proveMs.toFixed(0) ?? "",
        r.ezkl?.peakMb.toFixed(0) ?? "",
      ].join(","),
    ),
  ].join("\n") + "\n",
);
if (existsSync(PYTHON)) {
  const plot = spawnSync(PYTHON, [join(PACKAGE_ROOT, "scripts", "plot_prove.py"), join(OUT, "prove.json"), join(OUT, "prove.png")], {
    encoding: "utf8",
  });
  console.log(plot.status === 0 ? `plot: ${join(OUT, "prove.png")}` : `plot failed: ${plot.stderr}`);
}
console.log(`data: ${join(OUT, "prove.json")}, ${join(OUT, "prove.csv")}`);
process.exit(0);
