/**
 * The data-movement ops (Transpose, Concat, Slice, Squeeze, Unsqueeze, Gather, Pad, Expand) in every
 * engine: for each op, a model applying it to the graph input, 200 fuzzed integer inputs (the
 * extremes -32768 / 32767 first) on which the integer interpreter, the Groth16 witness, the OPML twin
 * (every element of every node) and the Solidity executor (sampled steps) agree; the embedding lookup
 * at token ids likewise, over the whole index range [-V, V); and what each engine refuses, with the
 * error that names it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";

import "../helpers/releaseWorkers.js";
import { InputError, QuantizationError, UnsupportedOperatorError } from "../../sdk/errors.js";
import { quantizeInputs } from "../../sdk/interp/integer.js";
import type { Model } from "../../sdk/model.js";
import { OpmlUnsupportedError, modelProgram } from "../../sdk/opml/program.js";
import { Groth16Circuit } from "../../sdk/zk/groth16/backend.js";
import { CircuitCompileError, planCircuit } from "../../sdk/zk/groth16/circuitGen.js";
import { expectEnginesAgree, fuzzInputs } from "../helpers/engineAgreement.js";
import { type GraphSpec, INT64, rng } from "../helpers/onnxBuilder.js";
import { DIM, OP_MODELS, VOCAB, embeddingSpec, floats, ints } from "./dataMovementModels.js";
import { loadSpec } from "../opml/executorModels.js";

const CASES = 200;

/** `count` id vectors over [-V, V): the ends first, then random ids. */
function idInputs(model: Model, count: number, seed: number): number[][] {
  const n = model.inputLength;
  const r = rng(seed);
  const fixed = [new Array<number>(n).fill(VOCAB - 1), new Array<number>(n).fill(-VOCAB), new Array<number>(n).fill(0), [-1, 0, 1, 6, -7]];
  const random = Array.from({ length: count - fixed.length }, () => Array.from({ length: n }, () => Math.floor(r() * 2 * VOCAB) - VOCAB));
  return [...fixed, ...random];
}

