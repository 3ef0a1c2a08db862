/**
 * The outputs of a benchmark run, from its cells: results.json (everything),
 * one CSV per measurement, the log-log fits and crossovers, the plots
 * (scripts/plot_bench_suite.py, matplotlib from the project's .venv) and
 * report.md, which embeds the plots and says on what machine it ran.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { PACKAGE_ROOT } from "../paths.js";
import { pythonPath } from "../zk/ezkl/pythonEnv.js";
import type { BenchConfig } from "./cells.js";
import { type LogLogFit, crossover, fitLogLog } from "./fit.js";
import type { MachineInfo } from "./machine.js";
import { NOT_QUOTED, PUBLISHED_FIGURES } from "./peers.js";
import { type CellRecord, type PathName, PATHS, PROTOCOL_PATHS, RUN_SCHEMA, cellProblems } from "./schema.js";

const PLOT_SCRIPT = join(PACKAGE_ROOT, "scripts", "plot_bench_suite.py");

/** The costs fitted against parameters, and how to read each off a cell. */
export const METRICS: Readonly<Record<string, { label: string; unit: string; of: (c: CellRecord) => number | null | undefined }>> = {
  proveMs: { label: "proving / trace / signing time", unit: "ms", of: (c) => c.offchain?.proveMs.median },
  setupMs: { label: "set-up time (cold)", unit: "ms", of: (c) => c.offchain?.setupMs },
  peakMemMb: { label: "peak memory", unit: "MB", of: (c) => c.offchain?.peakMemMb },
  evidenceBytes: { label: "evidence size", unit: "bytes", of: (c) => c.offchain?.evidenceBytes },
  requestTotalGas: { label: "gas per request (request + fulfil + settle)", unit: "gas", of: (c) => requestTotalGas(c) },
  verifierGas: { label: "verifier execution gas", unit: "gas", of: (c) => c.onchain?.verifierGas },
  disputeGas: { label: "whole dispute gas (OPML)", unit: "gas", of: (c) => c.dispute?.totalGas },
  constraints: { label: "circuit constraints", unit: "constraints", of: (c) => c.offchain?.constraints ?? c.computed?.constraints },
};

export function requestTotalGas(c: CellRecord): number | null {
  const g = c.onchain;
  return g ? g.requestGas + g.fulfilGas + (g.settleGas ?? 0) : null;
}

/**
 * Which models a fit runs over: every model, or one size sweep (one
 * architecture scaled: the cleanest slope, since cost follows the layers'
 * shapes, not only the parameter count).
 */
export const FAMILIES = ["all", "sweep-mlp", "sweep-cnn"] as const;
export type Family = (typeof FAMILIES)[number];
const inFamily = (model: string, family: Family) => family === "all" || model.startsWith(`${family}-`);

export interface PathFit extends LogLogFit {
  readonly path: PathName;
  readonly metric: string;
  readonly family: Family;
}

export interface Crossover {
  readonly metric: string;
  readonly family: Family;
  readonly a: PathName;
  readonly b: PathName;
  readonly params: number;
  readonly cheaperBelow: PathName;
  /** Inside both paths' measured range (else extrapolated from the fits). */
  readonly within: boolean;
}

/** Two paths compared model by model on one metric, where both measured it: which is cheaper, and where the order flips. */
export interface MeasuredOrder {
  readonly metric: string;
  readonly a: PathName;
  readonly b: PathName;
  readonly common: number;
  /** Models (of the common ones) where a costs less than b. */
  readonly aCheaper: number;
  /** The models, by size, at which the cheaper path changes (a measured crossover). */
  readonly flips: readonly { model: string; parameters: number; cheaper: PathName }[];
}

