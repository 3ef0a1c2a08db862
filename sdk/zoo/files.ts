/** Locating models (zoo names, folders, .onnx paths) and reading input/data files. */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

import { InputError } from "../errors.js";
import { PACKAGE_ROOT } from "../paths.js";
import { flatSingleInputSamples, parseInputFile } from "../io/inputFile.js";
import type { Tensor } from "../tensor.js";

/** The repository's model zoo (models/<name>/model.onnx). */
export const ZOO_DIR = join(PACKAGE_ROOT, "models");

export interface ModelManifest {
  name: string;
  description: string;
  parameters: number;
  ops: Record<string, number>;
  /**
   * The graph input; `range` is its declared range [lo, hi] (docs/integer-semantics.md section 7),
   * which Model.load declares for the model (part of its model id).
   */
  input: { name: string; shape: number[]; range?: [number, number] };
  output: { name: string; shape: number[] };
  /** The default-domain opset the model was written for. */
  opset: number;
  dataset?: string;
  float_test_accuracy?: number;
  synthetic?: boolean;
  /** How the graph was written, when not by models/build_zoo.py's own helpers (e.g. torch.onnx.export style). */
  exporter?: string;
}

export function zooModelNames(): string[] {
  return readdirSync(ZOO_DIR)
    .filter((d) => existsSync(join(ZOO_DIR, d, "model.onnx")))
    .sort();
}

/** A zoo name, a model folder or an .onnx file -> the .onnx path. */
export function resolveModelPath(ref: string): string {
  if (existsSync(ref)) {
    if (statSync(ref).isDirectory()) {
      const inside = join(ref, "model.onnx");
      if (!existsSync(inside)) throw new InputError(`folder ${ref} has no model.onnx`);
      return inside;
    }
    return ref;
  }
  const zoo = join(ZOO_DIR, ref, "model.onnx");
  if (existsSync(zoo)) return zoo;
  throw new InputError(`no model at "${ref}": give an .onnx file, a folder with model.onnx, or a zoo name (${zooModelNames().join(", ")})`);
}

export function readManifest(modelPath: string): ModelManifest | undefined {
  const path = join(resolve(modelPath, ".."), "manifest.json");
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as ModelManifest) : undefined;
}

/** The input range a manifest declares, by input name (undefined: none). */
export function manifestInputRange(manifest: ModelManifest | undefined): Record<string, [number, number]> | undefined {
  const range = manifest?.input?.range;
  return range === undefined ? undefined : { [manifest!.input.name]: range };
}

export interface InputSet {
  /** One float32 tensor per sample (flat; bound to the graph's input shape when run). */
  readonly samples: Tensor[];
  readonly labels?: number[];
}

/**
 * Reads a data file of a single-input model without the model (tests and
 * scripts over the zoo's data sets): every form of sdk/io/inputFile.ts but
 * named inputs. Commands read input files against their model with
 * readModelInputs, which checks shapes and dtypes.
 */
export function readInputFile(file: string): InputSet {
  return flatSingleInputSamples(parseInputFile(file));
}
