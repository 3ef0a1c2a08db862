"""Builds the model zoo: trains/initialises every model with fixed seeds and
exports it to ONNX, with a manifest and sample inputs per model.

    npm run models          # (re)creates models/<name>/ and models/datasets/

The .onnx files are committed, so users of the SDK need no Python. Graphs are
written with onnx.helper rather than a converter so that they contain exactly
the operators the model uses (skl2onnx adds ZipMap/Cast/label ops that are not
part of the model's arithmetic).

Layout of every model folder (after EZKL's examples/onnx/<name>/):
    model.onnx      the graph, opset 13, one float32 input, one float32 output
    manifest.json   parameters, ops, shapes, float accuracy where it has data
    input.json      one sample input with the float output computed here
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import autograd.numpy as anp
import numpy as np
import onnx
from autograd import grad
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from autograd.scipy.special import erf as anp_erf

from torch_style import TORCH_OPSET, TorchGraph

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 13
SEED = 20261124
DIGITS_PIXEL_MAX = 16.0  # scikit-learn's 8x8 digits hold integer intensities 0..16
# The digits models' input is pixels / 16: declared in their manifests as the input range, which
# Model.load makes part of the model's semantics and id (docs/integer-semantics.md section 7).
DIGITS_INPUT_RANGE = [0, 1]


# --------------------------------------------------------------------------- data


def digits_split():
    """The fixed train/test split every digits model and test uses (360 test samples)."""
    digits = load_digits()
    x = (digits.data / DIGITS_PIXEL_MAX).astype(np.float32)
    y = digits.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.2, random_state=0, stratify=y)


def write_json(path: str, obj) -> None:
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")


def floats(a: np.ndarray) -> list:
    # float32 values printed exactly (repr of the float32 value as a Python float)
    return [float(v) for v in np.asarray(a, dtype=np.float32).ravel()]


# ------------------------------------------------------------------------ graphs


@dataclass
class Graph:
    nodes: list
    inits: list
    input_shape: list[int]
    output_shape: list[int]

    def add_init(self, name: str, value: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    def save(self, name: str, path: str) -> onnx.ModelProto:
        graph = helper.make_graph(
            self.nodes,
            name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, self.input_shape)],
            [helper.make_tensor_value_info("output", TensorProto.FLOAT, self.output_shape)],
            self.inits,
        )
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", OPSET)],
            producer_name="vinfer-model-zoo",
            producer_version="1",
        )
        model.ir_version = 8
        onnx.checker.check_model(model, full_check=True)
        onnx.save_model(model, path)
        return model


def gemm(g: Graph, x: str, out: str, w: np.ndarray, b: np.ndarray, tag: str) -> str:
    """Gemm with weights stored [out, in] (transB=1), as PyTorch's Linear does."""
    g.nodes.append(
        helper.make_node("Gemm", [x, g.add_init(f"{tag}.weight", w), g.add_init(f"{tag}.bias", b)], [out], name=tag, transB=1)
    )
    return out


def relu(g: Graph, x: str, out: str) -> str:
    g.nodes.append(helper.make_node("Relu", [x], [out], name=f"relu_{out}"))
    return out


def conv(g: Graph, x: str, out: str, w: np.ndarray, b: np.ndarray, tag: str, pad: int) -> str:
    g.nodes.append(
        helper.make_node(
            "Conv",
            [x, g.add_init(f"{tag}.weight", w), g.add_init(f"{tag}.bias", b)],
            [out],
            name=tag,
            kernel_shape=list(w.shape[2:]),
            pads=[pad] * 4,
            strides=[1, 1],
        )
    )
    return out


def pool(g: Graph, op: str, x: str, out: str, k: int) -> str:
    g.nodes.append(helper.make_node(op, [x], [out], name=f"{op.lower()}_{out}", kernel_shape=[k, k], strides=[k, k]))
    return out


def flatten(g: Graph, x: str, out: str) -> str:
    g.nodes.append(helper.make_node("Flatten", [x], [out], name=f"flatten_{out}", axis=1))
    return out