export function measuredOrders(cells: readonly CellRecord[]): MeasuredOrder[] {
  const out: MeasuredOrder[] = [];
  for (const metric of ["proveMs", "requestTotalGas"]) {
    const of = METRICS[metric]!.of;
    const paths = PROTOCOL_PATHS.filter((p) => cells.some((c) => c.path === p && c.status === "ok"));
    for (let i = 0; i < paths.length; i++)
      for (let j = i + 1; j < paths.length; j++) {
        const [a, b] = [paths[i]!, paths[j]!];
        if (metric === "requestTotalGas" && a.startsWith("groth16") && b.startsWith("groth16")) continue;
        const value = (p: PathName, model: string) =>
          of(cells.find((c) => c.path === p && c.model === model && c.status === "ok")!) ?? null;
        const common = [...new Set(cells.filter((c) => c.path === a && c.status === "ok").map((c) => c.model))]
          .filter((m) => cells.some((c) => c.path === b && c.model === m && c.status === "ok"))
          .map((m) => ({ model: m, parameters: cells.find((c) => c.model === m)!.parameters, va: value(a, m), vb: value(b, m) }))
          .filter((x) => x.va !== null && x.vb !== null)
          .sort((x, y) => x.parameters - y.parameters);
        if (common.length === 0) continue;
        const flips: { model: string; parameters: number; cheaper: PathName }[] = [];
        let prev: PathName | undefined;
        for (const x of common) {
          const cheaper = x.va! <= x.vb! ? a : b;
          if (prev !== undefined && cheaper !== prev) flips.push({ model: x.model, parameters: x.parameters, cheaper });
          prev = cheaper;
        }
        out.push({ metric, a, b, common: common.length, aCheaper: common.filter((x) => x.va! < x.vb!).length, flips });
      }
  }
  return out;
}

/** Per path: the largest model measured, and the smallest it could not take (unsupported, over budget or failed). */
export interface Feasibility {
  readonly path: PathName;
  readonly largestOk: { model: string; parameters: number } | null;
  readonly smallestNotOk: { model: string; parameters: number; status: string; note: string } | null;
}

export interface RunResults {
  readonly schema: typeof RUN_SCHEMA;
  readonly runId: string;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly config: BenchConfig;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly cells: readonly CellRecord[];
  readonly fits: readonly PathFit[];
  readonly crossovers: readonly Crossover[];
  readonly orders: readonly MeasuredOrder[];
  readonly feasibility: readonly Feasibility[];
  readonly plots: readonly string[];
  readonly plotNote: string | null;
  readonly published: typeof PUBLISHED_FIGURES;
}

export function fitsOf(cells: readonly CellRecord[]): PathFit[] {
  const out: PathFit[] = [];
  for (const family of FAMILIES)
    for (const path of PATHS)
      for (const [metric, m] of Object.entries(METRICS)) {
        const pts = cells
          .filter((c) => c.path === path && c.status === "ok" && inFamily(c.model, family))
          // in-process memory growth (OPML, TEE) is mostly below what the OS shows: no curve to fit
          .filter((c) => metric !== "peakMemMb" || c.offchain?.memoryScope !== "bench-process")
          .map((c) => [c.parameters, m.of(c) ?? 0] as [number, number])
          .filter(([, y]) => y > 0);
        const f = fitLogLog(pts);
        if (f && f.points >= 3) out.push({ ...f, path, metric, family });
      }
  return out;
}

export function crossoversOf(fits: readonly PathFit[]): Crossover[] {
  const out: Crossover[] = [];
  for (const family of FAMILIES)
    for (const metric of ["proveMs", "requestTotalGas"]) {
      const fs = fits.filter((f) => f.family === family && f.metric === metric && (PROTOCOL_PATHS as readonly string[]).includes(f.path));
      for (let i = 0; i < fs.length; i++)
        for (let j = i + 1; j < fs.length; j++) {
          const c = crossover(fs[i]!, fs[j]!);
          // the two Groth16 provers share the verifier: their gas differs only by random proof bytes
          const sameGas = metric === "requestTotalGas" && fs[i]!.path.startsWith("groth16") && fs[j]!.path.startsWith("groth16");
          if (c && !sameGas)
            out.push({
              family,
              metric,
              a: fs[i]!.path,
              b: fs[j]!.path,
              params: c.params,
              cheaperBelow: c.cheaperBelow === "a" ? fs[i]!.path : fs[j]!.path,
              within: c.within,
            });
        }
    }
  return out;
}

