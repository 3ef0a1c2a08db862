/**
 * vinfer bench: proof cost against model size, every path, one command
 * (docs/benchmarks.md). For each model of the set and each path (Groth16
 * native and snarkjs, EZKL, OPML, TEE, and the peers raw EZKL and
 * circomlib-ml) it measures set-up, proving, memory and sizes off chain and
 * the gas on Hardhat's in-process chain, and writes
 * bench/results/<run-id>/ (JSON and CSV per measurement, plots, report.md).
 * Finished cells are kept: `--run-id <id>` of an interrupted run goes on.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

import { SingleBar } from "cli-progress";
import { type Command, InvalidArgumentError } from "commander";

import { InputError } from "../../sdk/errors.js";
import { PACKAGE_ROOT } from "../../sdk/paths.js";
import {
  type BenchConfig,
  DEFAULT_LIMITS,
  DEFAULT_MODELS,
  type Limits,
  QUICK_LIMITS,
  QUICK_MODELS,
  newRunId,
} from "../../sdk/bench/cells.js";
import { machineInfo } from "../../sdk/bench/machine.js";
import { timeAvailable } from "../../sdk/bench/process.js";
import { runProblems, writeReport } from "../../sdk/bench/report.js";
import { runBench } from "../../sdk/bench/run.js";
import { PATHS, type PathName, isPathName } from "../../sdk/bench/schema.js";
import { positiveInteger } from "../options.js";
import { out } from "../output.js";

interface BenchOptions {
  models?: string;
  paths?: PathName[];
  repeat?: number;
  quick: boolean;
  out: string;
  runId?: string;
  maxConstraints?: number;
  maxGroth16Params?: number;
  maxEzklParams?: number;
  maxParams?: number;
  check: boolean;
  json?: boolean;
}

function pathList(value: string): PathName[] {
  const list = value.split(",").map((s) => s.trim());
  const bad = list.filter((p) => !isPathName(p));
  if (bad.length) throw new InvalidArgumentError(`unknown path ${bad.join(", ")}: choose from ${PATHS.join(", ")}`);
  return list as PathName[];
}

/** The run's settings as first written, so a resumed run measures what it started to measure. */
interface RunFile {
  readonly runId: string;
  readonly command: string;
  readonly config: BenchConfig;
  readonly startedAt: string;
}

