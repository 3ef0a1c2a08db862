/**
 * EZKL overhead (`npm run bench:ezkl`): every stage of digits-mlp through our
 * SDK (EzklCircuit: worker process, JSON, atomic artefact folders) and through
 * direct EZKL calls (scripts/ezkl_pipeline.py), alternating, in the same run.
 * Cold builds in fresh folders; the best of ROUNDS per stage. Prints the
 * ratio per stage and in total; writes bench/results/ezkl-overhead.json.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { table } from "../cli/format.js";
import { Model } from "../sdk/model.js";
import { ZOO_DIR, readInputFile } from "../sdk/zoo/files.js";
import { EzklCircuit, VISIBILITY } from "../sdk/zk/ezkl/backend.js";
import { EzklDriver } from "../sdk/zk/ezkl/driver.js";
import { PACKAGE_ROOT } from "../sdk/paths.js";

const ROUNDS = 2;
const PYTHON = join(PACKAGE_ROOT, ".venv", "bin", "python");
const model = Model.load("digits-mlp");
const sampleFile = join(ZOO_DIR, "digits-mlp", "input.json");
const sample = readInputFile(sampleFile).samples[0]!;

// Stage names of ours -> the direct calls they correspond to.
const STAGES: [string, string[]][] = [
  ["settings + calibrate + compile", ["gen_settings", "calibrate", "compile"]],
  ["SRS", ["gen_srs"]],
  ["setup (keys)", ["setup"]],
  ["witness", ["witness"]],
  ["prove", ["prove"]],
  ["verify", ["verify"]],
];

function direct(): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), "ezkl-direct-"));
  // calibrate on the same single sample our SDK gets below, with the SDK's visibility and fixed input scale
  const r = spawnSync(
    PYTHON,
    [
      join(PACKAGE_ROOT, "scripts", "ezkl_pipeline.py"),
      model.path,
      sampleFile,
      dir,
      "--input-visibility",
      VISIBILITY.input,
      "--input-scale",
      String(model.quantized.config.fracBits),
    ],
    { encoding: "utf8", maxBuffer: 64 << 20 },
  );
  if (r.status !== 0) throw new Error(`direct EZKL failed: ${r.stderr.slice(-1000)}`);
  const t = (JSON.parse(r.stdout.trim().split("\n").pop()!) as { timings_s: Record<string, number> }).timings_s;
  return Object.fromEntries(STAGES.map(([name, parts]) => [name, parts.reduce((s, p) => s + (t[p] ?? 0), 0) * 1000]));
}

async function ours(): Promise<Record<string, number>> {
  const root = mkdtempSync(join(tmpdir(), "ezkl-sdk-"));
  const circuit = await EzklCircuit.compile(model, { calibration: [sample], buildRoot: root });
  const proof = await circuit.prove(sample, join(root, "proof"));
  const t0 = performance.now();
  if (!(await circuit.verifyNative(proof.path))) throw new Error("our proof did not verify");
  const verifyMs = performance.now() - t0;
  const all = [...circuit.timings, ...proof.timings];
  const ms = (prefix: string) => all.filter((x) => x.stage.startsWith(prefix)).reduce((s, x) => s + x.ms, 0);
  return {
    "settings + calibrate + compile": ms("settings"),
    SRS: ms("SRS"),
    "setup (keys)": ms("setup"),
    witness: ms("witness"),
    prove: ms("prove"),
    verify: verifyMs,
  };
}

const best = (runs: Record<string, number>[], stage: string) => Math.min(...runs.map((r) => r[stage]!));
const directRuns: Record<string, number>[] = [];
const ourRuns: Record<string, number>[] = [];
await EzklDriver.start(); // the worker starts once per session, like in a server; its start is not a stage
for (let i = 0; i < ROUNDS; i++) {
  console.error(`round ${i + 1}/${ROUNDS}: direct EZKL…`);
  directRuns.push(direct());
  console.error(`round ${i + 1}/${ROUNDS}: our SDK…`);
  ourRuns.push(await ours());
}
const rows = STAGES.map(([stage]) => ({ stage, directMs: best(directRuns, stage), sdkMs: best(ourRuns, stage) }));
const total = { directMs: rows.reduce((s, r) => s + r.directMs, 0), sdkMs: rows.reduce((s, r) => s + r.sdkMs, 0) };
console.log(
  table([
    ["stage", "direct EZKL", "our SDK", "overhead"],
    ...rows.map((r) => [
      r.stage,
      `${(r.directMs / 1000).toFixed(3)} s`,
      `${(r.sdkMs / 1000).toFixed(3)} s`,
      `${(100 * (r.sdkMs / r.directMs - 1)).toFixed(1)}%`,
    ]),
    [
      "total",
      `${(total.directMs / 1000).toFixed(2)} s`,
      `${(total.sdkMs / 1000).toFixed(2)} s`,
      `${(100 * (total.sdkMs / total.directMs - 1)).toFixed(1)}%`,
    ],
  ]),
);
mkdirSync(join(PACKAGE_ROOT, "bench", "results"), { recursive: true });
writeFileSync(
  join(PACKAGE_ROOT, "bench", "results", "ezkl-overhead.json"),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      model: "digits-mlp",
      rounds: ROUNDS,
      stages: rows,
      total,
      overhead: total.sdkMs / total.directMs - 1,
    },
    null,
    1,
  ) + "\n",
);
await EzklDriver.stop();
process.exit(0);