export function feasibilityOf(cells: readonly CellRecord[]): Feasibility[] {
  return PATHS.map((path) => {
    const mine = cells.filter((c) => c.path === path).sort((a, b) => a.parameters - b.parameters);
    const ok = mine.filter((c) => c.status === "ok");
    const notOk = mine.filter((c) => c.status !== "ok");
    const big = ok.at(-1);
    const small = notOk[0];
    return {
      path,
      largestOk: big ? { model: big.model, parameters: big.parameters } : null,
      smallestNotOk: small ? { model: small.model, parameters: small.parameters, status: small.status, note: small.note ?? "" } : null,
    };
  }).filter((f) => f.largestOk || f.smallestNotOk);
}

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return "";
  const s = typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const csv = (header: readonly string[], rows: readonly (readonly unknown[])[]) =>
  [header.join(","), ...rows.map((r) => r.map(csvCell).join(","))].join("\n") + "\n";

function writeCsvs(dir: string, r: RunResults): string[] {
  const files: [string, string][] = [];
  files.push([
    "cells.csv",
    csv(
      ["model", "path", "parameters", "status", "wall_ms", "note"],
      r.cells.map((c) => [c.model, c.path, c.parameters, c.status, c.wallMs, c.note ?? ""]),
    ),
  ]);
  const off = r.cells.filter((c) => c.status === "ok" && c.offchain);
  files.push([
    "offchain.csv",
    csv(
      [
        "model",
        "path",
        "parameters",
        "setup_ms",
        "prove_ms_median",
        "prove_ms_min",
        "prove_ms_max",
        "prove_rel_spread",
        "repeats",
        "peak_mem_mb",
        "memory_scope",
        "evidence_bytes",
        "witness_bytes",
        "constraints",
        "logrows",
      ],
      off.map((c) => {
        const o = c.offchain!;
        return [
          c.model,
          c.path,
          c.parameters,
          o.setupMs,
          o.proveMs.median,
          o.proveMs.min,
          o.proveMs.max,
          o.proveMs.relSpread,
          o.proveMs.n,
          o.peakMemMb,
          o.memoryScope,
          o.evidenceBytes,
          o.witnessBytes,
          o.constraints,
          o.logrows,
        ];
      }),
    ),
  ]);
  const on = r.cells.filter((c) => c.status === "ok" && c.onchain);
  files.push([
    "onchain.csv",
    csv(
      [
        "model",
        "path",
        "parameters",
        "request_gas",
        "fulfil_gas",
        "verifier_gas",
        "router_adapter_gas",
        "settle_gas",
        "release_bond_gas",
        "request_total_gas",
        "verifier_deploy_gas",
        "fulfil_calldata_bytes",
      ],
      on.map((c) => {
        const g = c.onchain!;
        return [
          c.model,
          c.path,
          c.parameters,
          g.requestGas,
          g.fulfilGas,
          g.verifierGas,
          g.verifierGas === null ? null : g.fulfilGas - g.verifierGas,
          g.settleGas,
          g.releaseBondGas,
          requestTotalGas(c),
          g.verifierDeployGas,
          g.fulfilCalldataBytes,
        ];
      }),
    ),
  ]);
  const disputes = r.cells.filter((c) => c.status === "ok" && c.dispute);
  files.push([
    "opml-dispute.csv",
    csv(
      [
        "model",
        "parameters",
        "node",
        "op",
        "lie",
        "moves",
        "moves_bound",
        "total_gas",
        "one_step_gas",
        "largest_move_gas",
        "settle_rejected_gas",
        "wall_ms",
        "tied_places",
        "played_places",
      ],
      disputes.map((c) => {
        const d = c.dispute!;
        return [
          c.model,
          c.parameters,
          d.node,
          d.op,
          d.lie,
          d.moves,
          d.movesBound,
          d.totalGas,
          d.oneStepGas,
          d.largestMoveGas,
          d.settleRejectedGas,
          d.wallMs,
          d.tiedPlaces,
          d.playedPlaces,
        ];
      }),
    ),
  ]);
  files.push([
    "peers.csv",
    csv(
      [
        "model",
        "peer",
        "parameters",
        "kind",
        "constraints",
        "setup_ms",
        "prove_ms",
        "peak_mem_mb",
        "evidence_bytes",
        "logrows",
        "version_or_source",
        "not_counted",
      ],
      r.cells
        .filter((c) => c.status === "ok" && (c.path === "circomlib-ml" || c.path === "ezkl-raw"))
        .map((c) =>
          c.computed
            ? [
                c.model,
                c.path,
                c.parameters,
                "computed",
                c.computed.constraints,
                null,
                null,
                null,
                null,
                null,
                c.computed.source,
                c.computed.notCounted.join(" "),
              ]
            : [
                c.model,
                c.path,
                c.parameters,
                "measured",
                null,
                c.offchain?.setupMs,
                c.offchain?.proveMs.median,
                c.offchain?.peakMemMb,
                c.offchain?.evidenceBytes,
                c.offchain?.logrows,
                c.peer?.version ?? "",
                "",
              ],
        ),
    ),
  ]);
  files.push([
    "fits.csv",
    csv(
      ["path", "metric", "slope", "intercept_log10", "r2", "points", "min_params", "max_params"],
      r.fits.map((f) => [f.family, f.path, f.metric, f.slope, f.intercept, f.r2, f.points, f.minParams, f.maxParams]),
    ),
  ]);
  files.push([
    "crossovers.csv",
    csv(
      ["metric", "a", "b", "params", "cheaper_below", "within_measured_range"],
      r.crossovers.map((c) => [c.family, c.metric, c.a, c.b, c.params, c.cheaperBelow, c.within]),
    ),
  ]);
  files.push([
    "orders.csv",
    csv(
      ["metric", "a", "b", "models_in_common", "a_cheaper_on", "order_changes_at"],
      r.orders.map((o) => [o.metric, o.a, o.b, o.common, o.aCheaper, o.flips.map((f) => `${f.model}:${f.cheaper}`).join(" ")]),
    ),
  ]);
  files.push([
    "published.csv",
    csv(
      ["system", "what", "figure", "conditions", "source"],
      r.published.map((p) => [p.system, p.what, p.figure, p.conditions, p.source]),
    ),
  ]);
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return files.map(([n]) => n);
}

