/**
 * The grid of `vinfer bench` (models × paths), its size limits, and the
 * resumable store of finished cells: one JSON file per cell under
 * <run>/cells/, written atomically, so a run interrupted anywhere goes on
 * from the first unfinished cell (`--run-id` of the interrupted run).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

import { BenchError } from "./process.js";
import { type CellRecord, type PathName, PATHS, cellProblems } from "./schema.js";

/**
 * The zoo's digits models and its MLP and CNN size sweeps (digits-mlp-torch
 * is left out: digits-mlp's graph as torch.onnx.export writes it, the same
 * layers; `--models` takes it).
 */
export const DEFAULT_MODELS: readonly string[] = [
  "sweep-mlp-1e2",
  "sweep-mlp-1e3",
  "sweep-mlp-1e4",
  "sweep-mlp-1e5",
  "sweep-mlp-1e6",
  "sweep-cnn-1e3",
  "sweep-cnn-1e4",
  "sweep-cnn-1e5",
  "digits-mlp",
  "digits-cnn",
  "digits-lenet-bn",
  "digits-transformer",
];

/** `--quick`: two small models, one repeat; every path that runs here (what CI runs, under 3 minutes). */
export const QUICK_MODELS: readonly string[] = ["sweep-mlp-1e2", "digits-mlp"];

/**
 * Size limits of a run: cells above them are `skipped` (not a verdict on the
 * path, a budget). The defaults keep a full run on a 2-core machine near 25
 * minutes; raise them on a bigger machine.
 */
export interface Limits {
  /** Groth16 (native): largest circuit, constraints (the dev powers of tau and the circom compile grow with it). */
  readonly groth16MaxConstraints: number;
  /** Groth16 (both provers): largest model, parameters (the weights are circuit constants: circom's compile grows with them). */
  readonly groth16MaxParams: number;
  /** Groth16 with snarkjs proving: largest circuit, constraints. */
  readonly snarkjsMaxConstraints: number;
  /** snarkjs `zkey new` set-up: largest circuit, constraints. */
  readonly snarkjsSetupMaxConstraints: number;
  /** EZKL (the protocol's path): largest model, parameters. */
  readonly ezklMaxParams: number;
  /** Raw EZKL peer: largest model, parameters. */
  readonly ezklRawMaxParams: number;
  /** OPML: largest model, parameters. */
  readonly opmlMaxParams: number;
  /** TEE: largest model, parameters. */
  readonly teeMaxParams: number;
  /** OPML: how many of the places tied for the longest dispute are played (the costliest is kept). */
  readonly disputePlaces: number;
}

export const DEFAULT_LIMITS: Limits = {
  groth16MaxConstraints: 160_000,
  groth16MaxParams: 150_000,
  snarkjsMaxConstraints: 60_000,
  snarkjsSetupMaxConstraints: 12_000,
  ezklMaxParams: 11_000,
  ezklRawMaxParams: 2_500,
  opmlMaxParams: 1_100_000,
  teeMaxParams: 1_100_000,
  disputePlaces: 1,
};

export const QUICK_LIMITS: Limits = {
  ...DEFAULT_LIMITS,
  snarkjsSetupMaxConstraints: 3_000,
  ezklMaxParams: 200,
  ezklRawMaxParams: 0,
};

export interface BenchConfig {
  readonly models: readonly string[];
  readonly paths: readonly PathName[];
  readonly repeat: number;
  readonly quick: boolean;
  readonly limits: Limits;
}

export const cellId = (model: string, path: PathName): string => `${model.replace(/[^A-Za-z0-9_.-]/g, "_")}__${path}`;

/** A run id from the time and host: sorts by date, says where it ran. */
export function newRunId(at = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
  return `${stamp}-${
    hostname()
      .replace(/[^A-Za-z0-9-]/g, "")
      .slice(0, 24) || "host"
  }`;
}

/** Finished cells of a run, on disk. A cell is final once ok or unsupported; skipped and failed cells are tried again on resume. */
export class CellStore {
  readonly dir: string;

  constructor(readonly runDir: string) {
    this.dir = join(runDir, "cells");
    mkdirSync(this.dir, { recursive: true });
  }

  private file(model: string, path: PathName): string {
    return join(this.dir, `${cellId(model, path)}.json`);
  }

  read(model: string, path: PathName): CellRecord | undefined {
    const f = this.file(model, path);
    if (!existsSync(f)) return undefined;
    let x: unknown;
    try {
      x = JSON.parse(readFileSync(f, "utf8"));
    } catch {
      return undefined; // a torn file cannot exist (atomic writes); anything unreadable is recomputed
    }
    return cellProblems(x).length === 0 ? (x as CellRecord) : undefined;
  }

  /** Whether the cell is done and need not run again. */
  finished(model: string, path: PathName): boolean {
    const r = this.read(model, path);
    return r !== undefined && (r.status === "ok" || r.status === "unsupported");
  }

  write(record: CellRecord): void {
    const problems = cellProblems(record);
    if (problems.length) throw new BenchError(`cell ${record.model}/${record.path} does not match its schema: ${problems.join("; ")}`);
    const f = this.file(record.model, record.path);
    const tmp = `${f}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(record, null, 1)}\n`);
    renameSync(tmp, f); // atomic: an interrupted run never leaves half a cell
  }

  all(): CellRecord[] {
    const out: CellRecord[] = [];
    for (const f of readdirSync(this.dir)
      .filter((n) => n.endsWith(".json"))
      .sort()) {
      const [model, path] = f.slice(0, -5).split("__") as [string, string];
      if (!(PATHS as readonly string[]).includes(path)) continue;
      const r = this.read(model, path as PathName);
      if (r) out.push(r);
    }
    return out;
  }
}
