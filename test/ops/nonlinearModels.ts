/**
 * Small models of the non-linear functions for the tests (test/ops/nonlinear.test.ts,
 * test/opml/nonlinearKernel.test.ts): one or two per operator on x [2, 3, 4].
 */
import type { Model } from "../../sdk/model.js";
import type { GraphSpec, NodeSpec } from "../helpers/onnxBuilder.js";
import { model } from "./elementwiseModels.js";

/** A model of one node `op` on x [2, 3, 4] (opset 17; Gelu 20). */
export function unaryModel(op: string, extra: Partial<NodeSpec> = {}, inits: GraphSpec["initializers"] = [], inputs = ["x"]): Model {
  return model([{ op, inputs, outputs: ["y"], ...extra }], inits, [2, 3, 4], op === "Gelu" ? 20 : 17);
}

export const MODELS: { op: string; name: string; build: () => Model }[] = [
  { op: "Sigmoid", name: "Sigmoid", build: () => unaryModel("Sigmoid") },
  { op: "Tanh", name: "Tanh", build: () => unaryModel("Tanh") },
  { op: "Exp", name: "Exp", build: () => unaryModel("Exp") },
  { op: "Erf", name: "Erf", build: () => unaryModel("Erf") },
  { op: "Gelu", name: "Gelu (exact)", build: () => unaryModel("Gelu") },
  { op: "Gelu", name: "Gelu (tanh)", build: () => unaryModel("Gelu", { string: { approximate: "tanh" } }) },
  { op: "Sqrt", name: "Sqrt", build: () => unaryModel("Sqrt") },
  { op: "Reciprocal", name: "Reciprocal", build: () => unaryModel("Reciprocal") },
  { op: "Pow", name: "Pow 2", build: () => unaryModel("Pow", {}, [{ name: "e", dims: [], floats: [2] }], ["x", "e"]) },
  { op: "Pow", name: "Pow 0.5", build: () => unaryModel("Pow", {}, [{ name: "e", dims: [1], floats: [0.5] }], ["x", "e"]) },
  { op: "Softmax", name: "Softmax axis -1", build: () => unaryModel("Softmax") },
  { op: "Softmax", name: "Softmax axis 1", build: () => unaryModel("Softmax", { int: { axis: 1 } }) },
  { op: "LogSoftmax", name: "LogSoftmax axis -1", build: () => unaryModel("LogSoftmax") },
  {
    op: "LogSoftmax",
    name: "LogSoftmax axis 1 (opset 11: dims 1..)",
    build: () => model([{ op: "LogSoftmax", inputs: ["x"], outputs: ["y"], int: { axis: 1 } }], [], [2, 3, 4], 11),
  },
  {
    op: "LayerNormalization",
    name: "LayerNormalization axis -1, Scale and B",
    build: () =>
      unaryModel(
        "LayerNormalization",
        {},
        [
          { name: "g", dims: [4], floats: [1, 0.5, -2, 0.25] },
          { name: "b", dims: [4], floats: [0.1, 0, -1, 3] },
        ],
        ["x", "g", "b"],
      ),
  },
  {
    op: "LayerNormalization",
    name: "LayerNormalization axis 1, scalar Scale, no B",
    build: () =>
      unaryModel(
        "LayerNormalization",
        { int: { axis: 1 }, float: { epsilon: 1e-3 } },
        [{ name: "g", dims: [1], floats: [1.5] }],
        ["x", "g"],
      ),
  },
];
