/** Input files as users bring them: every accepted form, bound to a model's graph inputs, and the errors for the wrong ones. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { InputError } from "../../sdk/errors.js";
import { type GraphIo, type ModelInputs, bindInputFile, parseInputJson, pickSample, readModelInputs } from "../../sdk/io/inputFile.js";
import { buildIr } from "../../sdk/ir/build.js";
import type { TensorInfo } from "../../sdk/ir/types.js";
import { decodeModelProto } from "../../sdk/onnx/proto.js";
import { OnnxRuntimeSession } from "../../sdk/runtime/onnxruntime.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";
import { INT64, buildOnnx } from "../helpers/onnxBuilder.js";

const info = (name: string, shape: number[], dtype: TensorInfo["dtype"] = "float32"): TensorInfo => ({ name, shape, dtype });

/** A digits-like model: one float input [1, 1, 2, 2], one output [1, 3]. */
const IMAGE: GraphIo = { inputs: [info("input", [1, 1, 2, 2])], outputs: [info("logits", [1, 3])] };
/** A model with two named inputs, the second of token ids. */
const TWO: GraphIo = { inputs: [info("x", [1, 3]), info("ids", [1, 2], "int64")], outputs: [info("y", [1, 3])] };

const bind = (json: unknown, io: GraphIo): ModelInputs => bindInputFile(parseInputJson(json, "f.json"), io);
const values = (inputs: ModelInputs, sample = 0) => inputs.samples[sample]!.map((t) => Array.from(t.data));

