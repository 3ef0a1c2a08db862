/**
 * Declared input ranges (docs/integer-semantics.md section 7): how a model declares them (a
 * Model.load / Model.fromOnnx option, a zoo manifest), what the model id commits to (nothing new
 * for a model without a declaration: its id is unchanged), the integers they quantize to, and the
 * refusal of an out-of-range value by every off-chain entry point, with a typed error naming the
 * input, the element, the value and the range.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";

import { irDescription } from "../../sdk/commit/irDescription.js";
import { InputError, InputRangeError } from "../../sdk/errors.js";
import { runFloat } from "../../sdk/interp/float.js";
import { quantizeInputs, runInteger } from "../../sdk/interp/integer.js";
import { declareInputRanges } from "../../sdk/ir/inputRanges.js";
import { Model } from "../../sdk/model.js";
import { propagateIntervals } from "../../sdk/quant/intervals.js";
import { DEFAULT_QUANT_CONFIG } from "../../sdk/quant/scheme.js";
import type { Tensor } from "../../sdk/tensor.js";
import { ZOO_DIR, readInputFile, readManifest } from "../../sdk/zoo/files.js";
import { planCircuit } from "../../sdk/zk/groth16/circuitGen.js";
import { loadSpec } from "../opml/executorModels.js";
import { embeddingSpec } from "../ops/dataMovementModels.js";

/** digits-mlp's model id before input ranges existed (and without a declaration now). */
const DIGITS_MLP_UNDECLARED_ID = "0xa6fd267a3ae55eed86730e5b7710465f096a027c199a6029b0e18d20d36ec3e3";

const flat = (values: number[]): Tensor => ({ dtype: "float32", shape: [1, 64], data: Float64Array.from(values) });

function thrown(f: () => unknown): InputRangeError {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(InputRangeError);
    return e as InputRangeError;
  }
  return expect.fail("accepted") as never;
}

