/**
 * The contract every operator file implements: how to build its IR node from
 * ONNX (attributes, shape and dtype inference), how to run it, and how to
 * quantize it, with the traits other passes ask about (is it linear, does it
 * have an accumulator to bound). Kernels are written once for both
 * interpreter modes; what differs between float and integer arithmetic is
 * passed in as a `NodeArithmetic`.
 */
import { ModelStructureError } from "../errors.js";
import type { Attributes } from "../ir/attributes.js";
import type { IrNode, TensorInfo } from "../ir/types.js";
import type { Tensor } from "../tensor.js";

export interface BuildContext {
  readonly opType: string;
  readonly name: string;
  readonly attrs: Attributes;
  /** Info of each ONNX input, `undefined` for an omitted optional input. */
  readonly inputs: readonly (TensorInfo | undefined)[];
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** The value of an input when it is a constant (initializer), else undefined. */
  constant(index: number): Tensor | undefined;
  /** The model's default-domain opset (0 when it declares none): ops whose semantics changed across opsets read it (Softmax). */
  readonly opset: number;
}

export interface Built<N extends IrNode> {
  readonly node: N;
  readonly outputs: readonly TensorInfo[];
  /**
   * Constants the node derives from its constant inputs at build time (e.g. a BatchNormalization's
   * per-channel scale and shift), by name; the node's `inputs` read them like initializers. Absent means none.
   */
  readonly constants?: ReadonlyMap<string, Tensor>;
}

/**
 * Arithmetic that differs between the float and the integer interpreter.
 * Float: products scaled by alpha, bias by beta, results rounded to float32.
 * Integer: see docs/integer-semantics.md (rescale by shift, saturation, rounded division).
 */
export interface NodeArithmetic {
  /**
   * Which run this is: ONNX float arithmetic ("float"), the integer semantics ("integer"), or the
   * quantizer's worst-case run ("bound": exact sums of magnitudes, no rounding, shift or saturation).
   * Ops whose integer kernel is more than linear/add/average (non-linear functions, element-wise
   * products, divisions) branch on it.
   */
  readonly mode: "float" | "integer" | "bound";
  /** The model's widths and the node's rescale (integer and bound modes; undefined in float mode). */
  readonly integer?: IntegerContext;
  /** Scale applied to a linear op's sum of products (Gemm alpha; 1 in integer mode). */
  readonly productScale: number;
  /** Scale applied to a linear op's bias (Gemm beta; 2^k alignment in integer mode). */
  readonly biasScale: number;
  /** Turns a linear op's accumulator into the output element. */
  linear(acc: number): number;
  /** Turns the exact sum of an Add into the output element. */
  add(sum: number): number;
  /** Average of `count` elements whose sum is `sum`. */
  average(sum: number, count: number): number;
}

/**
 * What an op's quantization rule asks of the quantizer (sdk/quant/quantize.ts),
 * following docs/integer-semantics.md section 3. `node` names the node in errors.
 */
export interface QuantizeContext {
  /** F: the exponent of every activation. */
  readonly fracBits: number;
  /** A: the signed width of every activation. */
  readonly activationBits: number;
  /** Whether tensor `name` is a graph constant (not an activation). */
  isConstant(name: string): boolean;
  /**
   * Quantizes constant `name` times `scale` as a weight of `bits` signed bits (default W); returns its
   * exponent e_w.
   */
  weight(node: IrNode, name: string, scale: number, bits?: number): number;
  /** Quantizes constant `name` times `scale` as a bias at the accumulator's exponent. */
  bias(node: IrNode, name: string, scale: number, exponent: number): void;
  /** Exponent of an activation operand (a constant used as an activation is quantized at F). */
  activation(node: IrNode, name: string): number;
  /** Exponent of an operand of a product: a weight if constant, else an activation. */
  factor(node: IrNode, name: string, scale: number): number;
  /** Whether tensor `name` is an index tensor (no exponent: an integer graph input, an ArgMax output). */
  indexTensor(name: string): boolean;
  /** Records the exponent of an output tensor; null for an index tensor. */
  setExponent(tensor: string, exponent: number | null): void;
}

