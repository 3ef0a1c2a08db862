/** Reads ONNX backend node tests (model.onnx + test_data_set_N/{input,output}_M.pb). */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

import { decodeTensorProto } from "../../sdk/onnx/proto.js";
import { readModelProto } from "../../sdk/onnx/readModel.js";
import { tensorFromProto } from "../../sdk/onnx/tensorProto.js";
import type { Tensor } from "../../sdk/tensor.js";

export const NODE_TESTS_DIR = join(import.meta.dirname, "..", "fixtures", "onnx-node");

export interface NodeTestIndex {
  onnx_version: string;
  tests: Record<string, string[]>;
}

export function readNodeTestIndex(): NodeTestIndex {
  return JSON.parse(readFileSync(join(NODE_TESTS_DIR, "index.json"), "utf8")) as NodeTestIndex;
}

export interface NodeTestDataSet {
  inputs: Tensor[];
  outputs: Tensor[];
}

function readTensors(dir: string, prefix: "input" | "output"): Tensor[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${prefix}_`))
    .sort((a, b) => parseInt(a.slice(prefix.length + 1)) - parseInt(b.slice(prefix.length + 1)))
    .map((f) => tensorFromProto(decodeTensorProto(readFileSync(join(dir, f)), f)));
}

export function readNodeTest(name: string) {
  const dir = join(NODE_TESTS_DIR, name);
  const model = readModelProto(join(dir, "model.onnx"));
  const dataSets: NodeTestDataSet[] = readdirSync(dir)
    .filter((d) => d.startsWith("test_data_set_"))
    .sort()
    .map((d) => ({ inputs: readTensors(join(dir, d), "input"), outputs: readTensors(join(dir, d), "output") }));
  return { model, dataSets };
}
