/**
 * The conventions of `vinfer`'s output (docs/cli.md), as specifications:
 * every command that prints a result takes --json and then prints exactly
 * one JSON document on stdout; the global --quiet leaves only the result;
 * the exit codes are 0 ok, 1 an error in words, 2 a usage error. Commands
 * run in a real child process except where the program's shape is checked.
 * The chain commands' documents are checked in protocol.test.ts, opml.test.ts
 * and tee.test.ts; the zk commands' in zk.test.ts.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import type { Command } from "commander";

import { buildProgram } from "../../cli/main.js";
import { toJson } from "../../cli/output.js";
import { ZOO_DIR } from "../../sdk/zoo/files.js";
import { vinfer } from "../helpers/cli.js";
import { withOpReplaced } from "../helpers/onnxBuilder.js";

const MLP = join(ZOO_DIR, "digits-mlp", "model.onnx");
const INPUT = join(ZOO_DIR, "digits-mlp", "input.json");
const DATASET = join(ZOO_DIR, "datasets", "digits-test.json");

/** Every command that runs something (no subcommands of its own), by its full name. */
function leafCommands(cmd: Command, prefix: string[] = []): { name: string; cmd: Command }[] {
  return cmd.commands.flatMap((c) =>
    c.commands.length > 0 ? leafCommands(c, [...prefix, c.name()]) : [{ name: [...prefix, c.name()].join(" "), cmd: c }],
  );
}

/** The JSON document of a run that must have printed one (and nothing else) on stdout. */
function document<T = Record<string, unknown>>(r: { code: number | null; stdout: string; stderr: string }): T {
  expect(r.code, r.stderr).to.equal(0);
  return JSON.parse(r.stdout) as T;
}