/** The rescale of a node's accumulator that its quantization rule chose. */
export interface NodeScale {
  /** Right shift (rounded) applied to the accumulator of a linear node; 0 elsewhere. */
  readonly shift: number;
  /** Left shift that aligns an activation bias (Gemm C) to the accumulator; 0 elsewhere. */
  readonly biasShiftLeft: number;
  /**
   * Integer constants of the op's integer kernel that its quantization rule chose (e.g. a
   * fixed-point multiplier for LeakyRelu's alpha, a Div's reciprocal). Part of the committed IR
   * (sdk/commit/irDescription.ts), read by every engine. Absent means none.
   */
  readonly params?: Readonly<Record<string, number>>;
}

/** What an integer kernel knows besides its inputs: the model's widths and the node's rescale. */
export interface IntegerContext {
  /** F. */
  readonly fracBits: number;
  /** A. */
  readonly activationBits: number;
  readonly scale: NodeScale;
}

export const NO_RESCALE: NodeScale = { shift: 0, biasShiftLeft: 0 };

export interface OpDefinition<N extends IrNode> {
  readonly op: N["op"];
  /** ONNX attributes this op understands; any other attribute is an UnsupportedOperatorError. */
  readonly attributes: readonly string[];
  /**
   * A linear op (Gemm, MatMul, Conv): each output element is a rescaled sum of
   * products plus bias, whose affine form circuits build (linearForms.ts) and
   * may fuse with a following Relu. Absent means false.
   */
  readonly linear?: boolean;
  /**
   * The quantizer bounds this op's accumulator for every input and stores the
   * bound (docs/integer-semantics.md section 5): the linear ops, Add, AveragePool.
   * Absent means false.
   */
  readonly accumulator?: boolean;
  /**
   * Positions of inputs that must be graph constants (a Reshape's shape, Slice's starts/ends,
   * Unsqueeze's axes...): the IR has static shapes, so these are read when the node is built.
   * Tests that feed them as graph inputs (the ONNX node tests) freeze them. Absent means none.
   */
  readonly constantInputs?: readonly number[];
  build(ctx: BuildContext): Built<N>;
  run(node: N, inputs: readonly Tensor[], outputs: readonly TensorInfo[], arith: NodeArithmetic): Tensor[];
  /** Chooses the exponents of the node's operands and outputs; returns its rescale. */
  quantize(node: N, q: QuantizeContext): NodeScale;
}

/**
 * The quantization rule of ops that keep their input's scale (Relu, pools,
 * Flatten, Reshape); a second output (MaxPool Indices) holds indices.
 */
export function keepInputScale(node: IrNode, q: QuantizeContext): NodeScale {
  const e = q.activation(node, node.inputs[0]!);
  q.setExponent(node.outputs[0]!, e);
  if (node.outputs[1]) q.setExponent(node.outputs[1], null);
  return NO_RESCALE;
}

/** Reads a required input's info, failing with the node's name when it is missing. */
export function requireInput(ctx: BuildContext, index: number, what: string): TensorInfo {
  const info = ctx.inputs[index];
  if (!info) throw structureError(ctx, `input ${index} (${what}) is required`);
  return info;
}

export function structureError(ctx: { opType: string; name: string }, message: string): ModelStructureError {
  return new ModelStructureError(`${ctx.opType} node "${ctx.name}": ${message}`);
}

export function requireRank(ctx: BuildContext, info: TensorInfo, rank: number | [number, number], what: string): void {
  const [lo, hi] = typeof rank === "number" ? [rank, rank] : rank;
  if (info.shape.length < lo || info.shape.length > hi) {
    const want = lo === hi ? `${lo}` : `${lo} to ${hi}`;
    throw structureError(ctx, `${what} "${info.name}" must have rank ${want}, has shape [${info.shape.join(", ")}]`);
  }
}

export function normalizeAxis(ctx: BuildContext, axis: number, rank: number, allowRank = false): number {
  const limit = allowRank ? rank : rank - 1;
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a > limit) throw structureError(ctx, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}
