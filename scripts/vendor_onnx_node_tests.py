"""Writes the ONNX backend conformance node tests for every operator the SDK
supports into test/fixtures/onnx-node/, in the layout of onnx's own
`backend/test/data/node` folder (model.onnx + test_data_set_N/{input,output}_M.pb).

The pinned `onnx` wheel ships the generators (onnx/backend/test/case/node), not
the data; this runs them exactly as onnx's `cmd_tools generate-data` does.
The output is committed so that `npm test` needs no Python.

Usage: npm run vendor:onnx-tests
"""

from __future__ import annotations

import json
import os
import shutil
import warnings

import onnx
from onnx import numpy_helper
from onnx.backend.test.case import node as node_cases

# Keep in sync with SUPPORTED_OPS in sdk/ops/index.ts.
SUPPORTED_OPS = [
    "Gemm",
    "MatMul",
    "Add",
    "Relu",
    "Conv",
    "MaxPool",
    "AveragePool",
    "Flatten",
    "Reshape",
    "ArgMax",
    "GlobalAveragePool",
    "ReduceMean",
    "ReduceSum",
    "ReduceMax",
    "ReduceMin",
    "Transpose",
    "Concat",
    "Slice",
    "Squeeze",
    "Unsqueeze",
    "Gather",
    "Pad",
    "Expand",
    "Mul",
    "Sub",
    "Div",
    "Neg",
    "Abs",
    "Clip",
    "LeakyRelu",
    "PRelu",
    "HardSigmoid",
    "HardSwish",
    "BatchNormalization",
    "Where",
    "Equal",
    "Less",
    "Greater",
    "Sigmoid",
    "Tanh",
    "Exp",
    "Erf",
    "Gelu",
    "Sqrt",
    "Reciprocal",
    "Pow",
    "Softmax",
    "LogSoftmax",
    "LayerNormalization",
]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "onnx-node")


def write_tensor(path: str, value, name: str) -> None:
    proto = value if isinstance(value, onnx.TensorProto) else numpy_helper.from_array(value, name)
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())


def main() -> None:
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    index: dict[str, list[str]] = {op: [] for op in SUPPORTED_OPS}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # generators of unrelated ops warn about overflows
        all_cases = node_cases.collect_testcases()
    for case in all_cases:
        ops = {n.op_type for n in case.model.graph.node}
        # A test belongs to an operator when its graph is made of that operator
        # alone (function-expanded variants use other ops and are skipped).
        if len(ops) != 1 or not ops <= set(SUPPORTED_OPS):
            continue
        # The IR's tensors are numbers: string variants (test_equal_string) are not its operators' modes.
        if any(i.type.tensor_type.elem_type == onnx.TensorProto.STRING for i in case.model.graph.input):
            continue
        op = ops.pop()
        case_dir = os.path.join(OUT, case.name)
        os.makedirs(case_dir)
        with open(os.path.join(case_dir, "model.onnx"), "wb") as f:
            f.write(case.model.SerializeToString())
        for i, (inputs, outputs) in enumerate(case.data_sets):
            data_dir = os.path.join(case_dir, f"test_data_set_{i}")
            os.makedirs(data_dir)
            for j, value in enumerate(inputs):
                write_tensor(os.path.join(data_dir, f"input_{j}.pb"), value, case.model.graph.input[j].name)
            for j, value in enumerate(outputs):
                write_tensor(os.path.join(data_dir, f"output_{j}.pb"), value, case.model.graph.output[j].name)
        index[op].append(case.name)
    for op in SUPPORTED_OPS:
        index[op].sort()
        print(f"{op}: {len(index[op])} node tests")
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump({"onnx_version": onnx.__version__, "tests": index}, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
