/**
 * Input files, as users bring them: the one place that reads them (Node).
 * Every command that takes `--input` goes through `readModelInputs`; the
 * accepted JSON, its parsing and its binding to a model's graph inputs are in
 * inputJson.ts (no file system: browsers too), re-exported here.
 */
import { readFileSync } from "node:fs";

import { InputError } from "../errors.js";
import { type GraphIo, type ModelInputs, type ParsedInputFile, bindInputFile, parseInputJson } from "./inputJson.js";

export * from "./inputJson.js";

/** Reads and binds an input file to a model's graph inputs; throws InputError naming the input and what was wrong. */
export function readModelInputs(file: string, io: GraphIo): ModelInputs {
  return bindInputFile(parseInputFile(file), io);
}

/** Reads an input file's JSON and parses it (no model needed). */
export function parseInputFile(file: string): ParsedInputFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new InputError(`cannot read input file ${file}: ${(cause as Error).message}`);
  }
  return parseInputJson(json, file);
}
