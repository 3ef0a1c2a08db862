/**
 * vinfer demo: the end-to-end walk-through of what the project does today.
 * Foundation stage: load each digits model, run the whole test split in float
 * and integer mode, print accuracy and agreement, and the model ids. The
 * on-chain steps (deploy, request, fulfil with each proof type) join as the
 * protocol issues land.
 */
import { join } from "node:path";

import type { Command } from "commander";

import { compareWithOnnxRuntime } from "../../sdk/eval/accuracy.js";
import { Model } from "../../sdk/model.js";
import { ZOO_DIR, readInputFile } from "../../sdk/zoo/files.js";
import { percent, table } from "../format.js";

const DEMO_MODELS = ["digits-mlp", "digits-cnn"];

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("walk through the pipeline on the zoo's digits models: ONNX -> integer IR -> outputs -> model id")
    .action(async () => {
      const data = readInputFile(join(ZOO_DIR, "datasets", "digits-test.json"));
      const rows: string[][] = [["model", "params", "float acc", "integer acc", "agreement", "model id"]];
      for (const name of DEMO_MODELS) {
        const t0 = performance.now();
        const model = Model.load(name);
        const { summary } = await compareWithOnnxRuntime(model, data.samples, data.labels);
        console.log(`${name}: ${summary.samples} test samples in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        rows.push([
          name,
          String([...model.quantized.constants.values()].reduce((n, c) => n + c.tensor.data.length, 0)),
          percent(summary.floatAccuracy!),
          percent(summary.integerAccuracy!),
          percent(summary.argmaxAgreement),
          model.modelId,
        ]);
      }
      console.log("\n" + table(rows));
      console.log("\nfloat = onnxruntime-node on the .onnx; integer = the IR's fixed-point model every proof path proves;");
      console.log("agreement = integer argmax equals float argmax. Deploy/request/fulfil steps arrive with the protocol issues.");
    });
}
