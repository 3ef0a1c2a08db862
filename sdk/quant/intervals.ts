/**
 * Interval propagation through the integer model (docs/integer-semantics.md section 7): for every
 * activation tensor, per element, an integer interval [lo, hi] that holds the element for every
 * input within the declared input ranges (or the whole A-bit range where none is declared); and for
 * the nodes whose accumulator a circuit rescales (Gemm, MatMul, Conv, Mul, BatchNormalization,
 * Add), the accumulator's interval per output element, before rescaling and saturation.
 *
 * Every rule is sound for the interpreter's semantics (sdk/interp/integer.ts), and most are exact
 * for a single element, because they run the op's own kernel:
 *
 *   products (Gemm, MatMul, Conv, Mul, BatchNormalization)   acc = K(a, b) + c: with m, r the
 *       midpoint and radius of each operand's interval (r = 0 for a constant),
 *       acc in K(m_a, m_b, m_c) +- (K(|m_a|, r_b, r_c) + K(r_a, |m_b|, 0) + K(r_a, r_b, 0)),
 *       exact when one product operand is a constant (sum of max(w lo, w hi)); the output is
 *       saturate(rescale(acc)), monotone in acc
 *   monotone ops (Relu, pools, reductions, data movement, Add, Clip, Sqrt, ...)   the kernel on
 *       the lower bounds and on the upper bounds
 *   Sub, Neg (decreasing in an operand), Where, LeakyRelu and PRelu (monotone on each side of 0)
 *       the kernel at the few points where the extremes lie
 *   other unary functions (table functions, Abs, Reciprocal, HardSwish)   the function over every
 *       integer of the input's hull
 *   comparisons [0, 1], ArgMax [0, n - 1], MaxPool Indices [0, size - 1]
 *   anything else (Div, Softmax, LogSoftmax, LayerNormalization)   the whole A-bit range.
 *
 * test/quant/intervals.test.ts runs random in-range inputs through the interpreter and checks that
 * no element and no accumulator ever leaves its interval.
 */
import { integerArithmetic } from "../interp/integer.js";
import type { IrNode, TensorInfo } from "../ir/types.js";
import { opOf } from "../ops/index.js";
import type { NodeArithmetic } from "../ops/op.js";
import { type Tensor, sizeOf } from "../tensor.js";
import type { QuantizedModel } from "./quantize.js";
import { rescale, saturate } from "./scheme.js";

/** Per element of a tensor (row-major), the smallest and largest value it can take. */
export interface TensorInterval {
  readonly lo: Float64Array;
  readonly hi: Float64Array;
}

export interface ModelIntervals {
  /** Every graph input and node output (activations and index tensors), by tensor name. */
  readonly tensors: ReadonlyMap<string, TensorInterval>;
  /**
   * By node name, for Gemm, MatMul, Conv, Mul, BatchNormalization and Add: the interval of each
   * output element's accumulator (the exact sum before rescale and saturation).
   */
  readonly accumulators: ReadonlyMap<string, TensorInterval>;
}

/** Unary functions evaluated over every integer of the input's hull when it has at most this many. */
const HULL_LIMIT = 1 << 18;

const PRODUCTS = new Set(["Gemm", "MatMul", "Conv", "Mul", "BatchNormalization"]);
/** Ops whose every output element is a nondecreasing function of every input element (constants fixed). */
const MONOTONE = new Set([
  "Relu",
  "MaxPool",
  "AveragePool",
  "Flatten",
  "Reshape",
  "Transpose",
  "Concat",
  "Slice",
  "Squeeze",
  "Unsqueeze",
  "Pad",
  "Expand",
  "GlobalAveragePool",
  "ReduceMean",
  "ReduceSum",
  "ReduceMax",
  "ReduceMin",
  "Add",
  "Clip",
  "Sqrt",
]);
/** Unary ops evaluated over the input's hull (not monotone, or not in general). */
const HULL = new Set(["Abs", "Sigmoid", "Tanh", "Exp", "Erf", "Gelu", "Reciprocal", "HardSwish", "HardSigmoid", "Pow"]);

function minOf(v: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < v.length; i++) if (v[i]! < m) m = v[i]!;
  return m;
}

function maxOf(v: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) if (v[i]! > m) m = v[i]!;
  return m;
}

function constantInterval(data: ArrayLike<number>): TensorInterval {
  const v = Float64Array.from(data);
  return { lo: v, hi: v };
}

