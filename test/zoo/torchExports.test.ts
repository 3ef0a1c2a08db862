/**
 * Models written as torch.onnx.export writes them (opset 17, Constant
 * literals, shape subgraphs around Reshape, BatchNorm after Conv, the erf
 * GELU, LayerNorm and attention of a transformer block) load with no manual
 * step: the exporter scaffolding is folded away, every proof type says it
 * can take them, and every engine computes the same integers on the digits
 * test samples and on fuzzed inputs. Accuracy: test/eval/digitsAccuracy.test.ts;
 * disputes: test/opml/disputes.test.ts.
 */
import { join } from "node:path";

import { expect } from "chai";

import { Model } from "../../sdk/model.js";
import { proofSupport } from "../../sdk/proofs/support.js";
import { ZOO_DIR, readInputFile, readManifest } from "../../sdk/zoo/files.js";
import { planCircuit } from "../../sdk/zk/groth16/circuitGen.js";
import { expectEnginesAgree, fuzzInputs } from "../helpers/engineAgreement.js";

const EXPORTER_OPS = ["Constant", "Shape", "Gather", "Unsqueeze", "Concat", "Identity", "Cast", "BatchNormalization"];
const samples = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json")).samples;

describe("models exported from PyTorch (torch.onnx.export style, opset 17)", function () {
  for (const [name, circuitCases] of [
    ["digits-mlp-torch", 24],
    ["digits-lenet-bn", 12],
    // 200k constraints: the witness is compared on two inputs (a proof needs a 2^18 powers of tau)
    ["digits-transformer", 2],
  ] as const) {
    describe(name, () => {
      const model = Model.load(name);

      it("is an opset-17 export whose scaffolding the clean-up folds away", () => {
        expect(readManifest(model.path)!.opset).to.equal(17);
        const ops = new Set(model.graph.nodes.map((n) => n.op as string));
        for (const op of EXPORTER_OPS) expect(ops.has(op), op).to.equal(false);
      });

      it("is taken by every proof type but EZKL's own judgement (vinfer inspect)", () => {
        const support = proofSupport(model);
        for (const type of ["groth16", "opml", "tee"]) expect(support.find((s) => s.name === type)?.support?.ok, type).to.equal(true);
        console.log(`      ${name}: ${planCircuit(model.quantized, { emit: false }).constraints} Groth16 constraints`);
      });

      it("computes the same integers in every engine: test samples, then extremes and random inputs", async function () {
        const real = samples.slice(0, 4).map((s) => model.quantizedInput([s]).map(Number));
        const inputs = [...real, ...fuzzInputs(model, 20, name.length)];
        await expectEnginesAgree(model, inputs.slice(0, circuitCases), { opmlCases: 2, soliditySteps: 150 });
        await expectEnginesAgree(model, inputs, { circuit: false, opmlCases: 1, soliditySteps: 50 });
      });
    });
  }
});
