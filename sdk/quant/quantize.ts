/**
 * Float IR -> integer model. Chooses every tensor's exponent (power-of-two
 * scale), quantizes the constants, derives each node's rescale shift, and
 * proves for every node that no accumulator can exceed ACCUMULATOR_LIMIT for
 * any input. See docs/integer-semantics.md for the rules implemented here.
 */
import { QuantizationError } from "../errors.js";
import type { InputRange, IrGraph, IrNode } from "../ir/types.js";
import { opOf } from "../ops/index.js";
import type { NodeArithmetic, NodeScale, QuantizeContext } from "../ops/op.js";
import { type Tensor, isFloatType } from "../tensor.js";
import {
  ACCUMULATOR_LIMIT,
  DEFAULT_QUANT_CONFIG,
  MAX_WEIGHT_EXPONENT,
  type QuantConfig,
  checkConfig,
  quantizeValue,
  roundHalfUp,
  saturate,
} from "./scheme.js";

export type ConstantRole = "weight" | "bias" | "activation";

export interface QuantizedConstant {
  readonly tensor: Tensor;
  /** q stands for q / 2^exponent. */
  readonly exponent: number;
  readonly role: ConstantRole;
}

/** A node's rescale (shift, biasShiftLeft: see NodeScale) and its accumulator bound. */
export interface NodeQuant extends NodeScale {
  /** Largest |accumulator| any input can produce (0 for nodes without one). */
  readonly accumulatorBound: number;
}

/**
 * A declared input range (IrGraph.inputRanges) in the integer model: [lo, hi] as declared, and the
 * integers [qlo, qhi] every engine accepts, lo and hi quantized at the input's exponent
 * (q = saturate(roundHalfUp(x * 2^F))) or, for an index input, saturated to the A-bit range.
 */
export interface QuantizedInputRange {
  readonly lo: number;
  readonly hi: number;
  readonly qlo: number;
  readonly qhi: number;
}

export interface QuantizedModel {
  readonly graph: IrGraph;
  readonly config: QuantConfig;
  /**
   * Declared input ranges by graph input name (docs/integer-semantics.md section 7); absent or
   * without an entry: the input takes the whole A-bit range.
   */
  readonly inputRanges?: ReadonlyMap<string, QuantizedInputRange>;
  /** Integer constants by tensor name (shape-only constants such as Reshape targets are not here). */
  readonly constants: ReadonlyMap<string, QuantizedConstant>;
  /** Exponent of every activation tensor; null for index tensors (integer graph inputs, ArgMax, MaxPool Indices). */
  readonly exponents: ReadonlyMap<string, number | null>;
  readonly nodes: ReadonlyMap<string, NodeQuant>;
}

/** The quantizer state; each op's rule (OpDefinition.quantize) works through it as a QuantizeContext. */
class Quantizer implements QuantizeContext {
  readonly constants = new Map<string, QuantizedConstant>();
  readonly exponents = new Map<string, number | null>();
  readonly nodes = new Map<string, NodeQuant>();

  constructor(
    readonly graph: IrGraph,
    readonly config: QuantConfig,
  ) {
    // An integer graph input (token ids for an embedding Gather) is an index tensor: fed as given, no exponent.
    for (const input of graph.inputs) this.exponents.set(input.name, isFloatType(input.dtype) ? config.fracBits : null);
  }

  isConstant(name: string): boolean {
    return this.graph.constants.has(name) && !this.exponents.has(name);
  }

  private setConstant(node: IrNode, name: string, value: QuantizedConstant): void {
    const prev = this.constants.get(name);
    if (prev && (prev.exponent !== value.exponent || prev.role !== value.role)) {
      throw new QuantizationError(
        `${node.op} node "${node.name}": constant "${name}" is used elsewhere as ${prev.role} at exponent ${prev.exponent}; ` +
          `the integer model needs one scale per constant (duplicate the initializer)`,
      );
    }
    this.constants.set(name, value);
  }

  private quantizeTensor(name: string, scale: number, exponent: number, bits: number): Tensor {
    const t = this.graph.constants.get(name)!;
    return { dtype: "int32", shape: t.shape, data: t.data.map((v) => quantizeValue(v * scale, exponent, bits)) };
  }

  /** A weight gets the largest exponent at which its largest magnitude still fits in `bits` (weightBits by default). */
  weight(node: IrNode, name: string, scale: number, bits = this.config.weightBits): number {
    const t = this.graph.constants.get(name)!;
    const maxAbs = t.data.reduce((m, v) => Math.max(m, Math.abs(v * scale)), 0);
    const limit = 2 ** (bits - 1) - 1;
    let exponent = MAX_WEIGHT_EXPONENT;
    while (exponent >= 0 && roundHalfUp(maxAbs * 2 ** exponent) > limit) exponent--;
    if (exponent < 0) {
      throw new QuantizationError(
        `${node.op} node "${node.name}": weight "${name}" has |w| up to ${maxAbs}, which does not fit ${bits}-bit integers; raise weightBits`,
      );
    }
    this.setConstant(node, name, { tensor: this.quantizeTensor(name, scale, exponent, bits), exponent, role: "weight" });
    return exponent;
  }

  /** A bias is quantized at the accumulator's exponent, so it adds without a shift. */
  bias(node: IrNode, name: string, scale: number, exponent: number): void {
    const tensor = this.quantizeTensor(name, scale, exponent, 64);
    if (tensor.data.some((v) => Math.abs(v) >= ACCUMULATOR_LIMIT)) {
      throw new QuantizationError(`${node.op} node "${node.name}": bias "${name}" exceeds 2^52 at exponent ${exponent}`);
    }
    this.setConstant(node, name, { tensor, exponent, role: "bias" });
  }

