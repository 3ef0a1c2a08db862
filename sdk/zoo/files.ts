/** Locating models (zoo names, folders, .onnx paths) and reading input/data files. */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

import { InputError } from "../errors.js";
import type { Tensor } from "../tensor.js";

/** The repository's model zoo (models/<name>/model.onnx). */
export const ZOO_DIR = resolve(import.meta.dirname, "..", "..", "models");

export interface ModelManifest {
  name: string;
  description: string;
  parameters: number;
  ops: Record<string, number>;
  input: { name: string; shape: number[] };
  output: { name: string; shape: number[] };
  dataset?: string;
  float_test_accuracy?: number;
  synthetic?: boolean;
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

export interface InputSet {
  /** One float32 tensor per sample (flat; bound to the graph's input shape when run). */
  readonly samples: Tensor[];
  readonly labels?: number[];
}

function toTensor(values: unknown, file: string, at: string): Tensor {
  if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== "number" || !Number.isFinite(v))) {
    throw new InputError(`${file}: ${at} must be a non-empty array of finite numbers`);
  }
  return { dtype: "float32", shape: [values.length], data: Float64Array.from(values as number[]) };
}

/**
 * Reads an input file. Accepted JSON forms:
 *   { "inputs": [[...], ...], "labels"?: [...] }   a data set (models/datasets/*.json)
 *   { "input": [...] }                              one sample (models/<name>/input.json)
 *   [...] or [[...], ...]                          bare sample(s)
 */
export function readInputFile(file: string): InputSet {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new InputError(`cannot read input file ${file}: ${(cause as Error).message}`);
  }
  const obj = json as { inputs?: unknown; input?: unknown; labels?: unknown };
  let rows: unknown[];
  if (Array.isArray(json)) rows = Array.isArray(json[0]) ? json : [json];
  else if (obj && Array.isArray(obj.inputs)) rows = obj.inputs;
  else if (obj && obj.input !== undefined) rows = [obj.input];
  else throw new InputError(`${file}: expected {"inputs": [[...]]}, {"input": [...]} or an array of numbers`);
  const samples = rows.map((r, i) => toTensor(r, file, `sample ${i}`));
  let labels: number[] | undefined;
  if (obj && !Array.isArray(json) && obj.labels !== undefined) {
    if (!Array.isArray(obj.labels) || obj.labels.length !== samples.length || obj.labels.some((l) => !Number.isInteger(l))) {
      throw new InputError(`${file}: "labels" must be one integer per sample`);
    }
    labels = obj.labels as number[];
  }
  return labels ? { samples, labels } : { samples };
}
