/** ONNX ModelProto -> IrGraph: typing, static shapes, and the first check that every op is supported. */
import { ModelStructureError, UnsupportedOperatorError } from "../errors.js";
import type { OnnxModelProto, OnnxNodeProto, OnnxValueInfoProto } from "../onnx/proto.js";
import { toSafeInt } from "../onnx/proto.js";
import { dtypeFromOnnx, tensorFromProto } from "../onnx/tensorProto.js";
import { floatArithmeticOf } from "../interp/float.js";
import { OPS, SUPPORTED_OPS, isSupportedOp } from "../ops/index.js";
import type { BuildContext } from "../ops/op.js";
import type { Tensor } from "../tensor.js";
import { Attributes } from "./attributes.js";
import { FOLDED_OPS, type FoldContext, batchNormAffine, foldAffineIntoLinear, foldSpecial } from "./fold.js";
import type { IrGraph, IrNode, TensorInfo } from "./types.js";

export interface BuildOptions {
  /**
   * Graph inputs to freeze as constants (e.g. a Reshape's shape fed as an
   * input). Their values become part of the IR.
   */
  readonly constantInputs?: ReadonlyMap<string, Tensor>;
  /** Value for symbolic dims (dim_param, e.g. a batch dim); default 1. */
  readonly symbolicDim?: number;
}

const DEFAULT_DOMAINS = new Set(["", "ai.onnx"]);

/** Name used in errors and in the IR for a node: its ONNX name, else `<op>#<index>`. */
export function nodeLabel(node: OnnxNodeProto, index: number): string {
  return node.name !== "" ? node.name : `${node.opType}#${index}`;
}

/** The nodes of a model whose operator the IR does not implement (all of them, not just the first). */
export function unsupportedNodes(model: OnnxModelProto): UnsupportedOperatorError[] {
  return model.graph!.node.flatMap((node, i) =>
    DEFAULT_DOMAINS.has(node.domain) && (isSupportedOp(node.opType) || FOLDED_OPS.has(node.opType) || node.opType === "BatchNormalization")
      ? []
      : [new UnsupportedOperatorError(qualifiedOp(node), nodeLabel(node, i), unsupportedReason(node))],
  );
}

function qualifiedOp(node: OnnxNodeProto): string {
  return DEFAULT_DOMAINS.has(node.domain) ? node.opType : `${node.domain}.${node.opType}`;
}

function unsupportedReason(node: OnnxNodeProto): string {
  const supported = `the IR implements ${SUPPORTED_OPS.join(", ")} (and folds ${[...FOLDED_OPS].join(", ")} at load time)`;
  return DEFAULT_DOMAINS.has(node.domain) ? supported : `operator domain "${node.domain}" is not supported; ${supported}`;
}

function valueInfo(vi: OnnxValueInfoProto, symbolicDim: number): TensorInfo {
  const tt = vi.type?.tensorType;
  if (!tt) throw new ModelStructureError(`graph input/output "${vi.name}" is not a tensor`);
  const dtype = dtypeFromOnnx(tt.elemType, `graph input/output "${vi.name}"`);
  const shape = (tt.shape?.dim ?? []).map((d, i) => {
    if (d.value === "dimValue") return toSafeInt(d.dimValue, `${vi.name} dim ${i}`);
    if (d.value === "dimParam") return symbolicDim;
    throw new ModelStructureError(`graph input "${vi.name}" has an unknown dimension ${i}; the IR needs static shapes`);
  });
  return { name: vi.name, dtype, shape };
}