def manifest(name: str, model: onnx.ModelProto, description: str, opset: int = OPSET, input_range=None, **extra) -> dict:
    params = int(sum(np.prod(t.dims) for t in model.graph.initializer))
    ops: dict[str, int] = {}
    for n in model.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    shape = lambda vi: [d.dim_value for d in vi.type.tensor_type.shape.dim]  # noqa: E731
    return {
        "name": name,
        "description": description,
        "parameters": params,
        "ops": ops,
        "input": {"name": "input", "shape": shape(model.graph.input[0]), **({"range": input_range} if input_range is not None else {})},
        "output": {"name": "output", "shape": shape(model.graph.output[0])},
        "opset": opset,
        "seed": SEED,
        **extra,
    }


def save_model(name: str, g: Graph, description: str, sample_in: np.ndarray, sample_out: np.ndarray, **extra) -> None:
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    model = g.save(name, os.path.join(folder, "model.onnx"))
    m = manifest(name, model, description, **extra)
    write_json(os.path.join(folder, "manifest.json"), m)
    write_json(
        os.path.join(folder, "input.json"),
        {"input": floats(sample_in), "shape": g.input_shape, "expected_float_output": floats(sample_out)},
    )
    print(f"{name:>16}: {m['parameters']:>9,} params  ops={m['ops']}  " + " ".join(f"{k}={v}" for k, v in extra.items() if k.endswith("accuracy")))


# ------------------------------------------------------------------------ models


def build_digits_mlp(x_tr, y_tr, x_te, y_te) -> None:
    clf = MLPClassifier(hidden_layer_sizes=(32,), activation="relu", max_iter=2000, random_state=0, alpha=1e-3)
    clf.fit(x_tr, y_tr)
    acc = float((clf.predict(x_te) == y_te).mean())
    (w1, w2), (b1, b2) = clf.coefs_, clf.intercepts_
    g = Graph([], [], [1, 64], [1, 10])
    h = relu(g, gemm(g, "input", "fc1_out", w1.T, b1, "fc1"), "hidden")
    gemm(g, h, "output", w2.T, b2, "fc2")
    logits = np.maximum(x_te[:1] @ w1 + b1, 0) @ w2 + b2
    save_model(
        "digits-mlp",
        g,
        "MLP 64-32-10 (ReLU) trained on scikit-learn's 8x8 digits; input = pixels / 16, output = class logits",
        x_te[0],
        logits,
        dataset="datasets/digits-test.json",
        input_range=DIGITS_INPUT_RANGE,
        float_test_accuracy=round(acc, 6),
    )