/** Propagates intervals from the model's declared input ranges (sound for every input the engines accept). */
export function propagateIntervals(model: QuantizedModel): ModelIntervals {
  return new Propagation(model).run();
}

class Propagation {
  private readonly tensors = new Map<string, TensorInterval>();
  private readonly accumulators = new Map<string, TensorInterval>();
  private readonly min: number;
  private readonly max: number;

  constructor(private readonly model: QuantizedModel) {
    this.min = -(2 ** (model.config.activationBits - 1));
    this.max = 2 ** (model.config.activationBits - 1) - 1;
  }

  run(): ModelIntervals {
    const { graph } = this.model;
    for (const input of graph.inputs) {
      const n = sizeOf(input.shape);
      const range = this.model.inputRanges?.get(input.name);
      this.tensors.set(input.name, {
        lo: new Float64Array(n).fill(range ? range.qlo : this.min),
        hi: new Float64Array(n).fill(range ? range.qhi : this.max),
      });
    }
    for (const node of graph.nodes) {
      const outs = this.visit(node);
      node.outputs.forEach((name, i) => this.tensors.set(name, outs[i]!));
    }
    return { tensors: this.tensors, accumulators: this.accumulators };
  }

  private info(name: string): TensorInfo {
    return this.model.graph.tensors.get(name)!;
  }

  /** The tensor the interpreter passes for a constant input (undefined for one it does not quantize, e.g. Pow's Y). */
  private constant(name: string): Tensor | undefined {
    return this.model.constants.get(name)?.tensor;
  }

  private isConstant(name: string): boolean {
    return !this.tensors.has(name);
  }

  /** Interval of a node input: a computed tensor's, or a constant's values. */
  private interval(name: string): TensorInterval {
    const t = this.tensors.get(name);
    if (t) return t;
    const c = this.constant(name);
    if (c) return constantInterval(c.data);
    throw new Error(`interval of "${name}": not a tensor of the integer model`);
  }

  private tensor(name: string, data: Float64Array): Tensor {
    const c = this.constant(name);
    if (c) return { ...c, data };
    const info = this.info(name);
    return { dtype: info.dtype, shape: info.shape, data };
  }

  private full(name: string): TensorInterval {
    const n = sizeOf(this.info(name).shape);
    return { lo: new Float64Array(n).fill(this.min), hi: new Float64Array(n).fill(this.max) };
  }

  /** The op's kernel with the integer semantics; `pick(name)` gives the data of each input (constants: their values). */
  private integerRun(node: IrNode, pick: (name: string, k: number) => Float64Array, outputs = this.outInfos(node)): Tensor[] {
    const inputs = node.inputs.map((name, k) =>
      this.isConstant(name) ? (this.constant(name) as Tensor) : this.tensor(name, pick(name, k)),
    );
    return opOf(node).run(node, inputs, outputs, integerArithmetic(this.model, node));
  }

  private outInfos(node: IrNode): TensorInfo[] {
    return node.outputs.map((n) => this.info(n));
  }

  private visit(node: IrNode): TensorInterval[] {
    const lo = (name: string) => this.interval(name).lo;
    const hi = (name: string) => this.interval(name).hi;
    if (PRODUCTS.has(node.op)) return [this.product(node)];
    if (node.op === "Add") this.addAccumulator(node);
    if (MONOTONE.has(node.op) || (node.op === "Gather" && node.indices !== undefined) || this.monotonePow(node)) {
      const low = this.integerRun(node, lo);
      const high = this.integerRun(node, hi);
      const first = { lo: low[0]!.data as Float64Array, hi: high[0]!.data as Float64Array };
      if (node.op === "MaxPool" && node.outputs[1])
        return [first, this.indexRange(node.outputs[1], sizeOf(this.info(node.inputs[0]!).shape))];
      return [first];
    }
    if (node.op === "HardSigmoid" && (this.model.nodes.get(node.name)?.params?.["multiplier"] ?? -1) >= 0) {
      return [{ lo: this.integerRun(node, lo)[0]!.data as Float64Array, hi: this.integerRun(node, hi)[0]!.data as Float64Array }];
    }
    switch (node.op) {
      case "Neg":
        return [{ lo: this.integerRun(node, hi)[0]!.data as Float64Array, hi: this.integerRun(node, lo)[0]!.data as Float64Array }];
      case "Sub": {
        const low = this.integerRun(node, (n, k) => (k === 0 ? lo(n) : hi(n)));
        const high = this.integerRun(node, (n, k) => (k === 0 ? hi(n) : lo(n)));
        return [{ lo: low[0]!.data as Float64Array, hi: high[0]!.data as Float64Array }];
      }
      case "LeakyRelu":
      case "PRelu":
        return [this.piecewise(node)];
      case "Where":
        return [this.where(node)];
      case "Equal":
      case "Less":
      case "Greater":
        return [this.indexRange(node.outputs[0]!, 2)];
      case "ArgMax":
        return [this.indexRange(node.outputs[0]!, this.info(node.inputs[0]!).shape[node.axis]!)];
      case "Gather": {
        // a lookup at run-time indices: any element of the table
        const table = this.interval(node.inputs[0]!);
        const n = sizeOf(this.info(node.outputs[0]!).shape);
        return [{ lo: new Float64Array(n).fill(minOf(table.lo)), hi: new Float64Array(n).fill(maxOf(table.hi)) }];
      }
      default:
        if (HULL.has(node.op)) return [this.hull(node)];
        return node.outputs.map((name) => this.full(name));
    }
  }

