/**
 * Interrupted set-up leaves nothing behind: SIGINT or SIGTERM while a
 * powers-of-tau file is being written removes its temporaries (and stops the
 * native tool), and the files of a process killed outright are swept by the
 * next build, which then completes.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { buildFileAtomically } from "../../sdk/zk/artifacts.js";

const SCRIPT = join(import.meta.dirname, "..", "fixtures", "scripts", "buildDevPtau.ts");

function startBuild(path: string): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", SCRIPT, path, "20"], { stdio: "ignore" });
}

async function until(condition: () => boolean, what: string, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!condition()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code)));
}

describe("interrupted set-up", function () {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "vinfer-interrupt-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`removes the half-written file on ${signal} and ends the process by that signal`, async () => {
      const child = startBuild(join(dir, "dev.ptau"));
      const done = exited(child);
      await until(() => readdirSync(dir).some((f) => f.startsWith("dev.ptau.tmp-")), "the build to start writing");
      child.kill(signal);
      expect(await done).to.equal(signal);
      expect(readdirSync(dir)).to.deep.equal([]);
    });
  }

  it("sweeps the temporaries of a killed process, then builds the file", async () => {
    const dead = spawnSync("true").pid!; // a pid that no longer runs
    writeFileSync(join(dir, `model.bin.tmp-${dead}`), "half");
    writeFileSync(join(dir, `model.bin.tmp-${dead}.0`), "scratch");
    writeFileSync(join(dir, `other.bin.tmp-${dead}`), "not ours");
    await buildFileAtomically(join(dir, "model.bin"), async (tmp) => writeFileSync(tmp, "complete"));
    expect(readdirSync(dir).sort()).to.deep.equal(["model.bin", `other.bin.tmp-${dead}`]);
    expect(existsSync(join(dir, "model.bin"))).to.equal(true);
  });
});
