/** vinfer inspect <model>: ops, shapes, parameters, and whether (and why not) the IR supports it. */
import type { Command } from "commander";

import { UnsupportedOperatorError } from "../../sdk/errors.js";
import { buildIr, nodeLabel, unsupportedNodes } from "../../sdk/ir/build.js";
import { readModelProto } from "../../sdk/onnx/proto.js";
import { quantizeModel } from "../../sdk/quant/quantize.js";
import { sizeOf } from "../../sdk/tensor.js";
import { resolveModelPath } from "../../sdk/zoo/files.js";
import { log2, shape, table } from "../format.js";
import { addQuantOptions, quantConfigOf } from "../options.js";

export function registerInspect(program: Command): void {
  addQuantOptions(
    program
      .command("inspect")
      .description("show a model's operators, shapes and parameters, and whether the integer IR supports it")
      .argument("<model>", "an .onnx file, a folder with model.onnx, or a zoo name (e.g. digits-mlp)"),
  ).action((ref: string, opts) => {
    const path = resolveModelPath(ref);
    const proto = readModelProto(path);
    const graph = proto.graph!;
    const params = graph.initializer.reduce((n, t) => n + t.dims.reduce((a, d) => a * Number(d), 1), 0);
    const opsets = proto.opsetImport.map((o) => `${o.domain || "ai.onnx"} ${o.version}`).join(", ");
    console.log(`model     ${path}`);
    console.log(`producer  ${proto.producerName || "?"} ${proto.producerVersion} · ir_version ${proto.irVersion} · opset ${opsets}`);
    console.log(`params    ${params.toLocaleString("en-US")} in ${graph.initializer.length} initializers`);

    const unsupported = unsupportedNodes(proto);
    if (unsupported.length > 0) {
      const bad = new Set(unsupported.map((e) => e.nodeName));
      console.log(
        "\n" +
          table([
            ["#", "op", "node", "supported"],
            ...graph.node.map((n, i) => [String(i), n.opType, nodeLabel(n, i), bad.has(nodeLabel(n, i)) ? "NO" : "yes"]),
          ]),
      );
      const list = unsupported.map((e) => `${e.opType} (node "${e.nodeName}")`).join(", ");
      throw new UnsupportedOperatorError(
        unsupported[0]!.opType,
        unsupported[0]!.nodeName,
        `the model cannot be compiled: unsupported ${list}`,
      );
    }

    const ir = buildIr(proto);
    console.log(`inputs    ${ir.inputs.map((i) => `${i.name} ${i.dtype} ${shape(i.shape)}`).join(", ")}`);
    console.log(`outputs   ${ir.outputs.map((o) => `${o.name} ${o.dtype} ${shape(o.shape)}`).join(", ")}`);
    const q = quantizeModel(ir, quantConfigOf(opts));
    const rows = ir.nodes.map((node, i) => {
      const nodeParams = node.inputs.filter((n) => ir.constants.has(n)).reduce((s, n) => s + sizeOf(ir.constants.get(n)!.shape), 0);
      const nq = q.nodes.get(node.name)!;
      return [
        String(i),
        node.op,
        node.name,
        node.inputs.map((n) => shape(ir.tensors.get(n)!.shape)).join(" "),
        node.outputs.map((n) => shape(ir.tensors.get(n)!.shape)).join(" "),
        String(nodeParams),
        nq.shift ? `>>${nq.shift}` : "",
        nq.accumulatorBound ? log2(nq.accumulatorBound) : "",
      ];
    });
    console.log("\n" + table([["#", "op", "node", "inputs", "outputs", "params", "rescale", "max |acc|"], ...rows]));
    const c = q.config;
    console.log(
      `\nsupported: yes (integer model: activations int${c.activationBits} with F=${c.fracBits}, weights int${c.weightBits}; every accumulator < 2^52)`,
    );
  });
}
