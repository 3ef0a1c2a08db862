/**
 * vinfer inspect <model>: ops, shapes, parameters, whether (and why not) the
 * IR supports it, and which proof types can take it (and, for each that
 * cannot, the node and the reason).
 */
import type { Command } from "commander";

import { UnsupportedOperatorError } from "../../sdk/errors.js";
import { nodeLabel, unsupportedNodes } from "../../sdk/ir/build.js";
import { Model } from "../../sdk/model.js";
import { readModelProto } from "../../sdk/onnx/readModel.js";
import { describeSupport, proofSupport } from "../../sdk/proofs/support.js";
import { proofSystems } from "../../sdk/proofs/registry.js";
import { sizeOf } from "../../sdk/tensor.js";
import { resolveModelPath } from "../../sdk/zoo/files.js";
import { log2, shape, table } from "../format.js";
import { addQuantOptions, quantConfigOf } from "../options.js";
import { out } from "../output.js";

export function registerInspect(program: Command): void {
  addQuantOptions(
    program
      .command("inspect")
      .description("show a model's operators, shapes and parameters, whether the integer IR supports it, and which proof types can take it")
      .argument("<model>", "an .onnx file, a folder with model.onnx, or a zoo name (e.g. digits-mlp)")
      .option("--json", "print the report as one JSON document"),
  ).action((ref: string, opts) => {
    const path = resolveModelPath(ref);
    const proto = readModelProto(path);
    const graph = proto.graph!;
    const params = graph.initializer.reduce((n, t) => n + t.dims.reduce((a, d) => a * Number(d), 1), 0);
    const opsets = proto.opsetImport.map((o) => ({ domain: o.domain || "ai.onnx", version: Number(o.version) }));
    const header = {
      model: path,
      producer: `${proto.producerName || "?"} ${proto.producerVersion}`.trim(),
      irVersion: Number(proto.irVersion),
      opsets,
      params,
      initializers: graph.initializer.length,
    };
    const headerText = () =>
      [
        `model     ${path}`,
        `producer  ${header.producer} · ir_version ${header.irVersion} · opset ${opsets.map((o) => `${o.domain} ${o.version}`).join(", ")}`,
        `params    ${params.toLocaleString("en-US")} in ${graph.initializer.length} initializers`,
      ].join("\n");

    const unsupported = unsupportedNodes(proto);
    if (unsupported.length > 0) {
      // every proof type starts from the IR (the model id commits to it), so none can take the model
      const refusal = `the integer IR refuses ${unsupported.length} node${unsupported.length === 1 ? "" : "s"}, and every proof type starts from the IR`;
      const bad = new Set(unsupported.map((e) => e.nodeName));
      out.result(
        {
          ...header,
          supported: false,
          unsupported: unsupported.map((e) => ({ node: e.nodeName, op: e.opType, reason: e.reason ?? "" })),
          proofTypes: proofSystems().map((s) => ({ name: s.name, proofType: s.proofType, ok: false, reason: refusal })),
        },
        () =>
          [
            headerText(),
            "",
            table([
              ["#", "op", "node", "supported"],
              ...graph.node.map((n, i) => [String(i), n.opType, nodeLabel(n, i), bad.has(nodeLabel(n, i)) ? "NO" : "yes"]),
            ]),
            `\nunsupported nodes (${unsupported.length})`,
            table(unsupported.map((e) => [`  ${e.opType}`, `"${e.nodeName}"`, e.reason ?? ""])),
            `\nproof types: none (${refusal})`,
          ].join("\n"),
      );
      const list = unsupported.map((e) => `${e.opType} (node "${e.nodeName}")`).join(", ");
      throw new UnsupportedOperatorError(
        unsupported[0]!.opType,
        unsupported[0]!.nodeName,
        `the model cannot be compiled: unsupported ${list}`,
      );
    }

    const model = Model.load(path, quantConfigOf(opts));
    const ir = model.graph;
    const q = model.quantized;
    const nodes = ir.nodes.map((node, i) => {
      const nq = q.nodes.get(node.name)!;
      return {
        index: i,
        op: node.op,
        name: node.name,
        inputs: node.inputs.map((n) => ir.tensors.get(n)!.shape),
        outputs: node.outputs.map((n) => ir.tensors.get(n)!.shape),
        params: node.inputs.filter((n) => ir.constants.has(n)).reduce((s, n) => s + sizeOf(ir.constants.get(n)!.shape), 0),
        shift: nq.shift,
        accumulatorBound: nq.accumulatorBound,
      };
    });
    const proofTypes = proofSupport(model);
    const io = (t: { name: string; dtype: string; shape: readonly number[] }) => ({ name: t.name, dtype: t.dtype, shape: t.shape });
    out.result(
      {
        ...header,
        supported: true,
        config: q.config,
        inputs: ir.inputs.map(io),
        outputs: ir.outputs.map(io),
        nodes,
        proofTypes: proofTypes.map((p) => ({ name: p.name, proofType: p.proofType, ...(p.support ?? { ok: null }) })),
      },
      () => {
        const rows = nodes.map((n) => [
          String(n.index),
          n.op,
          n.name,
          n.inputs.map(shape).join(" "),
          n.outputs.map(shape).join(" "),
          String(n.params),
          n.shift ? `>>${n.shift}` : "",
          n.accumulatorBound ? log2(n.accumulatorBound) : "",
        ]);
        const c = q.config;
        return [
          headerText(),
          `inputs    ${ir.inputs.map((i) => `${i.name} ${i.dtype} ${shape(i.shape)}`).join(", ")}`,
          `outputs   ${ir.outputs.map((o) => `${o.name} ${o.dtype} ${shape(o.shape)}`).join(", ")}`,
          "",
          table([["#", "op", "node", "inputs", "outputs", "params", "rescale", "max |acc|"], ...rows]),
          `\nsupported: yes (integer model: activations int${c.activationBits} with F=${c.fracBits}, weights int${c.weightBits}; every accumulator < 2^52)`,
          "\nproof types",
          table(
            proofTypes.map((p) => {
              const { verdict, detail } = describeSupport(p);
              return [`  ${p.name}`, verdict, detail];
            }),
          ),
        ].join("\n");
      },
    );
  });
}
