/** `vinfer zk` as a user runs it. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { vinfer } from "../helpers/cli.js";
import { ZOO_DIR } from "../../sdk/zoo/files.js";
import { nativeAvailable } from "../../sdk/zk/groth16/native.js";

describe("vinfer zk", () => {
  const dir = mkdtempSync(join(tmpdir(), "vinfer-zk-"));

  it("info prints the constraints of every layer, with no product constraints for public weights", () => {
    const r = vinfer("zk", "info", "digits-mlp", "--json");
    expect(r.code, r.stderr).to.equal(0);
    const plan = JSON.parse(r.stdout) as { constraints: number; layers: { op: string; products: number }[] };
    expect(plan.constraints).to.equal(1500); // 2,421 before digits-mlp declared its input range [0, 1]
    expect(plan.layers.map((l) => l.op)).to.deep.equal(["Input", "PackedInputs", "Gemm+Relu", "Gemm", "PackedOutputs"]);
    expect(plan.layers.every((l) => l.products === 0)).to.equal(true);
  });

  it("requires a known backend", () => {
    expect(vinfer("zk", "compile", "digits-mlp").code).to.equal(2);
    const r = vinfer("zk", "compile", "--backend", "plonky", "digits-mlp");
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain("Allowed choices are groth16, ezkl");
  });

  it("proves and verifies with the ezkl backend", () => {
    const proofPath = join(dir, "ezkl-proof.json");
    const prove = vinfer(
      "zk",
      "prove",
      "--backend",
      "ezkl",
      "digits-mlp",
      "--input",
      join(ZOO_DIR, "digits-mlp", "input.json"),
      "-o",
      proofPath,
    );
    expect(prove.code, prove.stderr).to.equal(0);
    expect(prove.stderr).to.match(/✓ prove \d+\.\d+ s/);
    const ok = vinfer("zk", "verify", "--backend", "ezkl", "digits-mlp", "--proof", proofPath);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.contain("valid proof (native EZKL and WASM engine)");
  });

  it("proves, verifies, and refuses a tampered proof file", () => {
    const proofPath = join(dir, "proof.json");
    const prove = vinfer(
      "zk",
      "prove",
      "--backend",
      "groth16",
      "digits-mlp",
      "--input",
      join(ZOO_DIR, "digits-mlp", "input.json"),
      "--binding",
      "42",
      "-o",
      proofPath,
    );
    expect(prove.code, prove.stderr).to.equal(0);
    expect(prove.stdout).to.contain("outputs -1157 -1639 -1867 -1406 185 -1473 -2545 2029 -769 973");
    expect(prove.stderr).to.contain("INSECURE development powers of tau");
    // auto: the native prover where it is built (CI builds it), snarkjs otherwise
    expect(prove.stderr).to.match(nativeAvailable() ? /✓ prove \(native\) \d+\.\d+ s/ : /✓ prove \(snarkjs\) \d+\.\d+ s/);
    expect(JSON.parse(readFileSync(proofPath, "utf8")).prover).to.equal(nativeAvailable() ? "native" : "snarkjs");

    const ok = vinfer("zk", "verify", "--backend", "groth16", "digits-mlp", "--proof", proofPath);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.contain("valid proof");
    expect(ok.stdout).to.contain("binding 42");

    const tampered = JSON.parse(readFileSync(proofPath, "utf8"));
    tampered.publicSignals[3] = "12345";
    writeFileSync(join(dir, "tampered.json"), JSON.stringify(tampered));
    const bad = vinfer("zk", "verify", "--backend", "groth16", "digits-mlp", "--proof", join(dir, "tampered.json"));
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.contain("does NOT verify for this model");
  });

  it("proves with the prover asked for (--prover snarkjs), and names the choices when asked for another", () => {
    const input = join(ZOO_DIR, "digits-mlp", "input.json");
    const proofPath = join(dir, "proof-snarkjs.json");
    const prove = vinfer(
      "zk",
      "prove",
      "--backend",
      "groth16",
      "digits-mlp",
      "--input",
      input,
      "--prover",
      "snarkjs",
      "-o",
      proofPath,
      "--json",
    );
    expect(prove.code, prove.stderr).to.equal(0);
    expect(prove.stderr).to.match(/✓ prove \(snarkjs\) \d+\.\d+ s/);
    // --json: the stdout is one document (the progress stays on stderr)
    const proven = JSON.parse(prove.stdout) as { backend: string; modelId: string; binding: string; proofFile: string; summary: string };
    expect(proven).to.include({ backend: "groth16", binding: "0", proofFile: proofPath });
    expect(proven.summary).to.equal("outputs -1157 -1639 -1867 -1406 185 -1473 -2545 2029 -769 973");
    const verified = vinfer("zk", "verify", "--backend", "groth16", "digits-mlp", "--proof", proofPath, "--json");
    expect(verified.code, verified.stderr).to.equal(0);
    expect(JSON.parse(verified.stdout)).to.include({ backend: "groth16", modelId: proven.modelId, proofFile: proofPath, valid: true });
    const bogus = vinfer("zk", "prove", "--backend", "groth16", "digits-mlp", "--input", input, "--prover", "gpu", "-o", proofPath);
    expect(bogus.code).to.not.equal(0);
    expect(bogus.stderr).to.match(/--prover.*gpu.*native, snarkjs, auto/s);
  });

  it("prints one JSON document with --json, and only the result (and its warnings) with --quiet", () => {
    const args = ["--backend", "groth16", "digits-mlp"];
    const compiled = vinfer("zk", "compile", ...args, "--json", "--quiet");
    expect(compiled.code, compiled.stderr).to.equal(0);
    const c = JSON.parse(compiled.stdout) as {
      circuit: string;
      setup: boolean;
      size: { constraints: number };
      timings: { stage: string }[];
    };
    expect(c).to.include({ setup: true });
    expect(c.size).to.deep.equal({ constraints: 1500 });
    expect(c.timings.map((t) => t.stage)).to.include("key set-up");
    // no progress under --quiet: only the warning that the keys are INSECURE dev keys
    expect(compiled.stderr).to.equal(
      "warning: keys come from an INSECURE development powers of tau; use --ptau <ceremony file> in production\n",
    );
    expect(vinfer("zk", "compile", ...args).stderr).to.match(/✓ key set-up/);

    const accuracy = vinfer("zk", "accuracy", ...args, "--input", join(ZOO_DIR, "datasets", "digits-test.json"), "--limit", "4", "--json");
    expect(accuracy.code, accuracy.stderr).to.equal(0);
    expect(JSON.parse(accuracy.stdout)).to.include({ backend: "groth16", samples: 4, argmaxAgreement: 1, agreeing: 4 });

    const sol = join(dir, "Verifier.sol");
    const exported = vinfer("zk", "export-verifier", ...args, "-o", sol, "--json", "-q");
    expect(exported.code, exported.stderr).to.equal(0);
    expect(JSON.parse(exported.stdout)).to.include({ verifierFile: sol });
    expect(readFileSync(sol, "utf8")).to.contain("pragma solidity");

    const unwritable = join(dir, "no-such-folder", "Verifier.sol");
    const refused = vinfer("zk", "export-verifier", ...args, "-o", unwritable, "--json");
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.contain(`error: cannot write verifier contract ${unwritable}: ENOENT`);
    expect(refused.stdout).to.equal("");

    const missing = vinfer("zk", "verify", ...args, "--proof", join(dir, "missing-proof.json"), "--json");
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain(`error: cannot read proof file ${join(dir, "missing-proof.json")}`);
  });
});