  private monotonePow(node: IrNode): boolean {
    return node.op === "Pow" && (node.exponent === 1 || node.exponent === 0.5);
  }

  /** [0, n - 1] for every element of an index output. */
  private indexRange(name: string, n: number): TensorInterval {
    const size = sizeOf(this.info(name).shape);
    return { lo: new Float64Array(size), hi: new Float64Array(size).fill(Math.max(0, n - 1)) };
  }

  private exactArithmetic(node: IrNode): NodeArithmetic {
    return exactArithmetic(this.model, node);
  }

  /** Gemm, MatMul, Conv, Mul, BatchNormalization: acc = K(a, b) (+ c), y = saturate(rescale(acc, shift)). */
  private product(node: IrNode): TensorInterval {
    const names = node.inputs;
    const mid = names.map((n) => {
      const { lo, hi } = this.interval(n);
      return lo.map((l, i) => (l + hi[i]!) / 2);
    });
    const rad = names.map((n) => {
      const { lo, hi } = this.interval(n);
      return lo.map((l, i) => (hi[i]! - l) / 2);
    });
    const zero = (k: number) => new Float64Array(mid[k]!.length);
    const allZero = (v: Float64Array) => v.every((x) => x === 0);
    const arith = this.exactArithmetic(node);
    const outInfos = this.outInfos(node);
    const kernel = (data: Float64Array[]) => {
      const inputs = names.map((n, k): Tensor => {
        const c = this.constant(n);
        const info = c ?? this.info(n);
        return { dtype: info.dtype, shape: info.shape, data: data[k]! };
      });
      return opOf(node).run(node, inputs, outInfos, arith)[0]!.data;
    };
    const abs = (v: Float64Array) => v.map(Math.abs);
    // operands 0 and 1 multiply; operand 2 (Gemm C, Conv B, BatchNormalization's shift) adds
    const withAddend = (a: Float64Array, b: Float64Array, c: (k: number) => Float64Array) => (names.length > 2 ? [a, b, c(2)] : [a, b]);
    const center = kernel(withAddend(mid[0]!, mid[1]!, (k) => mid[k]!));
    const radius = new Float64Array(center.length);
    const terms: [Float64Array, Float64Array, boolean][] = [
      [abs(mid[0]!), rad[1]!, true],
      [rad[0]!, abs(mid[1]!), false],
      [rad[0]!, rad[1]!, false],
    ];
    const addendRadius = names.length > 2 && !allZero(rad[2]!);
    for (const [a, b, addend] of terms) {
      if ((allZero(a) || allZero(b)) && !(addend && addendRadius)) continue; // a run of zeros
      const r = kernel(withAddend(a, b, (k) => (addend ? rad[k]! : zero(k))));
      for (let i = 0; i < radius.length; i++) radius[i]! += r[i]!;
    }
    const bound = this.model.nodes.get(node.name)?.accumulatorBound ?? 0;
    const accLo = new Float64Array(center.length);
    const accHi = new Float64Array(center.length);
    for (let i = 0; i < center.length; i++) {
      accLo[i] = Math.ceil(center[i]! - radius[i]!);
      accHi[i] = Math.floor(center[i]! + radius[i]!);
      if (bound > 0) {
        accLo[i] = Math.max(accLo[i]!, -bound);
        accHi[i] = Math.min(accHi[i]!, bound);
      }
    }
    this.accumulators.set(node.name, { lo: accLo, hi: accHi });
    const { shift } = this.model.nodes.get(node.name)!;
    const bits = this.model.config.activationBits;
    const out = (v: number) => saturate(rescale(v, shift), bits);
    return { lo: accLo.map(out), hi: accHi.map(out) };
  }

