/** ONNX ModelProto -> IrGraph: typing, static shapes, and the first check that every op is supported. */
import { ModelStructureError, UnsupportedOperatorError } from "../errors.js";
import type { OnnxModelProto, OnnxNodeProto, OnnxValueInfoProto } from "../onnx/proto.js";
import { readModelProto, toSafeInt } from "../onnx/proto.js";
import { dtypeFromOnnx, tensorFromProto } from "../onnx/tensorProto.js";
import { OPS, SUPPORTED_OPS, isSupportedOp } from "../ops/index.js";
import type { BuildContext } from "../ops/op.js";
import type { Tensor } from "../tensor.js";
import { Attributes } from "./attributes.js";
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
    DEFAULT_DOMAINS.has(node.domain) && isSupportedOp(node.opType)
      ? []
      : [new UnsupportedOperatorError(qualifiedOp(node), nodeLabel(node, i), unsupportedReason(node))],
  );
}

function qualifiedOp(node: OnnxNodeProto): string {
  return DEFAULT_DOMAINS.has(node.domain) ? node.opType : `${node.domain}.${node.opType}`;
}

function unsupportedReason(node: OnnxNodeProto): string {
  const supported = `the IR implements ${SUPPORTED_OPS.join(", ")}`;
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

  const nodes: IrNode[] = [];
  graph.node.forEach((onnxNode, index) => {
    const name = nodeLabel(onnxNode, index);
    const op = OPS[onnxNode.opType as keyof typeof OPS];
    const infos = onnxNode.input.map((inputName) => {
      if (inputName === "") return undefined; // omitted optional input
      const info = tensors.get(inputName);
      if (!info) {
        throw new ModelStructureError(
          `${onnxNode.opType} node "${name}" reads "${inputName}", which no earlier node or initializer defines`,
        );
      }
      return info;
    });
    const ctx: BuildContext = {
      opType: onnxNode.opType,
      name,
      attrs: new Attributes(onnxNode, name, op.attributes),
      inputs: infos,
      inputNames: onnxNode.input,
      outputNames: onnxNode.output,
      constant: (i) => {
        const n = onnxNode.input[i];
        return n ? constants.get(n) : undefined;
      },
    };
    const built = op.build(ctx);
    for (const out of built.outputs) {
      if (tensors.has(out.name)) throw new ModelStructureError(`tensor "${out.name}" is defined twice (node "${name}")`);
      tensors.set(out.name, out);
    }
    nodes.push(built.node);
  });

  const outputs = graph.output.map((vi) => {
    const info = tensors.get(vi.name);
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

/** Reads an .onnx file and builds its IR. */
export function loadIr(path: string, options?: BuildOptions): IrGraph {
  return buildIr(readModelProto(path), options);
}