export function registerBench(program: Command): void {
  program
    .command("bench")
    .description("measure every proof path over a model-size sweep: set-up, proving, memory, sizes, gas; JSON, CSV, plots, report")
    .option("--models <names>", `models (zoo names or folders), comma-separated (default: ${DEFAULT_MODELS.join(",")})`)
    .option("--paths <names>", `paths, comma-separated (default: all: ${PATHS.join(",")}; groth16-native only where built)`, pathList)
    .option("--repeat <n>", "proofs per cell (median and spread reported; default 3, --quick 1)", positiveInteger)
    .option("--quick", `a small run that checks the outputs (models ${QUICK_MODELS.join(",")}, one repeat; what CI runs)`, false)
    .option("--out <dir>", "where run folders go", join(PACKAGE_ROOT, "bench", "results"))
    .option("--run-id <id>", "the run's folder name; an existing run's id resumes it (finished cells are not recomputed)")
    .option("--max-constraints <n>", `largest Groth16 circuit to prove (default ${DEFAULT_LIMITS.groth16MaxConstraints})`, positiveInteger)
    .option(
      "--max-groth16-params <n>",
      `largest model for Groth16, parameters (the weights are circuit constants; default ${DEFAULT_LIMITS.groth16MaxParams})`,
      positiveInteger,
    )
    .option(
      "--max-ezkl-params <n>",
      `largest model for EZKL and raw EZKL, parameters (defaults ${DEFAULT_LIMITS.ezklMaxParams} and ${DEFAULT_LIMITS.ezklRawMaxParams})`,
      positiveInteger,
    )
    .option("--max-params <n>", `largest model for OPML and TEE, parameters (default ${DEFAULT_LIMITS.opmlMaxParams})`, positiveInteger)
    .option("--no-check", "do not check the outputs against their schema at the end")
    .option("--json", "print the run's summary (folder, cells, fits, crossovers) as one JSON document")
    .action(async (opts: BenchOptions) => {
      if (!timeAvailable())
        throw new InputError("vinfer bench measures peak memory with /usr/bin/time: install GNU time (Debian: apt-get install time)");
      const runId = opts.runId ?? newRunId();
      if (!/^[A-Za-z0-9_.-]+$/.test(runId)) throw new InputError(`--run-id ${runId}: use letters, digits, '-', '_' and '.' only`);
      const dir = resolve(opts.out, runId);
      const runFile = join(dir, "run.json");
      let run: RunFile;
      if (existsSync(runFile)) {
        run = JSON.parse(readFileSync(runFile, "utf8")) as RunFile;
        if (opts.models || opts.paths || opts.repeat || opts.quick)
          out.warn(`resuming run ${runId} with its own settings (${runFile}); --models, --paths, --repeat and --quick are ignored`);
        out.info(`resuming run ${runId}: finished cells are kept`);
      } else {
        const base: Limits = opts.quick ? QUICK_LIMITS : DEFAULT_LIMITS;
        const limits: Limits = {
          ...base,
          ...(opts.maxConstraints ? { groth16MaxConstraints: opts.maxConstraints, snarkjsMaxConstraints: opts.maxConstraints } : {}),
          ...(opts.maxGroth16Params ? { groth16MaxParams: opts.maxGroth16Params } : {}),
          ...(opts.maxEzklParams ? { ezklMaxParams: opts.maxEzklParams, ezklRawMaxParams: opts.maxEzklParams } : {}),
          ...(opts.maxParams ? { opmlMaxParams: opts.maxParams, teeMaxParams: opts.maxParams } : {}),
        };
        const config: BenchConfig = {
          models: opts.models
            ? opts.models
                .split(",")
                .map((s) => s.trim())
                .filter(Boolean)
            : [...(opts.quick ? QUICK_MODELS : DEFAULT_MODELS)],
          paths: opts.paths ?? [...PATHS],
          repeat: opts.repeat ?? (opts.quick ? 1 : 3),
          quick: opts.quick,
          limits,
        };
        if (config.models.length === 0) throw new InputError("--models is empty");
        run = {
          runId,
          command: `vinfer bench ${process.argv.slice(process.argv.indexOf("bench") + 1).join(" ")}`.trim(),
          config,
          startedAt: new Date().toISOString(),
        };
        mkdirSync(dir, { recursive: true });
        writeFileSync(runFile, `${JSON.stringify(run, null, 1)}\n`);
      }
      out.info(`run ${runId} -> ${dir}`);

      const quiet = opts.json || !process.stderr.isTTY;
      const bar = new SingleBar({
        format: " {bar} {value}/{total} cells | {cell}",
        hideCursor: true,
        stream: process.stderr,
        noTTYOutput: false,
      });
      let done = 0;
      const cells = await runBench(dir, run.config, {
        plan(total, finished) {
          done = finished;
          out.info(`${total} cells, ${finished} already finished`);
          if (!quiet) bar.start(total, finished, { cell: "" });
        },
        cellStart(model, path) {
          if (!quiet) bar.update(done, { cell: `${model} ${path}` });
          else out.info(`[${done + 1}] ${model} ${path}…`);
        },
        cellDone(r) {
          done++;
          if (!quiet) bar.update(done, { cell: `${r.model} ${r.path}: ${r.status}` });
          else
            out.info(
              `    ${r.status}${r.note && r.status !== "ok" ? `: ${r.note.split("\n")[0]!.slice(0, 160)}` : ""} (${(r.wallMs / 1000).toFixed(1)} s)`,
            );
        },
        log(message) {
          if (quiet) out.info(`    ${message}`);
        },
      }).finally(() => {
        if (!quiet) bar.stop();
      });

      const results = writeReport(dir, { ...run, machine: machineInfo(), cells });
      if (results.plotNote) out.warn(results.plotNote);
      const problems = opts.check ? runProblems(dir) : [];
      const summary = {
        runId,
        dir,
        cells: Object.fromEntries(["ok", "unsupported", "skipped", "failed"].map((s) => [s, cells.filter((c) => c.status === s).length])),
        report: join(dir, "report.md"),
        plots: results.plots,
        fits: results.fits
          .filter((f) => f.family === "all" && (f.metric === "proveMs" || f.metric === "requestTotalGas"))
          .map((f) => ({ path: f.path, metric: f.metric, slope: Number(f.slope.toFixed(3)), points: f.points })),
        crossovers: results.crossovers.filter((c) => c.within),
        schemaProblems: problems,
      };
      out.result(summary, () =>
        [
          `report: ${summary.report}`,
          `cells: ${Object.entries(summary.cells)
            .map(([k, v]) => `${v} ${k}`)
            .join(", ")}`,
          ...summary.fits.map((f) => `  ${f.path} ${f.metric}: slope ${f.slope} (log-log, ${f.points} models)`),
          problems.length ? `schema problems:\n  ${problems.join("\n  ")}` : "outputs match their schema",
        ].join("\n"),
      );
      if (problems.length) throw new InputError(`the run's outputs do not match their schema (${problems.length} problems, listed above)`);
    });
}
