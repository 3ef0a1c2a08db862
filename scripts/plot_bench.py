"""Plots bench/results/groth16.json: constraints vs parameters, and proving time vs EZKL."""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(src: str, dst: str) -> None:
    with open(src) as f:
        data = json.load(f)
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.5))
    for kind, marker in (("mlp", "o"), ("cnn", "s")):
        rows = [r for r in data["constraints"] if kind in r["model"]]
        a.scatter([r["parameters"] for r in rows], [r["constraints"] for r in rows], marker=marker, label=kind.upper())
        for r in rows:
            a.annotate(r["model"], (r["parameters"], r["constraints"]), fontsize=7, xytext=(3, 3), textcoords="offset points")
    a.set_xscale("log")
    a.set_yscale("log")
    a.set_xlabel("parameters")
    a.set_ylabel("Groth16 constraints (public weights)")
    a.set_title("Circuit size vs model size")
    a.grid(True, which="both", alpha=0.3)
    a.legend()
    p = data["proving"]
    names = ["ours: Groth16 (snarkjs)"]
    values = [p["groth16"]["proveMsMedian"] / 1000]
    if p["ezkl"]:
        names.append(f"raw EZKL {p['ezkl']['version']}")
        values.append(p["ezkl"]["proveMs"] / 1000)
    b.bar(names, values, color=["tab:blue", "tab:orange"][: len(values)])
    for i, v in enumerate(values):
        b.text(i, v, f"{v:.2f} s", ha="center", va="bottom")
    b.set_ylabel("proving time (s)")
    b.set_title(f"Proving {p['model']} ({data['machine']})")
    fig.tight_layout()
    fig.savefig(dst, dpi=120)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
