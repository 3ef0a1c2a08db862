/**
 * A model ready to run: its float IR, integer model and (lazily) its
 * commitment, built from ONNX bytes (`Model.fromOnnx`) or an IR. This module
 * reads no file (browsers too); `Model.load` (sdk/model.ts, `vinfer/node`)
 * reads a zoo name, a folder or an .onnx file.
 */
import { type ModelCommitment, commitModel } from "./commit/modelId.js";
import { inputHash } from "./commit/tensorHash.js";
import { buildIr } from "./ir/build.js";
import type { IrGraph } from "./ir/types.js";
import type { ExecuteOptions } from "./interp/execute.js";
import { runFloat } from "./interp/float.js";
import { checkIntegerInputRanges, dequantizeOutputs, quantizeInputs, runInteger } from "./interp/integer.js";
import { type InputRangeOption, declareInputRanges } from "./ir/inputRanges.js";
import { type QuantizedModel, quantizeModel } from "./quant/quantize.js";
import { DEFAULT_QUANT_CONFIG, type QuantConfig } from "./quant/scheme.js";
import { InputError } from "./errors.js";
import { type Tensor, sizeOf } from "./tensor.js";
import { decodeModelProto } from "./onnx/proto.js";

export interface IntegerResult {
  /** Quantized inputs as fed to the integer model. */
  readonly inputs: Tensor[];
  /** Integer outputs (the values every proof path proves). */
  readonly outputs: Tensor[];
  /** The same outputs as floats (q / 2^F). */
  readonly dequantized: Tensor[];
  readonly inputHash: string;
}

/** How a model is read besides its quantization parameters. */
export interface ModelOptions {
  /**
   * Declared input ranges (docs/integer-semantics.md section 7): one [lo, hi] for every graph input
   * (e.g. [0, 1] for pixels / 16), or [lo, hi] per input name. Part of the model id; every engine
   * refuses a value outside it, and circuits drop the checks it makes unnecessary. `null` declares
   * none (with Model.load: not even the manifest's). Absent: `Model.load` takes the range a zoo
   * manifest declares (`input.range`), the others declare none.
   */
  readonly inputRange?: InputRangeOption | null;
}

/**
 * Where each graph input lies in a request's flattened input, and the integers it may
 * hold: the declared range quantized, or the whole A-bit range for an undeclared input. What a
 * contract needs to refuse an out-of-range request (Model.inputBounds).
 */
export interface InputBounds {
  readonly input: string;
  /** First element of this input in the flattened request input. */
  readonly offset: number;
  readonly length: number;
  readonly lo: bigint;
  readonly hi: bigint;
  /** Whether the bounds come from a declared range (else: the activation range). */
  readonly declared: boolean;
}

export class Model {
  private commitmentCache?: ModelCommitment;

  protected constructor(
    /** Where the model came from: its .onnx file, or the name `fromOnnx` was given. */
    readonly path: string,
    readonly graph: IrGraph,
    readonly quantized: QuantizedModel,
  ) {}

  /** A model from the bytes of an .onnx file (fetched by a web page, say), quantized; `source` names it in errors. */
  static fromOnnx(bytes: Uint8Array, source = "model.onnx", config: QuantConfig = DEFAULT_QUANT_CONFIG, options: ModelOptions = {}): Model {
    return Model.fromIr(buildIr(decodeModelProto(bytes, source)), source, config, options);
  }

  /** A model from its float IR, quantized; `options.inputRange`, when given, replaces the graph's declared ranges. */
  static fromIr(graph: IrGraph, source: string, config: QuantConfig = DEFAULT_QUANT_CONFIG, options: ModelOptions = {}): Model {
    const declared = declareInputRanges(graph, options.inputRange);
    return new Model(source, declared, quantizeModel(declared, config));
  }

  get commitment(): ModelCommitment {
    this.commitmentCache ??= commitModel(this.quantized);
    return this.commitmentCache;
  }

  get modelId(): string {
    return this.commitment.modelId;
  }

  runFloat(inputs: readonly Tensor[], options: ExecuteOptions = {}): Tensor[] {
    return runFloat(this.graph, inputs, options);
  }

  /** Number of values of all graph inputs together (a request's input length). */
  get inputLength(): number {
    return this.graph.inputs.reduce((n, t) => n + sizeOf(t.shape), 0);
  }

  /** Number of values of all graph outputs together (a result's output length). */
  get outputLength(): number {
    return this.graph.outputs.reduce((n, t) => n + sizeOf(t.shape), 0);
  }

  /** Each graph input's place in the flattened request input and the integers it may hold (declared or the A-bit range). */
  get inputBounds(): InputBounds[] {
    const half = 2n ** BigInt(this.quantized.config.activationBits - 1);
    let offset = 0;
    return this.graph.inputs.map((t) => {
      const length = sizeOf(t.shape);
      const range = this.quantized.inputRanges?.get(t.name);
      const bounds = range
        ? { lo: BigInt(range.qlo), hi: BigInt(range.qhi), declared: true }
        : { lo: -half, hi: half - 1n, declared: false };
      const entry = { input: t.name, offset, length, ...bounds };
      offset += length;
      return entry;
    });
  }

  /** Float inputs quantized and flattened: the values a request carries (packInt16 encodes them) (no inference run). */
  quantizedInput(floatInputs: readonly Tensor[]): bigint[] {
    return quantizeInputs(this.quantized, floatInputs).flatMap((t) => Array.from(t.data, (v) => BigInt(v)));
  }

  /** The integer model's outputs on already-quantized values, flattened: what a fulfilment carries. */
  quantizedOutput(values: readonly bigint[]): bigint[] {
    return this.runQuantized(values).flatMap((t) => Array.from(t.data, (v) => BigInt(v)));
  }

  /**
   * Runs the integer model on already-quantized values, all graph inputs
   * flattened in order (a request's input values); throws InputError for a
   * wrong count or a value outside the activation range, InputRangeError for
   * one outside its input's declared range. `options.onNode` sees every
   * node's integer tensors in order.
   */
  runQuantized(values: readonly bigint[], options: ExecuteOptions = {}): Tensor[] {
    const expected = this.inputLength;
    if (values.length !== expected) throw new InputError(`expected ${expected} input values, got ${values.length}`);
    const half = 2 ** (this.quantized.config.activationBits - 1);
    let offset = 0;
    const offsets = new Map<string, number>();
    const inputs = this.graph.inputs.map((t) => {
      const n = sizeOf(t.shape);
      const data = Float64Array.from(values.slice(offset, offset + n), (v, i) => {
        const x = Number(v);
        if (!(x >= -half && x < half))
          throw new InputError(`input ${offset + i} = ${v} is outside the ${this.quantized.config.activationBits}-bit signed range`);
        return x;
      });
      offsets.set(t.name, offset);
      offset += n;
      return { dtype: "int32" as const, shape: t.shape, data };
    });
    // the declared ranges, with each element's place in the request input
    checkIntegerInputRanges(this.quantized, new Map(this.graph.inputs.map((t, i) => [t.name, inputs[i]!])), offsets);
    return runInteger(this.quantized, inputs, options);
  }

  /** Quantizes float inputs and runs the integer model; `options.onNode` sees every node's integer tensors in order. */
  runInteger(floatInputs: readonly Tensor[], options: ExecuteOptions = {}): IntegerResult {
    const inputs = quantizeInputs(this.quantized, floatInputs);
    const outputs = runInteger(this.quantized, inputs, options);
    return { inputs, outputs, dequantized: dequantizeOutputs(this.quantized, outputs), inputHash: inputHash(inputs) };
  }
}
