/** The operator registry: every op the IR implements, by ONNX op_type. */
import type { IrNode, OpType } from "../ir/types.js";
import { add } from "./add.js";
import { argmax } from "./argmax.js";
import { conv } from "./conv.js";
import { gemm } from "./gemm.js";
import { matmul } from "./matmul.js";
import type { OpDefinition } from "./op.js";
import { averagePool, maxPool } from "./pool.js";
import { globalAveragePool, reduceMax, reduceMean, reduceMin, reduceSum } from "./reduce.js";
import { relu } from "./relu.js";
import { flatten, reshape } from "./shape.js";
import { concat } from "./concat.js";
import { expand } from "./expand.js";
import { gather } from "./gather.js";
import { pad } from "./pad.js";
import { slice } from "./slice.js";
import { squeeze, unsqueeze } from "./squeezeUnsqueeze.js";
import { transpose } from "./transpose.js";
import { hardSigmoid, hardSwish, leakyRelu, prelu } from "./activations.js";
import { batchNormalization } from "./batchNorm.js";
import { clip } from "./clip.js";
import { equal, greater, less, where } from "./compare.js";
import { div } from "./div.js";
import { mul } from "./mul.js";
import { sub } from "./sub.js";
import { abs, neg } from "./unary.js";
import { erfOp, exp, gelu, pow, reciprocal, sigmoid, sqrt, tanh } from "./nonlinear.js";
import { logSoftmax, softmax } from "./softmax.js";
import { layerNormalization } from "./layerNorm.js";

type Registry = { [K in OpType]: OpDefinition<Extract<IrNode, { op: K }>> };

export const OPS: Registry = {
  Gemm: gemm,
  MatMul: matmul,
  Add: add,
  Relu: relu,
  Conv: conv,
  MaxPool: maxPool,
  AveragePool: averagePool,
  Flatten: flatten,
  Reshape: reshape,
  ArgMax: argmax,
  GlobalAveragePool: globalAveragePool,
  ReduceMean: reduceMean,
  ReduceSum: reduceSum,
  ReduceMax: reduceMax,
  ReduceMin: reduceMin,
  Transpose: transpose,
  Concat: concat,
  Slice: slice,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Gather: gather,
  Pad: pad,
  Expand: expand,
  Mul: mul,
  Sub: sub,
  Div: div,
  Neg: neg,
  Abs: abs,
  Clip: clip,
  LeakyRelu: leakyRelu,
  PRelu: prelu,
  HardSigmoid: hardSigmoid,
  HardSwish: hardSwish,
  BatchNormalization: batchNormalization,
  Where: where,
  Equal: equal,
  Less: less,
  Greater: greater,
  Sigmoid: sigmoid,
  Tanh: tanh,
  Exp: exp,
  Erf: erfOp,
  Gelu: gelu,
  Sqrt: sqrt,
  Reciprocal: reciprocal,
  Pow: pow,
  Softmax: softmax,
  LogSoftmax: logSoftmax,
  LayerNormalization: layerNormalization,
};

/** ONNX op_types (default domain) the IR supports. Keep scripts/vendor_onnx_node_tests.py in sync. */
export const SUPPORTED_OPS = Object.keys(OPS) as OpType[];

export function isSupportedOp(opType: string): opType is OpType {
  return Object.hasOwn(OPS, opType);
}

/** The definition of a node's op, typed for that node. */
export function opOf<N extends IrNode>(node: N): OpDefinition<N> {
  return OPS[node.op] as unknown as OpDefinition<N>;
}

/** Whether a node's op is linear (Gemm, MatMul, Conv: `linear` in its definition). */
export function isLinear(node: IrNode): boolean {
  return opOf(node).linear === true;
}

/** Whether an op_type is a supported linear op (Gemm, MatMul, Conv); false for unknown names. */
export function isLinearOp(opType: string): boolean {
  return isSupportedOp(opType) && OPS[opType].linear === true;
}

/** Op types of the linear ops, in registry order. */
export const LINEAR_OPS: readonly OpType[] = SUPPORTED_OPS.filter(isLinearOp);

export type { BuildContext, NodeArithmetic, NodeScale, OpDefinition, QuantizeContext } from "./op.js";
