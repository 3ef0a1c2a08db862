/** Reading ONNX models from files (Node): the `.onnx` file -> ModelProto -> float IR. */
import { readFileSync } from "node:fs";

import { OnnxDecodeError } from "../errors.js";
import { type BuildOptions, buildIr } from "../ir/build.js";
import type { IrGraph } from "../ir/types.js";
import { type OnnxModelProto, decodeModelProto } from "./proto.js";

/** Reads and decodes an `.onnx` file, naming the file in any error. */
export function readModelProto(path: string): OnnxModelProto {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new OnnxDecodeError(`cannot read ONNX model ${path}: ${(cause as Error).message}`, { cause });
  }
  return decodeModelProto(bytes, path);
}

/** Reads an `.onnx` file and builds its float IR. */
export function loadIr(path: string, options?: BuildOptions): IrGraph {
  return buildIr(readModelProto(path), options);
}
