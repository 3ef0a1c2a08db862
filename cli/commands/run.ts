/** vinfer run <model> --input <file>: float (onnxruntime-node and IR) and integer outputs side by side. */
import type { Command } from "commander";

import { compareWithOnnxRuntime } from "../../sdk/eval/accuracy.js";
import { Model } from "../../sdk/model.js";
import { readModelInputs } from "../../sdk/io/inputFile.js";
import { num, percent, table } from "../format.js";
import { addQuantOptions, quantConfigOf } from "../options.js";

export function registerRun(program: Command): void {
  addQuantOptions(
    program
      .command("run")
      .description("run a model in float (onnxruntime-node, IR float mode) and integer mode, side by side")
      .argument("<model>", "an .onnx file, a folder with model.onnx, or a zoo name")
      .requiredOption(
        "-i, --input <file>",
        'JSON input: {"input": [...]}, {"inputs": [[...]], "labels": [...]}, {"input": {"<name>": [...]}}, EZKL\'s {"input_data": [[...]]} or an array',
      )
      .option("--show <n>", "samples to print in detail when the file holds many", "5")
      .option("--json", "print the summary as JSON"),
  ).action(async (ref: string, opts) => {
    const model = Model.load(ref, quantConfigOf(opts));
    const { samples, labels, expectedOutputs } = readModelInputs(opts.input, model.graph);
    const { rows, summary } = await compareWithOnnxRuntime(model, samples, labels);
    if (opts.json) {
      console.log(JSON.stringify({ model: model.path, modelId: model.modelId, ...summary }, null, 2));
      return;
    }
    const show = Math.min(rows.length, Number(opts.show));
    console.log(`model ${model.path}  (${samples.length} sample${samples.length === 1 ? "" : "s"})`);
    for (const r of rows.slice(0, samples.length === 1 ? 1 : show)) {
      console.log(`\nsample ${r.index}${r.label !== undefined ? `  label ${r.label}` : ""}`);
      // the file's expected output (EZKL's output_data, expected_float_output), when it gives graph output 0
      const expected = expectedOutputs?.[r.index]?.[0]?.data;
      console.log(
        table([
          ["out", "onnxruntime", "IR float", "integer", "int (raw)", ...(expected ? ["expected (file)"] : [])],
          ...Array.from(r.ortOutput, (v, i) => [
            String(i),
            num(v),
            num(r.floatOutput[i]!),
            num(r.integerOutput[i]!),
            String(r.integerRaw[i]),
            ...(expected ? [num(expected[i]!)] : []),
          ]),
        ]),
      );
      console.log(`argmax    onnxruntime ${r.ortClass}  integer ${r.integerClass}`);
    }
    if (samples.length > 1) {
      console.log("\nsummary");
      console.log(
        table([
          ["samples", String(summary.samples)],
          ...(summary.floatAccuracy !== undefined ? [["float accuracy (onnxruntime)", percent(summary.floatAccuracy)]] : []),
          ...(summary.integerAccuracy !== undefined ? [["integer accuracy", percent(summary.integerAccuracy)]] : []),
          ["argmax agreement (integer vs float)", percent(summary.argmaxAgreement)],
          ["max |IR float - onnxruntime|", summary.floatModeMaxAbsDiff.toExponential(2)],
          ["max |integer - onnxruntime|", summary.integerMaxAbsDiff.toExponential(2)],
        ]),
      );
    }
  });
}
