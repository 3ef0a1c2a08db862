/**
 * The acceptance figures of the integer model on the real digits test split:
 * integer argmax agrees with float onnxruntime-node on >= 99% of samples and
 * integer accuracy is within 1 point of float accuracy.
 */
import { join } from "node:path";

import { expect } from "chai";

import { compareWithOnnxRuntime } from "../../sdk/eval/accuracy.js";
import { Model } from "../../sdk/model.js";
import { ZOO_DIR, readInputFile, readManifest } from "../../sdk/zoo/files.js";

describe("integer model accuracy on the digits test split", () => {
  const data = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json"));

  for (const name of ["digits-mlp", "digits-cnn", "digits-mlp-torch", "digits-lenet-bn", "digits-transformer"]) {
    it(`${name}: >= 99% argmax agreement with onnxruntime, accuracy within 1 point`, async () => {
      const model = Model.load(name);
      const { summary } = await compareWithOnnxRuntime(model, data.samples, data.labels);
      console.log(
        `      ${name}: ${summary.samples} samples, float ${(100 * summary.floatAccuracy!).toFixed(2)}%, ` +
          `integer ${(100 * summary.integerAccuracy!).toFixed(2)}%, agreement ${(100 * summary.argmaxAgreement).toFixed(2)}%`,
      );
      expect(summary.samples).to.equal(360);
      expect(summary.argmaxAgreement).to.be.at.least(0.99);
      expect(Math.abs(summary.integerAccuracy! - summary.floatAccuracy!)).to.be.at.most(0.01);
      expect(summary.floatAccuracy).to.be.at.least(0.95);
      // the manifest's accuracy (computed in Python at export) is what onnxruntime measures
      expect(Math.abs(summary.floatAccuracy! - readManifest(model.path)!.float_test_accuracy!)).to.be.below(1e-3);
    });
  }
});