describe("vinfer output: --json, --quiet and exit codes", () => {
  const dir = mkdtempSync(join(tmpdir(), "vinfer-output-"));

  describe("the program", () => {
    it("gives every command that prints a result a --json option", async () => {
      const leaves = leafCommands(await buildProgram());
      expect(leaves.map((l) => l.name)).to.include.members([
        "inspect",
        "run",
        "commit",
        "zk info",
        "zk compile",
        "zk prove",
        "zk verify",
        "zk accuracy",
        "zk export-verifier",
        "deploy",
        "request",
        "serve",
        "challenge",
        "tee verify-attestation",
        "tee deploy-registry",
        "tee attester",
        "tee admit",
        "tee accept",
      ]);
      for (const { name, cmd } of leaves)
        expect(
          cmd.options.map((o) => o.long),
          name,
        ).to.include("--json");
    });

    it("has help on every command", async () => {
      for (const { name, cmd } of leafCommands(await buildProgram())) expect(cmd.helpInformation(), name).to.match(/^Usage: vinfer /);
      const r = vinfer("request", "--help");
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/--fee <wei> +fee paid to the fulfiller \(default: 0\)/);
    });

    it("has a global --quiet (-q), and its help names --json and the exit codes", async () => {
      const program = await buildProgram();
      const quiet = program.options.find((o) => o.long === "--quiet");
      expect(quiet?.short).to.equal("-q");
      const help = vinfer("--help");
      expect(help.code).to.equal(0);
      expect(help.stdout).to.match(/-q, --quiet/);
      expect(help.stdout)
        .to.contain("--json")
        .and.contain("Exit codes: 0 ok, 1 error (in words, on stderr), 2 usage error, 70 internal error");
    });

    it("writes bigints as decimal strings and bytes as 0x hex in JSON documents", () => {
      const doc = JSON.parse(toJson({ fee: 10n ** 20n, data: new Uint8Array([0, 171, 255]), buf: Buffer.from("hi"), n: 1 }));
      expect(doc).to.deep.equal({ fee: "100000000000000000000", data: "0x00abff", buf: "0x6869", n: 1 });
    });
  });

  describe("--json: one JSON document on stdout", () => {
    it("inspect: the model, its IR's inputs, outputs and nodes, and the proof types that can take it", () => {
      const r = vinfer("inspect", "digits-mlp", "--json");
      const doc = document<{
        model: string;
        supported: boolean;
        params: number;
        opsets: { domain: string; version: number }[];
        config: { activationBits: number; fracBits: number; weightBits: number };
        inputs: { name: string; dtype: string; shape: number[] }[];
        outputs: { name: string; shape: number[] }[];
        nodes: { index: number; op: string; name: string; params: number; shift: number }[];
        proofTypes: { name: string; proofType: number; ok: boolean | null }[];
      }>(r);
      expect(doc.model).to.equal(MLP);
      expect(doc.supported).to.equal(true);
      expect(doc.params).to.equal(2410);
      expect(doc.inputs).to.deep.equal([{ name: "input", dtype: "float32", shape: [1, 64] }]);
      expect(doc.outputs[0]!.shape).to.deep.equal([1, 10]);
      expect(doc.nodes.map((n) => n.op)).to.include("Gemm");
      expect(doc.proofTypes.map((p) => p.name)).to.include.members(["groth16", "ezkl", "opml", "tee"]);
      expect(doc.config).to.have.keys("activationBits", "fracBits", "weightBits");
      expect(r.stderr).to.equal("");
    });

    it("inspect of a model the IR refuses: the document says why, and the exit code is 1", () => {
      const path = join(dir, "lstm.onnx");
      writeFileSync(path, withOpReplaced(MLP, 1, "LSTM"));
      const r = vinfer("inspect", path, "--json");
      expect(r.code).to.equal(1);
      const doc = JSON.parse(r.stdout) as {
        supported: boolean;
        unsupported: { node: string; op: string }[];
        proofTypes: { ok: boolean }[];
      };
      expect(doc.supported).to.equal(false);
      expect(doc.unsupported.map((u) => [u.node, u.op])).to.deep.equal([["relu_hidden", "LSTM"]]);
      expect(doc.proofTypes.every((p) => p.ok === false)).to.equal(true);
      expect(r.stderr).to.contain('error: unsupported operator LSTM (node "relu_hidden")');
    });

    it("run: the model id and the float-vs-integer summary", () => {
      const doc = document<{ model: string; modelId: string; samples: number; argmaxAgreement: number; integerMaxAbsDiff: number }>(
        vinfer("run", "digits-mlp", "--input", INPUT, "--json"),
      );
      expect(doc.model).to.equal(MLP);
      expect(doc.modelId).to.match(/^0x[0-9a-f]{64}$/);
      expect(doc.samples).to.equal(1);
      expect(doc.argmaxAgreement).to.equal(1);
      expect(doc.integerMaxAbsDiff).to.be.a("number");
    });

    it("commit: the model id and the parts it commits to", () => {
      const doc = document(vinfer("commit", "digits-mlp", "--json"));
      expect(doc).to.have.keys("model", "modelId", "irHash", "weightsRoot", "weightCount", "weightChunks");
      for (const k of ["modelId", "irHash", "weightsRoot"]) expect(doc[k], k).to.match(/^0x[0-9a-f]{64}$/);
      expect(doc.weightCount).to.equal(2410);
    });
  });

  describe("--quiet", () => {
    it("prints the result alone: the same stdout, nothing on stderr", () => {
      for (const args of [
        ["commit", "digits-mlp"],
        ["inspect", "digits-cnn"],
        ["run", "digits-mlp", "--input", DATASET, "--show", "1"],
      ]) {
        const loud = vinfer(...args);
        const quiet = vinfer("-q", ...args);
        const quietAfter = vinfer(...args, "--quiet");
        expect(loud.code, loud.stderr).to.equal(0);
        expect(quiet.code, quiet.stderr).to.equal(0);
        expect(quiet.stdout, args.join(" ")).to.equal(loud.stdout).and.equal(quietAfter.stdout);
        expect(quiet.stderr + quietAfter.stderr, args.join(" ")).to.equal("");
      }
    });

    it("goes with --json: the document alone", () => {
      const r = vinfer("commit", "digits-mlp", "--json", "-q");
      expect(document(r).modelId).to.match(/^0x[0-9a-f]{64}$/);
      expect(r.stderr).to.equal("");
    });
  });

  describe("exit codes", () => {
    it("2 on a usage error: unknown command or option, missing argument or option, malformed value", () => {
      const cases: [string[], RegExp][] = [
        [["frobnicate"], /unknown command 'frobnicate'/],
        [["inspect"], /missing required argument 'model'/],
        [["run", "digits-mlp"], /required option '-i, --input <file>' not specified/],
        [["commit", "digits-mlp", "--frobnicate"], /unknown option '--frobnicate'/],
        [["run", "digits-mlp", "--input", INPUT, "--show", "many"], /'--show <n>' argument 'many' is invalid/],
        [["zk", "accuracy", "--backend", "groth16", "digits-mlp", "--input", DATASET, "--limit", "0"], /--limit <n>.*positive integer/],
      ];
      for (const [args, message] of cases) {
        const r = vinfer(...args, "--json");
        expect(r.code, args.join(" ")).to.equal(2);
        expect(r.stderr, args.join(" ")).to.match(message);
        expect(r.stdout, args.join(" ")).to.equal("");
      }
    });

    it("1 on a model path that names no model, with a message naming the file, and nothing on stdout", () => {
      const missing = join(dir, "no-such-model.onnx");
      for (const args of [
        ["inspect", missing],
        ["run", missing, "--input", INPUT],
        ["commit", missing],
        ["zk", "info", missing],
      ]) {
        const r = vinfer(...args, "--json");
        expect(r.code, args.join(" ")).to.equal(1);
        expect(r.stderr, args.join(" ")).to.contain(`error: no model at "${missing}"`);
        expect(r.stdout, args.join(" ")).to.equal("");
      }
    });

    it("1 on a file that is not an ONNX model, naming the file", () => {
      const garbage = join(dir, "garbage.onnx");
      writeFileSync(garbage, "not a protobuf");
      const r = vinfer("commit", garbage, "--json");
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(new RegExp(`^error: ${garbage.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is not a valid ONNX model`));
      expect(r.stdout).to.equal("");
    });
  });
});