def cnn_forward(params, x, pool_op=anp.max):
    """Conv(3x3, pad 1) -> ReLU -> 2x2 pool -> Flatten -> Gemm, batch-first NCHW."""
    w, b, fw, fb = params
    n, c, hgt, wid = x.shape
    xp = anp.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    patches = anp.stack([xp[:, :, i : i + hgt, j : j + wid] for i in range(3) for j in range(3)], axis=2)  # n,c,9,h,w
    y = anp.einsum("nckhw,ock->nohw", patches, w.reshape(w.shape[0], c, 9)) + b[None, :, None, None]
    y = anp.maximum(y, 0)
    o = y.shape[1]
    y = pool_op(y.reshape(n, o, hgt // 2, 2, wid // 2, 2), axis=(3, 5))
    return anp.dot(y.reshape(n, -1), fw.T) + fb


def build_digits_cnn(x_tr, y_tr, x_te, y_te) -> None:
    rng = np.random.default_rng(SEED)
    filters = 8
    params = [
        rng.normal(0, np.sqrt(2 / 9), (filters, 1, 3, 3)),
        np.zeros(filters),
        rng.normal(0, np.sqrt(2 / (filters * 16)), (10, filters * 16)),
        np.zeros(10),
    ]
    xtr = x_tr.reshape(-1, 1, 8, 8).astype(np.float64)
    onehot = np.eye(10)[y_tr]

    def loss(p, xb, yb):
        z = cnn_forward(p, xb)
        z = z - anp.max(z, axis=1, keepdims=True)
        return -anp.mean(anp.sum(yb * (z - anp.log(anp.sum(anp.exp(z), axis=1, keepdims=True))), axis=1)) + 1e-4 * anp.sum(p[2] ** 2)

    dloss = grad(loss)
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    lr, b1, b2, step = 0.01, 0.9, 0.999, 0
    for _epoch in range(40):
        order = rng.permutation(len(xtr))
        for s in range(0, len(order), 64):
            idx = order[s : s + 64]
            step += 1
            for i, gr in enumerate(dloss(params, xtr[idx], onehot[idx])):
                m[i] = b1 * m[i] + (1 - b1) * gr
                v[i] = b2 * v[i] + (1 - b2) * gr * gr
                params[i] = params[i] - lr * (m[i] / (1 - b1**step)) / (np.sqrt(v[i] / (1 - b2**step)) + 1e-8)
    params = [p.astype(np.float32) for p in params]
    logits = cnn_forward(params, x_te.reshape(-1, 1, 8, 8))
    acc = float((logits.argmax(1) == y_te).mean())
    g = Graph([], [], [1, 1, 8, 8], [1, 10])
    h = relu(g, conv(g, "input", "conv_out", params[0], params[1], "conv", pad=1), "conv_relu")
    h = flatten(g, pool(g, "MaxPool", h, "pooled", 2), "flat")
    gemm(g, h, "output", params[2], params[3], "fc")
    save_model(
        "digits-cnn",
        g,
        f"CNN Conv(1->{filters}, 3x3, pad 1)-ReLU-MaxPool(2x2)-Flatten-Gemm(->10) trained on 8x8 digits; input = pixels / 16",
        x_te[0],
        logits[:1],
        dataset="datasets/digits-test.json",
        input_range=DIGITS_INPUT_RANGE,
        float_test_accuracy=round(acc, 6),
    )


def he(rng, shape, fan_in):
    return (rng.normal(0, np.sqrt(2 / fan_in), shape)).astype(np.float32)


def build_sweep_mlp(tag: str, width: int) -> None:
    """Random-weight MLP width -> width -> 10 for proof-cost benchmarks (~width^2 params)."""
    rng = np.random.default_rng([SEED, width])
    w1, b1 = he(rng, (width, width), width), he(rng, (width,), width) * 0.1
    w2, b2 = he(rng, (10, width), width), he(rng, (10,), width) * 0.1
    g = Graph([], [], [1, width], [1, 10])
    h = relu(g, gemm(g, "input", "fc1_out", w1, b1, "fc1"), "hidden")
    gemm(g, h, "output", w2, b2, "fc2")
    x = rng.uniform(0, 1, (1, width)).astype(np.float32)
    y = np.maximum(x @ w1.T + b1, 0) @ w2.T + b2
    save_model(f"sweep-mlp-{tag}", g, f"random-weight MLP {width}-{width}-10 (ReLU), benchmark sweep", x, y, synthetic=True)


def build_sweep_cnn(tag: str, side: int, channels: int) -> None:
    """Random-weight CNN Conv-ReLU-AveragePool-Flatten-Gemm on a side x side image."""
    rng = np.random.default_rng([SEED, side, channels])
    w, b = he(rng, (channels, 1, 3, 3), 9), he(rng, (channels,), 9) * 0.1
    feat = channels * (side // 2) ** 2
    fw, fb = he(rng, (10, feat), feat), he(rng, (10,), feat) * 0.1
    g = Graph([], [], [1, 1, side, side], [1, 10])
    h = relu(g, conv(g, "input", "conv_out", w, b, "conv", pad=1), "conv_relu")
    h = flatten(g, pool(g, "AveragePool", h, "pooled", 2), "flat")
    gemm(g, h, "output", fw, fb, "fc")
    x = rng.uniform(0, 1, (1, 1, side, side)).astype(np.float32)
    y = cnn_forward([w, b, fw, fb], x.astype(np.float64), pool_op=anp.mean)
    save_model(f"sweep-cnn-{tag}", g, f"random-weight CNN Conv(1->{channels})-ReLU-AvgPool-Gemm on {side}x{side}, benchmark sweep", x, y, synthetic=True)


# ------------------------------------------------------------------------ models exported "from PyTorch"


def adam_train(params, loss, batches, epochs: int, lr: float, rng) -> list:
    """Adam over minibatches of 64 (the digits models' optimiser), returns the trained parameters."""
    dloss = grad(loss)
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2, step = 0.9, 0.999, 0
    x, y = batches
    for _epoch in range(epochs):
        order = rng.permutation(len(x))
        for s in range(0, len(order), 64):
            idx = order[s : s + 64]
            step += 1
            for i, gr in enumerate(dloss(params, x[idx], y[idx])):
                m[i] = b1 * m[i] + (1 - b1) * gr
                v[i] = b2 * v[i] + (1 - b2) * gr * gr
                params[i] = params[i] - lr * (m[i] / (1 - b1**step)) / (np.sqrt(v[i] / (1 - b2**step)) + 1e-8)
    return params


def cross_entropy(z, onehot):
    z = z - anp.max(z, axis=1, keepdims=True)
    return -anp.mean(anp.sum(onehot * (z - anp.log(anp.sum(anp.exp(z), axis=1, keepdims=True))), axis=1))


def save_torch_model(name: str, g: TorchGraph, description: str, sample_in, sample_out, **extra) -> None:
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    model = g.model(name)
    onnx.save_model(model, os.path.join(folder, "model.onnx"))
    m = manifest(name, model, description, opset=TORCH_OPSET, exporter="torch.onnx.export style (models/torch_style.py)", **extra)
    write_json(os.path.join(folder, "manifest.json"), m)
    write_json(
        os.path.join(folder, "input.json"),
        {"input": floats(sample_in), "shape": g.input_shape, "expected_float_output": floats(sample_out)},
    )
    print(f"{name:>16}: {m['parameters']:>9,} params  ops={m['ops']}  " + " ".join(f"{k}={v}" for k, v in extra.items() if k.endswith("accuracy")))


def build_digits_mlp_torch(x_tr, y_tr, x_te, y_te) -> None:
    """An MLP on the [1, 8, 8] image, flattened with x.view(x.size(0), -1), as PyTorch exports it."""
    rng = np.random.default_rng([SEED, 1])
    params = [he(rng, (32, 64), 64).astype(np.float64), np.zeros(32), he(rng, (10, 32), 32).astype(np.float64), np.zeros(10)]

    def forward(p, x):
        h = anp.maximum(anp.dot(x.reshape(len(x), -1), p[0].T) + p[1], 0)
        return anp.dot(h, p[2].T) + p[3]

    params = adam_train(params, lambda p, xb, yb: cross_entropy(forward(p, xb), yb), (x_tr.astype(np.float64), np.eye(10)[y_tr]), 60, 0.005, rng)
    params = [p.astype(np.float32) for p in params]
    logits = forward(params, x_te)
    g = TorchGraph([1, 8, 8], [1, 10])
    h = g.flatten_view("input", "")
    h = g.relu(g.linear(h, params[0], params[1], "/fc1"), "/act")
    g.linear(h, params[2], params[3], "/fc2", out="output")
    save_torch_model(
        "digits-mlp-torch",
        g,
        "MLP 64-32-10 (ReLU) on the 8x8 digit as [1, 8, 8], written as torch.onnx.export (opset 17) writes it: x.view(x.size(0), -1) shape subgraph, Gemm(transB=1)",
        x_te[0],
        logits[:1],
        dataset="datasets/digits-test.json",
        input_range=DIGITS_INPUT_RANGE,
        float_test_accuracy=round(float((logits.argmax(1) == y_te).mean()), 6),
    )


def conv3x3(x, w, b):
    n, c, hgt, wid = x.shape
    xp = anp.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="constant")
    patches = anp.stack([xp[:, :, i : i + hgt, j : j + wid] for i in range(3) for j in range(3)], axis=2)
    return anp.einsum("nckhw,ock->nohw", patches, w.reshape(w.shape[0], c, 9)) + b[None, :, None, None]


def channel_stats(y):
    return anp.mean(y, axis=(0, 2, 3)), anp.var(y, axis=(0, 2, 3))


def batch_norm(y, gamma, beta, mean, var, eps=1e-5):
    per = lambda v: v[None, :, None, None]  # noqa: E731
    return per(gamma) * (y - per(mean)) / anp.sqrt(per(var) + eps) + per(beta)


def max_pool2(y):
    n, c, hgt, wid = y.shape
    return anp.max(y.reshape(n, c, hgt // 2, 2, wid // 2, 2), axis=(3, 5))


def lenet_forward(p, x, stats=None):
    """LeNet-5-style: (Conv3x3-BN-ReLU-MaxPool2) x 2 -> Flatten -> Linear-ReLU -> Linear. stats=None: batch statistics."""
    w1, b1, g1, be1, w2, b2, g2, be2, f1, fb1, f2, fb2 = p
    y = conv3x3(x, w1, b1)
    m1, v1 = channel_stats(y) if stats is None else stats[0]
    y = max_pool2(anp.maximum(batch_norm(y, g1, be1, m1, v1), 0))
    z = conv3x3(y, w2, b2)
    m2, v2 = channel_stats(z) if stats is None else stats[1]
    z = max_pool2(anp.maximum(batch_norm(z, g2, be2, m2, v2), 0))
    h = anp.maximum(anp.dot(z.reshape(len(z), -1), f1.T) + fb1, 0)
    return anp.dot(h, f2.T) + fb2


def build_digits_lenet_bn(x_tr, y_tr, x_te, y_te) -> None:
    rng = np.random.default_rng([SEED, 2])
    c1, c2 = 6, 16
    f64 = lambda a: np.asarray(a, dtype=np.float64)  # noqa: E731
    params = [
        f64(he(rng, (c1, 1, 3, 3), 9)), np.zeros(c1), np.ones(c1), np.zeros(c1),
        f64(he(rng, (c2, c1, 3, 3), 9 * c1)), np.zeros(c2), np.ones(c2), np.zeros(c2),
        f64(he(rng, (32, c2 * 4), c2 * 4)), np.zeros(32), f64(he(rng, (10, 32), 32)), np.zeros(10),
    ]
    xtr = x_tr.reshape(-1, 1, 8, 8).astype(np.float64)
    params = adam_train(params, lambda p, xb, yb: cross_entropy(lenet_forward(p, xb), yb), (xtr, np.eye(10)[y_tr]), 30, 0.005, rng)
    # inference statistics: the population over the training set (what running averages converge to)
    y1 = conv3x3(xtr, params[0], params[1])
    s1 = (np.mean(y1, axis=(0, 2, 3)), np.var(y1, axis=(0, 2, 3)))
    z1 = max_pool2(np.maximum(batch_norm(y1, params[2], params[3], *s1), 0))
    y2 = conv3x3(z1, params[4], params[5])
    s2 = (np.mean(y2, axis=(0, 2, 3)), np.var(y2, axis=(0, 2, 3)))
    params = [p.astype(np.float32) for p in params]
    stats = [tuple(np.asarray(v, dtype=np.float32) for v in s) for s in (s1, s2)]
    logits = lenet_forward(params, x_te.reshape(-1, 1, 8, 8), stats)
    g = TorchGraph([1, 1, 8, 8], [1, 10])
    h = g.conv("input", params[0], params[1], "/conv1", pad=1)
    h = g.max_pool(g.relu(g.batch_norm(h, params[2], params[3], *stats[0], "/bn1"), "/relu1"), 2, "/pool1")
    h = g.conv(h, params[4], params[5], "/conv2", pad=1)
    h = g.max_pool(g.relu(g.batch_norm(h, params[6], params[7], *stats[1], "/bn2"), "/relu2"), 2, "/pool2")
    h = g.flatten_view(h, "")
    h = g.relu(g.linear(h, params[8], params[9], "/fc1"), "/relu3")
    g.linear(h, params[10], params[11], "/fc2", out="output")
    save_torch_model(
        "digits-lenet-bn",
        g,
        f"LeNet-5-style CNN (Conv3x3({c1})-BatchNorm-ReLU-MaxPool) x2 ({c2}) -> Linear(32)-ReLU -> Linear(10) on 8x8 digits, written as torch.onnx.export (opset 17) writes it",
        x_te[0],
        logits[:1],
        dataset="datasets/digits-test.json",
        input_range=DIGITS_INPUT_RANGE,
        float_test_accuracy=round(float((logits.argmax(1) == y_te).mean()), 6),
    )


TOKENS, WIDTH, HIDDEN = 8, 16, 32
# LayerNorm's epsilon: one least significant bit of the fixed-point variance (2^-8 at F = 8), so a
# constant row (variance 0) still divides by a positive number in the integer model.
LN_EPS = 2.0**-8
# Whether the transformer's LayerNorm is the opset-17 LayerNormalization node, or the decomposition
# PyTorch's exporter writes for earlier opsets (ReduceMean, Sub, Pow, Sqrt, Div...).
LN_FUSED = True


def layer_norm(h, gamma, beta, eps=LN_EPS):
    mu = anp.mean(h, axis=-1, keepdims=True)
    var = anp.mean((h - mu) ** 2, axis=-1, keepdims=True)
    return (h - mu) / anp.sqrt(var + eps) * gamma + beta


def gelu(x):
    return x * 0.5 * (1 + anp_erf(x / 1.4142135381698608))


def transformer_forward(p, x):
    """One pre-softmax-scaled single-head transformer block over the 8 rows of the digit as tokens, mean-pooled."""
    we, be, pos, wq, bq, wk, bk, wv, bv, wo, bo, g1, n1, w1, c1, w2, c2, g2, n2, wc, bc = p
    h = anp.matmul(x, we.T) + be + pos
    q, k, v = anp.matmul(h, wq.T) + bq, anp.matmul(h, wk.T) + bk, anp.matmul(h, wv.T) + bv
    s = anp.matmul(q, anp.transpose(k, (0, 2, 1))) / np.float32(np.sqrt(WIDTH))
    s = s - anp.max(s, axis=-1, keepdims=True)
    a = anp.exp(s) / anp.sum(anp.exp(s), axis=-1, keepdims=True)
    h = layer_norm(h + anp.matmul(anp.matmul(a, v), wo.T) + bo, g1, n1)
    h = layer_norm(h + anp.matmul(gelu(anp.matmul(h, w1.T) + c1), w2.T) + c2, g2, n2)
    return anp.dot(anp.mean(h, axis=1), wc.T) + bc


def build_digits_transformer(x_tr, y_tr, x_te, y_te) -> None:
    rng = np.random.default_rng([SEED, 3])
    f64 = lambda a: np.asarray(a, dtype=np.float64)  # noqa: E731
    lin = lambda o, i: [f64(he(rng, (o, i), i)) * 0.5, np.zeros(o)]  # noqa: E731
    params = [
        *lin(WIDTH, 8), f64(rng.normal(0, 0.1, (TOKENS, WIDTH))),
        *lin(WIDTH, WIDTH), *lin(WIDTH, WIDTH), *lin(WIDTH, WIDTH), *lin(WIDTH, WIDTH),
        np.ones(WIDTH), np.zeros(WIDTH),
        *lin(HIDDEN, WIDTH), *lin(WIDTH, HIDDEN),
        np.ones(WIDTH), np.zeros(WIDTH),
        *lin(10, WIDTH),
    ]
    xtr = x_tr.reshape(-1, TOKENS, 8).astype(np.float64)
    params = adam_train(params, lambda p, xb, yb: cross_entropy(transformer_forward(p, xb), yb), (xtr, np.eye(10)[y_tr]), 40, 0.003, rng)
    params = [p.astype(np.float32) for p in params]
    logits = transformer_forward(params, x_te.reshape(-1, TOKENS, 8))
    we, be, pos, wq, bq, wk, bk, wv, bv, wo, bo, g1, n1, w1, c1, w2, c2, g2, n2, wc, bc = params
    g = TorchGraph([1, TOKENS, 8], [1, 10])
    h = g.linear("input", we, be, "/embed", rank=3)
    h = g.node("Add", [h, g.param("pos", pos)], "/Add")
    q = g.linear(h, wq, bq, "/attn/q", rank=3)
    k = g.linear(h, wk, bk, "/attn/k", rank=3)
    v = g.linear(h, wv, bv, "/attn/v", rank=3)
    kt = g.node("Transpose", [k], "/attn/Transpose", perm=[0, 2, 1])
    s = g.node("MatMul", [q, kt], "/attn/MatMul")
    s = g.node("Div", [s, g.constant(np.sqrt(WIDTH), "/attn")], "/attn/Div")
    a = g.node("Softmax", [s], "/attn/Softmax", axis=-1)
    o = g.linear(g.node("MatMul", [a, v], "/attn/MatMul_1"), wo, bo, "/attn/out", rank=3)
    h = g.layer_norm(g.node("Add", [h, o], "/Add_1"), g1, n1, "/norm1", eps=LN_EPS, fused=LN_FUSED)
    m = g.linear(g.gelu(g.linear(h, w1, c1, "/mlp/fc1", rank=3), "/mlp/act"), w2, c2, "/mlp/fc2", rank=3)
    h = g.layer_norm(g.node("Add", [h, m], "/Add_2"), g2, n2, "/norm2", eps=LN_EPS, fused=LN_FUSED)
    pooled = g.node("ReduceMean", [h], "/ReduceMean", axes=[1], keepdims=0)
    g.linear(pooled, wc, bc, "/head", out="output")
    save_torch_model(
        "digits-transformer",
        g,
        f"transformer block on the 8x8 digit as {TOKENS} tokens of 8 pixels: linear embedding + learned positions (width {WIDTH}), "
        f"single-head attention with softmax, LayerNorm, GELU MLP ({HIDDEN}), LayerNorm, mean pool, Linear(10); "
        "written as torch.onnx.export (opset 17) writes it",
        x_te[0],
        logits[:1],
        dataset="datasets/digits-test.json",
        input_range=DIGITS_INPUT_RANGE,
        float_test_accuracy=round(float((logits.argmax(1) == y_te).mean()), 6),
    )


def main(only: list[str]) -> None:
    """Builds every model, or only the named ones (`npm run models -- digits-transformer`)."""
    x_tr, x_te, y_tr, y_te = digits_split()
    os.makedirs(os.path.join(HERE, "datasets"), exist_ok=True)
    write_json(
        os.path.join(HERE, "datasets", "digits-test.json"),
        {
            "name": "digits-test",
            "description": "scikit-learn 8x8 digits, test split (20%, stratified, random_state=0); pixels / 16",
            "shape": [64],
            "inputs": [floats(row) for row in x_te],
            "labels": [int(v) for v in y_te],
        },
    )
    digits = (x_tr, y_tr, x_te, y_te)
    builders = {
        "digits-mlp": lambda: build_digits_mlp(*digits),
        "digits-cnn": lambda: build_digits_cnn(*digits),
        **{f"sweep-mlp-{tag}": (lambda w=width, t=tag: build_sweep_mlp(t, w)) for tag, width in [("1e2", 8), ("1e3", 28), ("1e4", 96), ("1e5", 310), ("1e6", 995)]},
        **{f"sweep-cnn-{tag}": (lambda t=tag, s=side, c=channels: build_sweep_cnn(t, s, c)) for tag, side, channels in [("1e3", 8, 8), ("1e4", 16, 16), ("1e5", 32, 40)]},
        "digits-mlp-torch": lambda: build_digits_mlp_torch(*digits),
        "digits-lenet-bn": lambda: build_digits_lenet_bn(*digits),
        "digits-transformer": lambda: build_digits_transformer(*digits),
    }
    unknown = [n for n in only if n not in builders]
    if unknown:
        raise SystemExit(f"unknown model(s) {unknown}; the zoo has {sorted(builders)}")
    for name, build in builders.items():
        if not only or name in only:
            build()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
