/**
 * The integer IR: a typed, statically shaped graph of the operators every
 * proof path implements. One node per ONNX node, attributes normalised
 * (defaults filled in, negative axes resolved, auto_pad turned into explicit
 * pads), so that interpreters and compilers read no ONNX.
 */
import type { DType, Tensor } from "../tensor.js";

export interface TensorInfo {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

interface NodeBase {
  /** ONNX node name, or `<op>#<index>` when the node had none. */
  readonly name: string;
  /** Value inputs (activations or constants), in ONNX order. Shape-only inputs are folded away. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export interface GemmNode extends NodeBase {
  readonly op: "Gemm";
  readonly transA: boolean;
  readonly transB: boolean;
  readonly alpha: number;
  readonly beta: number;
}

export interface MatMulNode extends NodeBase {
  readonly op: "MatMul";
}

export interface AddNode extends NodeBase {
  readonly op: "Add";
}

export interface ReluNode extends NodeBase {
  readonly op: "Relu";
}

/** Geometry of a sliding window over the spatial dims (N-d; the zoo uses 2-D). */
export interface WindowAttributes {
  readonly kernelShape: readonly number[];
  readonly strides: readonly number[];
  /** Explicit pads: [begin_1..begin_n, end_1..end_n], auto_pad already resolved. */
  readonly pads: readonly number[];
  readonly dilations: readonly number[];
}

export interface ConvNode extends NodeBase, WindowAttributes {
  readonly op: "Conv";
  readonly group: number;
}

export interface MaxPoolNode extends NodeBase, WindowAttributes {
  readonly op: "MaxPool";
  readonly ceilMode: boolean;
  /** 0: row-major, 1: column-major spatial order for the optional Indices output. */
  readonly storageOrder: 0 | 1;
}

export interface AveragePoolNode extends NodeBase, WindowAttributes {
  readonly op: "AveragePool";
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
}

export interface FlattenNode extends NodeBase {
  readonly op: "Flatten";
  readonly axis: number;
}

export interface ReshapeNode extends NodeBase {
  readonly op: "Reshape";
}

export interface ArgMaxNode extends NodeBase {
  readonly op: "ArgMax";
  readonly axis: number;
  readonly keepdims: boolean;
  readonly selectLastIndex: boolean;
}

// ---- element-wise arithmetic (sdk/ops/mul.ts, sub.ts, div.ts, unary.ts, clip.ts, activations.ts, batchNorm.ts, compare.ts)

export interface MulNode extends NodeBase {
  readonly op: "Mul";
}

export interface SubNode extends NodeBase {
  readonly op: "Sub";
}

export interface DivNode extends NodeBase {
  readonly op: "Div";
}

export interface NegNode extends NodeBase {
  readonly op: "Neg";
}

export interface AbsNode extends NodeBase {
  readonly op: "Abs";
}

/** Clip's bounds (attributes before opset 11, constant inputs since): null where there is none. */
export interface ClipNode extends NodeBase {
  readonly op: "Clip";
  readonly min: number | null;
  readonly max: number | null;
}

export interface LeakyReluNode extends NodeBase {
  readonly op: "LeakyRelu";
  readonly alpha: number;
}

/** inputs: [X, slope] with a constant slope that broadcasts to X. */
export interface PReluNode extends NodeBase {
  readonly op: "PRelu";
}

export interface HardSigmoidNode extends NodeBase {
  readonly op: "HardSigmoid";
  readonly alpha: number;
  readonly beta: number;
}

export interface HardSwishNode extends NodeBase {
  readonly op: "HardSwish";
}

/**
 * Inference-mode BatchNormalization standing alone (one after a Conv or Gemm is folded into it):
 * inputs [X, scale, shift], the per-channel affine y = X * scale[c] + shift[c] derived at build time
 * from the ONNX node's constants (`<node>.bn_scale`, `<node>.bn_shift`, shape [C, 1, ..., 1]).
 */
export interface BatchNormalizationNode extends NodeBase {
  readonly op: "BatchNormalization";
  readonly epsilon: number;
}

/** inputs: [condition (bool), X, Y]. */
export interface WhereNode extends NodeBase {
  readonly op: "Where";
}

export interface EqualNode extends NodeBase {
  readonly op: "Equal";
}

export interface LessNode extends NodeBase {
  readonly op: "Less";
}

export interface GreaterNode extends NodeBase {
  readonly op: "Greater";
}

export type ElementwiseNode =
  | MulNode
  | SubNode
  | DivNode
  | NegNode
  | AbsNode
  | ClipNode
  | LeakyReluNode
  | PReluNode
  | HardSigmoidNode
  | HardSwishNode
  | BatchNormalizationNode
  | WhereNode
  | EqualNode
  | LessNode
  | GreaterNode;

/**
 * What a reduction keeps of ONNX's attributes and axes input: the reduced axes, normalised (no
 * negative axis), ascending and unique; empty only for a no-op (noop_with_empty_axes = 1 with no
 * axes: y = x). Reducing "all axes" (no axes, noop_with_empty_axes = 0) lists every axis.
 */
export interface ReduceAttributes {
  readonly axes: readonly number[];
  readonly keepdims: boolean;
}

export interface ReduceMeanNode extends NodeBase, ReduceAttributes {
  readonly op: "ReduceMean";
}

export interface ReduceSumNode extends NodeBase, ReduceAttributes {
  readonly op: "ReduceSum";
}

export interface ReduceMaxNode extends NodeBase, ReduceAttributes {
  readonly op: "ReduceMax";
}

export interface ReduceMinNode extends NodeBase, ReduceAttributes {
  readonly op: "ReduceMin";
}

/** The mean over every spatial dim of [N, C, spatial...]: AveragePool with the whole spatial extent as window. */
export interface GlobalAveragePoolNode extends NodeBase {
  readonly op: "GlobalAveragePool";
}

export type ReductionNode = ReduceMeanNode | ReduceSumNode | ReduceMaxNode | ReduceMinNode | GlobalAveragePoolNode;

/** Data movement (sdk/ops/view.ts): integers are moved, never computed. */
export interface TransposeNode extends NodeBase {
  readonly op: "Transpose";
  /** Output dim d is input dim perm[d]. */
  readonly perm: readonly number[];
}

export interface ConcatNode extends NodeBase {
  readonly op: "Concat";
  readonly axis: number;
}

export interface SliceNode extends NodeBase {
  readonly op: "Slice";
  /** Per input dim, the first input coordinate read (ONNX starts/ends clamped; 0 on unsliced dims). */
  readonly starts: readonly number[];
  /** Per input dim, the step (1 on unsliced dims; negative reverses). */
  readonly steps: readonly number[];
}

export interface SqueezeNode extends NodeBase {
  readonly op: "Squeeze";
  /** Removed dims (of the input), ascending. */
  readonly axes: readonly number[];
}

export interface UnsqueezeNode extends NodeBase {
  readonly op: "Unsqueeze";
  /** Inserted dims (of the output), ascending. */
  readonly axes: readonly number[];
}

export interface GatherNode extends NodeBase {
  readonly op: "Gather";
  readonly axis: number;
  /**
   * Constant indices, normalised to [0, axis size), flattened row-major (their shape is the output's
   * dims axis..axis+rank-1); absent when the indices are an input of the node (inputs[1]), read at run time.
   */
  readonly indices?: readonly number[];
}

export interface PadNode extends NodeBase {
  readonly op: "Pad";
  readonly mode: "constant" | "edge" | "reflect" | "wrap";
  /** Per input dim, pads at the beginning, then per dim at the end (negative: cropped). */
  readonly pads: readonly number[];
  /** The constant mode's pad value (float; its integer is NodeScale.params.value). */
  readonly value: number;
}

export interface ExpandNode extends NodeBase {
  readonly op: "Expand";
}

/** The data-movement ops (sdk/ops/view.ts). */
export type DataMovementNode = TransposeNode | ConcatNode | SliceNode | SqueezeNode | UnsqueezeNode | GatherNode | PadNode | ExpandNode;

/** The smooth unary functions, evaluated from piecewise-polynomial tables (sdk/quant/functions.ts). */
export interface SigmoidNode extends NodeBase {
  readonly op: "Sigmoid";
}

export interface TanhNode extends NodeBase {
  readonly op: "Tanh";
}

export interface ExpNode extends NodeBase {
  readonly op: "Exp";
}

export interface ErfNode extends NodeBase {
  readonly op: "Erf";
}

export interface GeluNode extends NodeBase {
  readonly op: "Gelu";
  /** ONNX's approximate attribute: "none" (x Phi(x)) or "tanh". */
  readonly approximate: "none" | "tanh";
}

/** Exact integer square root and reciprocal. */
export interface SqrtNode extends NodeBase {
  readonly op: "Sqrt";
}

export interface ReciprocalNode extends NodeBase {
  readonly op: "Reciprocal";
}

/** Pow(X, Y) with a constant Y (inputs[1]); the integer model takes a scalar Y of 1, 2 or 0.5. */
export interface PowNode extends NodeBase {
  readonly op: "Pow";
  /** Y's single value when every element of the constant Y is that value; undefined otherwise (float mode only). */
  readonly exponent?: number;
}

/** Softmax / LogSoftmax over the contiguous dims `axes` (opset 13+: [axis]; opset < 13: axis .. rank-1). */
export interface SoftmaxNode extends NodeBase {
  readonly op: "Softmax";
  readonly axes: readonly number[];
}

export interface LogSoftmaxNode extends NodeBase {
  readonly op: "LogSoftmax";
  readonly axes: readonly number[];
}

/** LayerNormalization over dims axis .. rank-1; inputs X, Scale and optionally B (constants). */
export interface LayerNormalizationNode extends NodeBase {
  readonly op: "LayerNormalization";
  readonly axis: number;
  readonly epsilon: number;
}

/** The non-linear functions (sdk/ops/nonlinear.ts, softmax.ts, layerNorm.ts). */
export type NonlinearNode =
  | SigmoidNode
  | TanhNode
  | ExpNode
  | ErfNode
  | GeluNode
  | SqrtNode
  | ReciprocalNode
  | PowNode
  | SoftmaxNode
  | LogSoftmaxNode
  | LayerNormalizationNode;

export type IrNode =
  | (GemmNode | MatMulNode | AddNode | ReluNode | ConvNode | MaxPoolNode | AveragePoolNode | FlattenNode | ReshapeNode | ArgMaxNode)
  | ReductionNode
  | DataMovementNode
  | ElementwiseNode
  | NonlinearNode;

export type OpType = IrNode["op"];

/**
 * A graph input's declared range (docs/integer-semantics.md section 7): every value x of the input
 * satisfies lo <= x <= hi, floats for a float input, integers for an index (integer-typed) input.
 * Part of the model's semantics and of its model id; every engine refuses a value outside it.
 */
export interface InputRange {
  readonly lo: number;
  readonly hi: number;
}

export interface IrGraph {
  readonly name: string;
  readonly opset: number;
  readonly inputs: readonly TensorInfo[];
  /**
   * Declared input ranges by graph input name (sdk/ir/inputRanges.ts); absent or without an entry:
   * the input takes any value of the activation range (today's semantics).
   */
  readonly inputRanges?: ReadonlyMap<string, InputRange>;
  readonly outputs: readonly TensorInfo[];
  readonly nodes: readonly IrNode[];
  /** Initializers (float or integer), by tensor name. */
  readonly constants: ReadonlyMap<string, Tensor>;
  /** dtype and shape of every tensor in the graph, constants included. */
  readonly tensors: ReadonlyMap<string, TensorInfo>;
}
