/**
 * `vinfer bench` (sdk/bench/, docs/benchmarks.md): the statistics and the
 * computed peer on their own, then `vinfer bench --quick` as CI runs it, in a
 * child process: it must finish, write every output, and its outputs must
 * match their schema. No timing is asserted (the machine is shared); only
 * shapes, statuses and the figures that do not depend on timing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { CellStore } from "../../sdk/bench/cells.js";
import { crossover, fitLogLog, stats } from "../../sdk/bench/fit.js";
import { CIRCOMLIB_ML_RELU, PUBLISHED_FIGURES, circomlibMlConstraints } from "../../sdk/bench/peers.js";
import { runProblems, type RunResults } from "../../sdk/bench/report.js";
import { CELL_SCHEMA, cellProblems } from "../../sdk/bench/schema.js";
import { Model } from "../../sdk/model.js";
import { nativeAvailable } from "../../sdk/zk/groth16/native.js";
import { vinferAsync } from "../helpers/cli.js";

describe("vinfer bench: statistics and peers", function () {
  it("takes the median and spread of repeats", function () {
    expect(stats([3, 1, 2])).to.deep.equal({ n: 3, median: 2, min: 1, max: 3, relSpread: 1 });
    expect(stats([4, 2]).median).to.equal(3);
  });

  it("fits cost = a × params^slope on log-log axes and finds where two fits cross", function () {
    const f = fitLogLog([10, 100, 1000].map((x) => [x, 5 * x ** 1.5] as [number, number]))!;
    // Plain comparisons: Hardhat's chai matchers take over closeTo for integers only (a float throws).
    const near = (x: number, y: number, eps: number) => Math.abs(x - y) <= eps;
    expect(near(f.slope, 1.5, 1e-9), `slope ${f.slope}`).to.equal(true);
    expect(near(f.r2, 1, 1e-9), `r2 ${f.r2}`).to.equal(true);
    const g = fitLogLog([10, 100, 1000].map((x) => [x, 500 * x ** 0.5] as [number, number]))!;
    const c = crossover(f, g)!;
    // 5 x^1.5 = 500 x^0.5  <=>  x = 100; the flatter path is cheaper above, the steeper below
    expect(near(c.params, 100, 1e-6), `crossing at ${c.params}`).to.equal(true);
    expect(c.cheaperBelow).to.equal("a");
    expect(c.within).to.equal(true);
    expect(fitLogLog([[10, 1]])).to.equal(null);
  });

  it("counts circomlib-ml's constraints for digits-mlp from its templates: one per product, 517 per ReLU", function () {
    const peer = circomlibMlConstraints(Model.load("digits-mlp"));
    // Gemm 64 -> 32, ReLU on 32, Gemm 32 -> 10
    expect(peer.constraints).to.equal(64 * 32 + 32 * CIRCOMLIB_ML_RELU + 32 * 10);
    expect(peer.notCounted).to.deep.equal([]);
    expect(peer.source).to.match(/socathie\/circomlib-ml/);
  });

  it("keeps published figures apart, each with a source", function () {
    for (const p of PUBLISHED_FIGURES) expect(p.source, p.system).to.match(/\w+\.\w+/);
  });

  it("refuses a cell that does not match its schema", function () {
    expect(cellProblems({ schema: CELL_SCHEMA, model: "m", path: "nope", parameters: 1, status: "ok" })).to.not.deep.equal([]);
    expect(cellProblems({ schema: CELL_SCHEMA, model: "m", path: "tee", parameters: 1, status: "failed" }).join()).to.match(/note/);
  });
});

describe("vinfer bench --quick (what CI runs)", function () {
  this.timeout(300_000);
  const out = mkdtempSync(join(tmpdir(), "vinfer-bench-"));
  const dir = join(out, "ci");
  after(() => rmSync(out, { recursive: true, force: true }));

  it("measures every path on two small models and writes outputs that match their schema", async function () {
    const r = await vinferAsync(["bench", "--quick", "--out", out, "--run-id", "ci", "--json"]);
    expect(r.code, r.stderr.slice(-3000)).to.equal(0);
    const summary = JSON.parse(r.stdout) as { dir: string; schemaProblems: string[]; cells: Record<string, number> };
    expect(summary.dir).to.equal(dir);
    expect(summary.schemaProblems).to.deep.equal([]);
    expect(summary.cells.failed, r.stderr.slice(-3000)).to.equal(0);
    expect(runProblems(dir)).to.deep.equal([]);

    const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as RunResults;
    expect(results.machine.cores).to.be.greaterThan(0);
    const cell = (model: string, path: string) => results.cells.find((c) => c.model === model && c.path === path);
    const protocol = ["groth16-snarkjs", "opml", "tee", ...(nativeAvailable() ? ["groth16-native"] : [])];
    for (const path of protocol) {
      const c = cell("digits-mlp", path);
      expect(c?.status, `${path}: ${c?.note}`).to.equal("ok");
      expect(c!.onchain!.fulfilGas).to.be.greaterThan(21_000);
    }
    expect(cell("sweep-mlp-1e2", "ezkl")?.status).to.equal("ok");
    // sizes that do not depend on timing: a Groth16 proof is 8 words, a TEE signature 65 bytes
    expect(cell("digits-mlp", "groth16-snarkjs")!.offchain!.evidenceBytes).to.equal(256);
    expect(cell("digits-mlp", "tee")!.offchain!.evidenceBytes).to.equal(65);
    const dispute = cell("digits-mlp", "opml")!.dispute!;
    expect(dispute.moves).to.be.at.most(dispute.movesBound);
    expect(cell("digits-mlp", "circomlib-ml")!.computed!.constraints).to.be.greaterThan(0);
    for (const f of ["offchain.csv", "onchain.csv", "report.md"]) expect(statSync(join(dir, f)).size, f).to.be.greaterThan(0);
    // plots: drawn, or skipped with a note saying so (matplotlib missing)
    if (results.plots.length === 0) expect(results.plotNote).to.match(/matplotlib|venv/);
    else for (const p of results.plots) expect(existsSync(join(dir, p)), p).to.equal(true);
  });

  it("resumes a run without recomputing its finished cells", async function () {
    const store = new CellStore(dir);
    const before = store.all().filter((c) => c.status === "ok");
    expect(before.length).to.be.greaterThan(0);
    const r = await vinferAsync(["bench", "--out", out, "--run-id", "ci", "--json"]);
    expect(r.code, r.stderr.slice(-3000)).to.equal(0);
    const after = new CellStore(dir).all();
    for (const b of before) expect(after.find((a) => a.model === b.model && a.path === b.path)?.startedAt).to.equal(b.startedAt);
  });
});
