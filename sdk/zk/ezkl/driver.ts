/**
 * The native EZKL worker (driver.py in the project venv), started once and
 * kept for the session: one JSON line per request and per answer. A failure
 * comes back as an EzklError naming the EZKL stage.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { VinferError } from "../../errors.js";
import { cacheDir } from "../../paths.js";
import { type Progress, silentProgress } from "../progress.js";
import { ensurePythonEnv } from "./pythonEnv.js";

export const EZKL_VERSION = "21.0.3";
const DRIVER = join(import.meta.dirname, "driver.py");
/** EZKL finds solc through svm's data dir; we point it at a shim over npm's solc 0.8.20 (no download). */
function svmHome(): string {
  return join(cacheDir(), "ezkl", "xdg");
}

/** An EZKL stage failed; `stage` names it (settings, srs, setup, witness, prove, verify, evm-verifier…). */
export class EzklError extends VinferError {
  constructor(
    readonly stage: string,
    message: string,
  ) {
    super("EZKL", `EZKL stage "${stage}" failed: ${message}`);
  }
}

type Reply = { id: number; ok?: boolean; error?: string; stage?: string } & Record<string, unknown>;

function installSolcShim(): void {
  const dir = join(svmHome(), "svm", "0.8.20");
  const path = join(dir, "solc-0.8.20");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, `#!/bin/sh\nexec "${process.execPath}" "${join(import.meta.dirname, "solc-shim.cjs")}" "$@"\n`);
  chmodSync(path, 0o755);
}

export class EzklDriver {
  private static shared?: EzklDriver;
  private static python?: Promise<string>;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void; stage: string }>();
  private stderrTail = "";

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const reply = JSON.parse(line) as Reply;
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.error) p.reject(new EzklError(reply.stage ?? p.stage, reply.error));
      else p.resolve(reply);
    });
    child.stderr.on("data", (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString()).slice(-4000)));
    child.on("exit", (code) => {
      for (const p of this.pending.values())
        p.reject(
          new EzklError(p.stage, `the EZKL worker exited (code ${code}): ${this.stderrTail.trim().split("\n").slice(-3).join(" ")}`),
        );
      this.pending.clear();
      if (EzklDriver.shared === this) EzklDriver.shared = undefined;
    });
  }

  /** The session's worker, started on first use (which, in an installed package, first creates its Python venv). */
  static async start(progress: Progress = silentProgress): Promise<EzklDriver> {
    if (EzklDriver.shared) return EzklDriver.shared;
    // concurrent first calls share one venv creation
    EzklDriver.python ??= ensurePythonEnv(progress).finally(() => (EzklDriver.python = undefined));
    const python = await EzklDriver.python;
    if (!EzklDriver.shared) {
      installSolcShim();
      const child = spawn(python, [DRIVER], {
        env: { ...process.env, RUST_LOG: "error", XDG_DATA_HOME: svmHome() },
        stdio: ["pipe", "pipe", "pipe"],
      });
      EzklDriver.shared = new EzklDriver(child);
    }
    return EzklDriver.shared;
  }

  request(stage: string, args: Record<string, unknown>): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, stage });
      this.child.stdin.write(JSON.stringify({ id, stage, args }) + "\n");
    });
  }

  /** Ends the worker (it is also ended when this process exits). */
  static async stop(): Promise<void> {
    const d = EzklDriver.shared;
    if (!d) return;
    EzklDriver.shared = undefined;
    await new Promise<void>((resolve) => {
      d.child.on("exit", () => resolve());
      d.child.stdin.end();
    });
  }
}
