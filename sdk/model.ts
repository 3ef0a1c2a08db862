/**
 * The SDK's Model with `Model.load`, which reads a zoo name, a model folder
 * or an .onnx file (Node). Everything else a model does is in modelCore.ts,
 * which runs in browsers too (`vinfer`'s Model, with `Model.fromOnnx`).
 */
import { loadIr } from "./onnx/readModel.js";
import { Model as ModelCore } from "./modelCore.js";
import { quantizeModel } from "./quant/quantize.js";
import { DEFAULT_QUANT_CONFIG, type QuantConfig } from "./quant/scheme.js";
import { resolveModelPath } from "./zoo/files.js";

export type { IntegerResult } from "./modelCore.js";

export class Model extends ModelCore {
  /** Loads a zoo name, a model folder or an .onnx file, and quantizes it. */
  static load(ref: string, config: QuantConfig = DEFAULT_QUANT_CONFIG): Model {
    const path = resolveModelPath(ref);
    const graph = loadIr(path);
    return new Model(path, graph, quantizeModel(graph, config));
  }
}
