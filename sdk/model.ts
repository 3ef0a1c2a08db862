/**
 * The SDK's Model with `Model.load`, which reads a zoo name, a model folder
 * or an .onnx file (Node). Everything else a model does is in modelCore.ts,
 * which runs in browsers too (`vinfer`'s Model, with `Model.fromOnnx`).
 */
import { declareInputRanges } from "./ir/inputRanges.js";
import { loadIr } from "./onnx/readModel.js";
import { Model as ModelCore, type ModelOptions } from "./modelCore.js";
import { quantizeModel } from "./quant/quantize.js";
import { DEFAULT_QUANT_CONFIG, type QuantConfig } from "./quant/scheme.js";
import { manifestInputRange, readManifest, resolveModelPath } from "./zoo/files.js";

export type { IntegerResult, InputBounds, ModelOptions } from "./modelCore.js";

export class Model extends ModelCore {
  /**
   * Loads a zoo name, a model folder or an .onnx file, and quantizes it. The input range is
   * `options.inputRange` when given, else the one the folder's manifest.json declares (`input.range`).
   */
  static load(ref: string, config: QuantConfig = DEFAULT_QUANT_CONFIG, options: ModelOptions = {}): Model {
    const path = resolveModelPath(ref);
    const range = options.inputRange !== undefined ? options.inputRange : manifestInputRange(readManifest(path));
    const graph = declareInputRanges(loadIr(path), range);
    return new Model(path, graph, quantizeModel(graph, config));
  }
}
