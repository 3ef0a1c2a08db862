/**
 * A model ready to run: its ONNX file, float IR, integer model and (lazily)
 * its commitment. The entry point most users need.
 */
import { type ModelCommitment, commitModel } from "./commit/modelId.js";
import { inputHash } from "./commit/tensorHash.js";
import { loadIr } from "./ir/build.js";
import type { IrGraph } from "./ir/types.js";
import { runFloat } from "./interp/float.js";
import { dequantizeOutputs, quantizeInputs, runInteger } from "./interp/integer.js";
import { type QuantizedModel, quantizeModel } from "./quant/quantize.js";
import { DEFAULT_QUANT_CONFIG, type QuantConfig } from "./quant/scheme.js";
import type { Tensor } from "./tensor.js";
import { resolveModelPath } from "./zoo/files.js";

export interface IntegerResult {
  /** Quantized inputs as fed to the integer model. */
  readonly inputs: Tensor[];
  /** Integer outputs (the values every proof path proves). */
  readonly outputs: Tensor[];
  /** The same outputs as floats (q / 2^F). */
  readonly dequantized: Tensor[];
  readonly inputHash: string;
}

export class Model {
  private commitmentCache?: ModelCommitment;

  private constructor(
    readonly path: string,
    readonly graph: IrGraph,
    readonly quantized: QuantizedModel,
  ) {}

  /** Loads a zoo name, a model folder or an .onnx file, and quantizes it. */
  static load(ref: string, config: QuantConfig = DEFAULT_QUANT_CONFIG): Model {
    const path = resolveModelPath(ref);
    const graph = loadIr(path);
    return new Model(path, graph, quantizeModel(graph, config));
  }

  get commitment(): ModelCommitment {
    this.commitmentCache ??= commitModel(this.quantized);
    return this.commitmentCache;
  }

  get modelId(): string {
    return this.commitment.modelId;
  }

  runFloat(inputs: readonly Tensor[]): Tensor[] {
    return runFloat(this.graph, inputs);
  }

  runInteger(floatInputs: readonly Tensor[]): IntegerResult {
    const inputs = quantizeInputs(this.quantized, floatInputs);
    const outputs = runInteger(this.quantized, inputs);
    return { inputs, outputs, dequantized: dequantizeOutputs(this.quantized, outputs), inputHash: inputHash(inputs) };
  }
}
