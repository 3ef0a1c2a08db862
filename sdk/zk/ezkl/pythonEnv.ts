/**
 * The Python environment that runs native EZKL. In a source checkout it is
 * the repository's `.venv` (scripts/setup-python.sh); in an installed
 * package it is a venv in the cache directory, created on the EZKL
 * backend's first use from `requirements-ezkl.txt` (pip, from PyPI).
 * `$VINFER_PYTHON` points at an interpreter that already has ezkl.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { VinferError } from "../../errors.js";
import { PACKAGE_ROOT, SOURCE_CHECKOUT, cacheDir } from "../../paths.js";
import { buildAtomically } from "../artifacts.js";
import { type Progress, silentProgress } from "../progress.js";

export const PYTHON_ENV = "VINFER_PYTHON";
const REQUIREMENTS = join(PACKAGE_ROOT, "requirements-ezkl.txt");

export class PythonEnvError extends VinferError {
  constructor(message: string) {
    super("PYTHON_ENV", message);
  }
}

function venvDir(): string {
  return SOURCE_CHECKOUT ? join(PACKAGE_ROOT, ".venv") : join(cacheDir(), "python");
}

/** The interpreter EZKL runs in (it may not exist yet: see ensurePythonEnv). */
export function pythonPath(): string {
  return process.env[PYTHON_ENV] ?? join(venvDir(), "bin", "python");
}

/** Runs a command, forwarding its output lines as progress details; rejects with its last lines. */
function run(command: string, args: readonly string[], progress: Progress): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const take = (d: Buffer) => {
      const text = d.toString();
      tail = (tail + text).slice(-2000);
      for (const line of text.split("\n")) if (line.trim()) progress.detail(line.trim());
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", (err) =>
      reject(
        new PythonEnvError(
          `cannot run ${command} (${err.message}): the EZKL backend needs Python 3.10 or newer as \`python3\` on PATH, ` +
            `or $${PYTHON_ENV} set to a Python that has ezkl installed`,
        ),
      ),
    );
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new PythonEnvError(`${command} ${args.join(" ")} failed (exit ${code}):\n${tail.trim()}`)),
    );
  });
}

/**
 * The interpreter, after creating its venv if this is its first use. The
 * venv is built beside its final place and renamed into it (buildAtomically;
 * python finds a moved venv by its pyvenv.cfg), so an interrupted install
 * leaves nothing that looks complete.
 */
export async function ensurePythonEnv(progress: Progress = silentProgress): Promise<string> {
  const python = pythonPath();
  if (existsSync(python)) return python;
  if (process.env[PYTHON_ENV]) throw new PythonEnvError(`$${PYTHON_ENV} is ${python}, which does not exist`);
  if (SOURCE_CHECKOUT) throw new PythonEnvError("the Python venv is missing: run `npm run setup:python` (installs ezkl)");
  const dir = venvDir();
  await buildAtomically(dir, async (tmp) => {
    const ezkl = /^ezkl==\S+/m.exec(readFileSync(REQUIREMENTS, "utf8"))?.[0] ?? "ezkl";
    progress.detail(`first use of EZKL: creating a Python venv in ${dir} (pip installs ${ezkl}; about a minute)`);
    await run(process.env.PYTHON3 ?? "python3", ["-m", "venv", tmp], progress);
    const pip = ["-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off", "-r", REQUIREMENTS];
    await run(join(tmp, "bin", "python"), pip, progress);
    writeFileSync(join(tmp, "requirements-ezkl.txt"), readFileSync(REQUIREMENTS));
  });
  return python;
}
