"""ONNX graphs written the way torch.onnx.export (TorchScript exporter, opset 17,
eval mode) writes them, for the zoo's "exported from PyTorch" models.

PyTorch is not a dependency (its wheel is ~800 MB); these helpers reproduce what
its exporter emits for the layers the zoo uses, so the SDK is held to real
exporter output: every literal is a `Constant` node, `x.view(x.size(0), -1)`
is a Shape -> Gather -> Unsqueeze -> Concat -> Reshape subgraph, Linear on a
2-D input is Gemm(transB=1) and on a 3-D input MatMul + Add, BatchNorm2d is
BatchNormalization(epsilon, momentum), LayerNorm is LayerNormalization
(opset 17), GELU is the erf formula Div -> Erf -> Add -> Mul -> Mul, and
nodes and tensors carry PyTorch's names ("/fc1/Gemm", "onnx::Gemm_12").
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

TORCH_OPSET = 17


class TorchGraph:
    """A graph under construction, named like torch.onnx.export names things."""

    def __init__(self, input_shape: list[int], output_shape: list[int]):
        self.nodes: list = []
        self.inits: list = []
        self.input_shape = input_shape
        self.output_shape = output_shape
        self._ids = 0

    def _id(self) -> int:
        self._ids += 1
        return self._ids

    def param(self, name: str, value: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    def node(self, op: str, inputs: list[str], name: str, out: str | None = None, **attrs) -> str:
        """A node named `name` (PyTorch's "/module/Op"); its output is `out` or "<name>_output_0"."""
        output = out or f"{name}_output_0"
        self.nodes.append(helper.make_node(op, inputs, [output], name=name, **attrs))
        return output

    def constant(self, value, scope: str, dtype=np.float32) -> str:
        """A literal, as the exporter writes it: a Constant node (never an initializer)."""
        arr = np.asarray(value, dtype=dtype)
        name = f"{scope}/Constant_{self._id()}"
        out = f"{name}_output_0"
        self.nodes.append(helper.make_node("Constant", [], [out], name=name, value=numpy_helper.from_array(arr, "")))
        return out

    # ----------------------------------------------------------------- layers

    def linear(self, x: str, w: np.ndarray, b: np.ndarray, scope: str, out: str | None = None, rank: int = 2) -> str:
        """nn.Linear: Gemm(transB=1) on a 2-D input; MatMul with W^T then Add on higher ranks."""
        if rank == 2:
            return self.node("Gemm", [x, self.param(f"{scope[1:]}.weight", w), self.param(f"{scope[1:]}.bias", b)], f"{scope}/Gemm", out, alpha=1.0, beta=1.0, transB=1)
        wt = self.param(f"onnx::MatMul_{self._id()}", np.asarray(w).T)
        h = self.node("MatMul", [x, wt], f"{scope}/MatMul")
        return self.node("Add", [self.param(f"{scope[1:]}.bias", b), h], f"{scope}/Add", out)

    def conv(self, x: str, w: np.ndarray, b: np.ndarray, scope: str, pad: int) -> str:
        k = list(w.shape[2:])
        return self.node(
            "Conv",
            [x, self.param(f"{scope[1:]}.weight", w), self.param(f"{scope[1:]}.bias", b)],
            f"{scope}/Conv",
            dilations=[1, 1],
            group=1,
            kernel_shape=k,
            pads=[pad] * 4,
            strides=[1, 1],
        )

    def batch_norm(self, x: str, gamma, beta, mean, var, scope: str, eps: float = 1e-5) -> str:
        names = [self.param(f"{scope[1:]}.{n}", v) for n, v in [("weight", gamma), ("bias", beta), ("running_mean", mean), ("running_var", var)]]
        return self.node("BatchNormalization", [x, *names], f"{scope}/BatchNormalization", epsilon=eps, momentum=0.9)

    def relu(self, x: str, scope: str) -> str:
        return self.node("Relu", [x], f"{scope}/Relu")

    def max_pool(self, x: str, k: int, scope: str) -> str:
        return self.node("MaxPool", [x], f"{scope}/MaxPool", ceil_mode=0, kernel_shape=[k, k], pads=[0, 0, 0, 0], strides=[k, k])

    def flatten_view(self, x: str, scope: str) -> str:
        """x.view(x.size(0), -1): the shape arithmetic the exporter leaves around Reshape."""
        shape = self.node("Shape", [x], f"{scope}/Shape")
        index = self.constant(0, scope, np.int64)
        batch = self.node("Gather", [shape, index], f"{scope}/Gather", axis=0)
        axes = self.constant([0], scope, np.int64)
        batch1 = self.node("Unsqueeze", [batch, axes], f"{scope}/Unsqueeze")
        rest = self.constant([-1], scope, np.int64)
        target = self.node("Concat", [batch1, rest], f"{scope}/Concat", axis=0)
        return self.node("Reshape", [x, target], f"{scope}/Reshape", allowzero=0)

    def gelu(self, x: str, scope: str) -> str:
        """nn.GELU() (exact), as opset 17 exports it: x * 0.5 * (1 + erf(x / sqrt(2)))."""
        d = self.node("Div", [x, self.constant(1.4142135381698608, scope)], f"{scope}/Div")
        e = self.node("Erf", [d], f"{scope}/Erf")
        a = self.node("Add", [e, self.constant(1.0, scope)], f"{scope}/Add")
        m = self.node("Mul", [x, a], f"{scope}/Mul")
        return self.node("Mul", [m, self.constant(0.5, scope)], f"{scope}/Mul_1")

    def layer_norm(self, x: str, gamma, beta, scope: str, eps: float = 1e-5, fused: bool = True) -> str:
        """nn.LayerNorm over the last dim: LayerNormalization (opset 17), or, as the exporter writes it for
        opsets before 17, ReduceMean -> Sub -> Pow -> ReduceMean -> Add -> Sqrt -> Div -> Mul -> Add."""
        weight, bias = self.param(f"{scope[1:]}.weight", gamma), self.param(f"{scope[1:]}.bias", beta)
        if fused:
            return self.node("LayerNormalization", [x, weight, bias], f"{scope}/LayerNormalization", axis=-1, epsilon=eps)
        mean = self.node("ReduceMean", [x], f"{scope}/ReduceMean", axes=[-1], keepdims=1)
        d = self.node("Sub", [x, mean], f"{scope}/Sub")
        sq = self.node("Pow", [d, self.constant(2.0, scope)], f"{scope}/Pow")
        var = self.node("ReduceMean", [sq], f"{scope}/ReduceMean_1", axes=[-1], keepdims=1)
        sd = self.node("Sqrt", [self.node("Add", [var, self.constant(eps, scope)], f"{scope}/Add")], f"{scope}/Sqrt")
        n = self.node("Div", [d, sd], f"{scope}/Div")
        return self.node("Add", [self.node("Mul", [n, weight], f"{scope}/Mul"), bias], f"{scope}/Add_1")

    def model(self, name: str) -> onnx.ModelProto:
        graph = helper.make_graph(
            self.nodes,
            name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, self.input_shape)],
            [helper.make_tensor_value_info("output", TensorProto.FLOAT, self.output_shape)],
            self.inits,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", TORCH_OPSET)], producer_name="pytorch", producer_version="2.5.1")
        model.ir_version = 8
        onnx.checker.check_model(model, full_check=True)
        return model