describe("data-movement ops in every engine", function () {
  this.timeout(600_000);

  for (const [op, spec] of Object.entries(OP_MODELS)) {
    it(`${op}: interpreter == circuit witness == OPML twin == Solidity executor on ${CASES} fuzzed inputs`, async () => {
      const model = loadSpec(spec);
      expect(model.graph.nodes.map((n) => n.op)).to.include(op);
      const report = await expectEnginesAgree(model, fuzzInputs(model, CASES, 7), { soliditySteps: 100 });
      expect(report.circuitCases).to.equal(CASES);
      expect(report.soliditySteps).to.be.greaterThan(0);
      // moving signals costs no constraint: only the input range checks remain
      expect(report.constraints, `${op} constraints`).to.equal(16 * model.inputLength + 1);
    });
  }

  it("Gather embedding lookup at int64 token ids: every engine agrees over ids in [-V, V), at V + 1 constraints per id", async () => {
    const model = loadSpec(embeddingSpec());
    expect(model.quantized.exponents.get("ids")).to.equal(null);
    expect(model.quantized.constants.get("emb")).to.include({ exponent: 8, role: "activation" });
    const report = await expectEnginesAgree(model, idInputs(model, CASES, 3), { soliditySteps: 150 });
    expect(report.circuitCases).to.equal(CASES);
    expect(report.constraints).to.equal(16 * 5 + 1 + 5 * (VOCAB + 1));
    const circuit = await Groth16Circuit.compile(model, { setup: false });
    const built = JSON.parse(readFileSync(join(circuit.dir, "plan.json"), "utf8")) as { circomConstraints: number };
    expect(built.circomConstraints).to.equal(report.constraints);
    // the twin reads row acc of the table at term 1: K = 2
    expect(modelProgram(model).programs[0]!.op).to.equal(21);
  });

  it("token ids are fed as given (no scaling), and must be integers", () => {
    const model = loadSpec(embeddingSpec());
    const ids = { dtype: "int64" as const, shape: [1, 5], data: Float64Array.from([0, 1, 2, -1, 6]) };
    const [fed] = quantizeInputs(model.quantized, [ids]);
    expect(Array.from(fed!.data)).to.deep.equal([0, 1, 2, -1, 6]);
    const out = model.runInteger([ids]);
    const table = model.quantized.constants.get("emb")!.tensor.data;
    expect(Array.from(out.outputs[0]!.data.slice(0, DIM))).to.deep.equal(Array.from(table.slice(0, DIM)));
    expect(Array.from(out.outputs[0]!.data.slice(3 * DIM, 4 * DIM))).to.deep.equal(Array.from(table.slice(6 * DIM, 7 * DIM)));
    expect(() => quantizeInputs(model.quantized, [{ ...ids, data: Float64Array.from([0, 0.5, 0, 0, 0]) }])).to.throw(
      InputError,
      /takes integers/,
    );
  });

  it("an out-of-range Gather index is refused by the interpreter (InputError) and unsatisfiable in the circuit", async () => {
    const model = loadSpec(embeddingSpec());
    for (const bad of [VOCAB, -VOCAB - 1, 1000]) {
      expect(() => model.runQuantized([0n, 0n, BigInt(bad), 0n, 0n])).to.throw(
        InputError,
        new RegExp(`Gather node "n0": index ${bad} \\(position 2\\) is outside \\[-7, 7\\)`),
      );
    }
    const circuit = await Groth16Circuit.compile(model, { setup: false });
    let failed = false;
    try {
      await circuit.evaluate({ binding: 1n, x: [0, 0, VOCAB, 0, 0] });
    } catch {
      failed = true;
    }
    expect(failed, "the circuit accepted index V").to.equal(true);
  });

  it("fold the shape arithmetic exporters write (Shape -> Gather -> Unsqueeze -> Concat -> Reshape) at load time", () => {
    const model = loadSpec({
      inputs: [{ name: "x", shape: [2, 3, 4] }],
      outputs: [{ name: "y" }],
      initializers: [
        { name: "zero", dims: [], ...ints(0) },
        { name: "rest", dims: [1], ...ints(-1) },
      ],
      nodes: [
        { op: "Shape", inputs: ["x"], outputs: ["shape"] },
        { op: "Gather", inputs: ["shape", "zero"], outputs: ["batch"], int: { axis: 0 } },
        { op: "Unsqueeze", inputs: ["batch"], outputs: ["batch1"], ints: { axes: [0] } },
        { op: "Concat", inputs: ["batch1", "rest"], outputs: ["target"], int: { axis: 0 } },
        { op: "Reshape", inputs: ["x", "target"], outputs: ["y"] },
      ],
      opset: 11,
    });
    expect(model.graph.nodes.map((n) => n.op)).to.deep.equal(["Reshape"]);
    expect(model.graph.outputs[0]!.shape).to.deep.equal([2, 12]);
  });

  it("refuses what it cannot do, naming node, op and reason", () => {
    // Slice starts fed at run time: the IR has static shapes
    const dynamicSlice: GraphSpec = {
      inputs: [
        { name: "x", shape: [4] },
        { name: "s", shape: [1], elemType: INT64 },
      ],
      outputs: [{ name: "y" }],
      initializers: [{ name: "e", dims: [1], ...ints(3) }],
      nodes: [{ op: "Slice", inputs: ["x", "s", "e"], outputs: ["y"], name: "cut" }],
    };
    expect(() => loadSpec(dynamicSlice)).to.throw(
      UnsupportedOperatorError,
      /Slice \(node "cut"\): its starts \(input 1, "s"\) must be a constant initializer/,
    );
    // a Pad value outside the activation range would change the model's meaning: refused, not saturated
    const wide: GraphSpec = {
      inputs: [{ name: "x", shape: [2] }],
      outputs: [{ name: "y" }],
      initializers: [
        { name: "p", dims: [2], ...ints(1, 1) },
        { name: "v", dims: [], floats: [-1e9] },
      ],
      nodes: [{ op: "Pad", inputs: ["x", "p", "v"], outputs: ["y"], name: "pad" }],
    };
    expect(() => loadSpec(wide)).to.throw(
      QuantizationError,
      /Pad node "pad": pad value -1000000000 is not a fixed-point value within 16-bit/,
    );
    // an unknown mode
    expect(() => loadSpec({ ...wide, nodes: [{ ...wide.nodes[0]!, string: { mode: "mirror" } }] })).to.throw(
      UnsupportedOperatorError,
      /mode "mirror"/,
    );
    // Concat of token ids with activations: no common exponent
    const mixed: GraphSpec = {
      inputs: [
        { name: "x", shape: [2] },
        { name: "ids", shape: [2], elemType: INT64 },
      ],
      outputs: [{ name: "y" }],
      nodes: [{ op: "Concat", inputs: ["x", "ids"], outputs: ["y"], int: { axis: 0 }, name: "cat" }],
    };
    expect(() => loadSpec(mixed)).to.throw(/operand types differ/);
    // Gather at fixed-point "indices"
    const floatIdx: GraphSpec = {
      inputs: [{ name: "x", shape: [3] }],
      outputs: [{ name: "y" }],
      initializers: [{ name: "t", dims: [3], floats: [1, 2, 3] }],
      nodes: [{ op: "Gather", inputs: ["t", "x"], outputs: ["y"], name: "g" }],
    };
    expect(() => loadSpec(floatIdx)).to.throw(/Gather node "g": indices "x" must be int32 or int64/);
  });

  it("a lookup into a table of activations is refused by the circuit compiler, and OPML executes it", () => {
    const spec: GraphSpec = {
      inputs: [{ name: "ids", shape: [2], elemType: INT64 }],
      outputs: [{ name: "y" }],
      initializers: [
        { name: "emb", dims: [4, 2], floats: floats(9, 8) },
        { name: "sh", dims: [3], ...ints(1, 4, 2) },
      ],
      nodes: [
        { op: "Expand", inputs: ["emb", "sh"], outputs: ["big"], name: "never-folded" },
        { op: "Gather", inputs: ["big", "ids"], outputs: ["y"], name: "lookup" },
      ],
    };
    // the Expand of a constant folds at load time: the table stays constant
    const model = loadSpec(spec);
    expect(model.graph.nodes.map((n) => n.op)).to.deep.equal(["Gather"]);
    expect(() => planCircuit(model.quantized)).to.not.throw();
    // a table computed from the input: the circuit refuses, OPML does not
    const dynamic: GraphSpec = {
      inputs: [{ name: "ids", shape: [2], elemType: INT64 }],
      outputs: [{ name: "y" }],
      initializers: [{ name: "emb", dims: [4, 2], floats: floats(9, 8) }],
      nodes: [
        { op: "Gather", inputs: ["emb", "ids"], outputs: ["rows"], name: "first" },
        { op: "Gather", inputs: ["rows", "ids"], outputs: ["y"], int: { axis: 1 }, name: "second" },
      ],
    };
    const m2 = loadSpec(dynamic);
    expect(() => planCircuit(m2.quantized)).to.throw(
      CircuitCompileError,
      /Gather node "second": a Gather at run-time indices needs a constant table/,
    );
    expect(() => modelProgram(m2)).to.not.throw();
  });

  it("OPML refuses a Gather whose constant index table is too long for a program", () => {
    const n = 4097;
    const spec: GraphSpec = {
      inputs: [{ name: "x", shape: [3] }],
      outputs: [{ name: "y" }],
      initializers: [{ name: "i", dims: [n], int64s: Array.from({ length: n }, (_, k) => (k * k) % 3) }],
      nodes: [{ op: "Gather", inputs: ["x", "i"], outputs: ["y"], name: "many" }],
    };
    const model = loadSpec(spec);
    expect(() => modelProgram(model)).to.throw(OpmlUnsupportedError, /Gather node "many": its 4097 constant indices exceed the 4096/);
  });
});
