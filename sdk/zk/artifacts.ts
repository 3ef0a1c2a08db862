/**
 * Where the ZK backends keep their artefacts, and how a folder of them is
 * written: complete or absent. A folder is assembled under a temporary name
 * and renamed into place, so a failure never leaves half-written artefacts
 * behind; SIGINT/SIGTERM remove the temporaries in progress before the
 * process ends, and a later build sweeps those of processes that were killed
 * outright (SIGKILL, power loss). A rerun resumes from the stages already
 * cached, since each stage's folder exists only once complete.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";

const cleanups = new Set<() => void>();

function onSignal(signal: NodeJS.Signals): void {
  for (const clean of cleanups) clean();
  cleanups.clear();
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  // re-raised: the default action (exit) or the program's own handler takes it from here
  process.kill(process.pid, signal);
}

/**
 * Runs `clean` if SIGINT or SIGTERM arrives before the returned release
 * function is called. The handlers are installed only while something is in
 * progress, so a program's own signal handling is left alone otherwise.
 */
export function removeOnSignal(clean: () => void): () => void {
  if (cleanups.size === 0) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  cleanups.add(clean);
  return () => {
    cleanups.delete(clean);
    if (cleanups.size === 0) {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes `<name>.tmp-<pid>*` beside `path` left by processes that no longer run. */
function sweepAbandoned(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) return;
  const prefix = `${basename(path)}.tmp-`;
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(prefix)) continue;
    const pid = Number.parseInt(f.slice(prefix.length), 10);
    if (Number.isInteger(pid) && pid !== process.pid && !isRunning(pid)) rmSync(join(dir, f), { recursive: true, force: true });
  }
}

/** Builds `dir` through `fill(tmpDir)` unless it already exists; atomic. */
export async function buildAtomically(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  if (existsSync(dir)) return;
  sweepAbandoned(dir);
  const tmp = `${dir}.tmp-${process.pid}`;
  const remove = () => rmSync(tmp, { recursive: true, force: true });
  remove();
  mkdirSync(tmp, { recursive: true });
  const release = removeOnSignal(remove);
  try {
    await fill(tmp);
    renameSync(tmp, dir);
  } catch (err) {
    remove();
    throw err;
  } finally {
    release();
  }
}

/**
 * Creates the file `path` through `fill(tmpPath)` unless it already exists;
 * atomic like buildAtomically. `fill` may also write scratch files named
 * `${tmpPath}.<suffix>`: they are removed afterwards.
 */
export async function buildFileAtomically(path: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  sweepAbandoned(path);
  const tmp = `${path}.tmp-${process.pid}`;
  const dir = dirname(path);
  const remove = () => {
    for (const f of readdirSync(dir)) if (f.startsWith(basename(tmp))) rmSync(join(dir, f), { force: true });
  };
  const release = removeOnSignal(remove);
  try {
    await fill(tmp);
    renameSync(tmp, path);
  } finally {
    remove();
    release();
  }
}