  /**
   * Exponent of an activation operand; a constant used as an activation is quantized like one. Its
   * elements below the range (an attention mask's -inf, -1e9 or float lowest) saturate to the
   * range's minimum, where every exponential is 0 as in float; one above the range, or NaN, is refused.
   */
  activation(node: IrNode, name: string): number {
    if (this.isConstant(name) || this.constants.get(name)?.role === "activation") {
      const f = this.config.fracBits;
      const t = this.graph.constants.get(name)!;
      const bits = this.config.activationBits;
      const max = 2 ** (bits - 1) - 1;
      const bad = t.data.find((v) => Number.isNaN(v) || roundHalfUp(v * 2 ** f) > max);
      if (bad !== undefined) {
        throw new QuantizationError(
          `${node.op} node "${node.name}": constant "${name}" holds ${bad}, above the ${bits}-bit activation range (largest ${max / 2 ** f})`,
        );
      }
      this.setConstant(node, name, { tensor: this.quantizeTensor(name, 1, f, bits), exponent: f, role: "activation" });
      return f;
    }
    const e = this.exponents.get(name);
    if (e === null || e === undefined) {
      throw new QuantizationError(`${node.op} node "${node.name}": input "${name}" is an index tensor, not a fixed-point value`);
    }
    return e;
  }

  /** Exponent of operand `name` of a product: a weight if constant, else an activation. */
  factor(node: IrNode, name: string, scale: number): number {
    return this.isConstant(name) ? this.weight(node, name, scale) : this.activation(node, name);
  }

  get fracBits(): number {
    return this.config.fracBits;
  }

  get activationBits(): number {
    return this.config.activationBits;
  }

  indexTensor(name: string): boolean {
    return this.exponents.get(name) === null;
  }

  setExponent(tensor: string, exponent: number | null): void {
    this.exponents.set(tensor, exponent);
  }

  /** Applies the op's quantization rule (sdk/ops), then checks its shift and accumulator bound. */
  visit(node: IrNode): void {
    const op = opOf(node);
    const scale = op.quantize(node, this);
    const { shift } = scale;
    if (shift < 0) throw new QuantizationError(`${node.op} node "${node.name}": negative rescale shift ${shift}`);
    const accumulatorBound = op.accumulator ? this.bound(node, scale) : 0;
    if (accumulatorBound + 2 ** Math.max(shift - 1, 0) >= ACCUMULATOR_LIMIT) {
      throw new QuantizationError(
        `${node.op} node "${node.name}": accumulator can reach ${accumulatorBound} (> 2^52); lower activationBits or weightBits`,
      );
    }
    this.nodes.set(node.name, { ...scale, accumulatorBound });
  }

  /**
   * Worst case over all inputs: the node's own kernel run on |constants| and
   * on activations at their largest magnitude 2^(A-1), with no rounding.
   */
  private bound(node: IrNode, scale: NodeScale): number {
    const extreme = 2 ** (this.config.activationBits - 1);
    const inputs = node.inputs.map((name): Tensor => {
      const c = this.constants.get(name);
      if (c) return { ...c.tensor, data: c.tensor.data.map(Math.abs) };
      const info = this.graph.tensors.get(name)!;
      const size = info.shape.reduce((a, b) => a * b, 1);
      return { dtype: info.dtype, shape: info.shape, data: new Float64Array(size).fill(extreme) };
    });
    const identity = (v: number) => v;
    const arith: NodeArithmetic = {
      mode: "bound",
      integer: { fracBits: this.config.fracBits, activationBits: this.config.activationBits, scale },
      productScale: 1,
      biasScale: 2 ** scale.biasShiftLeft,
      linear: identity,
      add: identity,
      average: (sum, count) => 2 * sum + count,
    };
    const outInfos = node.outputs.map((n) => this.graph.tensors.get(n)!);
    const [out] = opOf(node).run(node, inputs, outInfos, arith);
    return out!.data.reduce((m, v) => Math.max(m, v), 0);
  }
}

/** The integers of a declared input range: [lo, hi] quantized at the input's exponent (none: an index input), saturated to A bits. */
export function quantizeInputRange(range: InputRange, exponent: number | null, config: QuantConfig): QuantizedInputRange {
  const bits = config.activationBits;
  const q = (v: number) => (exponent === null ? saturate(v, bits) : quantizeValue(v, exponent, bits));
  return { lo: range.lo, hi: range.hi, qlo: q(range.lo), qhi: q(range.hi) };
}

/** Quantizes a float IR graph. Throws QuantizationError naming the node when a bound cannot be met. */
export function quantizeModel(graph: IrGraph, config: QuantConfig = DEFAULT_QUANT_CONFIG): QuantizedModel {
  checkConfig(config);
  const q = new Quantizer(graph, config);
  for (const node of graph.nodes) q.visit(node);
  const model = { graph, config, constants: q.constants, exponents: q.exponents, nodes: q.nodes };
  if (!graph.inputRanges?.size) return model;
  const inputRanges = new Map<string, QuantizedInputRange>();
  for (const [name, range] of graph.inputRanges) inputRanges.set(name, quantizeInputRange(range, q.exponents.get(name) ?? null, config));
  return { ...model, inputRanges };
}