  /** Add's accumulator: the exact sums of the lower and of the upper bounds. */
  private addAccumulator(node: IrNode): void {
    const arith = this.exactArithmetic(node);
    const run = (pick: (n: string) => Float64Array) =>
      opOf(node).run(
        node,
        node.inputs.map((n) => this.tensor(n, pick(n))),
        this.outInfos(node),
        arith,
      )[0]!.data as Float64Array;
    this.accumulators.set(node.name, { lo: run((n) => this.interval(n).lo), hi: run((n) => this.interval(n).hi) });
  }

  /** LeakyRelu, PRelu: monotone on x <= -1 and on x >= 0, so the extremes are at lo, hi, -1 and 0 (where inside). */
  private piecewise(node: IrNode): TensorInterval {
    const { lo, hi } = this.interval(node.inputs[0]!);
    const points = [lo, hi, lo.map((l, i) => Math.min(hi[i]!, Math.max(l, -1))), lo.map((l, i) => Math.min(hi[i]!, Math.max(l, 0)))];
    const runs = points.map((p) => this.integerRun(node, (_n, k) => (k === 0 ? p : this.interval(node.inputs[k]!).lo))[0]!.data);
    const n = runs[0]!.length;
    const out = { lo: new Float64Array(n), hi: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      out.lo[i] = Math.min(...runs.map((r) => r[i]!));
      out.hi[i] = Math.max(...runs.map((r) => r[i]!));
    }
    return out;
  }

  /** Where(cond, x, y): an element of x or of y (either, for a condition computed at run time). */
  private where(node: IrNode): TensorInterval {
    const [cond] = node.inputs as [string, string, string];
    const conds = this.isConstant(cond)
      ? [this.constant(cond)!.data as Float64Array]
      : [0, 1].map((v) => new Float64Array(sizeOf(this.info(cond).shape)).fill(v));
    const pick = (bound: "lo" | "hi", c: Float64Array) => (n: string, k: number) => (k === 0 ? c : this.interval(n)[bound]);
    const lows = conds.map((c) => this.integerRun(node, pick("lo", c))[0]!.data);
    const highs = conds.map((c) => this.integerRun(node, pick("hi", c))[0]!.data);
    const n = lows[0]!.length;
    const out = { lo: new Float64Array(n), hi: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      out.lo[i] = Math.min(...lows.map((r) => r[i]!));
      out.hi[i] = Math.max(...highs.map((r) => r[i]!));
    }
    return out;
  }

  /** A unary function over every integer of its input's hull (the whole A-bit range at most). */
  private hull(node: IrNode): TensorInterval {
    const name = node.outputs[0]!;
    const { lo, hi } = this.interval(node.inputs[0]!);
    const from = minOf(lo);
    const to = maxOf(hi);
    if (!(to - from < HULL_LIMIT)) return this.full(name);
    const values = Float64Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const shape = [values.length];
    // other inputs are constants (Pow's Y, which the integer kernel does not read)
    const inputs = node.inputs.map((n, k): Tensor => {
      if (k === 0) return { dtype: this.info(n).dtype, shape, data: values };
      return this.constant(n) ?? this.model.graph.constants.get(n)!;
    });
    const outInfo = { ...this.info(name), shape };
    const y = opOf(node).run(node, inputs, [outInfo], integerArithmetic(this.model, node))[0]!.data;
    const size = sizeOf(this.info(name).shape);
    return { lo: new Float64Array(size).fill(minOf(y)), hi: new Float64Array(size).fill(maxOf(y)) };
  }
}

/** The exact accumulators of `node` (no rescale, no saturation): the quantizer's "bound" arithmetic on signed values. */
export function exactArithmetic(model: QuantizedModel, node: IrNode): NodeArithmetic {
  const scale = model.nodes.get(node.name)!;
  const identity = (v: number) => v;
  return {
    mode: "bound",
    integer: { fracBits: model.config.fracBits, activationBits: model.config.activationBits, scale },
    productScale: 1,
    biasScale: 2 ** scale.biasShiftLeft,
    linear: identity,
    add: identity,
    average: identity,
  };
}