/** Draws the plots with the project's matplotlib; the PNGs made, or why none were. */
function plot(dir: string): { plots: string[]; note: string | null } {
  const python = pythonPath();
  if (!existsSync(python)) return { plots: [], note: `plots skipped: no Python venv at ${python} (npm run setup:python)` };
  const has = spawnSync(python, ["-c", "import matplotlib"], { encoding: "utf8" });
  if (has.status !== 0) return { plots: [], note: "plots skipped: matplotlib is missing from the Python venv (npm run setup:python)" };
  const r = spawnSync(python, [PLOT_SCRIPT, dir], { encoding: "utf8" });
  if (r.status !== 0) return { plots: [], note: `plots failed: ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" ")}` };
  const plots = r.stdout
    .trim()
    .split("\n")
    .filter((l) => l.endsWith(".png"));
  return { plots, note: null };
}

const fmt = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined ? "–" : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const sec = (ms: number | null | undefined) => (ms === null || ms === undefined ? "–" : `${(ms / 1000).toFixed(ms < 1000 ? 3 : 2)} s`);
const sci = (x: number) => x.toExponential(1).replace("e+", "e");

function markdown(r: RunResults): string {
  const m = r.machine;
  const ok = (p: PathName) => r.cells.filter((c) => c.path === p && c.status === "ok").sort((a, b) => a.parameters - b.parameters);
  const L: string[] = [
    `# vinfer benchmark: ${r.runId}`,
    "",
    `Generated by \`${r.command}\` (sdk/bench/, docs/benchmarks.md); do not edit by hand.`,
    "",
    `**Machine:** ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.os}; Node ${m.node}; ` +
      Object.entries(m.versions)
        .map(([k, v]) => `${k} ${v ?? "absent"}`)
        .join(", ") +
      `; commit ${m.gitCommit ?? "unknown"}.`,
    `**Run:** ${r.startedAt} to ${r.finishedAt}; ${r.config.repeat} repeat(s) per measure${r.config.quick ? " (--quick)" : ""}; ` +
      `models ${r.config.models.join(", ")}; paths ${r.config.paths.join(", ")}.`,
    `**Limits** (cells above them are skipped, a budget, not a verdict): ${Object.entries(r.config.limits)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}.`,
    "",
    "All figures below are measured in this run on this machine, except the circomlib-ml constraint counts (computed from its",
    "templates) and the published figures at the end (quoted, with their sources). Times are medians over the repeats",
    "(spread in offchain.csv); gas is from Hardhat's in-process chain (EDR).",
    "",
  ];
  if (r.plotNote) L.push(`> ${r.plotNote}`, "");
  for (const p of r.plots) L.push(`![${p}](${p})`, "");

  L.push(
    "## Headline: how cost grows with parameters",
    "",
    "Slope of the least-squares line on log-log axes (cost ∝ parameters^slope), over the models each path measured (at least 3):",
    "per size sweep (one architecture scaled: sweep-mlp, sweep-cnn) and over all models (architectures mixed: a lower r²).",
    "A slope near 0 is a cost that does not grow with the model; 1 is linear.",
    "",
  );
  L.push("| models | path | metric | slope | r² | points | parameters |", "| --- | --- | --- | ---: | ---: | ---: | --- |");
  const headline = ["proveMs", "setupMs", "peakMemMb", "requestTotalGas", "disputeGas", "constraints"];
  for (const family of ["sweep-mlp", "sweep-cnn", "all"])
    for (const f of r.fits.filter((f) => f.family === family && headline.includes(f.metric)))
      L.push(
        `| ${f.family} | ${f.path} | ${METRICS[f.metric]!.label} | ${f.slope.toFixed(2)} | ${f.r2.toFixed(2)} | ${f.points} | ${sci(f.minParams)}–${sci(f.maxParams)} |`,
      );
  L.push("", "## Headline: crossovers and limits", "");
  L.push(
    "Measured, model by model (every model both paths measured): which path is cheaper, and the model at which that changes.",
    "",
    "| metric | a / b | models in common | a cheaper on | order changes at |",
    "| --- | --- | ---: | ---: | --- |",
  );
  for (const o of r.orders)
    L.push(
      `| ${METRICS[o.metric]!.label} | ${o.a} / ${o.b} | ${o.common} | ${o.aCheaper} | ${o.flips.length ? o.flips.map((f) => `${f.model} (${fmt(f.parameters)}): ${f.cheaper} cheaper`).join("; ") : "never"} |`,
    );
  L.push("", "From the log-log fits (crossing of two paths' fitted lines, inside both measured ranges):", "");
  const inRange = r.crossovers.filter((c) => c.within);
  if (inRange.length === 0) L.push("No two paths' fitted costs cross inside the measured ranges.", "");
  else {
    L.push("| models | metric | paths | crossing at (parameters) | cheaper below |", "| --- | --- | --- | ---: | --- |");
    for (const c of inRange)
      L.push(`| ${c.family} | ${METRICS[c.metric]!.label} | ${c.a} / ${c.b} | ${sci(c.params)} | ${c.cheaperBelow} |`);
    L.push("");
  }
  // extrapolations far from anything measured say nothing: only those within 100x of a measured model are listed
  const measured = r.cells.filter((c) => c.status === "ok").map((c) => c.parameters);
  const [lo, hi] = [Math.min(...measured), Math.max(...measured)];
  const near = r.crossovers.filter((c) => !c.within && c.params >= lo / 100 && c.params <= hi * 100);
  if (near.length)
    L.push(
      `Extrapolated crossings (outside both paths' measured ranges, from the fits; within 100x of the models measured): ${near.map((c) => `${c.family}, ${METRICS[c.metric]!.label}: ${c.a} / ${c.b} at ~${sci(c.params)} (${c.cheaperBelow} cheaper below)`).join("; ")}. All crossings: crossovers.csv.`,
      "",
    );
  L.push("| path | largest model measured | smallest model not measured | why |", "| --- | --- | --- | --- |");
  for (const f of r.feasibility)
    L.push(
      `| ${f.path} | ${f.largestOk ? `${f.largestOk.model} (${fmt(f.largestOk.parameters)})` : "–"} | ${f.smallestNotOk ? `${f.smallestNotOk.model} (${fmt(f.smallestNotOk.parameters)})` : "–"} | ${f.smallestNotOk ? `${f.smallestNotOk.status}: ${f.smallestNotOk.note.split("\n")[0]!.slice(0, 160)}` : ""} |`,
    );

  L.push(
    "",
    "## Off chain",
    "",
    "| model | parameters | path | set-up | prove (median) | spread | peak memory | evidence | witness / trace | circuit |",
    "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  );
  for (const p of PATHS)
    for (const c of ok(p).filter((c) => c.offchain)) {
      const o = c.offchain!;
      L.push(
        `| ${c.model} | ${fmt(c.parameters)} | ${p} | ${sec(o.setupMs)} | ${sec(o.proveMs.median)} | ${(o.proveMs.relSpread * 100).toFixed(0)}% (n=${o.proveMs.n}) | ${o.peakMemMb === null ? "–" : `${fmt(o.peakMemMb)} MB${o.memoryScope === "bench-process" ? "*" : ""}`} | ${fmt(o.evidenceBytes)} B | ${o.witnessBytes === null ? "–" : `${fmt(o.witnessBytes)} B`} | ${o.constraints !== null ? `${fmt(o.constraints)} constraints` : o.logrows !== null ? `2^${o.logrows} rows` : "–"} |`,
      );
    }
  L.push(
    "",
    "\\* work inside the bench's own Node process: how far its resident set rose above its level before the work (runtime, SDK and chain not counted; 0: no growth the OS saw).",
    "",
  );

  L.push(
    "## On chain (gas)",
    "",
    "| model | path | request | fulfil | verifier | router + adapter | settle | per request | verifier deploy |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const p of PROTOCOL_PATHS)
    for (const c of ok(p).filter((c) => c.onchain)) {
      const g = c.onchain!;
      L.push(
        `| ${c.model} | ${p} | ${fmt(g.requestGas)} | ${fmt(g.fulfilGas)} | ${fmt(g.verifierGas)} | ${g.verifierGas === null ? "–" : fmt(g.fulfilGas - g.verifierGas)} | ${fmt(g.settleGas)} | ${fmt(requestTotalGas(c))} | ${fmt(g.verifierDeployGas)} |`,
      );
    }
  const disputes = ok("opml").filter((c) => c.dispute);
  if (disputes.length) {
    L.push(
      "",
      "## OPML: a whole dispute against a lie at the worst place",
      "",
      "| model | parameters | place | moves (bound) | total gas | one step | largest move | wall |",
      "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const c of disputes) {
      const d = c.dispute!;
      L.push(
        `| ${c.model} | ${fmt(c.parameters)} | node ${d.node} ${d.op}, ${d.lie} | ${d.moves} (${d.movesBound}) | ${fmt(d.totalGas)} | ${fmt(d.oneStepGas)} | ${fmt(d.largestMoveGas)} | ${sec(d.wallMs)} |`,
      );
    }
    L.push("", "The honest claim's finalization is its settle (after the challenge window) plus releaseBond (onchain.csv).");
  }
  const peers = r.cells.filter((c) => c.status === "ok" && (c.path === "circomlib-ml" || c.path === "ezkl-raw"));
  if (peers.length) {
    L.push("", "## Peers in the same run", "", "| model | peer | kind | figure |", "| --- | --- | --- | --- |");
    for (const c of peers)
      L.push(
        c.computed
          ? `| ${c.model} | circomlib-ml | COMPUTED | ${fmt(c.computed.constraints)} constraints${c.computed.notCounted.length ? ` (not counted: ${c.computed.notCounted.join(", ")})` : ""} |`
          : `| ${c.model} | raw EZKL ${c.peer?.version ?? ""} | measured | set-up ${sec(c.offchain?.setupMs)}, prove ${sec(c.offchain?.proveMs.median)}, peak ${fmt(c.offchain?.peakMemMb)} MB (whole pipeline), 2^${c.offchain?.logrows} rows |`,
      );
    L.push("", `circomlib-ml: ${peers.find((c) => c.computed)?.computed?.source ?? ""}.`);
  }
  const others = r.cells.filter((c) => c.status !== "ok");
  if (others.length) {
    L.push("", "## Cells not measured", "", "| model | path | status | why |", "| --- | --- | --- | --- |");
    for (const c of others)
      L.push(`| ${c.model} | ${c.path} | ${c.status} | ${(c.note ?? "").split("\n")[0]!.slice(0, 200).replace(/\|/g, "\\|")} |`);
  }
  L.push(
    "",
    "## Published figures of other systems (NOT measured here)",
    "",
    "Quoted from their authors, on their hardware and terms; not comparable cell by cell with the tables above.",
    "",
  );
  L.push("| system | what | figure | conditions | source |", "| --- | --- | --- | --- | --- |");
  for (const p of r.published) L.push(`| ${p.system} | ${p.what} | ${p.figure} | ${p.conditions} | ${p.source} |`);
  for (const n of NOT_QUOTED) L.push("", `Not quoted: ${n}.`);
  L.push(
    "",
    "Data: results.json (everything), cells.csv, offchain.csv, onchain.csv, opml-dispute.csv, peers.csv, fits.csv, crossovers.csv, orders.csv, published.csv; cells/ holds one JSON per cell.",
  );
  return L.join("\n") + "\n";
}

/** Writes results.json, the CSVs, the plots and report.md into the run folder; the results. */
export function writeReport(
  dir: string,
  o: { runId: string; command: string; machine: MachineInfo; config: BenchConfig; startedAt: string; cells: readonly CellRecord[] },
): RunResults {
  const fits = fitsOf(o.cells);
  const base = {
    schema: RUN_SCHEMA,
    ...o,
    // when the last cell ended (a resumed run's report, rewritten later, still says when the measuring ended)
    finishedAt: new Date(
      Math.max(...o.cells.filter((c) => c.status !== "skipped").map((c) => Date.parse(c.startedAt) + c.wallMs), Date.parse(o.startedAt)),
    ).toISOString(),
    fits,
    crossovers: crossoversOf(fits),
    orders: measuredOrders(o.cells),
    feasibility: feasibilityOf(o.cells),
    published: PUBLISHED_FIGURES,
  };
  // the plot script reads results.json: write it first, then again with the plots
  let results: RunResults = { ...base, plots: [], plotNote: null };
  writeFileSync(join(dir, "results.json"), `${JSON.stringify(results, null, 1)}\n`);
  writeCsvs(dir, results);
  const { plots, note } = plot(dir);
  results = { ...base, plots, plotNote: note };
  writeFileSync(join(dir, "results.json"), `${JSON.stringify(results, null, 1)}\n`);
  writeFileSync(join(dir, "report.md"), markdown(results));
  return results;
}

/** Every problem with a run folder's outputs (empty: results.json, the CSVs and report.md are there and conform). */
export function runProblems(dir: string): string[] {
  const p: string[] = [];
  const file = join(dir, "results.json");
  if (!existsSync(file)) return [`${file} is missing`];
  let r: RunResults;
  try {
    r = JSON.parse(readFileSync(file, "utf8")) as RunResults;
  } catch {
    return [`${file} is not JSON`];
  }
  if (r.schema !== RUN_SCHEMA) p.push(`results.json schema is ${String(r.schema)}, not ${RUN_SCHEMA}`);
  if (!r.machine || typeof r.machine.cores !== "number" || typeof r.machine.cpu !== "string") p.push("results.json has no machine");
  if (!Array.isArray(r.cells) || r.cells.length === 0) p.push("results.json has no cells");
  else for (const c of r.cells) for (const q of cellProblems(c)) p.push(`cell ${c.model}/${c.path}: ${q}`);
  for (const f of [
    "cells.csv",
    "offchain.csv",
    "onchain.csv",
    "opml-dispute.csv",
    "peers.csv",
    "fits.csv",
    "crossovers.csv",
    "orders.csv",
    "published.csv",
    "report.md",
  ])
    if (!existsSync(join(dir, f))) p.push(`${f} is missing`);
  for (const png of r.plots ?? []) if (!existsSync(join(dir, png))) p.push(`plot ${png} is listed but missing`);
  if ((r.plots ?? []).length === 0 && !r.plotNote) p.push("no plots and no note saying why");
  return p;
}
