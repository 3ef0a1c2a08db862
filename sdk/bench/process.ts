/**
 * Time and peak memory of the work a benchmark measures: a child process run
 * under /usr/bin/time (its maximum resident set, as scripts/bench-prove.ts
 * measures the provers), or work done in this process or a long-lived worker,
 * whose high-water mark (VmHWM) Linux resets on a write of 5 to
 * /proc/<pid>/clear_refs.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";

import { VinferError } from "../errors.js";

export class BenchError extends VinferError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("BENCH", message, options);
  }
}

export interface ProcessMeasure {
  readonly ms: number;
  readonly peakMb: number;
  readonly stdout: string;
}

const TIME = "/usr/bin/time";

export function timeAvailable(): boolean {
  return existsSync(TIME);
}

/** Runs `cmd args` under /usr/bin/time: wall time (ms, process start included) and maximum resident set (MB). */
export function measureProcess(cmd: string, args: readonly string[], options: { cwd?: string } = {}): ProcessMeasure {
  if (!timeAvailable()) throw new BenchError(`${TIME} is missing: install GNU time (Debian: apt-get install time) to measure peak memory`);
  const t0 = performance.now();
  const r = spawnSync(TIME, ["-f", "vinfer-peak-kb %M", cmd, ...args], {
    encoding: "utf8",
    maxBuffer: 256 << 20,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const ms = performance.now() - t0;
  const peak = /vinfer-peak-kb (\d+)/.exec(r.stderr ?? "");
  if (r.status !== 0 || !peak)
    throw new BenchError(`${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal}): ${(r.stderr ?? "").slice(-1500)}`);
  return { ms, peakMb: Number(peak[1]) / 1024, stdout: r.stdout };
}

function readStatusKb(pid: number, field: "VmHWM" | "VmRSS"): number | null {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function resetHwm(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** The live descendants of `pid` (children, their children…), from /proc. */
export function descendants(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const parent = new Map<number, number>();
  for (const e of entries) {
    try {
      // the command name may hold spaces and parentheses: the fields start after the last ")"
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parent.set(Number(e), ppid);
    } catch {
      // the process ended meanwhile
    }
  }
  const out: number[] = [];
  const frontier = [pid];
  while (frontier.length) {
    const p = frontier.pop()!;
    for (const [child, pp] of parent)
      if (pp === p && !out.includes(child)) {
        out.push(child);
        frontier.push(child);
      }
  }
  return out;
}

export interface InProcessMeasure<T> {
  readonly value: T;
  readonly ms: number;
  /** This process's peak resident set during `fn`, MB; null where /proc cannot say (not Linux). */
  readonly selfPeakMb: number | null;
  /**
   * How far this process's resident set rose during `fn` above its level
   * before it (peak − resident before), MB: the work's own memory, without
   * the runtime and whatever the process already held.
   */
  readonly selfGrowthMb: number | null;
  /** The largest peak of a descendant process alive at the end (e.g. the EZKL worker), MB. */
  readonly childPeakMb: number | null;
}

/** Runs `fn` with the peak-memory counters of this process and its descendants reset first. */
export async function measureInProcess<T>(fn: () => Promise<T> | T): Promise<InProcessMeasure<T>> {
  const self = process.pid;
  const canReset = resetHwm(self);
  const before = canReset ? readStatusKb(self, "VmRSS") : null;
  for (const d of descendants(self)) resetHwm(d);
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const selfKb = canReset ? readStatusKb(self, "VmHWM") : null;
  const kids = descendants(self)
    .map((pid) => readStatusKb(pid, "VmHWM"))
    .filter((k): k is number => k !== null);
  return {
    value,
    ms,
    selfPeakMb: selfKb === null ? null : selfKb / 1024,
    selfGrowthMb: selfKb === null || before === null ? null : Math.max(0, selfKb - before) / 1024,
    childPeakMb: canReset && kids.length ? Math.max(...kids) / 1024 : null,
  };
}
