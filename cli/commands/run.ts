/** vinfer run <model> --input <file>: float (onnxruntime-node and IR) and integer outputs side by side. */
import type { Command } from "commander";

import { compareWithOnnxRuntime } from "../../sdk/eval/accuracy.js";
import { Model } from "../../sdk/model.js";
import { readModelInputs } from "../../sdk/io/inputFile.js";
import { num, percent, table } from "../format.js";
import { addQuantOptions, nonNegativeInteger, quantConfigOf } from "../options.js";
import { out } from "../output.js";

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
      .option("--show <n>", "samples to print in detail when the file holds many", nonNegativeInteger, 5)
      .option("--json", "print the summary as one JSON document"),
  ).action(async (ref: string, opts) => {
    const model = Model.load(ref, quantConfigOf(opts));
    const { samples, labels, expectedOutputs } = readModelInputs(opts.input, model.graph);
    const { rows, summary } = await compareWithOnnxRuntime(model, samples, labels, { fallbackToIrFloat: true });
    if (summary.reference === "ir-float")
      out.warn(
        "onnxruntime-node is not installed: the float column is the IR's float mode, not an independent reference " +
          "(install it with `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node`)",
      );
    const reference = summary.reference === "onnxruntime" ? "onnxruntime" : "IR float";
    const show = Math.min(rows.length, opts.show);
    out.result({ model: model.path, modelId: model.modelId, ...summary }, () => {
      const lines = [`model ${model.path}  (${samples.length} sample${samples.length === 1 ? "" : "s"})`];
      for (const r of rows.slice(0, samples.length === 1 ? 1 : show)) {
        lines.push(`\nsample ${r.index}${r.label !== undefined ? `  label ${r.label}` : ""}`);
        // the file's expected output (EZKL's output_data, expected_float_output), when it gives graph output 0
        const expected = expectedOutputs?.[r.index]?.[0]?.data;
        lines.push(
          table([
            ["out", reference, "IR float", "integer", "int (raw)", ...(expected ? ["expected (file)"] : [])],
            ...Array.from(r.ortOutput, (v, i) => [
              String(i),
              num(v),
              num(r.floatOutput[i]!),
              num(r.integerOutput[i]!),
              String(r.integerRaw[i]),
              ...(expected ? [num(expected[i]!)] : []),
            ]),
          ]),
          `argmax    ${reference} ${r.ortClass}  integer ${r.integerClass}`,
        );
      }
      if (samples.length > 1)
        lines.push(
          "\nsummary",
          table([
            ["samples", String(summary.samples)],
            ...(summary.floatAccuracy !== undefined ? [[`float accuracy (${reference})`, percent(summary.floatAccuracy)]] : []),
            ...(summary.integerAccuracy !== undefined ? [["integer accuracy", percent(summary.integerAccuracy)]] : []),
            ["argmax agreement (integer vs float)", percent(summary.argmaxAgreement)],
            [`max |IR float - ${reference}|`, summary.floatModeMaxAbsDiff.toExponential(2)],
            [`max |integer - ${reference}|`, summary.integerMaxAbsDiff.toExponential(2)],
          ]),
        );
      return lines.join("\n");
    });
  });
}
