/**
 * Load-time clean-up of an ONNX graph (sdk/ir/build.ts calls it node by
 * node): what exporters add around a model's arithmetic never reaches the IR.
 *
 * - `Constant`, `ConstantOfShape`, `Shape`, `Size`, `Range` become constants
 *   (shapes are static in the IR, so a `Shape` is known when it is built);
 * - `Identity`, `Dropout` (inference: the identity) and a float-to-float
 *   `Cast` of an activation become aliases of their input;
 * - any node whose inputs are all constants is evaluated once, with the op's
 *   own float kernel, and its outputs become constants: this folds the shape
 *   arithmetic PyTorch writes around `Reshape`/`Flatten`
 *   (`Shape -> Gather -> Unsqueeze -> Concat`), and weight preprocessing;
 * - a `BatchNormalization` right after a `Conv` or `Gemm` with constant
 *   weights is folded into them (see foldBatchNorm).
 *
 * The model id commits to the IR after this clean-up.
 */
import { ModelStructureError, UnsupportedOperatorError } from "../errors.js";
import type { OnnxNodeProto } from "../onnx/proto.js";
import { toSafeInt } from "../onnx/proto.js";
import { dtypeFromOnnx, tensorFromProto } from "../onnx/tensorProto.js";
import { type DType, type Tensor, isFloatType, sizeOf, tensor } from "../tensor.js";
import type { IrNode, TensorInfo } from "./types.js";

/** ONNX ops that never become IR nodes: they are constants or aliases once shapes are static. */
export const FOLDED_OPS: ReadonlySet<string> = new Set([
  "Constant",
  "ConstantOfShape",
  "Shape",
  "Size",
  "Range",
  "Identity",
  "Dropout",
  "Cast",
  "CastLike",
]);

/** What a folded node turns into: constants by output name, or its output as another name of an input. */
export type Folded =
  | { readonly kind: "constants"; readonly values: ReadonlyMap<string, Tensor> }
  | { readonly kind: "alias"; readonly output: string; readonly input: string };

export interface FoldContext {
  readonly node: OnnxNodeProto;
  /** The node's label in errors. */
  readonly name: string;
  /** Info of each input (undefined for an omitted optional input). */
  readonly inputs: readonly (TensorInfo | undefined)[];
  /** The value of input `i` when it is a constant. */
  constant(i: number): Tensor | undefined;
  /** Whether tensor `name` is read by a later node or is a graph output. */
  used(name: string): boolean;
}

const unsupported = (ctx: FoldContext, reason: string): never => {
  throw new UnsupportedOperatorError(ctx.node.opType, ctx.name, reason);
};

function attr(ctx: FoldContext, name: string) {
  return ctx.node.attribute.find((a) => a.name === name);
}

function int64(values: readonly number[], shape: readonly number[] = [values.length]): Tensor {
  return tensor("int64", shape, values);
}

/** Folds a node of FOLDED_OPS. */
export function foldSpecial(ctx: FoldContext): Folded {
  const { node } = ctx;
  const out = node.output[0]!;
  const constants = (t: Tensor): Folded => ({ kind: "constants", values: new Map([[out, t]]) });
  switch (node.opType) {
    case "Constant":
      return constants(constantAttribute(ctx));
    case "ConstantOfShape": {
      const shape = requireConstant(ctx, 0, "shape");
      const value = attr(ctx, "value")?.t;
      const fill = value ? tensorFromProto(value, `${ctx.name} value`) : tensor("float32", [1], [0]);
      const dims = Array.from(shape.data);
      return constants({ dtype: fill.dtype, shape: dims, data: new Float64Array(sizeOf(dims)).fill(fill.data[0] ?? 0) });
    }
    case "Shape": {
      const info = requireInfo(ctx, 0);
      const rank = info.shape.length;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
      const start = clamp(intAttr(ctx, "start", 0));
      const end = clamp(intAttr(ctx, "end", rank));
      return constants(int64(info.shape.slice(start, Math.max(start, end))));
    }
    case "Size":
      return constants(int64([sizeOf(requireInfo(ctx, 0).shape)], []));
    case "Range": {
      const [start, limit, delta] = [0, 1, 2].map((i) => requireConstant(ctx, i, ["start", "limit", "delta"][i]!).data[0]!);
      if (delta === 0) throw new ModelStructureError(`Range node "${ctx.name}": delta is 0`);
      const count = Math.max(Math.ceil((limit! - start!) / delta!), 0);
      const dtype = requireInfo(ctx, 0).dtype;
      return constants(
        tensor(
          dtype,
          [count],
          Array.from({ length: count }, (_, i) => start! + i * delta!),
        ),
      );
    }
    case "Identity":
      return { kind: "alias", output: out, input: node.input[0]! };
    case "Dropout":
      if (node.output[1] && ctx.used(node.output[1])) unsupported(ctx, "its mask output is used; inference has no dropout mask");
      return { kind: "alias", output: out, input: node.input[0]! };
    case "Cast":
    case "CastLike": {
      const to: DType =
        node.opType === "Cast" ? dtypeFromOnnx(intAttr(ctx, "to", 1), `${ctx.name} attribute to`) : requireInfo(ctx, 1).dtype;
      const c = ctx.constant(0);
      if (c) return constants(cast(c, to));
      const from = requireInfo(ctx, 0).dtype;
      if (from === to || (isFloatType(from) && isFloatType(to))) return { kind: "alias", output: out, input: node.input[0]! };
      return unsupported(ctx, `a Cast of an activation from ${from} to ${to}: the integer model keeps one fixed-point type`);
    }
    default:
      throw new Error(`foldSpecial: ${node.opType} is not a folded op`);
  }
}

