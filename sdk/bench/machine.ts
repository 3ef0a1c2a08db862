/** The machine a benchmark ran on, recorded with its results: CPU, cores, memory, OS and the tools' versions. */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, hostname, release, totalmem } from "node:os";
import { join } from "node:path";

import { PACKAGE_ROOT } from "../paths.js";
import { nativeAvailable, nativeBinaryPath } from "../zk/groth16/native.js";
import { pythonPath } from "../zk/ezkl/pythonEnv.js";

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly hostname: string;
  readonly node: string;
  readonly versions: Readonly<Record<string, string | null>>;
  readonly gitCommit: string | null;
}

/** A package's version: node_modules' copy, or vinfer's own for undefined. */
function packageVersion(name?: string): string | null {
  const file = name ? join(PACKAGE_ROOT, "node_modules", name, "package.json") : join(PACKAGE_ROOT, "package.json");
  if (!existsSync(file)) return null;
  return (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version ?? null;
}

function pythonPackageVersion(pkg: string): string | null {
  const python = pythonPath();
  if (!existsSync(python)) return null;
  const r = spawnSync(python, ["-c", `import importlib.metadata as m; print(m.version("${pkg}"))`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** HEAD, with "-dirty" when tracked files differ from it; null outside a git checkout. */
export function gitCommit(): string | null {
  try {
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: PACKAGE_ROOT, encoding: "utf8", stdio: "pipe" }).trim();
    const dirty =
      execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
        cwd: PACKAGE_ROOT,
        encoding: "utf8",
        stdio: "pipe",
      }).trim() !== "";
    return dirty ? `${head}-dirty` : head;
  } catch {
    return null;
  }
}

export function machineInfo(): MachineInfo {
  const native = nativeAvailable() ? `built (${nativeBinaryPath()})` : null;
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${process.platform} ${process.arch} ${release()}`,
    hostname: hostname(),
    node: process.version,
    versions: {
      vinfer: packageVersion(),
      snarkjs: packageVersion("snarkjs"),
      hardhat: packageVersion("hardhat"),
      ethers: packageVersion("ethers"),
      "groth16-native": native,
      ezkl: pythonPackageVersion("ezkl"),
      matplotlib: pythonPackageVersion("matplotlib"),
    },
    gitCommit: gitCommit(),
  };
}