describe("declared input ranges", () => {
  const model = Model.load("digits-mlp");
  const undeclared = Model.load("digits-mlp", undefined, { inputRange: null });
  const sample = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json")).samples[0]!;

  describe("declaring them", () => {
    it("the zoo's digits models declare [0, 1] (pixels / 16) in their manifests; Model.load declares it", () => {
      expect(readManifest(model.path)!.input.range).to.deep.equal([0, 1]);
      expect([...model.graph.inputRanges!]).to.deep.equal([["input", { lo: 0, hi: 1 }]]);
      expect([...model.quantized.inputRanges!]).to.deep.equal([["input", { lo: 0, hi: 1, qlo: 0, qhi: 256 }]]);
      expect(undeclared.graph.inputRanges).to.equal(undefined);
      expect(undeclared.quantized.inputRanges).to.equal(undefined);
      expect(Model.load("sweep-mlp-1e2").quantized.inputRanges).to.equal(undefined);
    });

    it("Model.fromOnnx takes one [lo, hi] for every input or one per input name, with the same model id as the zoo's", () => {
      const bytes = readFileSync(model.path);
      expect(Model.fromOnnx(bytes, "digits-mlp", DEFAULT_QUANT_CONFIG, { inputRange: [0, 1] }).modelId).to.equal(model.modelId);
      expect(Model.fromOnnx(bytes, "digits-mlp", DEFAULT_QUANT_CONFIG, { inputRange: { input: [0, 1] } }).modelId).to.equal(model.modelId);
      expect(Model.fromOnnx(bytes).modelId).to.equal(undeclared.modelId);
      expect(Model.load("digits-mlp", undefined, { inputRange: [0, 1] }).modelId).to.equal(model.modelId);
      expect(Model.fromIr(model.graph, "x").modelId).to.equal(model.modelId); // the IR carries its declaration
      expect(Model.fromIr(model.graph, "x", DEFAULT_QUANT_CONFIG, { inputRange: null }).modelId).to.equal(undeclared.modelId);
    });

    it("refuses a malformed declaration, naming the input", () => {
      const g = model.graph;
      expect(() => declareInputRanges(g, { pixels: [0, 1] })).to.throw(
        InputError,
        /cannot declare a range for "pixels": the graph's inputs are "input"/,
      );
      expect(() => declareInputRanges(g, [1, 0])).to.throw(InputError, /graph input "input" is empty: lo = 1 > hi = 0/);
      expect(() => declareInputRanges(g, [0, Number.NaN])).to.throw(InputError, /must be \[lo, hi\], two finite numbers/);
      expect(() => declareInputRanges(g, [0, Infinity])).to.throw(InputError, /two finite numbers/);
      expect(() => declareInputRanges(g, [0] as unknown as [number, number])).to.throw(InputError, /two finite numbers/);
      const embedding = loadSpec(embeddingSpec());
      expect(() => declareInputRanges(embedding.graph, [0, 6.5])).to.throw(InputError, /graph input "ids" takes integers/);
      expect(declareInputRanges(g, null).inputRanges).to.equal(undefined);
      expect(declareInputRanges(g, {}).inputRanges).to.equal(undefined);
      expect(declareInputRanges(g, undefined)).to.equal(g);
    });

    it("quantizes a range at the input's exponent, rounding half up, saturated to the activation range", () => {
      const at = (lo: number, hi: number) => Model.fromIr(undeclared.graph, "x", DEFAULT_QUANT_CONFIG, { inputRange: [lo, hi] });
      expect(at(0.1, 0.2).quantized.inputRanges!.get("input")).to.deep.equal({ lo: 0.1, hi: 0.2, qlo: 26, qhi: 51 });
      expect(at(-1000, 1000).quantized.inputRanges!.get("input")).to.include({ qlo: -32768, qhi: 32767 });
      expect(at(-0, 1).quantized.inputRanges!.get("input")).to.deep.equal({ lo: 0, hi: 1, qlo: 0, qhi: 256 });
      // a declaration that covers the whole activation range is today's input check
      expect(planCircuit(at(-1000, 1000).quantized, { emit: false }).layers[0]!.detail).to.match(/to 16 bits/);
    });
  });

  describe("the model id", () => {
    it("of a model without a declaration is unchanged, its IR description has no range", () => {
      expect(undeclared.modelId).to.equal(DIGITS_MLP_UNDECLARED_ID);
      const inputs = (irDescription(undeclared.quantized, undeclared.commitment.segments) as { inputs: object[] }).inputs;
      expect(inputs).to.deep.equal([{ name: "input", dtype: "float32", shape: [1, 64], exponent: 8 }]);
    });

    it("commits to the declared range (floats and integers), so another range is another model", () => {
      const inputs = (irDescription(model.quantized, model.commitment.segments) as { inputs: object[] }).inputs;
      expect(inputs).to.deep.equal([
        { name: "input", dtype: "float32", shape: [1, 64], exponent: 8, range: { lo: 0, hi: 1, qlo: 0, qhi: 256 } },
      ]);
      expect(model.modelId).to.not.equal(undeclared.modelId);
      expect(model.commitment.weightsRoot).to.equal(undeclared.commitment.weightsRoot);
      const ids = [
        [0, 1],
        [0, 2],
        [-1, 1],
        [0, 0.999],
      ].map(([lo, hi]) => Model.load("digits-mlp", undefined, { inputRange: [lo!, hi!] }).modelId);
      expect(new Set(ids).size).to.equal(4);
    });
  });

  describe("refusing a value outside it, everywhere off chain", () => {
    it("the integer interpreter and Model.runQuantized: the input, the element (and its place in the request), the value, the range", () => {
      const x = new Array<number>(64).fill(128);
      x[17] = 257;
      const e = thrown(() => model.runQuantized(x.map(BigInt)));
      expect(e).to.be.instanceOf(InputError);
      expect(e.code).to.equal("INPUT_RANGE");
      expect({ input: e.input, index: e.index, value: e.value, lo: e.lo, hi: e.hi }).to.deep.equal({
        input: "input",
        index: 17,
        value: 257,
        lo: 0,
        hi: 256,
      });
      expect(e.message).to.equal(
        'graph input "input" element 17 (request input 17) = 257 is outside its declared range [0, 256] (the declared [0, 1] quantized at exponent 8)',
      );
      x[17] = -1;
      expect(thrown(() => runInteger(model.quantized, [flat(x)])).message).to.match(
        /element 17 = -1 is outside its declared range \[0, 256\]/,
      );
      // the same integers run without a declaration
      expect(undeclared.runQuantized(x.map(BigInt))[0]!.data).to.have.length(10);
      // in range, both give the same outputs
      const ok = model.quantizedInput([sample]);
      expect(Array.from(model.runQuantized(ok)[0]!.data)).to.deep.equal(Array.from(undeclared.runQuantized(ok)[0]!.data));
    });

    it("floats: Model.runInteger, quantizedInput, quantizeInputs and the float mode check the declared floats", () => {
      const bad = flat(Array.from(sample.data, (v, i) => (i === 3 ? 1.25 : v)));
      for (const f of [
        () => model.runInteger([bad]),
        () => model.quantizedInput([bad]),
        () => quantizeInputs(model.quantized, [bad]),
        () => model.runFloat([bad]),
        () => runFloat(model.graph, [bad]),
      ]) {
        const e = thrown(f);
        expect({ input: e.input, index: e.index, value: e.value, lo: e.lo, hi: e.hi }).to.deep.equal({
          input: "input",
          index: 3,
          value: 1.25,
          lo: 0,
          hi: 1,
        });
        expect(e.message).to.equal('graph input "input" element 3 = 1.25 is outside its declared range [0, 1]');
      }
      expect(() => model.runInteger([flat(Array.from(sample.data, (v, i) => (i === 0 ? Number.NaN : v)))])).to.throw(
        InputRangeError,
        /= NaN/,
      );
      expect(() => undeclared.runInteger([bad])).to.not.throw();
    });

    it("an index input (token ids) declares integers: the vocabulary", () => {
      const embedding = loadSpec(embeddingSpec());
      const vocab = Model.fromIr(embedding.graph, "embedding", DEFAULT_QUANT_CONFIG, { inputRange: { ids: [0, 6] } });
      expect(vocab.quantized.inputRanges!.get("ids")).to.deep.equal({ lo: 0, hi: 6, qlo: 0, qhi: 6 });
      expect(vocab.runQuantized([0n, 6n, 3n, 1n, 2n])[0]!.data).to.have.length(15);
      const e = thrown(() => vocab.runQuantized([0n, 6n, -1n, 1n, 2n]));
      expect(e.message).to.equal('graph input "ids" element 2 (request input 2) = -1 is outside its declared range [0, 6] (declared)');
      // the undeclared model takes -1 (the last row, as ONNX's negative indices)
      expect(embedding.runQuantized([0n, 6n, -1n, 1n, 2n])[0]!.data).to.have.length(15);
      const rows = propagateIntervals(vocab.quantized).tensors.get("y")!;
      expect(Math.max(...rows.hi)).to.be.at.most(2 ** 15 - 1);
    });
  });

  describe("Model.inputBounds: what a contract needs to refuse a request", () => {
    it("each input's place in the flattened request input and its integer bounds", () => {
      expect(model.inputBounds).to.deep.equal([{ input: "input", offset: 0, length: 64, lo: 0n, hi: 256n, declared: true }]);
      expect(undeclared.inputBounds).to.deep.equal([{ input: "input", offset: 0, length: 64, lo: -32768n, hi: 32767n, declared: false }]);
    });
  });
});