function refused(json: unknown, io: GraphIo): string {
  try {
    bind(json, io);
  } catch (err) {
    expect(err).to.be.instanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error("the input was accepted");
}

describe("input files", () => {
  describe("our own format", () => {
    it('reads {"input": [...]} as one sample taking the graph input\'s shape and dtype', () => {
      const r = bind({ input: [1, 2, 3, 4] }, IMAGE);
      expect(r.samples).to.have.length(1);
      expect(r.samples[0]![0]).to.deep.include({ dtype: "float32", shape: [1, 1, 2, 2] });
      expect(values(r)).to.deep.equal([[1, 2, 3, 4]]);
    });

    it("reads a nested array whose shape equals the input's up to unit dimensions", () => {
      expect(
        values(
          bind(
            {
              input: [
                [1, 2],
                [3, 4],
              ],
            },
            IMAGE,
          ),
        ),
      ).to.deep.equal([[1, 2, 3, 4]]);
      expect(
        values(
          bind(
            {
              input: [
                [
                  [
                    [1, 2],
                    [3, 4],
                  ],
                ],
              ],
            },
            IMAGE,
          ),
        ),
      ).to.deep.equal([[1, 2, 3, 4]]);
    });

    it('reads a data set {"inputs": [[...], ...], "labels": [...]}', () => {
      const r = bind(
        {
          inputs: [
            [1, 2, 3, 4],
            [5, 6, 7, 8],
          ],
          labels: [0, 2],
        },
        IMAGE,
      );
      expect(r.samples.map((s) => Array.from(s[0]!.data))).to.deep.equal([
        [1, 2, 3, 4],
        [5, 6, 7, 8],
      ]);
      expect(r.labels).to.deep.equal([0, 2]);
    });

    it("reads bare arrays: one sample, or a list of samples", () => {
      expect(bind([1, 2, 3, 4], IMAGE).samples).to.have.length(1);
      expect(
        bind(
          [
            [1, 2, 3, 4],
            [5, 6, 7, 8],
            [9, 10, 11, 12],
          ],
          IMAGE,
        ).samples,
      ).to.have.length(3);
    });

    it("reads expected_float_output (the zoo's sample files) as graph output 0's expected values", () => {
      const r = bind({ input: [1, 2, 3, 4], expected_float_output: [0.5, -1, 2] }, IMAGE);
      expect(r.expectedOutputs!.map((s) => s.map((t) => Array.from(t.data)))).to.deep.equal([[[0.5, -1, 2]]]);
    });

    it("reads the zoo's data set and sample files against their model's input", () => {
      const set = readModelInputs(join(ZOO_DIR, "datasets", "digits-test.json"), {
        inputs: [info("input", [1, 64])],
        outputs: [info("output", [1, 10])],
      });
      expect(set.samples).to.have.length(360);
      expect(set.labels).to.have.length(360);
      const one = readModelInputs(join(ZOO_DIR, "digits-cnn", "input.json"), {
        inputs: [info("input", [1, 1, 8, 8])],
        outputs: [info("output", [1, 10])],
      });
      expect(one.samples[0]![0]!.shape).to.deep.equal([1, 1, 8, 8]);
      expect(one.expectedOutputs![0]![0]!.data).to.have.length(10);
      // the model-free reader of single-input files gives the same values, flat
      expect(Array.from(readInputFile(join(ZOO_DIR, "digits-cnn", "input.json")).samples[0]!.data)).to.deep.equal(
        Array.from(one.samples[0]![0]!.data),
      );
    });
  });

  describe("EZKL's format", () => {
    it("maps input_data[i] to graph input i, without input_shapes", () => {
      expect(values(bind({ input_data: [[1, 2, 3, 4]] }, IMAGE))).to.deep.equal([[1, 2, 3, 4]]);
      expect(
        values(
          bind(
            {
              input_data: [
                [0.5, 1, 1.5],
                [7, 8],
              ],
            },
            TWO,
          ),
        ),
      ).to.deep.equal([
        [0.5, 1, 1.5],
        [7, 8],
      ]);
    });

    it("checks input_shapes against the graph inputs (unit dimensions aside)", () => {
      expect(values(bind({ input_data: [[1, 2, 3, 4]], input_shapes: [[1, 1, 2, 2]] }, IMAGE))).to.deep.equal([[1, 2, 3, 4]]);
      expect(values(bind({ input_data: [[1, 2, 3, 4]], input_shapes: [[2, 2]] }, IMAGE))).to.deep.equal([[1, 2, 3, 4]]);
      expect(refused({ input_data: [[1, 2, 3, 4]], input_shapes: [[1, 4]] }, IMAGE)).to.equal(
        'graph input "input" needs shape [1, 1, 2, 2] (4 values), input_shapes[0] says [1, 4] (in f.json)',
      );
    });

    it("reads output_data as the expected outputs", () => {
      const r = bind({ input_data: [[1, 2, 3, 4]], input_shapes: [[1, 1, 2, 2]], output_data: [[0.1, 0.2, 0.7]] }, IMAGE);
      expect(Array.from(r.expectedOutputs![0]![0]!.data)).to.deep.equal([0.1, 0.2, 0.7]);
      expect(r.expectedOutputs![0]![0]!.shape).to.deep.equal([1, 3]);
    });

    it("splits arrays holding k samples one after another (EZKL's calibration files), outputs too", () => {
      const r = bind({ input_data: [[1, 2, 3, 4, 5, 6, 7, 8]], output_data: [[1, 2, 3, 4, 5, 6]] }, IMAGE);
      expect(r.samples.map((s) => Array.from(s[0]!.data))).to.deep.equal([
        [1, 2, 3, 4],
        [5, 6, 7, 8],
      ]);
      expect(r.expectedOutputs!.map((s) => Array.from(s[0]!.data))).to.deep.equal([
        [1, 2, 3],
        [4, 5, 6],
      ]);
    });

    it("refuses a count of arrays other than the model's inputs, naming them", () => {
      expect(refused({ input_data: [[1, 2, 3]] }, TWO)).to.equal(
        'f.json: input_data has 1 array, the model has 2 inputs ("x" float32 [1, 3], "ids" int64 [1, 2]); input_data[i] is graph input i',
      );
    });

    it("refuses EZKL's field-element strings, saying to give the float values", () => {
      expect(refused({ input_data: [["0x01", 2, 3, 4]] }, IMAGE)).to.contain("field-element strings are not read");
    });
  });

  describe("several named inputs", () => {
    it('reads {"input": {name: [...]}} and {"inputs": {name: [...]}} in graph input order, whatever the key order', () => {
      const expected = [
        [0.5, 1, 1.5],
        [7, 8],
      ];
      expect(values(bind({ input: { ids: [7, 8], x: [0.5, 1, 1.5] } }, TWO))).to.deep.equal(expected);
      expect(values(bind({ inputs: { x: [0.5, 1, 1.5], ids: [7, 8] } }, TWO))).to.deep.equal(expected);
    });

    it('reads a data set of named samples {"inputs": [{...}, ...]}', () => {
      const r = bind(
        {
          inputs: [
            { x: [1, 2, 3], ids: [1, 2] },
            { x: [4, 5, 6], ids: [3, 4] },
          ],
          labels: [1, 0],
        },
        TWO,
      );
      expect(values(r, 1)).to.deep.equal([
        [4, 5, 6],
        [3, 4],
      ]);
      expect(r.labels).to.deep.equal([1, 0]);
    });

    it("names a missing input, an unknown one, and how to give several", () => {
      expect(refused({ input: { x: [1, 2, 3] } }, TWO)).to.equal('no value for graph input "ids" (int64 [1, 2]) (in f.json at input)');
      expect(refused({ input: { x: [1, 2, 3], ids: [1, 2], mask: [1] } }, TWO)).to.equal(
        'the model has no input named "mask"; its inputs are "x" float32 [1, 3], "ids" int64 [1, 2] (in f.json at input)',
      );
      expect(refused({ input: [1, 2, 3] }, TWO)).to.contain(
        'the model has 2 inputs ("x" float32 [1, 3], "ids" int64 [1, 2]): give each by name, {"input": {"x": [...], "ids": [...]}}',
      );
    });
  });

  describe("integer inputs", () => {
    it("keeps int64 token ids exact and typed, unscaled", () => {
      const r = bind({ input: { x: [0.25, 0.5, 0.75], ids: [0, 9_007_199_254_740_991] } }, TWO);
      expect(r.samples[0]![1]).to.deep.include({ dtype: "int64", shape: [1, 2] });
      expect(Array.from(r.samples[0]![1]!.data)).to.deep.equal([0, 9_007_199_254_740_991]);
    });

    it("refuses a fraction, a value outside the dtype and a boolean, naming the input and its dtype", () => {
      expect(refused({ input: { x: [1, 2, 3], ids: [1, 2.5] } }, TWO)).to.equal(
        'graph input "ids" is int64: value 1 (2.5) is not an integer (integer inputs are passed unscaled, e.g. token ids) (in f.json at input.ids)',
      );
      const small: GraphIo = { inputs: [info("b", [2], "int8")], outputs: [] };
      expect(refused({ input: [1, 128] }, small)).to.contain('graph input "b" is int8: value 1 (128) is outside the int8 range -128..127');
      expect(refused({ input: { x: [1, true, 3], ids: [1, 2] } }, TWO)).to.contain(
        'graph input "x" is float32: value 1 (true) is a boolean',
      );
    });

    it("reads a bool input as true/false or 0/1", () => {
      const io: GraphIo = { inputs: [info("m", [3], "bool")], outputs: [] };
      expect(values(bind({ input: [true, 0, 1] }, io))).to.deep.equal([[1, 0, 1]]);
      expect(refused({ input: [true, 2, 1] }, io)).to.contain("is not a boolean");
    });

    it("feeds int64 graph inputs to onnxruntime as int64", async () => {
      const dir = mkdtempSync(join(tmpdir(), "vinfer-inputs-"));
      const path = join(dir, "ids.onnx");
      const bytes = buildOnnx({
        inputs: [
          { name: "x", shape: [1, 3] },
          { name: "ids", shape: [1, 2], elemType: INT64 },
        ],
        outputs: [{ name: "y", shape: [1, 3] }],
        nodes: [{ op: "Add", name: "twice", inputs: ["x", "x"], outputs: ["y"] }],
      });
      writeFileSync(path, bytes);
      const graph = buildIr(decodeModelProto(bytes, path));
      const sample = bind(
        {
          input_data: [
            [1, 2, 3],
            [4, 5],
          ],
        },
        graph,
      ).samples[0]!;
      const ort = await OnnxRuntimeSession.open(path, graph);
      try {
        expect(Array.from((await ort.run(sample))[0]!.data)).to.deep.equal([2, 4, 6]);
      } finally {
        await ort.close();
      }
    });
  });

  describe("wrong sizes and shapes", () => {
    it("names the input, its shape and element count, and what was given", () => {
      expect(refused({ input: [1, 2, 3] }, IMAGE)).to.equal(
        'graph input "input" needs shape [1, 1, 2, 2] (4 values), got 3 values (in f.json at input)',
      );
      expect(refused({ inputs: [[1, 2, 3, 4], [1]] }, IMAGE)).to.equal(
        'graph input "input" needs shape [1, 1, 2, 2] (4 values), got 1 value (in f.json at inputs[1])',
      );
      expect(refused({ input: { x: [1, 2, 3], ids: [1, 2, 3] } }, TWO)).to.equal(
        'graph input "ids" needs shape [1, 2] (2 values), got 3 values (in f.json at input.ids)',
      );
      expect(refused({ input_data: [[1, 2, 3, 4, 5]] }, IMAGE)).to.equal(
        'graph input "input" needs shape [1, 1, 2, 2] (4 values), got 5 values (in f.json at input_data[0])',
      );
    });

    it("refuses a nested array of the right count but another shape", () => {
      expect(refused({ input: [[1, 2, 3, 4]] }, { inputs: [info("img", [1, 2, 2])], outputs: [] })).to.equal(
        'graph input "img" needs shape [1, 2, 2] (4 values), got a [1, 4] array (in f.json at input)',
      );
    });

    it("refuses ragged arrays, labels of another count, and an unknown form", () => {
      expect(refused({ input: [[1, 2], [3]] }, IMAGE)).to.contain("ragged nested array");
      expect(refused({ inputs: [[1, 2, 3, 4]], labels: [1, 2] }, IMAGE)).to.contain('"labels" must be one integer per sample (1)');
      expect(refused({ data: [1, 2, 3, 4] }, IMAGE)).to.contain('expected {"input": [...]}');
    });

    it("names the sample count when a command asks for a sample the file lacks", () => {
      expect(() => pickSample(bind({ input: [1, 2, 3, 4] }, IMAGE), 3, "f.json")).to.throw(
        InputError,
        "f.json has 1 sample; sample 3 does not exist",
      );
    });
  });
});
