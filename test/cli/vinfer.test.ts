/** The `vinfer` command as a user runs it: real process, real files, exit codes and messages. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { vinfer } from "../helpers/cli.js";
import { ZOO_DIR } from "../../sdk/zoo/files.js";
import { withOpReplaced } from "../helpers/onnxBuilder.js";

const MLP = join(ZOO_DIR, "digits-mlp", "model.onnx");

describe("vinfer CLI", () => {
  const dir = mkdtempSync(join(tmpdir(), "vinfer-cli-"));

  it("has help text on every command", () => {
    const top = vinfer("--help");
    expect(top.code).to.equal(0);
    for (const cmd of ["inspect", "run", "commit", "zk"]) {
      expect(top.stdout).to.contain(cmd);
      const help = vinfer(cmd, "--help");
      expect(help.code, cmd).to.equal(0);
      expect(help.stdout, cmd).to.match(/^Usage: vinfer /);
    }
  });

  it("inspect shows ops, shapes and parameters of a supported model", () => {
    const r = vinfer("inspect", "digits-cnn");
    expect(r.code).to.equal(0);
    expect(r.stdout).to.contain("params    1,370 in 4 initializers");
    expect(r.stdout).to.match(/Conv\s+conv\s+\[1, 1, 8, 8\] \[8, 1, 3, 3\] \[8\]\s+\[1, 8, 8, 8\]/);
    expect(r.stdout).to.contain("supported: yes");
  });

  it("inspect names the unsupported op and node, and exits non-zero", () => {
    const path = join(dir, "softmax.onnx");
    writeFileSync(path, withOpReplaced(MLP, 1, "LSTM"));
    const r = vinfer("inspect", path);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.match(/1\s+LSTM\s+relu_hidden\s+NO/);
    expect(r.stderr).to.contain('error: unsupported operator LSTM (node "relu_hidden")');
  });

  it("inspect says a truncated file is not a valid ONNX model", () => {
    const path = join(dir, "truncated.onnx");
    writeFileSync(path, readFileSync(MLP).subarray(0, 4000));
    const r = vinfer("inspect", path);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal(`error: ${path} is not a valid ONNX model: truncated or corrupt protobuf (index out of range)\n`);
  });

  it("explains a model reference that names nothing", () => {
    const r = vinfer("inspect", "no-such-model");
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain(
      'error: no model at "no-such-model": give an .onnx file, a folder with model.onnx, or a zoo name (digits-cnn, ',
    );
  });

  it("run reports float vs integer figures over a data set", () => {
    const r = vinfer("run", "digits-cnn", "--input", join(ZOO_DIR, "datasets", "digits-test.json"), "--json");
    expect(r.code, r.stderr).to.equal(0);
    const s = JSON.parse(r.stdout) as { samples: number; argmaxAgreement: number; floatAccuracy: number; integerAccuracy: number };
    expect(s.samples).to.equal(360);
    expect(s.argmaxAgreement).to.be.at.least(0.99);
  });

  it("run rejects an input of the wrong size, naming the expected shape", () => {
    const path = join(dir, "short.json");
    writeFileSync(path, JSON.stringify({ input: [1, 2, 3] }));
    const r = vinfer("run", "digits-mlp", "--input", path);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain('error: graph input "input" needs shape [1, 64] (64 values), got 3 values');
  });

  it("commit prints the pinned model id", () => {
    const r = vinfer("commit", "digits-mlp", "--json");
    expect(r.code).to.equal(0);
    const vectors = JSON.parse(readFileSync(join(import.meta.dirname, "..", "vectors", "commitments.json"), "utf8"));
    expect(JSON.parse(r.stdout).modelId).to.equal(vectors.models["digits-mlp"].modelId);
  });

  it("exits 2 on a usage error", () => {
    const r = vinfer("frobnicate");
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain("unknown command 'frobnicate'");
  });
});
