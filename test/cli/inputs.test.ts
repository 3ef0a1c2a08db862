/**
 * The `vinfer` command with the input files users bring (EZKL's form, named
 * inputs) and `vinfer inspect` saying which proof types can take a model:
 * real process, real files.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { ZOO_DIR } from "../../sdk/zoo/files.js";
import { vinfer } from "../helpers/cli.js";
import { buildOnnx } from "../helpers/onnxBuilder.js";

interface InspectJson {
  supported: boolean;
  proofTypes: { name: string; ok: boolean | null; deferred?: boolean; node?: string; op?: string; reason?: string; note?: string }[];
}

describe("vinfer with users' input files, and the proof types a model can take", () => {
  const dir = mkdtempSync(join(tmpdir(), "vinfer-inputs-cli-"));
  const file = (name: string, content: string | Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  /** y = a + mask: two named graph inputs (Groth16 circuits take one). */
  const twoInputs = file(
    "two-inputs.onnx",
    buildOnnx({
      inputs: [
        { name: "a", shape: [1, 4] },
        { name: "mask", shape: [1, 4] },
      ],
      outputs: [{ name: "y", shape: [1, 4] }],
      nodes: [{ op: "Add", name: "sum", inputs: ["a", "mask"], outputs: ["y"] }],
    }),
  );

  it("run reads EZKL's input file and prints its output_data as the expected output", () => {
    const sample = JSON.parse(readFileSync(join(ZOO_DIR, "digits-mlp", "input.json"), "utf8")) as {
      input: number[];
      expected_float_output: number[];
    };
    const path = file(
      "ezkl-input.json",
      JSON.stringify({ input_data: [sample.input], input_shapes: [[1, 64]], output_data: [sample.expected_float_output] }),
    );
    const r = vinfer("run", "digits-mlp", "--input", path);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain("expected (file)");
    // output 7 (the digit): onnxruntime, IR float, integer, raw, then the file's expected value
    expect(r.stdout).to.match(/\n7\s+7\.9206\s+7\.9206\s+7\.9258\s+2029\s+7\.9206\n/);
  });

  it("run feeds a model's several inputs by name, and names the input of the wrong size", () => {
    const ok = vinfer(
      "run",
      twoInputs,
      "--input",
      file("named.json", JSON.stringify({ input: { mask: [1, 1, 1, 1], a: [0.5, 1, 1.5, 2] } })),
    );
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.match(/\n3\s+3\s+3\s+3\s+768\n/); // 2 + 1, raw 3 · 2^8

    const bad = vinfer("run", twoInputs, "--input", file("short.json", JSON.stringify({ input: { a: [1, 2, 3, 4], mask: [1, 1] } })));
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.contain('error: graph input "mask" needs shape [1, 4] (4 values), got 2 values');
  });

  it("inspect says every proof type can take a zoo model (EZKL: decided at its compile)", () => {
    const r = vinfer("inspect", "digits-mlp", "--json");
    expect(r.code, r.stderr).to.equal(0);
    const types = (JSON.parse(r.stdout) as InspectJson).proofTypes;
    expect(types.map((t) => [t.name, t.ok])).to.deep.equal([
      ["groth16", true],
      ["ezkl", true],
      ["opml", true],
      ["tee", true],
    ]);
    expect(types.find((t) => t.name === "ezkl")).to.include({ deferred: true });
  });

  it("inspect names, per proof type that cannot take a model, the node and the reason", () => {
    const maxpool = file(
      "maxpool-indices.onnx",
      buildOnnx({
        inputs: [{ name: "x", shape: [1, 1, 4, 4] }],
        outputs: [{ name: "y", shape: [1, 1, 2, 2] }],
        nodes: [{ op: "MaxPool", name: "pool", inputs: ["x"], outputs: ["y", "indices"], ints: { kernel_shape: [2, 2], strides: [2, 2] } }],
      }),
    );
    const r = vinfer("inspect", maxpool);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/groth16\s+no\s+MaxPool node "pool": the Indices output is not supported in circuits/);
    expect(r.stdout).to.match(/opml\s+no\s+MaxPool node "pool": it has 2 outputs .*OPML executes single-output nodes/);
    expect(r.stdout).to.match(/tee\s+yes/);
  });

  it("inspect --json gives a graph-level refusal without a node", () => {
    const r = vinfer("inspect", twoInputs, "--json");
    expect(r.code, r.stderr).to.equal(0);
    const types = (JSON.parse(r.stdout) as InspectJson).proofTypes;
    expect(types.find((t) => t.name === "groth16")).to.deep.equal({
      name: "groth16",
      proofType: 0,
      ok: false,
      reason: "the circuit takes one graph input, the model has 2",
    });
    expect(types.filter((t) => t.ok).map((t) => t.name)).to.deep.equal(["ezkl", "opml", "tee"]);
  });

  it("inspect lists every node the IR refuses, with its reason, and no proof type", () => {
    const path = file(
      "two-unsupported.onnx",
      buildOnnx({
        inputs: [{ name: "x", shape: [1, 4] }],
        outputs: [{ name: "y", shape: [1, 4] }],
        nodes: [
          { op: "LSTM", name: "rnn", inputs: ["x"], outputs: ["s"] },
          { op: "Fancy", domain: "com.example", name: "custom", inputs: ["s"], outputs: ["y"] },
        ],
      }),
    );
    const r = vinfer("inspect", path);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.match(/unsupported nodes \(2\)\n\s+LSTM\s+"rnn"\s+the IR implements Gemm, /);
    expect(r.stdout).to.match(
      /\n\s+com\.example\.Fancy\s+"custom"\s+operator domain "com\.example" is not supported; the IR implements Gemm, /,
    );
    expect(r.stdout).to.contain("proof types: none (the integer IR refuses 2 nodes, and every proof type starts from the IR)");
    expect(r.stderr).to.contain('unsupported LSTM (node "rnn"), com.example.Fancy (node "custom")');
  });
});