/** ONNX Cast of a constant: to an integer type truncates towards zero; to bool is "not zero". */
function cast(t: Tensor, to: DType): Tensor {
  if (isFloatType(to)) return { dtype: to, shape: t.shape, data: to === "float32" ? t.data.map(Math.fround) : t.data.slice() };
  if (to === "bool") return { dtype: to, shape: t.shape, data: t.data.map((v) => (v !== 0 ? 1 : 0)) };
  return { dtype: to, shape: t.shape, data: t.data.map(Math.trunc) };
}

function constantAttribute(ctx: FoldContext): Tensor {
  const a = ctx.node.attribute[0];
  if (!a || ctx.node.attribute.length !== 1) unsupported(ctx, "a Constant needs exactly one value attribute");
  switch (a!.name) {
    case "value":
      return tensorFromProto(a!.t!, `Constant "${ctx.name}"`);
    case "value_float":
      return tensor("float32", [], [a!.f]);
    case "value_floats":
      return tensor("float32", [a!.floats.length], a!.floats);
    case "value_int":
      return int64([toSafeInt(a!.i, `Constant "${ctx.name}"`)], []);
    case "value_ints":
      return int64(a!.ints.map((v) => toSafeInt(v, `Constant "${ctx.name}"`)));
    default:
      return unsupported(ctx, `Constant attribute "${a!.name}" is not supported (sparse and string constants)`);
  }
}

function intAttr(ctx: FoldContext, name: string, fallback: number): number {
  const a = attr(ctx, name);
  return a ? toSafeInt(a.i, `${ctx.name} attribute ${name}`) : fallback;
}

function requireInfo(ctx: FoldContext, i: number): TensorInfo {
  const info = ctx.inputs[i];
  if (!info) throw new ModelStructureError(`${ctx.node.opType} node "${ctx.name}": input ${i} is required`);
  return info;
}

function requireConstant(ctx: FoldContext, i: number, what: string): Tensor {
  const c = ctx.constant(i);
  if (!c) unsupported(ctx, `its ${what} (input ${i}) must be a constant: the IR has static shapes`);
  return c!;
}

/** A BatchNormalization's per-channel affine form: y = x * scale[c] + shift[c]. */
export interface ChannelAffine {
  readonly scale: Float64Array;
  readonly shift: Float64Array;
}

/** The affine form of an inference-mode BatchNormalization from its constants, or undefined if one is not constant. */
export function batchNormAffine(ctx: FoldContext): ChannelAffine | undefined {
  const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => ctx.constant(i));
  if (!gamma || !beta || !mean || !variance) return undefined;
  if (ctx.node.output.slice(1).some((o) => o !== "" && ctx.used(o))) {
    unsupported(ctx, "its running mean/variance outputs are used: only inference mode is supported");
  }
  const epsAttr = attr(ctx, "epsilon");
  const eps = epsAttr ? epsAttr.f : 1e-5;
  const n = gamma.data.length;
  const scale = new Float64Array(n);
  const shift = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    scale[c] = gamma.data[c]! / Math.sqrt(variance.data[c]! + eps);
    shift[c] = beta.data[c]! - mean.data[c]! * scale[c]!;
  }
  return { scale, shift };
}

/**
 * A Conv or Gemm with constant weights, followed by an affine per-channel map (a BatchNormalization
 * over its output channels), as one node: W'[m, ...] = W[m, ...] * scale[m], b'[m] = b[m] * scale[m] + shift[m].
 * The folded constants get new names (`<name>.bn`): initializers may be shared. Returns undefined when the
 * node's weights are not constants, Gemm has transA or alpha/beta other than 1, or the channel count differs.
 */
export function foldAffineIntoLinear(
  producer: IrNode,
  affine: ChannelAffine,
  constantOf: (name: string) => Tensor | undefined,
  outputName: string,
): { node: IrNode; constants: Map<string, Tensor> } | undefined {
  const [, wName, bName] = producer.inputs as [string, string, string?];
  const w = constantOf(wName);
  const b = bName === undefined ? undefined : constantOf(bName);
  if (!w || (bName !== undefined && !b)) return undefined;
  const channels = affine.scale.length;
  let outChannels: number;
  let weightChannel: (i: number) => number;
  if (producer.op === "Conv") {
    outChannels = w.shape[0]!;
    const per = sizeOf(w.shape.slice(1));
    weightChannel = (i) => Math.floor(i / per);
  } else if (producer.op === "Gemm") {
    if (producer.transA || producer.alpha !== 1 || producer.beta !== 1) return undefined;
    outChannels = producer.transB ? w.shape[0]! : w.shape[1]!;
    const cols = w.shape[1]!;
    weightChannel = producer.transB ? (i) => Math.floor(i / cols) : (i) => i % cols;
  } else {
    return undefined;
  }
  if (outChannels !== channels) return undefined;
  if (b && b.data.length !== channels && b.data.length !== 1) return undefined;
  const folded = new Map<string, Tensor>();
  const wFolded = `${wName}.bn`;
  const bFolded = `${bName ?? wName}.bn_bias`;
  folded.set(wFolded, { dtype: w.dtype, shape: w.shape, data: w.data.map((v, i) => v * affine.scale[weightChannel(i)]!) });
  const bias = Array.from(
    { length: channels },
    (_, c) => (b ? b.data[b.data.length === 1 ? 0 : c]! : 0) * affine.scale[c]! + affine.shift[c]!,
  );
  folded.set(bFolded, tensor(w.dtype, [channels], bias));
  const inputs = [producer.inputs[0]!, wFolded, bFolded];
  return { node: { ...producer, inputs, outputs: [outputName] } as IrNode, constants: folded };
}