/** Builds the IR of a decoded ONNX model. Throws UnsupportedOperatorError naming the first unsupported node. */
export function buildIr(model: OnnxModelProto, options: BuildOptions = {}): IrGraph {
  const graph = model.graph!;
  const symbolicDim = options.symbolicDim ?? 1;
  const opset = model.opsetImport.find((o) => DEFAULT_DOMAINS.has(o.domain));
  const constants = new Map<string, Tensor>();
  const tensors = new Map<string, TensorInfo>();
  for (const init of graph.initializer) {
    const t = tensorFromProto(init, `initializer "${init.name}"`);
    constants.set(init.name, t);
    tensors.set(init.name, { name: init.name, dtype: t.dtype, shape: t.shape });
  }
  const inputs: TensorInfo[] = [];
  for (const vi of graph.input) {
    if (constants.has(vi.name)) continue; // IR < 4 lists initializers among inputs
    const frozen = options.constantInputs?.get(vi.name);
    if (frozen) {
      constants.set(vi.name, frozen);
      tensors.set(vi.name, { name: vi.name, dtype: frozen.dtype, shape: frozen.shape });
      continue;
    }
    const info = valueInfo(vi, symbolicDim);
    inputs.push(info);
    tensors.set(vi.name, info);
  }

  const unsupported = unsupportedNodes(model)[0];
  if (unsupported) throw unsupported;

  // Load-time clean-up (sdk/ir/fold.ts): folded nodes become constants or aliases of their input.
  const aliases = new Map<string, string>();
  const resolve = (name: string) => aliases.get(name) ?? name;
  const uses = new Map<string, number>();
  for (const n of graph.node) for (const i of n.input) if (i !== "") uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const o of graph.output) uses.set(o.name, (uses.get(o.name) ?? 0) + 1);
  const producers = new Map<string, number>();

  const nodes: IrNode[] = [];
  graph.node.forEach((onnxNode, index) => {
    const name = nodeLabel(onnxNode, index);
    const inputNames = onnxNode.input.map((n) => (n === "" ? n : resolve(n)));
    const infos = inputNames.map((inputName) => {
      if (inputName === "") return undefined; // omitted optional input
      const info = tensors.get(inputName);
      if (!info) {
        throw new ModelStructureError(
          `${onnxNode.opType} node "${name}" reads "${inputName}", which no earlier node or initializer defines`,
        );
      }
      return info;
    });
    const constant = (i: number) => {
      const n = inputNames[i];
      return n ? constants.get(n) : undefined;
    };
    const define = (info: TensorInfo) => {
      if (tensors.has(info.name)) throw new ModelStructureError(`tensor "${info.name}" is defined twice (node "${name}")`);
      tensors.set(info.name, info);
    };
    const addConstant = (out: string, t: Tensor) => {
      constants.set(out, t);
      define({ name: out, dtype: t.dtype, shape: t.shape });
    };
    const fold: FoldContext = { node: onnxNode, name, inputs: infos, constant, used: (t) => (uses.get(t) ?? 0) > 0 };

    if (FOLDED_OPS.has(onnxNode.opType)) {
      const folded = foldSpecial(fold);
      if (folded.kind === "alias") aliases.set(folded.output, resolve(folded.input));
      else for (const [out, t] of folded.values) addConstant(out, t);
      return;
    }
    if (onnxNode.opType === "BatchNormalization") {
      const producer = producers.get(inputNames[0]!);
      const affine = batchNormAffine(fold);
      const merged =
        producer !== undefined && affine && uses.get(inputNames[0]!) === 1
          ? foldAffineIntoLinear(nodes[producer]!, affine, (n) => constants.get(n), onnxNode.output[0]!)
          : undefined;
      if (merged) {
        for (const [n, t] of merged.constants) addConstant(n, t);
        tensors.delete(inputNames[0]!);
        const info = { name: onnxNode.output[0]!, dtype: infos[0]!.dtype, shape: infos[0]!.shape };
        define(info);
        nodes[producer!] = merged.node;
        producers.delete(inputNames[0]!);
        producers.set(info.name, producer!);
        return;
      }
      if (!isSupportedOp(onnxNode.opType)) {
        throw new UnsupportedOperatorError(
          onnxNode.opType,
          name,
          "a BatchNormalization is folded into the Conv or Gemm before it (constant weights, its output used only by the BatchNormalization); this one is not",
        );
      }
    }

    const op = OPS[onnxNode.opType as keyof typeof OPS];
    const ctx: BuildContext = {
      opType: onnxNode.opType,
      name,
      attrs: new Attributes(onnxNode, name, op.attributes),
      inputs: infos,
      inputNames,
      outputNames: onnxNode.output,
      constant,
      opset: opset ? toSafeInt(opset.version, "opset version") : 0,
    };
    const built = op.build(ctx);
    for (const [n, t] of built.constants ?? []) addConstant(n, t);
    const allConstant = inputNames.length > 0 && inputNames.every((n) => n === "" || constants.has(n));
    if (allConstant) {
      // Shape arithmetic and weight preprocessing: evaluated once, with the op's own float kernel
      // on the node's own inputs (what run reads; derived constants included).
      const values = op.run(
        built.node as never,
        built.node.inputs.map((n) => constants.get(n)!),
        built.outputs,
        floatArithmeticOf(built.node, built.outputs[0]!.dtype),
      );
      built.outputs.forEach((info, i) => addConstant(info.name, values[i]!));
      return;
    }
    for (const out of built.outputs) {
      define(out);
      producers.set(out.name, nodes.length);
    }
    nodes.push(built.node);
  });

  // A graph output that a folded node aliased keeps its name: the node computing it is renamed.
  for (const vi of graph.output) {
    const from = resolve(vi.name);
    if (constants.has(from)) throw new ModelStructureError(`graph output "${vi.name}" is a constant (it depends on no graph input)`);
    if (from === vi.name || !producers.has(from)) continue;
    const rename = (n: string) => (n === from ? vi.name : n);
    for (let k = 0; k < nodes.length; k++) {
      const n = nodes[k]!;
      nodes[k] = { ...n, inputs: n.inputs.map(rename), outputs: n.outputs.map(rename) } as IrNode;
    }
    tensors.set(vi.name, { ...tensors.get(from)!, name: vi.name });
    tensors.delete(from);
    producers.set(vi.name, producers.get(from)!);
    producers.delete(from);
    for (const [a, b] of aliases) if (b === from) aliases.set(a, vi.name);
  }

  const outputs = graph.output.map((vi) => {
    const info = tensors.get(resolve(vi.name));
    if (!info) throw new ModelStructureError(`graph output "${vi.name}" is not produced by any node`);
    return info;
  });

  return {
    name: graph.name,
    opset: opset ? toSafeInt(opset.version, "opset version") : 0,
    inputs,
    outputs,
    nodes,
    constants,
    tensors,
  };
}
